// File contents: open, create, read, write_buf, flush, release, fsync,
// fallocate, copy_file_range, lseek, flock.
#include <sys/file.h>
#include <unistd.h>

#include <memory>

#include "fs/handlers.h"
#include "fs/privs.h"
#include "fs/request.h"

namespace aio::fs {

namespace {

// Flags for the real open of what the kernel already resolved.
int real_flags(int flags) {
  return (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

// Opens real inode `in` into h->fd for an OPEN with `flags`, judged first
// when it writes: 0 or -errno.
int open_inode(fuse_req_t req, Fs& fs, Inode* in, int flags, Handle* h) {
  h->writable = opens_for_write(flags);
  if (h->writable) {
    h->opener = caller(req);
    if (int rv = guard_inode(fs, h->opener, WriteOp::kOpen, in)) return rv;
  }
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  ProcPath proc(pin.fd());
  h->fd = open(proc.buf, real_flags(flags));
  if (h->fd < 0) return -errno;
  if (h->writable)
    privs::drop_for_writer(fs.passthrough.killpriv_v2(), fuse_req_ctx(req)->pid, h->fd);
  return 0;
}

// Creates (or opens) `name` in real directory `p` into h->fd for a CREATE,
// judged first, and fills *e: 0 or -errno (h->fd closed again).
int create_name(fuse_req_t req, Fs& fs, Inode* p, const char* name, mode_t mode, int flags,
                Handle* h, struct fuse_entry_param* e) {
  h->writable = true;
  h->opener = caller(req);
  Pin pin(fs.inodes, p);
  if (int rv = pin.error()) return rv;
  struct stat before;
  bool existed = fstatat(pin.fd(), name, &before, AT_SYMLINK_NOFOLLOW) == 0;
  FileWrite fw;
  fw.regular = !existed || S_ISREG(before.st_mode);
  if (int rv = fs.guard.check(h->opener, WriteOp::kCreate, fs.inodes.child_path(p, name), false,
                              existed ? &before : nullptr, fw))
    return rv;
  {
    CallerMode as_asked(mode);
    h->fd = openat(pin.fd(), name, real_flags(flags) | O_CREAT | (flags & O_EXCL), mode);
  }
  if (h->fd < 0) return -errno;
  if (!existed) give_to_caller(req, pin.fd(), name, mode);
  if (existed) privs::drop_for_writer(fs.passthrough.killpriv_v2(), fuse_req_ctx(req)->pid, h->fd);
  if (int rv = real_entry(fs, p, name, e)) {
    close(h->fd);
    return rv;
  }
  if (!existed && (flags & O_EXCL) && fs.opts.in_place) {
    // Made here just now: it has no security.capability (fs/ops_xattr.cc).
    Inode* in = fs.inodes.inode(e->ino);
    uint64_t s = in->caps_state.load();
    in->caps_state.compare_exchange_strong(s, s | 1);
  }
  return 0;
}

// Replies to OPEN (entry null) or CREATE of real inode `in`, whose
// descriptor h->fd is open. A regular file gets kernel passthrough when it
// is active: its data never passes here. Otherwise the page cache serves it,
// kept across opens in place (nothing changes the file behind our back)
// unless passthrough wrote the file since. False when the reply failed (the
// open was interrupted): the handle is gone then.
bool reply_open(fuse_req_t req, Fs& fs, std::unique_ptr<Handle> h, Inode* in,
                struct fuse_file_info* fi, const struct fuse_entry_param* entry) {
  int backing = 0;
  if (S_ISREG(in->type)) {
    bool read_only = (fi->flags & O_ACCMODE) == O_RDONLY;
    backing = fs.passthrough.acquire(in->dev, in->ino, h->fd, read_only, true, &h->io);
    h->dev = in->dev;
    h->ino = in->ino;
  }
  bool keep = fs.opts.in_place;
  if (backing > 0) {
    if (h->writable) in->stale_pages = true;
  } else if (h->io == Passthrough::Io::kCached && in->stale_pages.exchange(false)) {
    keep = false;
  }
  // Nothing to flush on close: written data reached the real file (or is on
  // its way there through passthrough), and locks are the kernel's own.
  fi->noflush = 1;
  fi->keep_cache = backing == 0 && keep;
  fi->fh = reinterpret_cast<uint64_t>(h.get());
  int rc;
  {
    Passthrough::ScopedReply arm(backing);
    rc = entry ? fuse_reply_create(req, entry, fi) : fuse_reply_open(req, fi);
  }
  if (rc == 0) {
    h.release();
    return true;
  }
  fs.passthrough.release(h->dev, h->ino, h->io);
  close(h->fd);
  return false;
}

}  // namespace

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::open(req, fs, in, fi);
  auto h = std::make_unique<Handle>();
  if (int rv = open_inode(req, fs, in, fi->flags, h.get())) return reply_err(req, rv);
  reply_open(req, fs, std::move(h), in, fi, nullptr);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inodes.inode(parent);
  if (vops::covers(fs, p, name)) return reply_err(req, vops::kChangeName);
  auto h = std::make_unique<Handle>();
  struct fuse_entry_param e;
  if (int rv = create_name(req, fs, p, name, mode, fi->flags, h.get(), &e))
    return reply_err(req, rv);
  Inode* in = fs.inodes.inode(e.ino);
  if (!reply_open(req, fs, std::move(h), in, fi, &e)) fs.inodes.forget(in, 1);
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return vops::read(req, h, size, off);
  struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = h->fd;
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec* in_buf, off_t off,
                  struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return vops::write(req, fs_of(req), h, in_buf, off, fi);
  struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
  out.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  out.buf[0].fd = h->fd;
  out.buf[0].pos = off;
  ssize_t n = fuse_buf_copy(&out, in_buf, static_cast<fuse_buf_copy_flags>(0));
  if (n < 0) return reply_err(req, static_cast<int>(n));
  fuse_reply_write(req, static_cast<size_t>(n));
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return vops::flush(req, h);
  // Like close(2) on the real file: lets the source filesystem report
  // delayed write errors; the descriptor itself stays open until release.
  int d = fcntl(h->fd, F_DUPFD_CLOEXEC, 0);
  reply_err(req, sys_result(d < 0 ? -1 : close(d)));
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return vops::release(req, fs_of(req), h);
  fs_of(req).passthrough.release(h->dev, h->ino, h->io);
  if (h->fd >= 0) close(h->fd);
  delete h;
  reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return reply_err(req, vops::kFsync);
  reply_err(req, sync_fd(h->fd, datasync));
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
                  struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return reply_err(req, vops::kFallocate);
  reply_err(req, sys_result(fallocate(h->fd, mode, off, len)));
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                        struct fuse_file_info* fi_in, fuse_ino_t ino_out, off_t off_out,
                        struct fuse_file_info* fi_out, size_t len, int flags) {
  (void)ino_in;
  (void)ino_out;
  Handle *in = file_handle(fi_in), *out = file_handle(fi_out);
  if (in->is_virtual || out->is_virtual) return reply_err(req, vops::kCopyFileRange);
  ssize_t n = copy_file_range(in->fd, &off_in, out->fd, &off_out, len, flags);
  if (n < 0) return reply_err(req, -errno);
  fuse_reply_write(req, static_cast<size_t>(n));
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return reply_err(req, vops::kLseek);
  off_t r = lseek(h->fd, off, whence);
  if (r < 0) return reply_err(req, -errno);
  fuse_reply_lseek(req, r);
}

void op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi, int op) {
  (void)ino;
  Handle* h = file_handle(fi);
  if (h->is_virtual) return reply_err(req, vops::kFlock);
  reply_err(req, sys_result(flock(h->fd, op)));
}

}  // namespace aio::fs
