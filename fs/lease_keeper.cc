#include "fs/lease_keeper.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/bd.h"

namespace aio::fs {

LeaseKeeper::LeaseKeeper(StateWatch& state, std::string home)
    : state_(state), home_(std::move(home)) {
  if (state_.store().lease_seconds() > 0) thread_ = std::thread([this] { loop(); });
}

LeaseKeeper::~LeaseKeeper() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LeaseKeeper::round() {
  Store& store = state_.store();
  if (!lock_) {
    lock_ = KeeperLock::try_take(home_, store.where());
    if (!lock_) return;  // another keeper of this machine renews
    spdlog::info("keeper: this mount keeps the leases of its machine in {}", store.where());
  }
  auto r = keep_leases(store, state_.clock());
  if (!r) {
    spdlog::warn("keeper: {}", r.status().message());
    return;
  }
  for (const auto& i : r->ended) spdlog::info("keeper: removed {} (no longer live here)", i.id);
  for (const auto& id : r->lost) spdlog::warn("keeper: the lease of {} had lapsed", id);
  if (!r->ended.empty()) state_.reload();
  if (!r->released.empty()) reopen_released_tasks(r->released, "", "", false);
}

void LeaseKeeper::loop() {
  auto every = std::chrono::milliseconds(keeper_interval_ms(state_.store().lease_seconds()));
  std::unique_lock lock(mu_);
  do {
    lock.unlock();
    round();
    lock.lock();
  } while (!cv_.wait_for(lock, every, [this] { return stop_; }));
}

}  // namespace aio::fs
