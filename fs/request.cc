#include "fs/request.h"

#include <sched.h>
#include <unistd.h>

#include <atomic>
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

void give_to_caller(fuse_req_t req, int dirfd, const char* name) {
  if (!fs_of(req).opts.chown_new) return;
  const struct fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid == 0 && ctx->gid == 0) return;
  if (fchownat(dirfd, name, ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) != 0) {
    // Best effort: the file exists either way.
  }
}

namespace {

// 1 once this thread has a umask of its own, -1 when it could not get one.
thread_local int own_umask = 0;

}  // namespace

CallerMode::CallerMode() {
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
