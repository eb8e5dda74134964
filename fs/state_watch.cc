#include "fs/state_watch.h"

#include <errno.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "core/procinfo.h"
#include "core/timeutil.h"

namespace aio::fs {

StateWatch::StateWatch(Store& store, WatchOptions opts)
    : store_(store), opts_(std::move(opts)), machine_id_(this_machine_id()) {}

StateWatch::~StateWatch() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

Status StateWatch::start() {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return Status::sys("inotify_init1", errno);
  if (inotify_add_watch(inotify_fd_, opts_.home.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE) < 0)
    return Status::sys("cannot watch " + opts_.home, errno);
  auto s = load_snapshot(1);
  if (!s) return Status::state("cannot load the state from " + opts_.home);
  snap_.store(s);
  return Status::ok();
}

std::shared_ptr<const Snapshot> StateWatch::load_snapshot(uint64_t generation) {
  auto st = store_.load();
  if (!st) {
    spdlog::error("guard: cannot load state: {}", st.status().message());
    return nullptr;
  }
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

bool StateWatch::drain() {
  bool changed = false;
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->len > 0 &&
          (strcmp(ev->name, "state.json") == 0 || strcmp(ev->name, "journal.jsonl") == 0))
        changed = true;
      if (ev->mask & IN_Q_OVERFLOW) changed = true;
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  return changed;
}

std::shared_ptr<const Snapshot> StateWatch::refresh() {
  // Fast path, no lock: no event queued and nobody mid-reload. A thread that
  // drained events raises reloading_ first, so seeing an empty queue while it
  // is still loading sends us to wait for it below.
  int queued = 0;
  if (ioctl(inotify_fd_, FIONREAD, &queued) == 0 && queued == 0 && reloading_.load() == 0)
    return snap_.load();
  std::lock_guard lock(refresh_mu_);
  Reloading raised(reloading_);
  bool changed = drain();
  auto cur = snap_.load();
  if (!changed) return cur;
  auto next = load_snapshot(cur->generation + 1);
  if (!next) return cur;  // keep deciding on the last good state
  snap_.store(next);
  spdlog::debug("guard: state reloaded (generation {}, {} claims in project)", next->generation,
                next->index.claim_count());
  return next;
}

void StateWatch::reload() {
  std::lock_guard lock(refresh_mu_);
  Reloading raised(reloading_);
  drain();  // the events queued so far are older than the load below
  auto cur = snap_.load();
  if (auto next = load_snapshot(cur->generation + 1)) snap_.store(next);
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
