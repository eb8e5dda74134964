// Who makes a request through the mount: FUSE's thread id -> process ->
// AIO_INSTANCE in its environment, the nearest process of its lineage bound
// to an instance, or its terminal session -> the live instance it acts as
// (core/identity.h, on the snapshot's IdentityIndex).
//
// Contract: ask only for write-class operations (reading /proc while the
// caller execs a binary from the mount could deadlock). What /proc says of a
// thread is cached per thread id and pinned by a pidfd of that thread, so a
// reused id never inherits an identity (a pidfd never names another thread).
// Exited threads are swept from the cache, their pidfds closed, once it
// holds kSweep entries; it never holds more than kMax. The instance itself is
// resolved afresh on every call, on the current snapshot.
//
// Lock order: ids_mu_ is a leaf; who() releases it before it asks the
// StateWatch for a snapshot.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/procinfo.h"
#include "fs/heartbeats.h"
#include "fs/state_watch.h"

namespace aio::fs {

// Who makes a request: the process (tgid), its command, and the live
// instance it acts as ("" = anonymous).
struct Who {
  pid_t pid = 0;
  std::string comm;
  std::string instance;
  std::string tool;
  std::string rule;  // which rule named the instance ("AIO_INSTANCE", "process 123", ...)
  std::string why;   // when anonymous: why no rule applied

  // "<id> (via <rule>)" or "anonymous (<why>)", for logs and .aio/denials.
  std::string describe() const {
    return instance.empty() ? "anonymous (" + why + ")" : instance + " (via " + rule + ")";
  }
};

class IdentityCache {
 public:
  IdentityCache(StateWatch& state, Heartbeats& heartbeats)
      : state_(state), heartbeats_(heartbeats) {}
  IdentityCache(const IdentityCache&) = delete;
  IdentityCache& operator=(const IdentityCache&) = delete;

  // Who is calling: FUSE's thread id -> process -> AIO_INSTANCE, lineage or
  // session. The instance named is noted as having written (Heartbeats).
  // tid <= 0 (the kernel itself, e.g. writeback) is nobody.
  Who who(pid_t tid);

  static constexpr size_t kSweep = 32;  // sweep exited threads beyond this many
  static constexpr size_t kMax = 512;   // then drop them all beyond this many

 private:
  // A caller thread pinned by a pidfd, with what /proc said about it.
  struct CachedId {
    CachedId() = default;
    CachedId(const CachedId&) = delete;
    CachedId& operator=(const CachedId&) = delete;
    ~CachedId();
    int pidfd = -1;
    ProcFacts facts;
  };
  std::optional<ProcFacts> facts_of(pid_t tid);
  // Appends the ancestors of f's process to its lineage, from a cached
  // parent when there is one, else from /proc.
  void complete_lineage(ProcFacts& f);

  StateWatch& state_;
  Heartbeats& heartbeats_;
  std::shared_mutex ids_mu_;  // guards ids_
  std::unordered_map<pid_t, std::unique_ptr<CachedId>> ids_;
};

}  // namespace aio::fs
