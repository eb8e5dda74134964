// Attributes: getattr, setattr, access, readlink, statfs.
#include <limits.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs/handlers.h"
#include "fs/privs.h"
#include "fs/request.h"

namespace aio::fs {

namespace {

// The attributes of real inode `in`, through its open handle when it has one.
int stat_inode(Fs& fs, Inode* in, const Handle* h, struct stat* st) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  return sys_result(h && h->fd >= 0
                        ? fstat(h->fd, st)
                        : fstatat(pin.fd(), "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
}

int set_owner(int fd, int pinned, const struct stat* attr, int to_set) {
  uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
  gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
  return sys_result(fd >= 0 ? fchown(fd, uid, gid)
                            : fchownat(pinned, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
}

int set_times(int fd, const char* path, const struct stat* attr, int to_set) {
  struct timespec tv[2];
  tv[0].tv_sec = tv[1].tv_sec = 0;
  tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
  if (to_set & FUSE_SET_ATTR_ATIME_NOW)
    tv[0].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_ATIME)
    tv[0] = attr->st_atim;
  if (to_set & FUSE_SET_ATTR_MTIME_NOW)
    tv[1].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_MTIME)
    tv[1] = attr->st_mtim;
  return sys_result(fd >= 0 ? futimens(fd, tv) : utimensat(AT_FDCWD, path, tv, 0));
}

// The changes a SETATTR asks of real inode `in`, in order: mode, owner,
// size (and suid/sgid after a truncate, under killpriv_v2), times; through
// its open handle when it has one.
int set_attrs(Fs& fs, Inode* in, const Handle* h, const struct stat* attr, int to_set) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  ProcPath proc(pin.fd());
  int fd = h && h->fd >= 0 ? h->fd : -1;
  int rv = 0;
  if (to_set & FUSE_SET_ATTR_MODE)
    rv = sys_result(fd >= 0 ? fchmod(fd, attr->st_mode) : chmod(proc.buf, attr->st_mode));
  if (rv == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
    rv = set_owner(fd, pin.fd(), attr, to_set);
  if (rv == 0 && (to_set & FUSE_SET_ATTR_SIZE))
    rv = sys_result(fd >= 0 ? ftruncate(fd, attr->st_size) : truncate(proc.buf, attr->st_size));
  if (rv == 0 && (to_set & FUSE_SET_ATTR_KILL_SUID) && !(to_set & FUSE_SET_ATTR_MODE))
    rv = privs::drop_on_truncate(proc.buf);
  if (rv == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)))
    rv = set_times(fd, proc.buf, attr, to_set);
  return rv;
}

// The target of symlink `in` into buf, NUL-terminated: 0 or -errno.
int read_link(Fs& fs, Inode* in, char (&buf)[PATH_MAX + 1]) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  ssize_t n = readlinkat(pin.fd(), "", buf, sizeof buf);
  if (n < 0) return -errno;
  if (n == sizeof buf) return -ENAMETOOLONG;
  buf[n] = '\0';
  return 0;
}

}  // namespace

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::getattr(req, fs, in);
  struct stat st;
  if (int rv = stat_inode(fs, in, file_handle(fi), &st)) return reply_err(req, rv);
  fuse_reply_attr(req, &st, fs.timeout);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::setattr(req, fs, in, to_set);
  Handle* h = file_handle(fi);
  int rv = 0;
  // A handle opened for writing was judged at open; anything else asks now.
  if (!(h && h->writable))
    rv = guard_inode(fs, writer(req, fi), WriteOp::kSetattr, in, to_set & FUSE_SET_ATTR_SIZE);
  if (rv == 0) rv = set_attrs(fs, in, h, attr, to_set);
  struct stat st;
  if (rv == 0) rv = stat_inode(fs, in, h, &st);
  if (rv != 0) return reply_err(req, rv);
  fuse_reply_attr(req, &st, fs.timeout);
}

// access(2) and chdir: asked only without default_permissions, where the
// daemon runs as the one user who reaches the mount.
void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::access(req, in, mask);
  Pin pin(fs.inodes, in);
  int rv = pin.error();
  if (rv == 0) rv = sys_result(faccessat(pin.fd(), "", mask, AT_EMPTY_PATH));
  reply_err(req, rv);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return reply_err(req, vops::kReadlink);
  char buf[PATH_MAX + 1];
  if (int rv = read_link(fs, in, buf)) return reply_err(req, rv);
  fuse_reply_readlink(req, buf);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  (void)ino;
  struct statvfs st;
  if (fstatvfs(fs_of(req).opts.root_fd, &st) != 0) return reply_err(req, -errno);
  fuse_reply_statfs(req, &st);
}

}  // namespace aio::fs
