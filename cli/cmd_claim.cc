// claim, check, release.
#include <sys/stat.h>

#include <map>

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

// What is on disk at a claimed path: nullopt when nothing is there yet.
std::optional<bool> is_directory(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return S_ISDIR(st.st_mode);
}

// What is at claimed paths, looked at while the store is not locked (see
// core/store.h: a lookup through a mount with the lock held can wait
// forever). A path not looked at yet is a miss: the transaction is given up
// (changing nothing), the path looked at, and the transaction run again.
struct Looked {
  std::map<std::string, std::optional<bool>> kinds;  // absolute path -> is a directory
  std::string missed;
  KindProbe probe(const std::string& project) {
    return [this, project](const std::string& rel) -> std::optional<bool> {
      std::string path = join_root(project, rel);
      if (auto it = kinds.find(path); it != kinds.end()) return it->second;
      missed = path;
      return std::nullopt;
    };
  }
  void look(const std::string& path) { kinds[path] = is_directory(path); }
};

Status run_claim(Env& env, const ClaimOpts& o) {
  auto type = parse_claim_kind(o.type);
  if (!type) return type.status();
  ClaimOutcome out;
  // Only the claims that may conflict with this one need loading (and our
  // own instance whole, to add the claim to its list).
  auto plan = [&](const State& s) -> Focus {
    auto me = require_identity(s, env.caller, env.clock);
    if (!me) return {};
    auto target = canonical_target(*type, o.target, (*me)->project, env.cwd);
    if (!target) return {};
    Claim probe;
    probe.type = *type;
    probe.target = *target;
    probe.project = (*me)->project;
    return focus_on(probe, (*me)->id);
  };
  // The target as typed, from cwd (the usual spelling), is looked at first.
  Looked looked;
  bool path = *type == ClaimType::kFile || *type == ClaimType::kDirectory;
  if (path && !o.target.empty())
    looked.look(normalize_absolute(o.target.front() == '/' ? o.target : env.cwd + "/" + o.target));
  for (int round = 0;; ++round) {
    Status s = env.store->update_focused(plan, [&](Txn& t) -> Status {
      looked.missed.clear();
      auto me = require_identity(t.state(), env.caller, env.clock);
      if (!me) return me.status();
      Instance self = **me;
      auto granted =
          claim_input(t, self, *type, o.target, env.cwd, looked.probe(self.project), env.clock);
      if (!looked.missed.empty()) return Status::state("look at " + looked.missed + " first");
      if (!granted) return granted.status();
      out = *granted;
      return Status::ok();
    });
    if (looked.missed.empty() || round == 2) AIO_RETURN_IF_ERROR(s);
    if (looked.missed.empty()) break;
    looked.look(looked.missed);
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
// in the caller's project (or, for anonymous callers, the registered project
// holding the path).
// `look`: whether it may look at what is at the path to tell a file from a
// directory; not while the store is locked (core/store.h), where a
// directory is assumed (its focus keeps what a file's would).
Result<Claim> check_probe(const Env& env, const State& s, const Identity& me,
                          const std::optional<ClaimType>& type, const CheckOpts& o, bool look) {
  std::string project;
  std::string input = o.path;
  if (me.instance) {
    project = me.instance->project;
  } else if (type == ClaimType::kPattern || type == ClaimType::kTask) {
    project = current_project(s, nullptr, env);
  } else if (!o.path.empty()) {
    // Anonymous: the project is the registered one holding the path (it may
    // be the project root itself), and since the path chose the project, a
    // relative path is read from the working directory, not the root.
    input = normalize_absolute(o.path.front() == '/' ? o.path : env.cwd + "/" + o.path);
    project = project_for_path(s, input);
    bool registered = false;
    for (const auto& [id, inst] : s.instances) registered = registered || inst.project == project;
    if (!registered) project = current_project(s, nullptr, env);
  } else {
    project = current_project(s, nullptr, env);
  }
  Claim probe;
  probe.project = project;
  probe.exclusive = true;
  probe.type = type.value_or(ClaimType::kFile);
  auto target = canonical_target(probe.type, input, project, env.cwd);
  if (!target) return target.status();
  probe.target = *target;
  if (!type && (!look || is_directory(join_root(project, probe.target)).value_or(false)))
    probe.type = ClaimType::kDirectory;
  return probe;
}

Status run_check(Env& env, const CheckOpts& o) {
  std::optional<ClaimType> type;
  if (!o.type.empty()) {
    type = parse_claim_type(o.type);
    if (!type) return Status::invalid("unknown claim type '" + o.type + "'");
  }
  // Only the claims that may conflict with the probe need loading.
  auto st = env.store->load_focused([&](const State& s) -> Focus {
    auto probe = check_probe(env, s, resolve_identity(s, env.caller, env.clock), type, o, false);
    return probe ? focus_on(*probe) : Focus{};
  });
  if (!st) return st.status();
  const State& s = *st;
  Identity me = resolve_identity(s, env.caller, env.clock);
  auto made = check_probe(env, s, me, type, o, true);
  if (!made) return made.status();
  const Claim& probe = *made;
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
      out += shown + " is claimed by " + describe_holder(b) + ", heartbeat " +
             format_age(env.clock.now - b.holder->last_heartbeat) + " ago\n";
    env.out(out);
  } else if (!mine.empty()) {
    env.out(shown + " is yours (" + std::string(to_string(mine.front()->type)) + " claim " +
            mine.front()->id + ")\n");
  } else {
    env.out(shown + " is free\n");
  }
  return blocking.empty() ? Status::ok() : Status::refused("");
}

struct ReleaseOpts {
  std::string what;
  bool force = false;
};

Status run_release(Env& env, const ReleaseOpts& o) {
  std::vector<Claim> released;
  std::string who;
  AIO_RETURN_IF_ERROR(env.store->update([&](Txn& t) -> Status {
    Identity id = resolve_identity(t.state(), env.caller, env.clock);
    // --force works without an identity, but never under an id that is refused.
    if (!id.instance && (!o.force || !id.problem.empty())) {
      auto me = require_identity(t.state(), env.caller, env.clock);
      return me.status();
    }
    std::optional<Instance> self;
    if (id.instance) self = *id.instance;
    who = self ? self->id : "anonymous";
    std::string project = current_project(t.state(), self ? &*self : nullptr, env);
    auto r = release(t, self ? &*self : nullptr, o.what, o.force, project, env.cwd, env.clock);
    if (!r) return r.status();
    released = *r;
    return Status::ok();
  }));
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

void register_claim_commands(CLI::App& app, Env& env) {
  auto co = std::make_shared<ClaimOpts>();
  auto* claim = app.add_subcommand("claim", "Claim a file, directory, glob pattern or task");
  claim->add_option("type", co->type, "file | directory | pattern | task")->required();
  claim->add_option("target", co->target, "Path, pattern or task id")->required();
  claim->callback([&env, co] { env.run = [&env, co] { return run_claim(env, *co); }; });

  auto ko = std::make_shared<CheckOpts>();
  auto* check = app.add_subcommand("check", "Is a path free, yours, or claimed by another?");
  check->add_option("path", ko->path, "Path (or pattern/task with --type)")->required();
  check->add_option("--type", ko->type, "Check as file, directory, pattern or task");
  check->callback([&env, ko] { env.run = [&env, ko] { return run_check(env, *ko); }; });

  auto lo = std::make_shared<ReleaseOpts>();
  auto* rel = app.add_subcommand("release", "Release a claim id, a path, or all your claims");
  rel->add_option("what", lo->what, "claim id | all | path | pattern | task id")->required();
  rel->add_flag("--force", lo->force, "Release another instance's claim (leaves a warning note)");
  rel->callback([&env, lo] { env.run = [&env, lo] { return run_release(env, *lo); }; });
}

}  // namespace aio::cli
