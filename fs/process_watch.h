// The mount's ProcessOracle: does the process a bound instance names still
// run? Asked on every decision that meets a claim of a bound instance, from
// any FUSE thread, so it must be cheap: the first question about (pid,
// start) pins the process with a pidfd (after checking its start time); later
// ones poll that pidfd (readable once the process has exited, zombie or
// not), a system call and no /proc read. An exit is final: ended processes
// are remembered without a descriptor.
//
// At most kMaxPinned processes are pinned; beyond that the answer comes from
// /proc each time (correct, slower). Entries of ended processes are dropped
// once kMaxEnded of them are remembered.
//
// Lock order: mu_ is a leaf.
#pragma once

#include <map>
#include <set>
#include <shared_mutex>
#include <utility>

#include "core/engine.h"

namespace aio::fs {

class ProcessWatch : public ProcessOracle {
 public:
  ProcessWatch() = default;
  ~ProcessWatch() override;
  ProcessWatch(const ProcessWatch&) = delete;
  ProcessWatch& operator=(const ProcessWatch&) = delete;

  bool running(int64_t pid, int64_t start) const override;

  static constexpr size_t kMaxPinned = 1024;
  static constexpr size_t kMaxEnded = 4096;

 private:
  using Key = std::pair<int64_t, int64_t>;
  bool ended(int fd) const;
  mutable std::shared_mutex mu_;
  mutable std::map<Key, int> pinned_;  // pidfds
  mutable std::set<Key> ended_;
};

}  // namespace aio::fs
