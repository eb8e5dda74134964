#include "fs/guard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

#include "core/timeutil.h"

namespace aio::fs {

namespace {
constexpr size_t kMaxDenials = 200;
constexpr size_t kSweepIdCache = 32;  // sweep exited threads beyond this many
constexpr size_t kMaxIdCache = 512;
constexpr size_t kMaxWalk = 500000;  // entries visited by one walk of the tree
}  // namespace

std::string rel_of(const char* p) {
  while (*p == '/') ++p;
  std::string r(p);
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r;
}

Guard::Guard(Store& store, GuardOptions opts, int source_fd)
    : store_(store), opts_(std::move(opts)), source_fd_(source_fd) {}

Guard::~Guard() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

Status Guard::start() {
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

std::shared_ptr<const Snapshot> Guard::load_snapshot(uint64_t generation) {
  auto st = store_.load();
  if (!st) {
    spdlog::error("guard: cannot load state: {}", st.status().message());
    return nullptr;
  }
  auto state = std::make_shared<const State>(std::move(st).value());
  return std::make_shared<const Snapshot>(
      Snapshot{state, PolicyIndex(state, opts_.project), generation});
}

std::shared_ptr<const Snapshot> Guard::refresh() {
  // Fast path, no lock: no event queued and nobody mid-reload. A thread that
  // drained events raises reloading_ first, so seeing an empty queue while it
  // is still loading sends us to wait for it below.
  int queued = 0;
  if (ioctl(inotify_fd_, FIONREAD, &queued) == 0 && queued == 0 && reloading_.load() == 0)
    return snap_.load();
  std::lock_guard lock(refresh_mu_);
  reloading_.store(1);
  struct Lower {
    std::atomic<int>& flag;
    ~Lower() { flag.store(0); }
  } lower{reloading_};
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
  auto cur = snap_.load();
  if (!changed) return cur;
  auto next = load_snapshot(cur->generation + 1);
  if (!next) return cur;  // keep deciding on the last good state
  snap_.store(next);
  spdlog::debug("guard: state reloaded (generation {}, {} claims in project)", next->generation,
                next->index.claim_count());
  return next;
}

void Guard::reload() {
  std::lock_guard lock(refresh_mu_);
  auto cur = snap_.load();
  if (auto next = load_snapshot(cur->generation + 1)) snap_.store(next);
}

Clock Guard::clock() const {
  Clock c;
  c.now = now_seconds();
  c.stale_seconds = opts_.stale_seconds;
  return c;
}

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

Guard::CachedId::~CachedId() {
  if (pidfd >= 0) close(pidfd);
}

std::optional<ProcFacts> Guard::facts_of(pid_t tid) {
  {
    std::shared_lock lock(ids_mu_);
    auto it = ids_.find(tid);
    if (it != ids_.end() && pidfd_alive(it->second->pidfd)) return it->second->facts;
  }
  // Pin the thread first, then read /proc, then check it is still the same
  // thread: a tid cannot be reused while the thread its pidfd names lives.
  auto entry = std::make_unique<CachedId>();
  entry->pidfd = open_pidfd(tid);
  auto f = read_proc_facts(tid);
  if (!f) return std::nullopt;
  if (entry->pidfd < 0 || !pidfd_alive(entry->pidfd)) return f;  // not cacheable
  entry->facts = *f;
  std::unique_lock lock(ids_mu_);
  if (ids_.size() >= kSweepIdCache) {
    // Forget threads that have exited, closing their pidfds.
    std::erase_if(ids_, [](const auto& kv) { return !pidfd_alive(kv.second->pidfd); });
    if (ids_.size() >= kMaxIdCache) ids_.clear();
  }
  ids_[tid] = std::move(entry);
  return f;
}

Who Guard::who(pid_t tid) {
  Who w;
  if (tid <= 0) return w;  // the kernel itself (e.g. writeback): no caller
  auto facts = facts_of(tid);
  if (!facts) return w;
  w.pid = facts->tgid;
  w.comm = facts->comm;
  auto snap = refresh();
  aio::Caller c;
  c.env_id = facts->aio_instance;
  c.sid = facts->sid;
  c.sid_start = facts->sid_start;
  Identity id = resolve_identity(*snap->state, c, clock());
  if (id.instance) {
    w.instance = id.instance->id;
    w.tool = id.instance->tool;
  }
  return w;
}

int Guard::check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
                 const struct stat* st) {
  auto snap = refresh();
  if (int r = judge(*snap, who, op, rel, subtree, rel); r != 0) return r;
  if (subtree && snap->index.patterns_reach_inside(who.instance, rel, clock())) {
    // Judge what exists beneath the directory against the patterns.
    for (const auto& name : entries_beneath(rel))
      if (int r = judge(*snap, who, op, name, false, rel + " (holds " + name + ")"); r != 0)
        return r;
  }
  if (st && S_ISREG(st->st_mode) && st->st_nlink > 1 && snap->index.claim_count() > 0) {
    for (const auto& name : other_names(*st, rel))
      if (int r = judge(*snap, who, op, name, false, rel + " (hard link of " + name + ")"); r != 0)
        return r;
  }
  return 0;
}

int Guard::judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel,
                 bool subtree, const std::string& shown_path) {
  Decision d = snap.index.decide(who.instance, rel, subtree, opts_.mode, clock());
  if (d.allowed && !d.would_refuse) return 0;
  Denial den;
  den.time = now_seconds();
  den.op = std::string(to_string(op));
  den.path = shown_path.empty() ? "." : shown_path;
  den.pid = who.pid;
  den.comm = who.comm;
  den.instance = who.instance;
  if (d.claim) den.claim_id = d.claim->id;
  if (d.holder) den.holder = d.holder->id;
  den.reason = d.reason;
  spdlog::warn("{} {} {} by pid {} ({}) as {}: {}", d.would_refuse ? "advisory" : "refused", den.op,
               den.path, den.pid, den.comm, den.instance.empty() ? "anonymous" : den.instance,
               den.reason);
  record_denial(std::move(den));
  return d.allowed ? 0 : -EACCES;
}

void Guard::record_denial(Denial d) {
  std::lock_guard lock(denials_mu_);
  denials_.push_back(std::move(d));
  if (denials_.size() > kMaxDenials) denials_.pop_front();
}

std::optional<bool> Guard::is_directory(const std::string& rel) const {
  struct stat st;
  if (fstatat(source_fd_, rel.empty() ? "." : rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return std::nullopt;
  return S_ISDIR(st.st_mode);
}

std::vector<Denial> Guard::denials() const {
  std::lock_guard lock(denials_mu_);
  return {denials_.begin(), denials_.end()};
}

std::vector<std::string> Guard::entries_beneath(const std::string& dir) {
  std::vector<std::string> found;
  walk(dir, [&](const std::string& path, int, const struct dirent*) {
    found.push_back(path);
    return true;
  });
  return found;
}

std::vector<std::string> Guard::other_names(const struct stat& want, const std::string& rel) {
  std::vector<std::string> found;
  walk("", [&](const std::string& path, int dfd, const struct dirent* e) {
    if (e->d_type != DT_DIR && e->d_ino == want.st_ino && path != rel) {
      struct stat st;
      if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == want.st_dev &&
          st.st_ino == want.st_ino)
        found.push_back(path);
    }
    return found.size() + 1 < static_cast<size_t>(want.st_nlink);
  });
  return found;
}

void Guard::walk(const std::string& top,
                 const std::function<bool(const std::string&, int, const struct dirent*)>& visit) {
  size_t visited = 0;
  // Iterative depth-first walk of the source tree through *at() calls.
  std::vector<std::string> todo{top};
  while (!todo.empty() && visited < kMaxWalk) {
    std::string dir = std::move(todo.back());
    todo.pop_back();
    int fd = openat(source_fd_, dir.empty() ? "." : dir.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    DIR* d = fdopendir(fd);
    if (!d) {
      close(fd);
      continue;
    }
    while (struct dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      ++visited;
      std::string path = dir.empty() ? e->d_name : dir + "/" + e->d_name;
      if (!visit(path, dirfd(d), e)) {
        closedir(d);
        return;
      }
      if (e->d_type == DT_DIR) todo.push_back(std::move(path));
    }
    closedir(d);
  }
}

}  // namespace aio::fs
