// The mount's view of aio's state: the current Snapshot (state + policy
// index for the project), kept fresh by following the store's change feed
// (Store::watch: inotify on $AIO_HOME for the file store, etcd's watch).
//
// Contract: refresh() drains the feed and reloads only when the state
// changed; with the file store, any CLI command that returned before the
// caller's operation began has queued its event by then, so whatever is
// decided on the snapshot refresh() returns sees it (a networked store's
// changes arrive within about a second). reload()
// reloads unconditionally (after the mount's own store writes), draining the
// events queued so far, so the next refresh() does not load the same state
// again. Within one FUSE request (fs/request_epoch.h) the feed is asked
// only by the first refresh(). A state that cannot be loaded keeps the last good snapshot in force
// (trouble() says why, for .aio/status), and is read again on the next
// change or, while in trouble, every few seconds (retry()).
//
// Snapshots are published through a slot whose lock is held only to copy or
// swap the pointer (a snapshot is never built or freed under it), and a
// snapshot stays valid for as long as a reader holds it. Not
// std::atomic<std::shared_ptr>: GCC 12's releases its internal lock with a
// relaxed store, which ThreadSanitizer reports as a data race
// (google/sanitizers issue 1558), so scripts/tsan.sh could not vouch for this class.
//
// Lock order: refresh_mu_ is a leaf of fs/ (the store's own file lock is
// taken beneath it while loading); the slot's lock is a leaf under it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/engine.h"
#include "core/identity.h"
#include "core/policy.h"
#include "core/store.h"
#include "fs/process_watch.h"

namespace aio::fs {

struct Snapshot {
  std::shared_ptr<const State> state;
  PolicyIndex index;
  IdentityIndex identities;  // over *state
  uint64_t generation = 0;
};

struct WatchOptions {
  std::string home;     // $AIO_HOME, the directory watched
  std::string project;  // the project the mount serves (absolute; MountRecord::project)
  int64_t stale_seconds = 300;
};

class StateWatch {
 public:
  StateWatch(Store& store, WatchOptions opts);
  ~StateWatch();
  StateWatch(const StateWatch&) = delete;
  StateWatch& operator=(const StateWatch&) = delete;

  // Loads the state and starts watching $AIO_HOME.
  Status start();
  // The current snapshot, reloaded first if the state changed.
  std::shared_ptr<const Snapshot> refresh();
  // Reload unconditionally (after our own store writes).
  void reload();
  // While in trouble: tries to read the state again (the janitor calls it),
  // never holding up the requests judged meanwhile.
  void retry();
  // "" while the snapshot follows the store, else why it may not (the store
  // unreachable, a state that does not load) and since when.
  std::string trouble() const;

  // Now, with the mount's staleness limit, this machine and its processes:
  // what liveness is judged by.
  Clock clock() const;
  Store& store() { return store_; }
  const WatchOptions& options() const { return opts_; }

 private:
  std::shared_ptr<const Snapshot> load_snapshot(uint64_t generation);
  struct Reloading;
  // Publishes a load (refresh_mu_ held); false when it failed.
  bool publish(uint64_t generation);

  Store& store_;
  const WatchOptions opts_;
  const std::string machine_id_;
  ProcessWatch procs_;
  std::unique_ptr<ChangeFeed> feed_;
  mutable std::mutex trouble_mu_;  // leaf
  std::string load_trouble_;       // why the last load failed ("" it did not)
  std::atomic<bool> failing_{false};

  std::mutex refresh_mu_;          // serialises draining inotify + reloading
  std::atomic<int> reloading_{0};  // 1 while a thread holds refresh_mu_ in refresh()
  // The current snapshot.
  class Slot {
   public:
    std::shared_ptr<const Snapshot> load() const {
      std::lock_guard lock(mu_);
      return p_;
    }
    void store(std::shared_ptr<const Snapshot> next) {
      {
        std::lock_guard lock(mu_);
        p_.swap(next);
      }  // the old snapshot, if this was its last holder, is freed after the lock
    }

   private:
    mutable std::mutex mu_;  // leaf
    std::shared_ptr<const Snapshot> p_;
  };
  Slot snap_;
};

}  // namespace aio::fs
