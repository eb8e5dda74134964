// A write through the mount counts as its writer's heartbeat (DESIGN.md §2),
// throttled: IdentityCache::who() notes each writer it names; the janitor
// takes the due ones and writes their heartbeats to the store, at most one
// per instance per kEvery seconds. Bound instances need none (their process
// is their liveness) and are never noted.
//
// Lock order: mu_ is a leaf.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model.h"

namespace aio::fs {

class Heartbeats {
 public:
  static constexpr int64_t kEvery = 30;

  // `i` (as the current snapshot has it) wrote at `now`.
  void note(const Instance& i, bool bound, int64_t now) {
    if (bound || now - i.last_heartbeat < kEvery) return;  // no lock on the common path
    std::lock_guard lock(mu_);
    int64_t& sent = sent_[i.id];
    if (now - sent < kEvery) return;
    sent = now;
    due_.push_back(i.id);
  }
  // The instances whose heartbeat is due, once each.
  std::vector<std::string> take() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.swap(due_);
    if (sent_.size() > 4096) sent_.clear();  // bounded; forgetting only allows one more write
    return out;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> sent_;  // when each was last queued
  std::vector<std::string> due_;
};

}  // namespace aio::fs
