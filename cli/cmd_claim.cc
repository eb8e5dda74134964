// claim, check, release.
#include "cli/env.h"
#include "core/path.h"
#include "core/requests.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

struct ClaimOpts {
  std::string type;
  std::string target;
};

// One round of aio claim: where the target lands in the caller's project
// and what is there, found from a state loaded first (no lock: core/store.h),
// then the claim granted in one transaction that only re-checks the state.
Status claim_round(Env& env, ClaimType type, const ClaimOpts& o, Looked& looked,
                   ClaimOutcome* out) {
  auto loaded = load_caller_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  auto me = require_identity(*loaded, env.caller, env.clock);
  if (!me) return me.status();
  std::string project = (*me)->project;
  auto where = land(env, looked.projects(), project, type, o.target);
  if (!where) return where.status();
  std::optional<bool> kind = kind_at(where->path);
  Claim probe;
  probe.type = type;
  probe.target = where->target;
  probe.project = project;
  // Only the claims that may conflict with this one need loading (and our
  // own instance whole, to add the claim to its list).
  auto plan = [&](const State& s) -> Focus {
    auto now = require_identity(s, env.caller, env.clock);
    return focus_on(probe, now ? (*now)->id : "");
  };
  looked.recall(*env.store, std::move(loaded).value());  // the instances again, if nothing changed
  return env.store->update_focused(
      plan,
      [&](Txn& t) -> Status {
        auto now = require_identity(t.state(), env.caller, env.clock);
        if (!now) return now.status();
        if (!looked.fits(t.state(), (*now)->project == project)) return Looked::changed();
        Instance self = **now;
        auto granted = claim_stored(
            t, self, type, where->target, [&](const std::string&) { return kind; }, env.clock);
        if (!granted) return granted.status();
        *out = *granted;
        return Status::ok();
      },
      caller_pick(env));
}

Status run_claim(Env& env, const ClaimOpts& o) {
  auto type = parse_claim_kind(o.type);
  if (!type) return type.status();
  // A task claim in a project that uses Beads is bd's first (core/bd.h).
  std::optional<BeadsTaken> taken;
  if (*type == ClaimType::kTask) {
    auto t = beads_take_task(env, o.target);
    if (!t) return t.status();
    taken = *t;
  }
  ClaimOutcome out;
  Status granted =
      until_fits([&](Looked& looked) { return claim_round(env, *type, o, looked, &out); });
  if (!granted) {
    beads_give_back(taken);
    return granted;
  }
  const Claim& c = out.claim;
  std::string shown = c.target.empty() ? "." : c.target;
  if (!out.existed)
    spdlog::info("claim {} {} {} by {}", c.id, to_string(c.type), shown, c.instance_id);
  if (env.json) {
    Json j = claim_json(c);
    j["existed"] = out.existed;
    env.print_json(j);
  } else {
    env.out(std::string(out.existed ? "already holding " : "claimed ") +
            std::string(to_string(c.type)) + " " + shown + " (" + c.id + ")\n");
  }
  return Status::ok();
}

struct CheckOpts {
  std::string path;
  std::string type;
};

// The claim `aio check` asks about: the path as the caller would claim it,
// in the caller's project (or, for anonymous callers, the project of the
// path, core/project.h). It looks at the path: never with the store locked.
Result<Claim> check_probe(const Env& env, const std::vector<std::string>& projects,
                          const Identity& me, const std::optional<ClaimType>& type,
                          const CheckOpts& o) {
  std::string project;
  if (me.instance) {
    project = me.instance->project;
  } else {
    // A path chooses its project; a pattern or a task is of the working directory's.
    bool path = !type || type == ClaimType::kFile || type == ClaimType::kDirectory;
    std::string where = env.cwd;
    if (path && !o.path.empty())
      where = normalize_absolute(o.path.front() == '/' ? o.path : env.cwd + "/" + o.path);
    auto l = locate_path(env, projects, where);
    if (!l) return l.status();
    project = l->project;
  }
  Claim probe;
  probe.project = project;
  probe.exclusive = true;
  probe.type = type.value_or(ClaimType::kFile);
  auto landed = land(env, projects, project, probe.type, o.path);
  if (!landed) return landed.status();
  probe.target = landed->target;
  if (!type && kind_at(landed->path).value_or(false)) probe.type = ClaimType::kDirectory;
  return probe;
}

// One look of aio check: the probe placed from the instances loaded first,
// then only the claims that may conflict with it (*s, *probe).
Status check_round(Env& env, const std::optional<ClaimType>& type, const CheckOpts& o,
                   Looked& looked, State* s, Claim* probe) {
  auto loaded = load_caller_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  Identity then = resolve_identity(*loaded, env.caller, env.clock);
  auto made = check_probe(env, looked.projects(), then, type, o);
  if (!made) return made.status();
  *probe = *made;
  bool was_anonymous = !then.instance;
  looked.recall(*env.store, std::move(loaded).value());  // the instances again, if nothing changed
  auto st =
      env.store->load_focused([&](const State&) { return focus_on(*probe); }, caller_pick(env));
  if (!st) return st.status();
  *s = std::move(st).value();
  Identity now = resolve_identity(*s, env.caller, env.clock);
  bool same =
      !now.instance == was_anonymous && (!now.instance || now.instance->project == probe->project);
  return looked.fits(*s, same) ? Status::ok() : Looked::changed();
}

Status run_check(Env& env, const CheckOpts& o) {
  std::optional<ClaimType> type;
  if (!o.type.empty()) {
    type = parse_claim_type(o.type);
    if (!type) return Status::invalid("unknown claim type '" + o.type + "'");
  }
  State s;
  Claim probe;
  AIO_RETURN_IF_ERROR(
      until_fits([&](Looked& looked) { return check_round(env, type, o, looked, &s, &probe); }));
  Identity me = resolve_identity(s, env.caller, env.clock);
  const std::string& project = probe.project;
  std::string me_id = me.instance ? me.instance->id : "";
  auto blocking = blockers(s, probe, me_id, env.clock);
  auto mine = own_covering(s, probe, me_id, env.clock);
  std::string shown = probe.target.empty() ? "." : probe.target;
  std::string verdict = !blocking.empty() ? "claimed" : (!mine.empty() ? "yours" : "free");
  if (env.json) {
    Json j = {{"target", probe.target},
              {"type", to_string(probe.type)},
              {"project", project},
              {"status", verdict},
              {"you", me_id.empty() ? Json(nullptr) : Json(me_id)},
              {"blocking", Json::array()},
              {"yours", Json::array()}};
    for (const auto& b : blocking) {
      Json cj = claim_json(*b.claim);
      cj["holder"] = {
          {"id", b.holder->id},
          {"tool", b.holder->tool},
          {"currentTask", b.holder->current_task ? Json(*b.holder->current_task) : Json(nullptr)},
          {"lastHeartbeat", format_iso(b.holder->last_heartbeat)}};
      j["blocking"].push_back(cj);
    }
    for (const auto* c : mine) j["yours"].push_back(claim_json(*c));
    env.print_json(j);
  } else if (!blocking.empty()) {
    std::string out;
    for (const auto& b : blocking)
      out += shown + " is claimed by " + describe_holder(b, project) + ", heartbeat " +
             format_age(env.clock.now - b.holder->last_heartbeat) + " ago\n";
    env.out(out);
  } else if (!mine.empty()) {
    env.out(shown + " is yours (" + std::string(to_string(mine.front()->type)) + " claim " +
            mine.front()->id + ")\n");
  } else {
    env.out(shown + " is free\n");
  }
  bool free = blocking.empty();
  blocking.clear();
  mine.clear();
  keep_until_exit(std::move(s));
  return free ? Status::ok() : Status::refused("");
}

struct ReleaseOpts {
  std::string what;
  bool force = false;
};

// Where aio release's paths are, as the caller's project names them from
// any of its checkouts: found before the store is locked (core/store.h).
struct ReleasePlaces {
  std::string project;
  std::string cwd;   // the working directory
  std::string what;  // an absolute path typed ("" when not one, or nowhere)
};

ReleasePlaces release_places(const Env& env, const State& s, const Instance* self,
                             const ReleaseOpts& o) {
  ReleasePlaces p{current_project(s, self, env), env.cwd, ""};
  Hints h = project_hints(env, &s, p.project);
  if (auto here = locate(env.cwd, h)) p.cwd = here->logical();
  if (!o.what.empty() && o.what.front() == '/')
    if (auto there = locate(o.what, h)) p.what = there->logical();
  return p;
}

// One round of aio release: places found from the instances loaded first,
// then the release in one transaction that only re-checks the state.
Status release_round(Env& env, const ReleaseOpts& o, Looked& looked, std::string* who,
                     std::vector<Claim>* released, std::string* project) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  Identity then = resolve_identity(*loaded, env.caller, env.clock);
  ReleasePlaces places = release_places(env, *loaded, then.instance, o);
  *project = places.project;
  return env.store->update([&](Txn& t) -> Status {
    Identity id = resolve_identity(t.state(), env.caller, env.clock);
    // --force works without an identity, but never under an id that is refused.
    if (!id.instance && (!o.force || !id.problem.empty())) {
      auto me = require_identity(t.state(), env.caller, env.clock);
      return me.status();
    }
    bool same =
        !id.instance == !then.instance && (!id.instance || id.instance->project == places.project);
    if (!looked.fits(t.state(), same)) return Looked::changed();
    std::optional<Instance> self;
    if (id.instance) self = *id.instance;
    *who = self ? self->id : "anonymous";
    std::string what = o.what;
    if (!places.what.empty() && !t.state().claims.count(what)) what = places.what;
    auto r =
        release(t, self ? &*self : nullptr, what, o.force, places.project, places.cwd, env.clock);
    if (!r) return r.status();
    *released = *r;
    return Status::ok();
  });
}

Status run_release(Env& env, const ReleaseOpts& o) {
  std::vector<Claim> released;
  std::string who, project;
  AIO_RETURN_IF_ERROR(until_fits(
      [&](Looked& looked) { return release_round(env, o, looked, &who, &released, &project); }));
  beads_reopen(env, released, project);
  for (const auto& c : released)
    spdlog::info("release {} ({} {}) of {} by {}{}", c.id, to_string(c.type), c.target,
                 c.instance_id, who, o.force ? " (forced)" : "");
  if (env.json) {
    Json j = {{"ok", true}, {"released", Json::array()}};
    for (const auto& c : released) j["released"].push_back(claim_json(c));
    env.print_json(j);
  } else if (released.empty()) {
    env.out("no claims to release\n");
  } else {
    for (const auto& c : released)
      env.out("released " + std::string(to_string(c.type)) + " " +
              (c.target.empty() ? "." : c.target) + " (" + c.id + ")\n");
  }
  return Status::ok();
}

}  // namespace

Result<ClaimOutcome> claim_as_caller(Env& env, ClaimType type, const std::string& input) {
  ClaimOpts o{std::string(to_string(type)), input};
  ClaimOutcome out;
  AIO_RETURN_IF_ERROR(
      until_fits([&](Looked& looked) { return claim_round(env, type, o, looked, &out); }));
  return out;
}

void register_claim_command(CLI::App& app, Env& env) {
  auto co = std::make_shared<ClaimOpts>();
  auto* claim = app.add_subcommand("claim", "Claim a file, directory, glob pattern or task");
  claim->add_option("type", co->type, "file | directory | pattern | task")->required();
  claim->add_option("target", co->target, "Path, pattern or task id")->required();
  claim->callback([&env, co] { env.run = [&env, co] { return run_claim(env, *co); }; });
}

void register_check_command(CLI::App& app, Env& env) {
  auto ko = std::make_shared<CheckOpts>();
  auto* check = app.add_subcommand("check", "Is a path free, yours, or claimed by another?");
  check->add_option("path", ko->path, "Path (or pattern/task with --type)")->required();
  check->add_option("--type", ko->type, "Check as file, directory, pattern or task");
  check->callback([&env, ko] { env.run = [&env, ko] { return run_check(env, *ko); }; });
}

void register_release_command(CLI::App& app, Env& env) {
  auto lo = std::make_shared<ReleaseOpts>();
  auto* rel = app.add_subcommand("release", "Release a claim id, a path, or all your claims");
  rel->add_option("what", lo->what, "claim id | all | path | pattern | task id")->required();
  rel->add_flag("--force", lo->force, "Release another instance's claim (leaves a warning note)");
  rel->callback([&env, lo] { env.run = [&env, lo] { return run_release(env, *lo); }; });
}

}  // namespace aio::cli
