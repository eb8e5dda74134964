// judge_writes (hook_parts.h): the paths a tool call or a commit would
// write, each judged as `aio check` judges it, over one load of the state.
#include "cli/hook_parts.h"
#include "core/path.h"

namespace aio::cli {
namespace {

// One path, placed in the caller's project (or, for an anonymous caller,
// the path's own): the probe `aio check` would make, or nothing when the
// path is outside the project.
struct Placed {
  Claim probe;
  std::string abs;
};

std::optional<Placed> place(const Env& env, const std::vector<std::string>& projects,
                            const Identity& me, const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::string abs = normalize_absolute(path.front() == '/' ? path : env.cwd + "/" + path);
  std::string project;
  if (me.instance) {
    project = me.instance->project;
  } else {
    auto l = locate_path(env, projects, abs);
    if (!l) return std::nullopt;
    project = l->project;
  }
  auto landed = land(env, projects, project, ClaimType::kFile, abs);
  if (!landed) return std::nullopt;  // outside the project: not aio's to judge
  Placed p;
  p.abs = abs;
  p.probe.project = project;
  p.probe.exclusive = true;
  p.probe.target = landed->target;
  // A directory (rm -r, mv of a tree) is judged with all it holds.
  p.probe.type = kind_at(landed->path).value_or(false) ? ClaimType::kDirectory : ClaimType::kFile;
  return p;
}

RefusedPath refused_by(const Placed& p, const WriteTarget& t, const Blocker& b) {
  return RefusedPath{p.probe.target.empty() ? "." : p.probe.target, t.how,
                     describe_holder(b, p.probe.project)};
}

// More paths than this in one call (a commit of many files) are judged on
// the whole state: a focused load tests each claim it reads against every
// path.
constexpr size_t kMostFocused = 64;

// One look (until_fits): the caller and the paths placed from the
// instances loaded first (no lock: env.h), then only the claims that may
// conflict with one of them (*s, *me, *placed).
Status judge_round(Env& env, const std::vector<WriteTarget>& targets, Looked& looked, State* s,
                   Identity* me, std::vector<std::pair<Placed, const WriteTarget*>>* placed) {
  auto loaded = load_caller_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  Identity then = resolve_identity(*loaded, env.caller, env.clock);
  placed->clear();
  std::vector<Claim> probes;
  for (const auto& t : targets)
    if (auto p = place(env, looked.projects(), then, t.path)) {
      probes.push_back(p->probe);
      placed->emplace_back(std::move(*p), &t);
    }
  bool was_anonymous = !then.instance;
  std::string project = then.instance ? then.instance->project : "";
  looked.recall(*env.store, std::move(loaded).value());  // the instances again, if nothing changed
  auto st = probes.size() <= kMostFocused
                ? env.store->load_focused([&](const State&) { return focus_on_any(probes); },
                                          caller_pick(env))
                : load_state(env);
  if (!st) return st.status();
  *s = std::move(st).value();
  *me = resolve_identity(*s, env.caller, env.clock);
  bool same = !me->instance == was_anonymous && (!me->instance || me->instance->project == project);
  return looked.fits(*s, same) ? Status::ok() : Looked::changed();
}

}  // namespace

Result<Verdict> judge_writes(Env& env, const std::vector<WriteTarget>& targets, bool auto_claim) {
  State s;
  struct KeepJudged {  // however this returns (env.h keep_until_exit)
    State* s;
    ~KeepJudged() { keep_until_exit(std::move(*s)); }
  } keep{&s};
  Identity me;
  std::vector<std::pair<Placed, const WriteTarget*>> placed;
  AIO_RETURN_IF_ERROR(until_fits(
      [&](Looked& looked) { return judge_round(env, targets, looked, &s, &me, &placed); }));
  std::string me_id = me.instance ? me.instance->id : "";
  Verdict v;
  std::vector<std::pair<Placed, const WriteTarget*>> to_claim;
  for (auto& [p, t] : placed) {
    auto blocking = blockers(s, p.probe, me_id, env.clock);
    if (!blocking.empty()) {
      v.refused.push_back(refused_by(p, *t, blocking.front()));
      continue;
    }
    bool claimable = auto_claim && me.instance && p.probe.type == ClaimType::kFile;
    if (claimable && own_covering(s, p.probe, me_id, env.clock).empty())
      to_claim.emplace_back(std::move(p), t);
  }
  if (!v.refused.empty()) return v;  // nothing is claimed for a call that is refused
  // The claims' own rounds (claim_as_caller) start from the instances this
  // focused load decoded when nothing changed since, instead of decoding them
  // again (me and s are not looked at past here).
  if (!to_claim.empty() && placed.size() <= kMostFocused) env.store->recall(std::move(s));
  for (const auto& [p, t] : to_claim) {
    auto got = claim_as_caller(env, ClaimType::kFile, p.abs);
    if (got) {
      if (!got->existed) {
        v.claimed.push_back(got->claim.id);
        spdlog::info("hook: auto-claimed {} ({}) for {}", p.probe.target, got->claim.id, me_id);
      }
      continue;
    }
    if (got.status().code() != Code::kRefused) return got.status();
    // Taken between the look and the claim: the refusal names the holder.
    std::string holder = got.status().message();
    if (auto at = holder.find(" is claimed by "); at != std::string::npos)
      holder = holder.substr(at + 15);
    v.refused.push_back(RefusedPath{p.probe.target, t->how, holder});
  }
  return v;
}

}  // namespace aio::cli
