#include "fs/guard.h"

#include <errno.h>

#include <spdlog/spdlog.h>

#include "core/autoclaim.h"
#include "core/timeutil.h"

namespace aio::fs {

namespace {

// In one transaction: drops me's auto-claim of file `drop` (when given),
// then claims `rel` for me (when `claim`), marked autoClaimed.
Status grant_auto_claim(Store& store, const std::string& me, const std::string& project,
                        const std::string& rel, bool claim, const std::string& drop,
                        const Clock& c) {
  Claim probe;
  probe.type = ClaimType::kFile;
  probe.target = rel;
  probe.project = project;
  Focus focus = focus_on(probe, me);
  focus.keep = [probe, drop](std::string_view p, ClaimType type, std::string_view target) {
    return may_conflict(probe, p, type, target) ||
           (type == ClaimType::kFile && target == drop && p == probe.project);
  };
  if (!drop.empty()) focus.ranges.push_back(exact_claim_range(project, ClaimType::kFile, drop));
  return store.update_focused(
      [&](const State&) { return focus; },
      [&](Txn& t) -> Status {
        auto it = t.state().instances.find(me);
        if (it == t.state().instances.end() || !is_live(it->second, c)) return Status::ok();
        Instance self = it->second;
        if (const Claim* old = drop.empty() ? nullptr : own_auto_claim(t.state(), self, drop)) {
          std::string id = old->id;
          if (auto r = release(t, &self, id, false, project, project, c); !r) return r.status();
        }
        if (!claim) return Status::ok();
        self = t.state().instances.at(me);
        auto g = grant_claim(t, self, ClaimType::kFile, rel, c, /*auto_claimed=*/true);
        return g ? Status::ok() : g.status();
      });
}

}  // namespace

bool Guard::other_name_blocked(const Snapshot& snap, const Who& who, const std::string& rel,
                               const struct stat* st, const Clock& c) const {
  if (!st || !S_ISREG(st->st_mode) || st->st_nlink < 2 || snap.index.claim_count() == 0)
    return false;
  for (const auto& name : tree_.other_names(*st, rel).paths)
    if (!snap.index.decide(who.instance, name, false, mode_, c).allowed) return true;
  return false;
}

void Guard::auto_claim(std::shared_ptr<const Snapshot>* snap, const Who& who, WriteOp op,
                       const std::string& rel, const struct stat* st, const FileWrite& fw) {
  const State& s = *(*snap)->state;
  auto it = s.instances.find(who.instance);
  if (it == s.instances.end()) return;
  Clock c = state_.clock();
  const std::string& project = state_.options().project;
  Decision d = (*snap)->index.decide(who.instance, rel, false, mode_, c);
  AutoClaimCase ac;
  ac.mount_auto_claim = auto_.mount;
  ac.writer = &it->second;
  ac.project = project;
  ac.op = op;
  ac.regular_file = fw.regular;
  ac.truncates = fw.truncates;
  ac.covered = d.claim || d.mine;
  bool claim = should_auto_claim(ac, [&] { return auto_.ignores->ignored(rel, false); });
  // A write refused below for another name of the file claims nothing.
  if (claim && other_name_blocked(**snap, who, rel, st, c)) claim = false;
  // The file taken away keeps its auto-claim when the operation is refused.
  bool drop = !fw.removes.empty() && !d.claim && project == it->second.project &&
              own_auto_claim(s, it->second, fw.removes);
  if (!claim && !drop) return;
  Status granted = grant_auto_claim(state_.store(), who.instance, project, rel, claim,
                                    drop ? std::string(fw.removes) : "", c);
  if (!granted && granted.code() != Code::kRefused) {
    // The write itself breaks no claim: let it through unclaimed.
    spdlog::error("auto-claim of {} for {} failed: {}", rel, who.instance, granted.message());
    return;
  }
  if (granted && claim)
    spdlog::info("auto-claimed {} for {} ({})", rel, who.instance, to_string(op));
  if (granted && drop)
    spdlog::info("auto-claim of {} by {} dropped ({})", fw.removes, who.instance, to_string(op));
  state_.reload();
  // Judged next on the state with the new claim, or with the winner's when
  // another instance claimed it first (refused then, naming it). A drop
  // alone is judged on the state before it: the file was the writer's.
  if (claim) *snap = state_.refresh();
}

int Guard::check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
                 const struct stat* st, const FileWrite& fw) {
  return check_on(state_.refresh(), who, op, rel, subtree, st, fw);
}

int Guard::check_on(std::shared_ptr<const Snapshot> snap, const Who& who, WriteOp op,
                    const std::string& rel, bool subtree, const struct stat* st,
                    const FileWrite& fw) {
  if ((fw.regular || !fw.removes.empty()) && auto_.ignores && !who.instance.empty() &&
      (auto_.mount || snap->index.auto_claimer(who.instance)))
    auto_claim(&snap, who, op, rel, st, fw);
  if (int r = judge(*snap, who, op, rel, subtree, rel); r != 0) return r;
  if (subtree)
    if (int r = judge_beneath(*snap, who, op, rel, rel); r != 0) return r;
  return st ? judge_names(*snap, who, op, rel, *st, true) : 0;
}

int Guard::check_inode(const Who& who, WriteOp op, const std::string& last, const struct stat& st,
                       const FileWrite& fw) {
  auto snap = state_.refresh();
  // Without claims, a name decides nothing (strict mode refuses them all);
  // auto-claim needs the name (checked then, below).
  bool autoclaims = fw.regular && auto_.ignores && !who.instance.empty() &&
                    (auto_.mount || snap->index.auto_claimer(who.instance));
  if (snap->index.claim_count() == 0 && !autoclaims)
    return judge(*snap, who, op, last, false, last);
  if (tree_.leads_to(last, st)) return check_on(std::move(snap), who, op, last, false, &st, fw);
  // The name is gone: judged by it (the last the mount knew) and by every
  // name the inode has now, with nothing auto-claimed.
  if (int r = judge(*snap, who, op, last, false, last + " (a name it no longer has)"); r != 0)
    return r;
  return judge_names(*snap, who, op, last, st, false);
}

int Guard::check_move(const Who& who, const std::string& from, const std::string& to,
                      const struct stat* a, const struct stat* b, bool exchange,
                      const FileWrite& fw) {
  bool a_dir = a && S_ISDIR(a->st_mode), b_dir = b && S_ISDIR(b->st_mode);
  // `from` loses what it holds; after an exchange it holds what `to` held.
  if (int r = check(who, WriteOp::kRename, from, a_dir || (exchange && b_dir)); r != 0) return r;
  // `to` loses what it holds (an exchange moves it to `from`) and holds
  // what `from` held.
  auto snap = state_.refresh();
  if (exchange && b_dir)
    if (int r = judge_beneath(*snap, who, WriteOp::kRename, from, to); r != 0) return r;
  if (int r = check_on(snap, who, WriteOp::kRename, to, a_dir || b_dir, nullptr, fw); r != 0)
    return r;
  return a_dir ? judge_beneath(*snap, who, WriteOp::kRename, to, from) : 0;
}

int Guard::judge_names(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel,
                       const struct stat& st, bool rel_is_name) {
  bool more = rel_is_name ? !S_ISDIR(st.st_mode) && st.st_nlink > 1
                          : S_ISDIR(st.st_mode) || st.st_nlink > 0;
  if (!more || snap.index.claim_count() == 0) return 0;
  SourceTree::Found names = tree_.other_names(st, rel, rel_is_name);
  for (const auto& name : names.paths) {
    std::string shown = rel_is_name ? rel + " (hard link of " + name + ")"
                                    : name + " (reached as " + rel + ", a name it no longer has)";
    if (int r = judge(snap, who, op, name, false, shown); r != 0) return r;
  }
  if (names.complete) return 0;
  return judge_in_doubt(snap, who, op, rel + " (its names could not all be found)");
}

int Guard::judge_beneath(const Snapshot& snap, const Who& who, WriteOp op, const std::string& dir,
                         const std::string& holder) {
  if (!snap.index.patterns_reach_inside(who.instance, dir, state_.clock())) return 0;
  SourceTree::Found held = tree_.entries_beneath(holder);
  for (const auto& name : held.paths) {
    std::string rel = dir + name.substr(holder.size());
    std::string shown =
        holder == dir ? dir + " (holds " + name + ")" : rel + " (arriving from " + name + ")";
    if (int r = judge(snap, who, op, rel, false, shown); r != 0) return r;
  }
  if (held.complete) return 0;
  return judge_in_doubt(snap, who, op, holder + " (what it holds could not all be listed)");
}

int Guard::judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel,
                 bool subtree, const std::string& shown_path) {
  return verdict(snap.index.decide(who.instance, rel, subtree, mode_, state_.clock()), who, op,
                 shown_path);
}

int Guard::judge_in_doubt(const Snapshot& snap, const Who& who, WriteOp op,
                          const std::string& what) {
  return verdict(snap.index.decide_unknown(who.instance, what, mode_, state_.clock()), who, op,
                 what);
}

int Guard::verdict(const Decision& d, const Who& who, WriteOp op, const std::string& shown_path) {
  if (d.allowed && !d.would_refuse) return 0;
  Denial den;
  den.time = now_seconds();
  den.op = std::string(to_string(op));
  den.path = shown_path.empty() ? "." : shown_path;
  den.pid = who.pid;
  den.comm = who.comm;
  den.instance = who.instance;
  den.as = who.describe();
  if (d.claim) den.claim_id = d.claim->id;
  if (d.holder) den.holder = d.holder->id;
  den.reason = d.reason;
  LogVerdict v = denials_.record(&den);
  if (v.log)
    spdlog::warn("{} {} {} by pid {} ({}) as {}: {}{}", d.would_refuse ? "advisory" : "refused",
                 den.op, den.path, den.pid, den.comm, den.as, den.reason, log_tail(v));
  return d.allowed ? 0 : -EACCES;
}

}  // namespace aio::fs
