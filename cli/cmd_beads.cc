// The Beads bridge (core/bd.h): done, ready, and bd's side of task claims
// and their releases for the other commands. bd never runs with the store
// locked: each step here loads, runs bd, then transacts.
#include "cli/env.h"
#include "core/bd.h"

namespace aio::cli {
namespace {

// The root of the caller's checkout of `project` (where .beads/ is looked
// for first): "" when the working directory is in another project.
std::string checkout_here(const Env& env, const State* s, const std::string& project) {
  auto here = locate(env.cwd, project_hints(env, s, project));
  return here && here->project == project ? here->checkout : "";
}

// The caller's instance and the Beads of its checkout, from the instances
// loaded without the lock.
struct Caller {
  State loaded;
  Instance me;
  std::string checkout;
};

Result<Caller> caller_here(Env& env) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  auto me = require_identity(*loaded, env.caller, env.clock);
  if (!me) return me.status();
  Caller c{*loaded, **me, ""};
  c.checkout = checkout_here(env, &c.loaded, c.me.project);
  return c;
}

struct DoneOpts {
  std::string id;
  std::string reason;
};

// Another live instance's task claim on `id`, as a refusal ("" when none).
Result<std::string> held_by_other(Env& env, const Instance& me, const std::string& id) {
  Claim probe;
  probe.type = ClaimType::kTask;
  probe.target = id;
  probe.project = me.project;
  probe.exclusive = true;
  auto s = env.store->load_focused([&](const State&) { return focus_on(probe); });
  if (!s) return s.status();
  auto b = blockers(*s, probe, me.id, env.clock);
  return b.empty() ? "" : "task " + id + " is claimed by " + describe_holder(b.front());
}

Status run_done(Env& env, const DoneOpts& o) {
  AIO_RETURN_IF_ERROR(canonical_target(ClaimType::kTask, o.id, "/", "/").status());
  auto c = caller_here(env);
  if (!c) return c.status();
  auto other = held_by_other(env, c->me, o.id);
  if (!other) return other.status();
  if (!other->empty()) return Status::refused(*other + "; not closing it");
  auto site = find_beads(c->checkout, c->me.project);
  if (site) AIO_RETURN_IF_ERROR(Bd(*site, c->me.id).close(o.id, o.reason));
  std::vector<Claim> released;
  AIO_RETURN_IF_ERROR(env.store->update([&](Txn& t) -> Status {
    auto now = require_identity(t.state(), env.caller, env.clock);
    if (!now) return now.status();
    Instance me = **now;
    for (const auto& [cid, claim] : t.state().claims)
      if (claim.instance_id == me.id && claim.type == ClaimType::kTask && claim.target == o.id)
        released.push_back(claim);
    for (const auto& claim : released) {
      auto r = release(t, &me, claim.id, false, me.project, env.cwd, env.clock);
      if (!r) return r.status();
    }
    me = t.state().instances.at(me.id);
    if (me.beads_issue == o.id) {
      me.beads_issue.reset();
      me.current_task.reset();
      t.put_instance(me);
    }
    return Status::ok();
  }));
  spdlog::info("done {} by {}{} ({} claim(s) released)", o.id, c->me.id,
               site ? " (closed in Beads)" : "", released.size());
  if (env.json) {
    Json j = {
        {"ok", true}, {"task", o.id}, {"closedInBeads", site.is_ok()}, {"released", Json::array()}};
    if (!site) j["beads"] = site.status().message();
    for (const auto& cl : released) j["released"].push_back(claim_json(cl));
    env.print_json(j);
    return Status::ok();
  }
  env.out(site ? "closed " + o.id + " in Beads\n" : site.status().message() + "\n");
  for (const auto& cl : released) env.out("released task " + o.id + " (" + cl.id + ")\n");
  if (released.empty()) env.out("no task claim on " + o.id + " to release\n");
  return Status::ok();
}

Status run_ready(Env& env) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  Identity me = resolve_identity(*loaded, env.caller, env.clock);
  std::string project = current_project(*loaded, me.instance, env);
  auto site = find_beads(checkout_here(env, &*loaded, project), project);
  if (!site) return site.status();
  auto ready = Bd(*site, me.instance ? me.instance->id : "").ready();
  if (!ready) return ready.status();
  auto st = load_state(env);  // the claims as they are now, after bd answered
  if (!st) return st.status();
  std::set<std::string> held;
  for (const auto& [cid, claim] : st->claims)
    if (claim.type == ClaimType::kTask && claim.project == project &&
        claim_active(*st, claim, env.clock))
      held.insert(claim.target);
  auto free = beads::ready_minus_held(*ready, held);
  if (env.json) {
    Json j = Json::array();
    for (const auto& i : free) j.push_back(i.raw);
    env.print_json(j);
    return Status::ok();
  }
  if (free.empty()) {
    env.out("nothing ready (" + std::to_string(ready->size() - free.size()) +
            " ready in Beads, all held in aio)\n");
    return Status::ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : free)
    rows.push_back({i.id, i.priority ? "P" + std::to_string(*i.priority) : "", i.title});
  env.out(render_table({"ID", "PRIORITY", "TITLE"}, rows, env));
  return Status::ok();
}

}  // namespace

Result<std::optional<BeadsTaken>> beads_take_task(Env& env, const std::string& task) {
  AIO_RETURN_IF_ERROR(canonical_target(ClaimType::kTask, task, "/", "/").status());
  auto c = caller_here(env);
  if (!c) return c.status();
  auto site = find_beads(c->checkout, c->me.project);
  if (!site) return std::optional<BeadsTaken>();  // no Beads: task claims as without it
  AIO_RETURN_IF_ERROR(Bd(*site, c->me.id).claim(task));
  return std::optional<BeadsTaken>(BeadsTaken{*site, c->me.id, task});
}

void beads_give_back(const std::optional<BeadsTaken>& taken) {
  if (!taken) return;
  auto done = Bd(taken->site, taken->actor).unclaim(taken->task);
  if (done) {
    spdlog::info("beads: claim of {} by {} undone: {}", taken->task, taken->actor, *done);
    return;
  }
  std::string msg = "task " + taken->task + " is still claimed in Beads by " + taken->actor + ": " +
                    done.status().message();
  spdlog::warn("{}", msg);
  fprintf(stderr, "aio: warning: %s\n", msg.c_str());
}

void beads_reopen(Env& env, const std::vector<Claim>& released, const std::string& project) {
  bool tasks = false;
  for (const auto& c : released) tasks |= c.type == ClaimType::kTask;
  if (!tasks) return;
  std::string checkout = project.empty() ? "" : checkout_here(env, nullptr, project);
  reopen_released_tasks(released, project, checkout, true);
}

void register_beads_commands(CLI::App& app, Env& env) {
  auto d = std::make_shared<DoneOpts>();
  auto* done =
      app.add_subcommand("done", "Close a task in Beads (bd close) and release its task claim");
  done->add_option("task-id", d->id, "The Beads issue id")->required();
  done->add_option("--reason", d->reason, "Why it is closed (bd close --reason)");
  done->callback([&env, d] { env.run = [&env, d] { return run_done(env, *d); }; });

  app.add_subcommand("ready", "Beads issues ready to work on that no instance holds in aio")
      ->callback([&env] { env.run = [&env] { return run_ready(env); }; });
}

}  // namespace aio::cli
