// register, heartbeat, unregister, cleanup, status, task.
#include <unistd.h>

#include <sys/stat.h>

#include "cli/env.h"
#include "core/ancestry.h"
#include "core/mounts.h"
#include "core/path.h"
#include "core/procinfo.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

struct RegisterOpts {
  std::string tool;
  std::string project;
  bool quiet = false;
  bool export_line = false;
  std::optional<int64_t> pid;  // --pid: bind to this process (0: to none)
  bool worktree_local = false;
};

// The process a new instance is bound to ({} for none) and a phrase saying
// why, for the terminal.
Result<std::pair<ProcRef, std::string>> choose_binding(const RegisterOpts& o) {
  if (o.pid) {
    if (*o.pid == 0) return std::pair<ProcRef, std::string>{{}, "not bound (--pid 0)"};
    auto st = *o.pid > 0 ? proc_stat(static_cast<pid_t>(*o.pid)) : std::nullopt;
    if (!st || st->state == 'Z')
      return Status::invalid("--pid " + std::to_string(*o.pid) + ": no such running process");
    return std::pair<ProcRef, std::string>{{*o.pid, st->start}, st->comm};
  }
  AgentSearch found = find_agent(getppid());
  if (!found.agent) return std::pair<ProcRef, std::string>{{}, "not bound: " + found.why};
  return std::pair<ProcRef, std::string>{*found.agent, found.comm};
}

// The live instance this command already acts as through a process of its
// own lineage (an agent under `aio exec`, or one that registered before):
// registering again from its shell commands adopts it, so the agent keeps
// one identity and never meets its own claims under another. Only for the
// same project.
const Instance* already_bound(const State& s, const Env& env, const RegisterOpts& o,
                              const std::string& project) {
  if (o.pid) return nullptr;  // an explicit binding asks for a new instance
  Identity id = resolve_identity(s, env.caller, env.clock);
  if (!id.instance || !bound_here(*id.instance, env.clock) || id.instance->project != project)
    return nullptr;
  for (const ProcRef& p : env.caller.lineage)
    if (p.pid == id.instance->bound_pid && p.start == id.instance->bound_start_time)
      return id.instance;
  return nullptr;
}

// The project to register for (core/project.h): the one given, as it names
// itself from any checkout, else where the working directory belongs.
Result<Location> register_location(const Env& env, const State& s, const RegisterOpts& o) {
  std::string dir = o.project.empty() ? env.cwd : absolute_path(o.project);
  struct stat st;
  if (!o.project.empty() && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    return Status::invalid("project " + dir + " is not a directory");
  auto l = locate(dir, project_hints(env, &s, "", o.worktree_local));
  if (!l) return l;
  if (o.worktree_local && l->how != Rule::kWorktreeLocal)
    return Status::invalid("--worktree-local: " + dir +
                           " is in no linked git worktree (it is in the " + l->describe() + ")");
  if (!o.project.empty()) *l = Location{l->logical(), dir, "", l->how};  // the project it names
  return l;
}

// What run_register did: the instance, where, and whether it was adopted.
struct Registered {
  Instance instance;
  Location where;
  bool adopted = false;
};

// One round of aio register: the project found from the instances loaded
// first (register_location looks at the file system and git: never with the
// store locked, core/store.h), then the registration in one transaction.
Status register_round(Env& env, const RegisterOpts& o, const ProcRef& bind, Looked& looked,
                      Registered* out) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  auto l = register_location(env, *loaded, o);
  if (!l) return l.status();
  out->where = *l;
  return env.store->update([&](Txn& t) -> Status {
    if (!looked.fits(t.state())) return Looked::changed();
    const std::string& project = out->where.project;
    if (const Instance* mine = already_bound(t.state(), env, o, project)) {
      out->instance = *mine;
      out->adopted = true;
      t.heartbeat(mine->id, env.clock.now);
      return Status::ok();
    }
    RegisterRequest r;
    r.bind = bind;
    r.machine_id = env.clock.machine_id;
    r.tool = o.tool;
    r.project = project;
    r.pid = getppid();
    r.sid = env.caller.sid;
    r.sid_start = env.caller.sid_start;
    auto i = register_instance(t, r, env.clock);
    if (!i) return i.status();
    out->instance = *i;
    return Status::ok();
  });
}

Status run_register(Env& env, const RegisterOpts& o) {
  AIO_RETURN_IF_ERROR(validate_tool(o.tool));
  auto binding = choose_binding(o);
  if (!binding) return binding.status();
  Registered reg;
  AIO_RETURN_IF_ERROR(until_fits(
      [&](Looked& looked) { return register_round(env, o, binding->first, looked, &reg); }));
  const Instance& created = reg.instance;
  const Location& where = reg.where;
  bool adopted = reg.adopted;
  if (adopted && isatty(STDERR_FILENO) && !o.quiet && !env.json)
    fprintf(stderr, "aio: already registered as %s (bound to pid %lld); using it\n",
            created.id.c_str(), static_cast<long long>(created.bound_pid));
  spdlog::info("register {} ({}) for {} ({}){}", created.id, created.tool, created.project,
               where.describe(), adopted ? " (adopted)" : "");
  if (env.json) {
    env.print_json(instance_json(created, env.clock));
  } else if (o.export_line) {
    env.out("export AIO_INSTANCE=" + created.id + "\n");
  } else if (o.quiet) {
    env.out(created.id + "\n");
  } else {
    env.out(created.id + "\n");
    if (isatty(STDOUT_FILENO) && created.bound_pid > 0)
      fprintf(stderr,
              "aio: registered %s for %s (%s), bound to %s (pid %lld): it and every process "
              "it starts act as it while it runs\n",
              created.tool.c_str(), created.project.c_str(), where.describe().c_str(),
              binding->second.c_str(), static_cast<long long>(created.bound_pid));
    else if (isatty(STDOUT_FILENO))
      fprintf(stderr,
              "aio: registered %s for %s (%s; %s); this terminal now acts as it "
              "(other shells: export AIO_INSTANCE=%s)\n",
              created.tool.c_str(), created.project.c_str(), where.describe().c_str(),
              binding->second.c_str(), created.id.c_str());
  }
  return Status::ok();
}

// Runs fn with the caller's live instance inside one transaction.
Status with_me(Env& env, const std::function<Status(Txn&, const Instance&)>& fn) {
  return env.store->update([&](Txn& t) -> Status {
    auto me = require_identity(t.state(), env.caller, env.clock);
    if (!me) return me.status();
    Instance copy = **me;
    return fn(t, copy);
  });
}

Status run_heartbeat(Env& env) {
  std::string id;
  AIO_RETURN_IF_ERROR(with_me(env, [&](Txn& t, const Instance& me) {
    t.heartbeat(me.id, env.clock.now);
    id = me.id;
    return Status::ok();
  }));
  if (env.json)
    env.print_json({{"ok", true}, {"instance", id}, {"lastHeartbeat", format_iso(env.clock.now)}});
  else
    env.out("heartbeat " + id + "\n");
  return Status::ok();
}

Status run_unregister(Env& env) {
  std::string id, project;
  std::vector<Claim> released;
  AIO_RETURN_IF_ERROR(with_me(env, [&](Txn& t, const Instance& me) {
    id = me.id;
    project = me.project;
    released = unregister_instance(t, me.id);
    return Status::ok();
  }));
  beads_reopen(env, released, project);
  spdlog::info("unregister {} ({} claims released)", id, released.size());
  if (env.json) {
    Json j = {{"ok", true}, {"instance", id}, {"released", Json::array()}};
    for (const auto& c : released) j["released"].push_back(claim_json(c));
    env.print_json(j);
  } else {
    env.out("unregistered " + id + " (released " + std::to_string(released.size()) +
            (released.size() == 1 ? " claim)\n" : " claims)\n"));
  }
  return Status::ok();
}

Status run_cleanup(Env& env) {
  CleanupReport rep;
  AIO_RETURN_IF_ERROR(env.store->update([&](Txn& t) {
    rep = cleanup(t, env.clock);
    return Status::ok();
  }));
  beads_reopen(env, rep.claims, "");
  spdlog::info("cleanup: {} instances, {} claims", rep.instances.size(), rep.claims.size());
  if (env.json) {
    Json j = {{"ok", true}, {"instances", Json::array()}, {"claims", Json::array()}};
    for (const auto& i : rep.instances) j["instances"].push_back(instance_json(i, env.clock));
    for (const auto& c : rep.claims) j["claims"].push_back(claim_json(c));
    env.print_json(j);
    return Status::ok();
  }
  if (rep.instances.empty() && rep.claims.empty()) {
    env.out("nothing to clean up\n");
    return Status::ok();
  }
  for (const auto& i : rep.instances)
    env.out("removed stale instance " + i.id + " (" + i.tool + ", " + i.project +
            ", last heartbeat " + format_age(env.clock.now - i.last_heartbeat) + " ago)\n");
  for (const auto& c : rep.claims)
    env.out("released " + std::string(to_string(c.type)) + " claim " + c.id + " on " +
            (c.target.empty() ? "." : c.target) + " (" + c.instance_id + ")\n");
  return Status::ok();
}

// `aio status --json`.
Json status_json(const Env& env, const State& s, const Identity& me,
                 const Result<std::vector<MountRecord>>& mounts, const Result<Location>& here) {
  Json j = {{"home", env.home},
            {"staleSeconds", env.clock.stale_seconds},
            {"you", me.instance ? Json(me.instance->id) : Json(nullptr)},
            {"instances", Json::array()},
            {"claims", Json::array()},
            {"mounts", Json::array()}};
  if (here)
    j["here"] = {{"project", here->project},
                 {"checkout", here->checkout},
                 {"path", here->rel},
                 {"how", to_string(here->how)}};
  j["store"] = env.store->where();
  std::map<std::string, int64_t> lease;
  if (env.store->lease_seconds() > 0) {
    std::vector<std::string> ids;
    for (const auto& [id, i] : s.instances) ids.push_back(id);
    if (auto l = env.store->lease_left(ids)) lease = *l;
  }
  for (const auto& [id, i] : s.instances) {
    Json ij = instance_json(i, env.clock);
    if (auto l = lease.find(id); l != lease.end()) ij["leaseSecondsLeft"] = l->second;
    j["instances"].push_back(std::move(ij));
  }
  for (const auto& [id, c] : s.claims) {
    Json cj = claim_json(c);
    cj["active"] = claim_active(s, c, env.clock);
    j["claims"].push_back(std::move(cj));
  }
  if (mounts)
    for (const auto& m : *mounts)
      j["mounts"].push_back({{"source", m.source},
                             {"mountpoint", m.mountpoint},
                             {"project", m.project},
                             {"pid", m.pid},
                             {"mode", m.mode},
                             {"autoClaim", m.auto_claim},
                             {"alive", mount_daemon_alive(m)}});
  return j;
}

// What `aio status` notes after a claim: made by auto-claim, inactive.
std::string claim_marks(Env& env, const Claim& c, bool active) {
  std::string marks = c.auto_claimed ? "auto-claimed" : "";
  if (!active) marks += (marks.empty() ? "" : ", ") + env.paint("inactive", "33");
  return marks;
}

// A machine id as status shows it: a boot id's first 8 characters.
std::string short_machine(const std::string& m) {
  return m.size() > 12 ? m.substr(0, 8) : (m.empty() ? "-" : m);
}

// The INSTANCES table of `aio status`; in a store shared by several machines
// with each instance's machine and the seconds its lease has left.
std::string instance_rows(Env& env, const State& s, const Identity& me, bool all) {
  bool shared = env.store->lease_seconds() > 0;
  std::map<std::string, int64_t> lease;
  if (shared) {
    std::vector<std::string> ids;
    for (const auto& [id, i] : s.instances) ids.push_back(id);
    if (auto l = env.store->lease_left(ids)) lease = *l;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [id, i] : s.instances) {
    bool ok = is_live(i, env.clock);
    if (!all && !ok && s.instances.size() > 50) continue;
    std::string task = i.current_task.value_or("");
    if (i.beads_issue) task += " [" + *i.beads_issue + "]";
    size_t n = 0;
    for (const auto& cid : i.claims) n += s.claims.count(cid);
    std::vector<std::string> row = {(me.instance && me.instance->id == id ? "* " : "  ") + id,
                                    i.tool,
                                    i.project,
                                    (ok ? env.paint("live", "32") : env.paint("stale", "33")) +
                                        (i.auto_claim ? ", auto-claim" : ""),
                                    live_by(i, env.clock),
                                    std::to_string(n),
                                    task};
    if (shared) {
      auto l = lease.find(id);
      row.insert(row.begin() + 3, short_machine(i.machine_id) +
                                      (i.machine_id == env.clock.machine_id ? " (here)" : ""));
      row.insert(row.begin() + 4, l == lease.end() ? "-" : std::to_string(l->second) + "s");
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return "";
  if (shared)
    return render_table(
        {"  ID", "TOOL", "PROJECT", "MACHINE", "LEASE", "STATE", "LIVE BY", "CLAIMS", "TASK"}, rows,
        env);
  return render_table({"  ID", "TOOL", "PROJECT", "STATE", "LIVE BY", "CLAIMS", "TASK"}, rows, env);
}

Status run_status(Env& env, bool all) {
  auto st = load_state(env);
  if (!st) return st.status();
  const State& s = *st;
  Identity me = resolve_identity(s, env.caller, env.clock);
  auto mounts = list_mounts(env.home);       // a broken mounts file must not hide the state
  auto here = locate_path(env, s, env.cwd);  // nor a repository that cannot be read
  if (env.json) {
    env.print_json(status_json(env, s, me, mounts, here));
    return Status::ok();
  }
  size_t live = 0;
  for (const auto& [id, i] : s.instances) live += is_live(i, env.clock);
  std::string out;
  out += env.paint("aio", "1") + " state " + env.store->where() + " (stale after " +
         std::to_string(env.clock.stale_seconds) + "s)\n";
  if (me.instance)
    out += "you: " + me.instance->id + " (via " + me.source + ")\n";
  else if (!me.problem.empty())
    out += "you: anonymous (" + me.problem + ")\n";
  else
    out += "you: anonymous (run `aio register <tool>`)\n";
  out += "here: " + (here ? here->describe() : here.status().message()) + "\n";
  out += "\n" + env.paint("INSTANCES", "1") + " " + std::to_string(live) + " live, " +
         std::to_string(s.instances.size() - live) + " stale\n";
  out += instance_rows(env, s, me, all);
  std::vector<std::vector<std::string>> rows;
  out += "\n" + env.paint("CLAIMS", "1") + " " + std::to_string(s.claims.size()) + "\n";
  rows.clear();
  for (const auto& [id, c] : s.claims)
    rows.push_back({id, std::string(to_string(c.type)), c.target.empty() ? "." : c.target,
                    c.instance_id, c.project, claim_marks(env, c, claim_active(s, c, env.clock))});
  if (!rows.empty())
    out += render_table({"ID", "TYPE", "TARGET", "HOLDER", "PROJECT", ""}, rows, env);
  if (mounts && !mounts->empty()) {
    out += "\n" + env.paint("MOUNTS", "1") + " " + std::to_string(mounts->size()) + "\n";
    rows.clear();
    for (const auto& m : *mounts)
      rows.push_back({m.mountpoint, m.source == m.mountpoint ? "(in place)" : m.source, m.project,
                      m.mode + (m.auto_claim ? ", auto-claim" : ""), std::to_string(m.pid),
                      mount_daemon_alive(m) ? "running" : env.paint("dead", "33")});
    out += render_table({"MOUNTPOINT", "SOURCE", "PROJECT", "MODE", "PID", "DAEMON"}, rows, env);
  }
  env.out(out);
  return Status::ok();
}

struct TaskOpts {
  std::string description;
  std::string beads;
};

Status run_task(Env& env, const TaskOpts& o) {
  std::string desc = o.description;
  if (desc.find_first_not_of(" \t\n") == std::string::npos)
    return Status::invalid("empty task description");
  if (desc.size() > 1000) return Status::invalid("task description longer than 1000 characters");
  // A Beads id in a project that uses Beads is claimed in bd first (core/bd.h).
  std::optional<BeadsTaken> taken;
  if (!o.beads.empty()) {
    auto t = beads_take_task(env, o.beads);
    if (!t) return t.status();
    taken = *t;
  }
  std::optional<ClaimOutcome> task_claim;
  std::string id;
  Status set = with_me(env, [&](Txn& t, const Instance& me) -> Status {
    id = me.id;
    if (!o.beads.empty()) {
      auto c = grant_claim(t, me, ClaimType::kTask, o.beads, env.clock);
      if (!c) return c.status();
      task_claim = *c;
    }
    Instance updated = t.state().instances.at(me.id);
    updated.current_task = desc;
    if (!o.beads.empty()) updated.beads_issue = o.beads;
    updated.last_heartbeat = env.clock.now;
    t.put_instance(updated);
    return Status::ok();
  });
  if (!set) {
    beads_give_back(taken);
    return set;
  }
  spdlog::info("task {}: {} {}", id, desc, o.beads);
  if (env.json) {
    Json j = {{"ok", true}, {"instance", id}, {"task", desc}};
    if (task_claim) j["claim"] = claim_json(task_claim->claim);
    env.print_json(j);
  } else {
    env.out("task set for " + id + ": " + desc + "\n");
    if (task_claim) env.out("claimed task " + o.beads + " (" + task_claim->claim.id + ")\n");
  }
  return Status::ok();
}

}  // namespace

void register_instance_commands(CLI::App& app, Env& env) {
  auto ro = std::make_shared<RegisterOpts>();
  auto* reg = app.add_subcommand("register", "Register this terminal/agent as an instance");
  reg->add_option("tool", ro->tool, "claude, codex, gemini, amp, ...")->required();
  reg->add_option("project", ro->project,
                  "Project root (default: where the current directory belongs: its aio mount, "
                  "git repository or registered project)");
  reg->add_flag("--worktree-local", ro->worktree_local,
                "In a linked git worktree: make the worktree its own project");
  reg->add_flag("-q,--quiet", ro->quiet, "Print the id alone");
  reg->add_flag("--export", ro->export_line, "Print `export AIO_INSTANCE=<id>` for eval");
  reg->add_option("--pid", ro->pid,
                  "Bind to this process: live exactly while it runs (0: bind to none; default: "
                  "the agent running this command, if any)");
  reg->callback([&env, ro] { env.run = [&env, ro] { return run_register(env, *ro); }; });

  app.add_subcommand("heartbeat", "Tell the others this instance is alive")->callback([&env] {
    env.run = [&env] { return run_heartbeat(env); };
  });
  app.add_subcommand("unregister", "Remove this instance and release its claims")->callback([&env] {
    env.run = [&env] { return run_unregister(env); };
  });
  app.add_subcommand("cleanup", "Remove stale instances, their claims and expired claims")
      ->callback([&env] { env.run = [&env] { return run_cleanup(env); }; });

  auto all = std::make_shared<bool>(false);
  auto* status = app.add_subcommand("status", "Show instances and claims");
  status->add_flag("-a,--all", *all, "Show every stale instance too");
  status->callback([&env, all] { env.run = [&env, all] { return run_status(env, *all); }; });

  auto to = std::make_shared<TaskOpts>();
  auto* task = app.add_subcommand("task", "Set what this instance is working on");
  task->add_option("description", to->description, "What you are doing")->required();
  task->add_option("beads-id", to->beads, "Beads issue id (also claimed as a task)");
  task->callback([&env, to] { env.run = [&env, to] { return run_task(env, *to); }; });
}

}  // namespace aio::cli
