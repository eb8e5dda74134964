#include "fs/passthrough.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fuse.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "fs/request_epoch.h"

namespace aio::fs {
namespace {

// Protocol 7.40 pieces the system's <linux/fuse.h> (7.38) does not have.
constexpr uint64_t kFusePassthrough = 1ULL << 37;  // INIT flag (in flags2)
constexpr uint32_t kFopenPassthrough = 1u << 7;    // open_flags
constexpr uint32_t kFopenKeepCache = 1u << 1;
// fuse_init_out: flags2 and max_stack_depth follow map_alignment.
constexpr size_t kInitOutFlags2 = 32;
constexpr size_t kInitOutMaxStackDepth = 36;
// fuse_open_out: { u64 fh; u32 open_flags; s32 backing_id; }
constexpr size_t kOpenOutSize = 16;
constexpr size_t kOpenOutFlags = 8;
constexpr size_t kOpenOutBackingId = 12;
struct BackingMap {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};
constexpr unsigned long kIocBackingOpen = _IOW(229, 1, BackingMap);
constexpr unsigned long kIocBackingClose = _IOW(229, 2, uint32_t);

static_assert(offsetof(struct fuse_init_out, flags) == 12);
static_assert(offsetof(struct fuse_init_out, map_alignment) == 30);
static_assert(sizeof(struct fuse_init_out) == 64);
static_assert(sizeof(struct fuse_open_out) == kOpenOutSize);
static_assert(offsetof(struct fuse_open_out, open_flags) == kOpenOutFlags);

// The backing id of the OPEN/CREATE reply this thread is sending (see
// Passthrough::ScopedReply): per thread, like errno, not shared state.
thread_local int t_backing_id = 0;

// A read-only descriptor of the file `fd` is open on, or -1.
int reopen_read_only(int fd) {
  char proc[32];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

bool has_cap_sys_admin() {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

template <typename T>
T load(const void* base, size_t off) {
  T v;
  memcpy(&v, static_cast<const char*>(base) + off, sizeof v);
  return v;
}
template <typename T>
void store(void* base, size_t off, T v) {
  memcpy(static_cast<char*>(base) + off, &v, sizeof v);
}

}  // namespace

ssize_t Passthrough::device_read(int fd, void* buf, size_t len) {
  ssize_t n = read(fd, buf, len);
  if (n > 0) begin_request();
  if (n > 0 && !init_seen_.load(std::memory_order_relaxed) &&
      static_cast<size_t>(n) >= sizeof(struct fuse_in_header) + sizeof(struct fuse_init_in)) {
    auto* in = static_cast<const struct fuse_in_header*>(buf);
    if (in->opcode == FUSE_INIT) {
      auto* init = reinterpret_cast<const struct fuse_init_in*>(in + 1);
      uint64_t flags = init->flags;
      if (flags & FUSE_INIT_EXT) flags |= static_cast<uint64_t>(init->flags2) << 32;
      init_offer_.store(flags);
      init_unique_.store(in->unique);
      init_seen_.store(true);
    }
  }
  return n;
}

// Adds what libfuse 3.14 cannot ask for to its INIT reply (a fuse_init_out).
void Passthrough::patch_init_reply(char* reply) {
  constexpr size_t kFlags = offsetof(struct fuse_init_out, flags);
  uint64_t offer = init_offer_.load();
  uint32_t flags = load<uint32_t>(reply, kFlags);
  if (want_killpriv_v2_ && (offer & FUSE_HANDLE_KILLPRIV_V2)) {
    flags |= FUSE_HANDLE_KILLPRIV_V2;
    killpriv_v2_.store(true);
    spdlog::info("fuse: privileges are dropped by the source filesystem (handle_killpriv_v2)");
  }
  // The kernel refuses passthrough next to the writeback cache.
  if (want_passthrough_ && (offer & kFusePassthrough) && !(flags & FUSE_WRITEBACK_CACHE)) {
    flags |= FUSE_INIT_EXT;
    store<uint32_t>(
        reply, kInitOutFlags2,
        load<uint32_t>(reply, kInitOutFlags2) | static_cast<uint32_t>(kFusePassthrough >> 32));
    store<uint32_t>(reply, kInitOutMaxStackDepth, 1);
    active_.store(true);
    spdlog::info("fuse: the kernel offers passthrough of file data; asking for it");
  }
  store<uint32_t>(reply, kFlags, flags);
}

ssize_t Passthrough::device_writev(int fd, struct iovec* iov, int count) {
  if (count != 2 || iov[0].iov_len != sizeof(struct fuse_out_header)) return writev(fd, iov, count);
  auto* out = static_cast<const struct fuse_out_header*>(iov[0].iov_base);
  if (t_backing_id > 0 && out->error == 0 && iov[1].iov_len >= kOpenOutSize) {
    // The OPEN or CREATE reply of this thread: its fuse_open_out is last.
    char copy[256];
    size_t len = iov[1].iov_len;
    if (len <= sizeof copy) {
      memcpy(copy, iov[1].iov_base, len);
      size_t at = len - kOpenOutSize;
      uint32_t flags = load<uint32_t>(copy, at + kOpenOutFlags);
      flags = (flags & ~kFopenKeepCache) | kFopenPassthrough;
      store<uint32_t>(copy, at + kOpenOutFlags, flags);
      store<int32_t>(copy, at + kOpenOutBackingId, t_backing_id);
      struct iovec v[2] = {iov[0], {copy, len}};
      return writev(fd, v, 2);
    }
  }
  uint64_t init = init_unique_.load(std::memory_order_relaxed);
  if (init != 0 && out->unique == init && out->error == 0 &&
      iov[1].iov_len >= kInitOutMaxStackDepth + 4) {
    init_unique_.store(0);
    char copy[sizeof(struct fuse_init_out)] = {};
    size_t len = std::min(iov[1].iov_len, sizeof copy);
    memcpy(copy, iov[1].iov_base, len);
    patch_init_reply(copy);
    struct iovec v[2] = {iov[0], {copy, len}};
    return writev(fd, v, 2);
  }
  return writev(fd, iov, count);
}

// Both directions of splice, unchanged (libfuse uses splice only when these exist).
ssize_t Passthrough::device_splice(int fdin, off_t* offin, int fdout, off_t* offout, size_t len,
                                   unsigned int flags, void* /*userdata*/) {
  return splice(fdin, offin, fdout, offout, len, flags);
}

bool Passthrough::install_hooks(struct fuse_session* se, bool passthrough, bool killpriv_v2,
                                const struct fuse_custom_io& hooks) {
  bool can_pass = passthrough && has_cap_sys_admin();
  if (passthrough && !can_pass) spdlog::info("fuse: no kernel passthrough (needs CAP_SYS_ADMIN)");
  int fd = fuse_session_fd(se);
  if (fd < 0) return false;
  want_passthrough_ = can_pass;
  want_killpriv_v2_ = killpriv_v2;
  if (fuse_session_custom_io(se, &hooks, fd) != 0) return false;
  dev_fd_ = fd;
  return true;
}

bool Passthrough::killpriv_v2() const {
  return killpriv_v2_.load(std::memory_order_relaxed);
}

bool Passthrough::active() const {
  return active_.load(std::memory_order_relaxed);
}

int Passthrough::acquire(dev_t dev, ino_t ino, int fd, bool read_only, bool start, Io* io) {
  *io = Io::kNone;
  if (!active()) return 0;
  std::lock_guard lock(mu_);
  State& s = inodes_[Key{dev, ino}];
  if (s.idle) {
    idle_.erase(s.idle_it);
    s.idle = false;
  }
  if (start && s.cached_opens == 0 && s.backing_id == 0) {
    // The kernel opens a backing file per open, with that open's flags, from
    // the registered file's path: a read-only registration serves writers
    // too, and can stay idle after they are gone without holding write
    // access to the file. A writer's descriptor is registered itself only
    // when the file cannot be opened for reading here.
    int ro = read_only ? -1 : reopen_read_only(fd);
    BackingMap map{ro >= 0 ? ro : fd, 0, 0};
    int id = ioctl(dev_fd_, kIocBackingOpen, &map);
    if (ro >= 0) close(ro);
    if (id > 0) {
      s.backing_id = id;
      s.reusable = read_only || ro >= 0;
      if (!logged_) {
        logged_ = true;
        spdlog::info("fuse: kernel passthrough of file data is on");
      }
    } else {
      spdlog::debug("passthrough: no backing file for inode {} ({})", ino, strerror(errno));
    }
  }
  if (s.backing_id > 0) {
    ++s.passthrough_opens;
    *io = Io::kPassthrough;
    return s.backing_id;
  }
  ++s.cached_opens;
  *io = Io::kCached;
  return 0;
}

void Passthrough::release(dev_t dev, ino_t ino, Io io) {
  if (io == Io::kNone) return;
  close_backing(release_locked(dev, ino, io));
}

int Passthrough::release_locked(dev_t dev, ino_t ino, Io io) {
  std::lock_guard lock(mu_);
  auto it = inodes_.find(Key{dev, ino});
  if (it == inodes_.end()) return 0;
  State& s = it->second;
  if (io == Io::kPassthrough && s.passthrough_opens > 0) --s.passthrough_opens;
  if (io == Io::kCached && s.cached_opens > 0) --s.cached_opens;
  if (s.passthrough_opens > 0 || s.cached_opens > 0 || s.idle) return 0;
  int drop = 0;
  if (s.backing_id > 0 && s.reusable) {
    s.idle = true;
    s.idle_it = idle_.insert(idle_.end(), it->first);
    if (idle_.size() > kMaxIdle) {
      auto oldest = inodes_.find(idle_.front());
      idle_.pop_front();
      drop = oldest->second.backing_id;
      inodes_.erase(oldest);
    }
    return drop;
  }
  drop = s.backing_id;
  inodes_.erase(it);
  return drop;
}

void Passthrough::forget(dev_t dev, ino_t ino) {
  if (!active()) return;
  int drop = 0;
  {
    std::lock_guard lock(mu_);
    auto it = inodes_.find(Key{dev, ino});
    if (it == inodes_.end() || !it->second.idle) return;
    idle_.erase(it->second.idle_it);
    drop = it->second.backing_id;
    inodes_.erase(it);
  }
  close_backing(drop);
}

void Passthrough::close_backing(int backing_id) {
  if (backing_id <= 0) return;
  uint32_t id = static_cast<uint32_t>(backing_id);
  if (ioctl(dev_fd_, kIocBackingClose, &id) != 0)
    spdlog::warn("passthrough: cannot drop backing file {} ({})", id, strerror(errno));
}

Passthrough::ScopedReply::ScopedReply(int backing_id) {
  t_backing_id = backing_id;
}
Passthrough::ScopedReply::~ScopedReply() {
  t_backing_id = 0;
}

}  // namespace aio::fs
