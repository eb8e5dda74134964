#include "fs/guard.h"

#include <errno.h>

#include <spdlog/spdlog.h>

#include "core/timeutil.h"

namespace aio::fs {

int Guard::check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
                 const struct stat* st) {
  auto snap = state_.refresh();
  if (int r = judge(*snap, who, op, rel, subtree, rel); r != 0) return r;
  if (subtree && snap->index.patterns_reach_inside(who.instance, rel, state_.clock())) {
    // Judge what exists beneath the directory against the patterns.
    for (const auto& name : tree_.entries_beneath(rel))
      if (int r = judge(*snap, who, op, name, false, rel + " (holds " + name + ")"); r != 0)
        return r;
  }
  if (st && S_ISREG(st->st_mode) && st->st_nlink > 1 && snap->index.claim_count() > 0) {
    for (const auto& name : tree_.other_names(*st, rel))
      if (int r = judge(*snap, who, op, name, false, rel + " (hard link of " + name + ")"); r != 0)
        return r;
  }
  return 0;
}

int Guard::judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel,
                 bool subtree, const std::string& shown_path) {
  Decision d = snap.index.decide(who.instance, rel, subtree, mode_, state_.clock());
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
  spdlog::warn("{} {} {} by pid {} ({}) as {}: {}", d.would_refuse ? "advisory" : "refused", den.op,
               den.path, den.pid, den.comm, den.as, den.reason);
  denials_.record(std::move(den));
  return d.allowed ? 0 : -EACCES;
}

}  // namespace aio::fs
