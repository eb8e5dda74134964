// What the handlers (fs/ops_*.cc) share: a request's open file and directory
// handles, its caller, the guard's questions about it, and replies.
//
// The errno convention of fs/, as mergerfs's: a helper returns 0 (or a
// count, or a descriptor) on success and -errno on failure; so do
// Guard::check, VFiles::append, Pin::error and InodeTable::lookup. A handler
// computes one such result and replies exactly once: reply_err(req, rv) for
// a failure (or a bare success), else the fuse_reply_* of its data. Only
// handlers (the vops:: ones included) and functions named reply* send
// replies; the helpers they call never do.
#pragma once

#define FUSE_USE_VERSION 314
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/policy.h"
#include "fs/session.h"

namespace aio::fs {

// An open file: a real descriptor, or a virtual .aio file (a vops::VHandle).
struct Handle {
  int fd = -1;
  Who opener;             // who opened it (writes from the page cache carry no caller)
  bool writable = false;  // opened for writing, and the guard allowed it
  bool is_virtual = false;
  Passthrough::Io io = Passthrough::Io::kNone;  // regular files: how the kernel does I/O
  dev_t dev = 0;                                // ... of this inode
  ino_t ino = 0;
};

// An open directory: a real one's stream, or a virtual .aio directory.
struct DirHandle {
  DIR* dp = nullptr;
  bool is_virtual = false;
  off_t pos = 0;                     // ordinal of the next entry to hand out
  struct dirent* pending = nullptr;  // read but not yet handed out
};

inline Handle* file_handle(const struct fuse_file_info* fi) {
  return fi ? reinterpret_cast<Handle*>(fi->fh) : nullptr;
}
inline DirHandle* dir_handle(const struct fuse_file_info* fi) {
  return reinterpret_cast<DirHandle*>(fi->fh);
}

// 0, or -errno of a call that returned -1.
inline int sys_result(int r) {
  return r == 0 ? 0 : -errno;
}

// fsync(2) or fdatasync(2) of `fd`: 0 or -errno.
inline int sync_fd(int fd, bool datasync) {
  return sys_result(datasync ? fdatasync(fd) : fsync(fd));
}

// Replies a result of the convention above: 0 or -errno.
inline void reply_err(fuse_req_t req, int rv) {
  fuse_reply_err(req, -rv);
}

// A path that reaches a pinned inode, for calls that have no *at() form.
struct ProcPath {
  explicit ProcPath(int fd) { snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }
  char buf[48];
};

inline bool opens_for_write(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

// The caller of a request (resolved: ask for write-class requests only).
Who caller(fuse_req_t req);
// The caller of a write-class request; the opener when the kernel sends it
// on its own (no caller pid).
Who writer(fuse_req_t req, const struct fuse_file_info* fi);

// Asks the guard about an existing inode: every name it has (the one it was
// last reached by, checked still to be one, and its other links; where it
// went when that name is gone: Guard::check_inode). `truncates`: a setattr
// changes its size, for auto-claim. 0 or -errno.
int guard_inode(Fs& fs, const Who& w, WriteOp op, Inode* in, bool truncates = false);

// New nodes belong to the caller, as on a bare disk, when the daemon is root:
// the caller's uid, and its gid unless the directory is set-group-ID (then
// the directory's group, as made). chown clears set-user-ID and
// set-group-ID of a non-directory even for root, so the bits of `asked`
// (the mode the kernel sent) come back as the kernel would have kept them
// (set-group-ID with group-execute only for a member of the file's group).
void give_to_caller(fuse_req_t req, int dirfd, const char* name, mode_t asked);

// Held around each call that makes a node on a caller's behalf (create,
// mknod, mkdir, symlink): the node gets exactly the mode the caller's request
// carries. The kernel has applied the caller's umask already (the mount does
// not ask for FUSE_CAP_DONT_MASK), so the daemon's own must not apply again.
// Each FUSE worker thread gets a umask of its own (unshare(CLONE_FS)) the
// first time, and it is 0 only while this is held: the files the daemon
// makes for itself ($AIO_HOME, logs), on these threads or others, keep the
// umask it was started with. Should a thread not get its own umask (never
// seen: unshare(CLONE_FS) needs no privilege), the daemon's applies, as
// before, and the log says so once. When the daemon's umask strips no bit of
// the mode asked for (the usual case: the caller's umask covers it), nothing
// is changed and no system call is made.
class CallerMode {
 public:
  explicit CallerMode(mode_t asked);
  ~CallerMode();
  CallerMode(const CallerMode&) = delete;
  CallerMode& operator=(const CallerMode&) = delete;

 private:
  mode_t saved_ = 0;
  bool set_ = false;
};

// Looks up real `name` in real directory `parent` and fills *e for the
// kernel (one lookup more): 0 or -errno.
int real_entry(Fs& fs, Inode* parent, const char* name, struct fuse_entry_param* e);

// The entries of one READDIR or READDIRPLUS reply, packed into a buffer of
// the size the kernel asked for.
class DirBuf {
 public:
  DirBuf(fuse_req_t req, size_t size, bool plus) : req_(req), plus_(plus), buf_(size, '\0') {}
  bool plus() const { return plus_; }
  // Adds one entry (READDIR uses e.attr's type and inode number only);
  // false when the buffer is full (nothing added).
  bool add(const char* name, const struct fuse_entry_param& e, off_t next);
  void reply() { fuse_reply_buf(req_, buf_.data(), used_); }

 private:
  fuse_req_t req_;
  bool plus_;
  std::string buf_;
  size_t used_ = 0;
};

}  // namespace aio::fs
