// The record of refusals the mount made (and advisory-mode refusals it would
// have made), shown in .aio/denials. No FUSE here: unit-tested apart
// (tests/fs/denial_log_test.cc).
//
// Contract: bounded in bytes, whatever is refused and however often.
//   - Every field is cut to a short excerpt (excerpt(), core/text.h), so bad
//     input is never kept whole and nothing shown can drive a terminal.
//   - A refusal identical to a recorded one (same operation, path, instance,
//     claim, holder and reason; pid and command may differ) is counted on
//     that record, which moves to the end, instead of added.
//   - Past kMaxBytes or kMaxRecords, records are dropped oldest first from
//     the writer holding the most bytes (an instance, or all anonymous
//     writers together): a flood from one writer can only push out that
//     writer's own older refusals, never another's.
//   - record() says whether to log the refusal: a new record while the
//     mount's log budget lasts (kLogBurst lines, refilled at one a second),
//     and a repeat only at its 10th, 100th, 1000th... occurrence. So no flood
//     of refusals can rotate mount.log and erase what was logged before it.
//
// Lock order: mu_ is a leaf.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace aio::fs {

struct Denial {
  int64_t time = 0;  // the last time (seconds since the epoch)
  std::string op;
  std::string path;
  pid_t pid = 0;  // the last refused process
  std::string comm;
  std::string instance;  // "" = anonymous
  std::string as;        // who the writer was taken for, and by which rule (or why nobody)
  std::string claim_id;
  std::string holder;
  std::string reason;
  int64_t first = 0;   // the first time (set by record())
  uint64_t count = 1;  // how many times (set by record())
};

// What record() decided about logging the refusal it was given.
struct LogVerdict {
  bool log = false;
  uint64_t count = 1;     // times this refusal has now been recorded
  uint64_t unlogged = 0;  // refusals not logged since the last logged one (log only)
};

// What a log line adds for v: " (seen N times)", " (K refusals not logged
// before it)", or "".
std::string log_tail(const LogVerdict& v);

class DenialLog {
 public:
  static constexpr size_t kMaxBytes = 64 * 1024;
  static constexpr size_t kMaxRecords = 200;
  static constexpr size_t kLogBurst = 50;

  // Records d (its fields cut, see above) and says whether to log it. The
  // fields of *d are cut in place, so a log line shows what was kept.
  LogVerdict record(Denial* d);
  // Oldest (least recently repeated) first.
  std::vector<Denial> list() const;
  // What the records hold, in bytes (at most kMaxBytes).
  size_t bytes() const;

 private:
  void trim();  // mu_ held
  bool may_log(int64_t now);
  mutable std::mutex mu_;  // guards everything below
  std::deque<Denial> denials_;
  size_t bytes_ = 0;
  double tokens_ = kLogBurst;
  int64_t refilled_ = 0;
  uint64_t unlogged_ = 0;
};

}  // namespace aio::fs
