// The mount daemon as its machine's lease keeper (core/keeper.h) when its
// store has leases: a thread that takes the machine's keeper lock when it is
// free (an `aio keepalive` started earlier keeps it until it leaves) and,
// while it holds it, runs a keeper round every third of the lease time,
// judging this machine's instances by the mount's process watch. Released
// task claims are reopened in Beads from this thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/keeper.h"
#include "fs/state_watch.h"

namespace aio::fs {

class LeaseKeeper {
 public:
  LeaseKeeper(StateWatch& state, std::string home);
  ~LeaseKeeper();

 private:
  void loop();
  void round();

  StateWatch& state_;
  const std::string home_;
  std::optional<KeeperLock> lock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace aio::fs
