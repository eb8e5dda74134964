#include "fs/process_watch.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

#include "core/procinfo.h"

namespace aio::fs {

ProcessWatch::~ProcessWatch() {
  for (const auto& [key, fd] : pinned_) close(fd);
}

bool ProcessWatch::ended(int fd) const {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) != 0;  // readable (exited) or an error: not running
}

bool ProcessWatch::running(int64_t pid, int64_t start) const {
  Key key{pid, start};
  {
    std::shared_lock lock(mu_);
    if (ended_.count(key)) return false;
    if (auto it = pinned_.find(key); it != pinned_.end()) {
      if (!ended(it->second)) return true;
    } else if (pinned_.size() >= kMaxPinned) {
      return proc_running(static_cast<pid_t>(pid), start);
    }
  }
  std::unique_lock lock(mu_);
  if (ended_.count(key)) return false;
  auto it = pinned_.find(key);
  bool alive;
  if (it != pinned_.end()) {
    alive = !ended(it->second);
    if (!alive) {
      close(it->second);
      pinned_.erase(it);
    }
  } else {
    // Pin first, then check the start time: the pidfd then names that process.
    int fd = pid > 0 ? static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0u)) : -1;
    alive = fd >= 0 && proc_running(static_cast<pid_t>(pid), start) && !ended(fd);
    if (alive && pinned_.size() < kMaxPinned) {  // pidfds are close-on-exec
      pinned_.emplace(key, fd);
      fd = -1;
    }
    if (fd >= 0) close(fd);
  }
  if (!alive) {
    if (ended_.size() >= kMaxEnded) ended_.clear();
    ended_.insert(key);
  }
  return alive;
}

}  // namespace aio::fs
