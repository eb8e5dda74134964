#include "fs/state_watch.h"

#include <spdlog/spdlog.h>

#include "core/procinfo.h"
#include "core/timeutil.h"
#include "fs/request_epoch.h"

namespace aio::fs {

StateWatch::StateWatch(Store& store, WatchOptions opts)
    : store_(store), opts_(std::move(opts)), machine_id_(this_machine_id()) {}

StateWatch::~StateWatch() = default;

Status StateWatch::start() {
  auto feed = store_.watch();
  if (!feed) return feed.status();
  feed_ = std::move(feed).value();
  auto st = store_.load();
  if (!st) return st.status();
  auto state = std::make_shared<const State>(std::move(st).value());
  snap_.store(std::make_shared<const Snapshot>(
      Snapshot{state, PolicyIndex(state, opts_.project), IdentityIndex(*state), 1}));
  return Status::ok();
}

std::shared_ptr<const Snapshot> StateWatch::load_snapshot(uint64_t generation) {
  auto st = store_.load();
  std::lock_guard lock(trouble_mu_);
  if (!st) {
    if (load_trouble_.empty()) {
      spdlog::error("guard: cannot load the state, deciding on what was last read: {}",
                    st.status().message());
      load_trouble_ = "since " + format_iso(now_seconds()) + ": " + st.status().message();
    }
    failing_.store(true);
    return nullptr;
  }
  if (!load_trouble_.empty()) spdlog::info("guard: the state loads again");
  load_trouble_.clear();
  failing_.store(false);
  auto state = std::make_shared<const State>(std::move(st).value());
  return std::make_shared<const Snapshot>(
      Snapshot{state, PolicyIndex(state, opts_.project), IdentityIndex(*state), generation});
}

// Raises reloading_ while a thread that holds refresh_mu_ drains and loads.
struct StateWatch::Reloading {
  explicit Reloading(std::atomic<int>& f) : flag(f) { flag.store(1); }
  ~Reloading() { flag.store(0); }
  std::atomic<int>& flag;
};

bool StateWatch::publish(uint64_t generation) {
  auto next = load_snapshot(generation);
  if (!next) return false;  // keep deciding on the last good state
  snap_.store(next);
  spdlog::debug("guard: state reloaded (generation {}, {} claims in project)", next->generation,
                next->index.claim_count());
  return true;
}

std::shared_ptr<const Snapshot> StateWatch::refresh() {
  // The feed is asked once per FUSE request (asking costs a system call with
  // the file store): what a command acknowledged before the request began
  // was seen by the first ask; later steps of the request take the snapshot
  // published since, without asking again.
  thread_local uint64_t asked_in = 0;
  uint64_t epoch = request_epoch();
  if (epoch != 0 && asked_in == epoch && reloading_.load() == 0) return snap_.load();
  asked_in = epoch;
  // Fast path, no lock: nothing pending and nobody mid-reload. A thread that
  // drained the feed raises reloading_ first, so seeing nothing pending while
  // it is still loading sends us to wait for it below.
  if (!feed_->pending() && reloading_.load() == 0) return snap_.load();
  std::lock_guard lock(refresh_mu_);
  Reloading raised(reloading_);
  if (feed_->drain()) publish(snap_.load()->generation + 1);
  return snap_.load();
}

void StateWatch::reload() {
  std::lock_guard lock(refresh_mu_);
  Reloading raised(reloading_);
  feed_->drain();  // what is pending so far is older than the load below
  publish(snap_.load()->generation + 1);
}

void StateWatch::retry() {
  if (!failing_.load() && feed_->trouble().empty()) return;
  // Loaded without refresh_mu_ and without raising reloading_: requests go
  // on deciding on the current snapshot while a store that does not answer
  // makes this load wait. Published only if nothing newer came meanwhile.
  uint64_t seen = snap_.load()->generation;
  auto next = load_snapshot(seen + 1);
  if (!next) return;
  std::lock_guard lock(refresh_mu_);
  if (snap_.load()->generation == seen) snap_.store(next);
}

std::string StateWatch::trouble() const {
  std::string feed = feed_ ? feed_->trouble() : "";
  std::lock_guard lock(trouble_mu_);
  if (load_trouble_.empty()) return feed;
  std::string load = "the state does not load " + load_trouble_;
  return feed.empty() ? load : feed + "; " + load;
}

Clock StateWatch::clock() const {
  Clock c;
  c.now = now_seconds();
  c.stale_seconds = opts_.stale_seconds;
  c.machine_id = machine_id_;
  c.procs = &procs_;
  return c;
}

}  // namespace aio::fs
