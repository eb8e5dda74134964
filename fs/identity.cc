#include "fs/identity.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

#include "core/engine.h"
#include "core/identity.h"

namespace aio::fs {

namespace {

int open_pidfd(pid_t tid) {
  // PIDFD_THREAD (kernel 6.9+) lets a pidfd name a thread, not only a leader.
  constexpr unsigned kPidfdThread = O_EXCL;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, tid, kPidfdThread));
  if (fd < 0) fd = static_cast<int>(syscall(SYS_pidfd_open, tid, 0u));
  return fd;
}

// The thread a pidfd names has not exited (a pidfd never names another).
bool pidfd_alive(int fd) {
  return syscall(SYS_pidfd_send_signal, fd, 0, nullptr, 0u) == 0;
}

}  // namespace

IdentityCache::CachedId::~CachedId() {
  if (pidfd >= 0) close(pidfd);
}

std::optional<ProcFacts> IdentityCache::facts_of(pid_t tid) {
  {
    std::shared_lock lock(ids_mu_);
    auto it = ids_.find(tid);
    if (it != ids_.end() && pidfd_alive(it->second->pidfd)) return it->second->facts;
  }
  // Pin the thread first, then read /proc, then check it is still the same
  // thread: a tid cannot be reused while the thread its pidfd names lives.
  auto entry = std::make_unique<CachedId>();
  entry->pidfd = open_pidfd(tid);
  auto f = read_proc_facts(tid, false);
  if (!f) return std::nullopt;
  complete_lineage(*f);
  if (entry->pidfd < 0 || !pidfd_alive(entry->pidfd)) return f;  // not cacheable
  entry->facts = *f;
  std::unique_lock lock(ids_mu_);
  if (ids_.size() >= kSweep) {
    // Forget threads that have exited, closing their pidfds.
    std::erase_if(ids_, [](const auto& kv) { return !pidfd_alive(kv.second->pidfd); });
    if (ids_.size() >= kMax) ids_.clear();
  }
  ids_[tid] = std::move(entry);
  return f;
}

void IdentityCache::complete_lineage(ProcFacts& f) {
  if (f.ppid <= 1) return;
  {
    // A parent seen before (its main thread's id is its pid) and pinned
    // alive is the same process: its lineage is ours above us.
    std::shared_lock lock(ids_mu_);
    auto it = ids_.find(static_cast<pid_t>(f.ppid));
    if (it != ids_.end() && !it->second->facts.lineage.empty() &&
        it->second->facts.lineage.front().pid == f.ppid && pidfd_alive(it->second->pidfd)) {
      const auto& above = it->second->facts.lineage;
      f.lineage.insert(f.lineage.end(), above.begin(), above.end());
      return;
    }
  }
  for (const auto& r : proc_lineage(static_cast<pid_t>(f.ppid))) f.lineage.push_back(r);
}

Who IdentityCache::who(pid_t tid) {
  Who w;
  if (tid <= 0) return w;  // the kernel itself (e.g. writeback): no caller
  auto facts = facts_of(tid);
  if (!facts) return w;
  w.pid = facts->tgid;
  w.comm = facts->comm;
  auto snap = state_.refresh();
  aio::Caller c;
  c.env_id = facts->aio_instance;
  c.lineage = facts->lineage;
  c.sid = facts->sid;
  c.sid_start = facts->sid_start;
  Clock clock = state_.clock();
  Identity id = snap->identities.resolve(c, clock);
  if (id.instance) {
    heartbeats_.note(*id.instance, bound_here(*id.instance, clock), clock.now);
    w.instance = id.instance->id;
    w.tool = id.instance->tool;
    w.rule = std::move(id.source);
  } else {
    w.why = std::move(id.problem);
  }
  return w;
}

}  // namespace aio::fs
