#include "fs/ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace aio::fs {
namespace {

// ---------------------------------------------------------------- plumbing

MountContext& mc() {
  return *static_cast<MountContext*>(fuse_get_context()->private_data);
}
Guard& guard() {
  return *mc().guard;
}
int src() {
  return mc().source_fd;
}
pid_t caller_tid() {
  return fuse_get_context()->pid;
}

// A relative path for *at() calls: "" (the root) becomes ".".
struct At {
  explicit At(const char* fuse_path) : rel(rel_of(fuse_path)) {}
  const char* c() const { return rel.empty() ? "." : rel.c_str(); }
  std::string rel;
};

int neg(int r) {
  return r < 0 ? -errno : r;
}

// An open file: a real descriptor, or a virtual .aio file.
struct Handle {
  int fd = -1;
  Who opener;             // who opened it (writes from the page cache carry no caller)
  bool writable = false;  // decided at open
  bool is_virtual = false;
  VNode vnode;
  std::string content;  // virtual: rendered at open
};

Handle* handle(const struct fuse_file_info* fi) {
  return fi ? reinterpret_cast<Handle*>(fi->fh) : nullptr;
}

struct DirHandle {
  DIR* dp = nullptr;
  bool is_virtual = false;
  VNode vnode;
  bool root = false;
};

// The caller of a write-class request; the opener when the kernel sends it
// on its own (no caller pid).
Who writer(const struct fuse_file_info* fi) {
  pid_t tid = caller_tid();
  if (tid <= 0 && handle(fi)) return handle(fi)->opener;
  return guard().who(tid);
}

bool lstat_rel(const std::string& rel, struct stat* st) {
  return fstatat(src(), rel.empty() ? "." : rel.c_str(), st, AT_SYMLINK_NOFOLLOW) == 0;
}

// Asks the guard about one path; `with_links` adds the other names of a
// multiply linked regular file.
int guard_path(const Who& w, WriteOp op, const std::string& rel, bool subtree, bool with_links) {
  struct stat st;
  bool have = with_links && lstat_rel(rel, &st);
  return guard().check(w, op, rel, subtree, have ? &st : nullptr);
}

// New files belong to the caller, as on a bare disk, when the daemon is root.
void give_to_caller(const std::string& rel) {
  if (!mc().chown_new) return;
  const struct fuse_context* ctx = fuse_get_context();
  if (ctx->uid == 0 && ctx->gid == 0) return;
  if (fchownat(src(), rel.c_str(), ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) != 0) {
    // Best effort: the file exists either way.
  }
}

// ---------------------------------------------------------------- attributes

int op_getattr(const char* path, struct stat* st, struct fuse_file_info* fi) {
  if (Handle* h = handle(fi); h && !h->is_virtual) return neg(fstat(h->fd, st));
  if (is_virtual(path)) {
    auto n = vnode_of(path);
    if (!n) return -ENOENT;
    mc().vfiles->stat(*n, st);
    return 0;
  }
  At at(path);
  return neg(fstatat(src(), at.c(), st, AT_SYMLINK_NOFOLLOW));
}

int op_access(const char* path, int mask) {
  if (is_virtual(path)) return vnode_of(path) ? 0 : -ENOENT;
  At at(path);
  return neg(faccessat(src(), at.c(), mask, AT_EACCESS));
}

int op_readlink(const char* path, char* buf, size_t size) {
  if (is_virtual(path)) return -EINVAL;
  At at(path);
  ssize_t n = readlinkat(src(), at.c(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int op_chmod(const char* path, mode_t mode, struct fuse_file_info* fi) {
  if (is_virtual(path)) return -EPERM;
  At at(path);
  if (int r = guard_path(writer(fi), WriteOp::kSetattr, at.rel, false, true); r != 0) return r;
  if (Handle* h = handle(fi)) return neg(fchmod(h->fd, mode));
  return neg(fchmodat(src(), at.c(), mode, 0));
}

int op_chown(const char* path, uid_t uid, gid_t gid, struct fuse_file_info* fi) {
  if (is_virtual(path)) return -EPERM;
  At at(path);
  if (int r = guard_path(writer(fi), WriteOp::kSetattr, at.rel, false, true); r != 0) return r;
  if (Handle* h = handle(fi)) return neg(fchown(h->fd, uid, gid));
  return neg(fchownat(src(), at.c(), uid, gid, AT_SYMLINK_NOFOLLOW));
}

int op_truncate(const char* path, off_t size, struct fuse_file_info* fi) {
  if (is_virtual(path)) {
    auto n = vnode_of(path);
    return n && n->writable() ? 0 : -EACCES;  // `echo > .aio/claims` truncates first
  }
  At at(path);
  Handle* h = handle(fi);
  if (!(h && h->writable)) {
    if (int r = guard_path(writer(fi), WriteOp::kSetattr, at.rel, false, true); r != 0) return r;
  }
  if (h) return neg(ftruncate(h->fd, size));
  int fd = openat(src(), at.c(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  int r = neg(ftruncate(fd, size));
  close(fd);
  return r;
}

int op_utimens(const char* path, const struct timespec tv[2], struct fuse_file_info* fi) {
  if (is_virtual(path)) return 0;  // `touch .aio/x` is harmless
  At at(path);
  if (int r = guard_path(writer(fi), WriteOp::kSetattr, at.rel, false, true); r != 0) return r;
  if (Handle* h = handle(fi)) return neg(futimens(h->fd, tv));
  return neg(utimensat(src(), at.c(), tv, AT_SYMLINK_NOFOLLOW));
}

// ---------------------------------------------------------------- names

int op_mknod(const char* path, mode_t mode, dev_t rdev) {
  if (is_virtual(path)) return -EACCES;
  At at(path);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kMknod, at.rel, false, false); r != 0)
    return r;
  int r = S_ISFIFO(mode) ? mkfifoat(src(), at.c(), mode) : mknodat(src(), at.c(), mode, rdev);
  if (r != 0) return -errno;
  give_to_caller(at.rel);
  return 0;
}

int op_mkdir(const char* path, mode_t mode) {
  if (is_virtual(path)) return -EACCES;
  At at(path);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kMkdir, at.rel, false, false); r != 0)
    return r;
  if (mkdirat(src(), at.c(), mode) != 0) return -errno;
  give_to_caller(at.rel);
  return 0;
}

int op_unlink(const char* path) {
  if (is_virtual(path)) return -EACCES;
  At at(path);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kUnlink, at.rel, false, false); r != 0)
    return r;
  return neg(unlinkat(src(), at.c(), 0));
}

int op_rmdir(const char* path) {
  if (is_virtual(path)) return -EACCES;
  At at(path);
  // Claims beneath an (empty) directory name things its claimer means to create there.
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kRmdir, at.rel, true, false); r != 0)
    return r;
  return neg(unlinkat(src(), at.c(), AT_REMOVEDIR));
}

int op_symlink(const char* target, const char* linkpath) {
  if (is_virtual(linkpath)) return -EACCES;
  At at(linkpath);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kSymlink, at.rel, false, false);
      r != 0)
    return r;
  if (symlinkat(target, src(), at.c()) != 0) return -errno;
  give_to_caller(at.rel);
  return 0;
}

int op_rename(const char* from, const char* to, unsigned int flags) {
  if (is_virtual(from) || is_virtual(to)) return -EACCES;
  At a(from), b(to);
  Who w = guard().who(caller_tid());
  struct stat sa, sb;
  bool have_a = lstat_rel(a.rel, &sa), have_b = lstat_rel(b.rel, &sb);
  bool a_dir = have_a && S_ISDIR(sa.st_mode);
  bool b_dir = have_b && S_ISDIR(sb.st_mode);
  // The source name and everything beneath a renamed directory change; so
  // does the destination (and, for an exchange, what moves the other way).
  if (int r = guard().check(w, WriteOp::kRename, a.rel, a_dir, nullptr); r != 0) return r;
  bool b_subtree = a_dir || b_dir;
  if (int r = guard().check(w, WriteOp::kRename, b.rel, b_subtree, nullptr); r != 0) return r;
  return neg(renameat2(src(), a.c(), src(), b.c(), flags));
}

int op_link(const char* from, const char* to) {
  if (is_virtual(from) || is_virtual(to)) return -EACCES;
  At a(from), b(to);
  Who w = guard().who(caller_tid());
  // A new name for a claimed inode would let others write it: judge both.
  if (int r = guard_path(w, WriteOp::kLink, a.rel, false, true); r != 0) return r;
  if (int r = guard_path(w, WriteOp::kLink, b.rel, false, false); r != 0) return r;
  return neg(linkat(src(), a.c(), src(), b.c(), 0));
}

// ---------------------------------------------------------------- files

bool opens_for_write(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

int open_virtual(const char* path, struct fuse_file_info* fi) {
  auto n = vnode_of(path);
  if (!n) return -ENOENT;
  if (n->is_dir()) return -EISDIR;
  auto h = std::make_unique<Handle>();
  h->is_virtual = true;
  h->vnode = *n;
  h->writable = opens_for_write(fi->flags);
  if (h->writable && !n->writable()) return -EACCES;
  h->opener = guard().who(caller_tid());
  if ((fi->flags & O_ACCMODE) != O_WRONLY) h->content = mc().vfiles->render(*n, h->opener);
  fi->direct_io = 1;  // content is generated; never cache it
  fi->nonseekable = 0;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

int op_open(const char* path, struct fuse_file_info* fi) {
  if (is_virtual(path)) return open_virtual(path, fi);
  At at(path);
  auto h = std::make_unique<Handle>();
  h->writable = opens_for_write(fi->flags);
  if (h->writable) {
    h->opener = guard().who(caller_tid());
    if (int r = guard_path(h->opener, WriteOp::kOpen, at.rel, false, true); r != 0) return r;
  }
  int fd = openat(src(), at.c(), (fi->flags & ~O_NOFOLLOW) | O_CLOEXEC);
  if (fd < 0) return -errno;
  h->fd = fd;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

int op_create(const char* path, mode_t mode, struct fuse_file_info* fi) {
  if (is_virtual(path)) {
    // `echo x >> .aio/claims` may arrive as create when the kernel has no
    // dentry yet; existing virtual files open, new names are refused.
    if (vnode_of(path)) return open_virtual(path, fi);
    return -EACCES;
  }
  At at(path);
  auto h = std::make_unique<Handle>();
  h->writable = true;
  h->opener = guard().who(caller_tid());
  if (int r = guard_path(h->opener, WriteOp::kCreate, at.rel, false, true); r != 0) return r;
  struct stat before;
  bool existed = lstat_rel(at.rel, &before);
  int fd = openat(src(), at.c(), fi->flags | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  if (!existed) give_to_caller(at.rel);
  h->fd = fd;
  fi->fh = reinterpret_cast<uint64_t>(h.release());
  return 0;
}

int op_read(const char* path, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    if (off < 0 || static_cast<size_t>(off) >= h->content.size()) return 0;
    size_t n = std::min(size, h->content.size() - static_cast<size_t>(off));
    memcpy(buf, h->content.data() + off, n);
    return static_cast<int>(n);
  }
  ssize_t n = pread(h->fd, buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_write(const char* path, const char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    int r = mc().vfiles->append(h->vnode, h->opener, std::string_view(buf, size));
    return r != 0 ? r : static_cast<int>(size);
  }
  ssize_t n = pwrite(h->fd, buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_statfs(const char* path, struct statvfs* st) {
  (void)path;
  return neg(fstatvfs(src(), st));
}

int op_flush(const char* path, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) return 0;
  // Like close(2) on the real file: lets the source filesystem report
  // delayed write errors; the descriptor itself stays open until release.
  int d = dup(h->fd);
  if (d < 0) return -errno;
  return neg(close(d));
}

int op_release(const char* path, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->fd >= 0) close(h->fd);
  delete h;
  return 0;
}

int op_fsync(const char* path, int datasync, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) return 0;
  return neg(datasync ? fdatasync(h->fd) : fsync(h->fd));
}

int op_fallocate(const char* path, int mode, off_t off, off_t len, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) return -EOPNOTSUPP;
  if (!h->writable) return -EBADF;
  return neg(fallocate(h->fd, mode, off, len));
}

ssize_t op_copy_file_range(const char* pin, struct fuse_file_info* fi_in, off_t off_in,
                           const char* pout, struct fuse_file_info* fi_out, off_t off_out,
                           size_t len, int flags) {
  (void)pin;
  (void)pout;
  Handle *in = handle(fi_in), *out = handle(fi_out);
  if (in->is_virtual || out->is_virtual) return -EOPNOTSUPP;
  ssize_t n = copy_file_range(in->fd, &off_in, out->fd, &off_out, len, flags);
  return n < 0 ? -errno : n;
}

off_t op_lseek(const char* path, off_t off, int whence, struct fuse_file_info* fi) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    if (whence == SEEK_SET) return off;
    if (whence == SEEK_END) return static_cast<off_t>(h->content.size()) + off;
    return -EINVAL;
  }
  off_t r = lseek(h->fd, off, whence);
  return r < 0 ? -errno : r;
}

int op_flock(const char* path, struct fuse_file_info* fi, int op) {
  (void)path;
  Handle* h = handle(fi);
  if (h->is_virtual) return 0;
  return neg(flock(h->fd, op));
}

// ---------------------------------------------------------------- xattrs

// xattr calls have no *at() form: go through an O_PATH descriptor.
struct PathFd {
  explicit PathFd(const std::string& rel)
      : fd(openat(src(), rel.empty() ? "." : rel.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC)) {
    if (fd >= 0) snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  }
  ~PathFd() {
    if (fd >= 0) close(fd);
  }
  int fd;
  char proc[64] = {};
};

int op_setxattr(const char* path, const char* name, const char* value, size_t size, int flags) {
  if (is_virtual(path)) return -EPERM;
  At at(path);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kSetxattr, at.rel, false, true);
      r != 0)
    return r;
  PathFd p(at.rel);
  if (p.fd < 0) return -errno;
  return neg(setxattr(p.proc, name, value, size, flags));
}

int op_getxattr(const char* path, const char* name, char* value, size_t size) {
  if (is_virtual(path)) return -ENODATA;
  At at(path);
  PathFd p(at.rel);
  if (p.fd < 0) return -errno;
  ssize_t n = getxattr(p.proc, name, value, size);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_listxattr(const char* path, char* list, size_t size) {
  if (is_virtual(path)) return 0;
  At at(path);
  PathFd p(at.rel);
  if (p.fd < 0) return -errno;
  ssize_t n = listxattr(p.proc, list, size);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_removexattr(const char* path, const char* name) {
  if (is_virtual(path)) return -EPERM;
  At at(path);
  if (int r = guard_path(guard().who(caller_tid()), WriteOp::kRemovexattr, at.rel, false, true);
      r != 0)
    return r;
  PathFd p(at.rel);
  if (p.fd < 0) return -errno;
  return neg(removexattr(p.proc, name));
}

// ---------------------------------------------------------------- directories

int op_opendir(const char* path, struct fuse_file_info* fi) {
  auto d = std::make_unique<DirHandle>();
  if (is_virtual(path)) {
    auto n = vnode_of(path);
    if (!n) return -ENOENT;
    if (!n->is_dir()) return -ENOTDIR;
    d->is_virtual = true;
    d->vnode = *n;
  } else {
    At at(path);
    int fd = openat(src(), at.c(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    d->dp = fdopendir(fd);
    if (!d->dp) {
      int e = errno;
      close(fd);
      return -e;
    }
    d->root = at.rel.empty();
  }
  fi->fh = reinterpret_cast<uint64_t>(d.release());
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t off,
               struct fuse_file_info* fi, enum fuse_readdir_flags flags) {
  (void)path;
  (void)off;
  (void)flags;
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  if (d->is_virtual) {
    fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    for (const auto& name : mc().vfiles->list(d->vnode)) {
      struct stat st;
      memset(&st, 0, sizeof st);
      st.st_ino = kVirtualInoBase + 1;
      fill(buf, name.c_str(), &st, 0, static_cast<fuse_fill_dir_flags>(0));
    }
    return 0;
  }
  // Offsets are not used (fill is called with 0): the whole listing goes in
  // one call, which the high-level API buffers.
  rewinddir(d->dp);
  while (struct dirent* e = readdir(d->dp)) {
    // A real .aio in the project is hidden by the virtual one.
    if (d->root && strcmp(e->d_name, kVirtualDir) == 0) continue;
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
  }
  if (d->root) {
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_mode = S_IFDIR;
    st.st_ino = kVirtualInoBase;  // an entry with inode 0 is skipped by readdir(3)
    fill(buf, kVirtualDir, &st, 0, static_cast<fuse_fill_dir_flags>(0));
  }
  return 0;
}

int op_releasedir(const char* path, struct fuse_file_info* fi) {
  (void)path;
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  if (d->dp) closedir(d->dp);
  delete d;
  return 0;
}

int op_fsyncdir(const char* path, int datasync, struct fuse_file_info* fi) {
  (void)path;
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  if (!d->dp) return 0;
  int fd = dirfd(d->dp);
  return neg(datasync ? fdatasync(fd) : fsync(fd));
}

void* op_init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  (void)conn;
  cfg->use_ino = 1;
  cfg->hard_remove = 1;  // unlinked-but-open files stay usable through their handle
  // Attributes may be cached briefly; the .aio/ files are direct_io, so a
  // read always shows the current state.
  cfg->entry_timeout = 1.0;
  cfg->attr_timeout = 1.0;
  cfg->negative_timeout = 0;
  return fuse_get_context()->private_data;
}

struct fuse_operations make_ops() {
  struct fuse_operations o;
  memset(&o, 0, sizeof o);
  o.init = op_init;
  o.getattr = op_getattr;
  o.access = op_access;
  o.readlink = op_readlink;
  o.mknod = op_mknod;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.symlink = op_symlink;
  o.rename = op_rename;
  o.link = op_link;
  o.chmod = op_chmod;
  o.chown = op_chown;
  o.truncate = op_truncate;
  o.utimens = op_utimens;
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write = op_write;
  o.statfs = op_statfs;
  o.flush = op_flush;
  o.release = op_release;
  o.fsync = op_fsync;
  o.fallocate = op_fallocate;
  o.copy_file_range = op_copy_file_range;
  o.lseek = op_lseek;
  o.flock = op_flock;
  o.setxattr = op_setxattr;
  o.getxattr = op_getxattr;
  o.listxattr = op_listxattr;
  o.removexattr = op_removexattr;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  return o;
}

}  // namespace

const struct fuse_operations& operations() {
  static const struct fuse_operations ops = make_ops();
  return ops;
}

}  // namespace aio::fs
