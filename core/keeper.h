// The lease keeper: in a store shared by several machines (Store::
// lease_seconds() > 0) every instance lives under a lease, and one process
// per machine keeps the leases of that machine's instances for as long as
// they are live by this machine's rules (bound: their process runs, judged
// here and nowhere else; unbound: their heartbeat is fresh). What is no
// longer live is removed as `aio cleanup` removes it; a machine that dies
// stops renewing and its leases (and claims) lapse after lease_seconds.
//
// The keeper is the mount daemon when one runs, else `aio keepalive`, started
// on demand by the CLI (StoreSetup::ensure_keeper); KeeperLock makes sure
// only one process per machine and store renews.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "core/status.h"
#include "core/store.h"

namespace aio {

struct KeeperRound {
  size_t mine = 0;                // this machine's instances seen
  size_t renewed = 0;             // leases renewed
  std::vector<Instance> ended;    // removed: no longer live here
  std::vector<Claim> released;    // their claims
  std::vector<std::string> lost;  // leases found gone (etcd dropped them)
};

// One round: read the state, remove this machine's instances that are not
// live (with their claims), renew the leases of the others.
Result<KeeperRound> keep_leases(Store& store, const Clock& c);

// Seconds between rounds for leases of `ttl` seconds: a third of it.
int keeper_interval_ms(int64_t ttl);

// $AIO_HOME/keeper-<hash of the store>.lock, flock(2)ed by the keeper.
class KeeperLock {
 public:
  // Takes the lock if no other process holds it (nullopt: one does, or the
  // file cannot be opened).
  static std::optional<KeeperLock> try_take(const std::string& home, const std::string& store);
  // Whether some process holds it now (without taking it for long).
  static bool held(const std::string& home, const std::string& store);
  KeeperLock(KeeperLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  KeeperLock& operator=(KeeperLock&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~KeeperLock();

 private:
  explicit KeeperLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace aio
