// Directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
//
// Offsets are our own ordinals (0, 1, 2, ...), not the source filesystem's
// cookies, so the virtual .aio entry of the root can take one of its own:
// ordinal 0 there is .aio, and the real entries follow.
#include <unistd.h>

#include <cstring>
#include <memory>
#include <utility>

#include "fs/handlers.h"
#include "fs/request.h"

namespace aio::fs {

namespace {

// Opens real directory `in` into d->dp: 0 or -errno.
int open_dir(Fs& fs, Inode* in, DirHandle* d) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  int fd = openat(pin.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  d->dp = fdopendir(fd);
  if (!d->dp) {
    int e = errno;
    close(fd);
    return -e;
  }
  return 0;
}

// The next entry of real directory `dir` to hand out: the one read but not
// yet handed out, else the next one read (a real .aio at the root is hidden
// by the virtual one); null at the end.
struct dirent* next_entry(Fs& fs, const Inode* dir, DirHandle* d) {
  if (d->pending) return std::exchange(d->pending, nullptr);
  while (struct dirent* e = readdir(d->dp))
    if (!vops::is_aio_name(fs, dir, e->d_name)) return e;
  return nullptr;
}

// Brings d to ordinal `off`: from the start again after a seek, handing out
// .aio first at the root. False when `buf` filled up meanwhile.
bool seek_dir(Fs& fs, const Inode* dir, DirHandle* d, off_t off, DirBuf& buf) {
  if (off != d->pos) {  // a seek: walk again from the start
    rewinddir(d->dp);
    d->pending = nullptr;
    d->pos = 0;
  }
  if (fs.inodes.is_root(dir) && d->pos == 0) {
    if (off <= 0 && !vops::add_root_entry(fs, buf)) return false;
    d->pos = 1;
  }
  while (d->pos < off && next_entry(fs, dir, d)) ++d->pos;
  return true;
}

// Adds real entries of `dir` from d's position on until `buf` is full.
void list_dir(Fs& fs, Inode* dir, DirHandle* d, DirBuf& buf) {
  while (struct dirent* de = next_entry(fs, dir, d)) {
    bool dot = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.attr.st_ino = de->d_ino;
    e.attr.st_mode = static_cast<mode_t>(DTTOIF(de->d_type));
    if (buf.plus() && !dot && real_entry(fs, dir, de->d_name, &e) != 0) {
      ++d->pos;  // vanished meanwhile: skip it
      continue;
    }
    if (!buf.add(de->d_name, e, d->pos + 1)) {
      if (buf.plus() && !dot) fs.inodes.forget(fs.inodes.inode(e.ino), 1);
      d->pending = de;
      return;
    }
    ++d->pos;
  }
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info* fi,
                bool plus) {
  Fs& fs = fs_of(req);
  Inode* dir = fs.inodes.inode(ino);
  DirHandle* d = dir_handle(fi);
  DirBuf buf(req, size, plus);
  if (d->is_virtual) return vops::readdir(fs, dir, off, buf);
  if (seek_dir(fs, dir, d, off, buf)) list_dir(fs, dir, d, buf);
  buf.reply();
}

}  // namespace

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::opendir(req, in, fi);
  auto d = std::make_unique<DirHandle>();
  if (int rv = open_dir(fs, in, d.get())) return reply_err(req, rv);
  // In place every change of a directory passes here, and the kernel drops
  // its copy of a listing when one does: list each directory once.
  fi->cache_readdir = fi->keep_cache = fs.opts.in_place;
  fi->fh = reinterpret_cast<uint64_t>(d.get());
  if (fuse_reply_open(req, fi) == 0) {
    d.release();
  } else {
    closedir(d->dp);
  }
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  DirHandle* d = dir_handle(fi);
  if (d->dp) closedir(d->dp);
  delete d;
  reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info* fi) {
  (void)ino;
  DirHandle* d = dir_handle(fi);
  if (d->is_virtual) return reply_err(req, vops::kFsyncdir);
  reply_err(req, sync_fd(dirfd(d->dp), datasync));
}

}  // namespace aio::fs
