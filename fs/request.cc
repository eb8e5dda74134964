#include "fs/request.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

namespace aio::fs {

Who caller(fuse_req_t req) {
  return fs_of(req).ids.who(fuse_req_ctx(req)->pid);
}

Who writer(fuse_req_t req, const struct fuse_file_info* fi) {
  pid_t tid = fuse_req_ctx(req)->pid;
  if (tid <= 0 && file_handle(fi)) return file_handle(fi)->opener;
  return fs_of(req).ids.who(tid);
}

int guard_inode(Fs& fs, const Who& w, WriteOp op, Inode* in, bool truncates) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  struct stat st;
  bool have = fstatat(pin.fd(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0;
  FileWrite fw;
  fw.regular = have && S_ISREG(st.st_mode);
  fw.truncates = truncates;
  // The name it was last reached by may be gone: the guard finds its names.
  if (!have) return fs.guard.check(w, op, fs.inodes.path_of(in), false, nullptr, fw);
  return fs.guard.check_inode(w, op, fs.inodes.path_of(in), st, fw);
}

namespace {

// Whether the caller of req is in group gid (its own or a supplementary one).
bool caller_in_group(fuse_req_t req, gid_t gid) {
  if (fuse_req_ctx(req)->gid == gid) return true;
  gid_t groups[256];
  int n = fuse_req_getgroups(req, 256, groups);
  for (int k = 0; k < n && k < 256; ++k)
    if (groups[k] == gid) return true;
  return false;
}

// Gives a regular file or special node the set-ID bits of `asked` that the
// kernel would have left it: chown took them, and set-group-ID of a group-
// executable node stays only for a member of the file's group. Works on the node itself (no name
// followed).
void restore_set_ids(fuse_req_t req, int dirfd, const char* name, mode_t asked) {
  mode_t keep = asked & (S_ISUID | S_ISGID);
  if (!keep) return;
  int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
    if ((keep & S_ISGID) && (st.st_mode & S_IXGRP) && !caller_in_group(req, st.st_gid))
      keep &= ~S_ISGID;  // as the kernel's mode_strip_sgid
    if ((st.st_mode & (S_ISUID | S_ISGID)) != keep) {
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
      (void)chmod(proc, (st.st_mode & 01777) | keep);  // the inode itself, not a name
    }
  }
  close(fd);
}

}  // namespace

void give_to_caller(fuse_req_t req, int dirfd, const char* name, mode_t asked) {
  if (!fs_of(req).opts.chown_new) return;
  const struct fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid == 0 && ctx->gid == 0) return;
  struct stat dir;
  bool dir_group = fstat(dirfd, &dir) == 0 && (dir.st_mode & S_ISGID);
  gid_t gid = dir_group ? static_cast<gid_t>(-1) : ctx->gid;
  // Best effort: the node exists either way.
  if (fchownat(dirfd, name, ctx->uid, gid, AT_SYMLINK_NOFOLLOW) != 0) return;
  restore_set_ids(req, dirfd, name, asked);
}

namespace {

// 1 once this thread has a umask of its own, -1 when it could not get one.
thread_local int own_umask = 0;

// The process's umask, read once (the daemon never changes it; threads
// change only their own, and only inside a CallerMode).
mode_t process_umask() {
  static const mode_t mask = [] {
    mode_t m = umask(022);
    umask(m);
    return m;
  }();
  return mask;
}

}  // namespace

CallerMode::CallerMode(mode_t asked) {
  if ((asked & 07777 & process_umask()) == 0) return;  // the daemon's umask strips nothing
  if (own_umask == 0) {
    own_umask = unshare(CLONE_FS) == 0 ? 1 : -1;
    static std::atomic<bool> told{false};
    if (own_umask < 0 && !told.exchange(true))
      spdlog::warn(
          "a FUSE thread cannot have a umask of its own ({}): new files get the "
          "daemon's umask on top of the caller's",
          strerror(errno));
  }
  if (own_umask < 0) return;
  saved_ = umask(0);
  set_ = true;
}

CallerMode::~CallerMode() {
  if (set_) umask(saved_);
}

int real_entry(Fs& fs, Inode* parent, const char* name, struct fuse_entry_param* e) {
  memset(e, 0, sizeof *e);
  Inode* in = nullptr;
  if (int rv = fs.inodes.lookup(parent, name, &e->attr, &in)) return rv;
  e->ino = fs.inodes.id(in);
  e->attr_timeout = e->entry_timeout = fs.timeout;
  return 0;
}

bool DirBuf::add(const char* name, const struct fuse_entry_param& e, off_t next) {
  size_t room = buf_.size() - used_;
  char* at = buf_.data() + used_;
  size_t n = plus_ ? fuse_add_direntry_plus(req_, at, room, name, &e, next)
                   : fuse_add_direntry(req_, at, room, name, &e.attr, next);
  if (n > room) return false;
  used_ += n;
  return true;
}

}  // namespace aio::fs
