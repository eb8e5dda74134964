// Kernel FUSE passthrough (Linux >= 6.9 with CONFIG_FUSE_PASSTHROUGH) and
// handle_killpriv_v2 on libfuse 3.14, which cannot negotiate either.
//
// The session's device I/O goes through fuse_custom_io hooks that
//  - see the kernel's INIT request and add to the INIT reply libfuse writes:
//    FUSE_PASSTHROUGH and a stacking depth of 1, when the kernel offers it
//    and the daemon holds CAP_SYS_ADMIN; FUSE_HANDLE_KILLPRIV_V2 when asked
//    (the kernel then stops asking for security.capability before every
//    write, which costs a round trip each);
//  - add FOPEN_PASSTHROUGH and a backing id to the OPEN or CREATE reply the
//    calling thread sends inside a ScopedReply.
// read, write, splice and mmap of such a file then go from the kernel
// straight to the real file. The daemon still decides every open (that is
// where the guard judges writes) and serves everything else.
//
// Kernel rules this keeps: every open of an inode that has a backing file
// must be a passthrough open with that same backing id, and an inode with
// page-cache opens cannot get one. So a backing id is registered per inode on
// its first passthrough open, and an inode whose first open had to use the
// page cache (the registration failed) keeps using it until closed.
//
// The kernel opens a backing file per open from the registered file's path
// (with the new open's flags), so a registration is made from a read-only
// descriptor (the writer's own is reopened read-only) and outlives the opens:
// after the last release it stays registered, idle, for the next open of the
// inode, which then costs no ioctl (BACKING_OPEN and BACKING_CLOSE together
// cost about a round trip). Idle registrations are dropped when the kernel
// forgets the inode, and the oldest beyond kMaxIdle. Only a file this daemon
// cannot open for reading is registered from the writer's descriptor, and
// that registration is dropped at the last release, so that no write access
// to the real file lingers (a held writer makes exec fail with ETXTBSY, and
// delays close-write events).
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

namespace aio::fs {

class Passthrough {
 public:
  // How a regular file was opened, for release().
  enum class Io { kNone, kCached, kPassthrough };

  // Installs the device hooks on a mounted session, to ask for passthrough
  // (only with CAP_SYS_ADMIN: the kernel refuses backing files otherwise)
  // and for killpriv_v2: only right when whoever writes through the mount
  // has the daemon's own credentials (no allow_other), so that the source
  // filesystem, which sees the daemon's calls, drops suid/sgid and file
  // capabilities exactly as it would for the writer. The read hook also
  // marks where each request begins (fs/request_epoch.h). False when the
  // hooks could not be installed.
  //
  // The hooks find this object through the session's user data: libfuse
  // (lib/fuse_lowlevel.c) hands every custom-I/O hook se->userdata, the
  // pointer given to fuse_session_new. That pointer must be an `Owner*`
  // whose member `Member` is this object.
  template <class Owner, Passthrough Owner::*Member>
  bool install(struct fuse_session* se, bool passthrough, bool killpriv_v2) {
    static constexpr struct fuse_custom_io kHooks = {
        [](int fd, struct iovec* iov, int count, void* userdata) {
          return (static_cast<Owner*>(userdata)->*Member).device_writev(fd, iov, count);
        },
        [](int fd, void* buf, size_t len, void* userdata) {
          return (static_cast<Owner*>(userdata)->*Member).device_read(fd, buf, len);
        },
        &device_splice,
        &device_splice,
    };
    return install_hooks(se, passthrough, killpriv_v2, kHooks);
  }
  // The kernel accepted passthrough in INIT.
  bool active() const;
  // The kernel leaves dropping suid/sgid on write and truncate to us.
  bool killpriv_v2() const;

  // For an open of regular file (dev, ino) whose real descriptor is `fd`
  // (`read_only`: opened O_RDONLY): the backing id to reply with, or 0 when
  // this open must use the page cache. An inode that has a backing file
  // keeps it for every open; one that has none gets one registered when
  // `start` is set and it has no page-cache opens. *io says which, for
  // release().
  int acquire(dev_t dev, ino_t ino, int fd, bool read_only, bool start, Io* io);
  // The end of an open acquire() accounted (also when its reply failed).
  void release(dev_t dev, ino_t ino, Io io);
  // The kernel forgot inode (dev, ino): drops an idle registration.
  void forget(dev_t dev, ino_t ino);
  // Idle registrations kept at most.
  static constexpr size_t kMaxIdle = 16384;

  // Arms the OPEN/CREATE reply this thread sends while it lives. The backing
  // id travels in a thread-local, not in this object: libfuse writes a reply
  // from the thread that calls fuse_reply_open/create, through the writev
  // hook, and 3.14 shows us no request id to key shared state by; so the id
  // belongs to exactly the one reply this thread is sending, like errno.
  class ScopedReply {
   public:
    explicit ScopedReply(int backing_id);
    ~ScopedReply();
    ScopedReply(const ScopedReply&) = delete;
    ScopedReply& operator=(const ScopedReply&) = delete;
  };

 private:
  struct Key {
    dev_t dev;
    ino_t ino;
    bool operator==(const Key& o) const { return dev == o.dev && ino == o.ino; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.ino * 1000003u ^ k.dev; }
  };
  struct State {
    int backing_id = 0;
    bool reusable = false;  // registered from a read-only descriptor
    int passthrough_opens = 0;
    int cached_opens = 0;
    bool idle = false;                 // no opens; in idle_
    std::list<Key>::iterator idle_it;  // ... at this place
  };
  bool install_hooks(struct fuse_session* se, bool passthrough, bool killpriv_v2,
                     const struct fuse_custom_io& hooks);
  // The device hooks' work. read notes the kernel's INIT request; writev
  // patches the INIT reply and the OPEN/CREATE reply a ScopedReply armed.
  ssize_t device_read(int fd, void* buf, size_t len);
  ssize_t device_writev(int fd, struct iovec* iov, int count);
  static ssize_t device_splice(int fdin, off_t* offin, int fdout, off_t* offout, size_t len,
                               unsigned int flags, void* userdata);
  void patch_init_reply(char* reply);
  // release()'s bookkeeping: the backing id to close (0: none), closed by
  // the caller once mu_ is let go (dropping a backing file may make the
  // source filesystem delete an unlinked file).
  int release_locked(dev_t dev, ino_t ino, Io io);
  void close_backing(int id);  // no-op for id <= 0

  // Set by install() before the session runs; then read-only.
  int dev_fd_ = -1;  // the session's /dev/fuse descriptor (for the ioctls)
  bool want_passthrough_ = false;
  bool want_killpriv_v2_ = false;
  // INIT, as the device hooks see it: the unique id of the kernel's INIT
  // request and what it offers (flags and flags2 as one word), noted by the
  // read hook; the writev hook patches the reply carrying that id and sets
  // what was agreed. Atomics: the hooks run on the session's threads, and
  // request threads read active_ and killpriv_v2_.
  std::atomic<uint64_t> init_unique_{0};
  std::atomic<uint64_t> init_offer_{0};
  std::atomic<bool> init_seen_{false};
  std::atomic<bool> active_{false};       // the kernel accepted passthrough
  std::atomic<bool> killpriv_v2_{false};  // ... and handle_killpriv_v2

  // Lock order: mu_ is a leaf. The one ioctl made under it is BACKING_OPEN
  // (an inode gets one registration); backing files are closed after it.
  std::mutex mu_;  // guards logged_, inodes_, idle_
  bool logged_ = false;
  std::unordered_map<Key, State, KeyHash> inodes_;
  std::list<Key> idle_;  // idle registrations, oldest first
};

}  // namespace aio::fs
