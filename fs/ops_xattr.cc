// Extended attributes: setxattr, getxattr, listxattr, removexattr.
#include <sys/xattr.h>

#include <cstring>
#include <string>

#include "fs/handlers.h"
#include "fs/request.h"

namespace aio::fs {

namespace {

constexpr const char* kCaps = "security.capability";

// Forgets what is known of the inode's security.capability: a change of its
// xattrs is under way or done.
void caps_changed(Inode* in) {
  uint64_t s = in->caps_state.load();
  while (!in->caps_state.compare_exchange_weak(s, (s | 1) + 1)) {
  }
}

// A guarded change of real inode `in`'s xattrs: `change(path)` gets a /proc
// path of the real inode and returns 0, or -1 with errno set.
template <class Change>
int change_xattr(fuse_req_t req, Fs& fs, Inode* in, WriteOp op, Change change) {
  if (int rv = guard_inode(fs, writer(req, nullptr), op, in)) return rv;
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  ProcPath proc(pin.fd());
  caps_changed(in);
  int rv = sys_result(change(proc.buf));
  caps_changed(in);
  return rv;
}

template <class Change>
void change_xattr_op(fuse_req_t req, fuse_ino_t ino, WriteOp op, Change change) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return reply_err(req, vops::kChangeXattr);
  reply_err(req, change_xattr(req, fs, in, op, change));
}

// What `read(path, buf, size)` (getxattr or listxattr of real inode `in`,
// through a /proc path) returns: a size, or -errno.
template <class Read>
ssize_t read_xattr(Fs& fs, Inode* in, char* buf, size_t size, Read read) {
  Pin pin(fs.inodes, in);
  if (int rv = pin.error()) return rv;
  ProcPath proc(pin.fd());
  ssize_t n = read(proc.buf, buf, size);
  return n < 0 ? -errno : n;
}

// Replies to GETXATTR or LISTXATTR: with the size when the kernel asked for
// the size only (size 0), else with the n bytes read into buf.
void reply_xattr(fuse_req_t req, size_t size, const std::string& buf, ssize_t n) {
  if (n < 0) return reply_err(req, static_cast<int>(n));
  if (size == 0) {
    fuse_reply_xattr(req, static_cast<size_t>(n));
  } else {
    fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
  }
}

}  // namespace

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
                 int flags) {
  change_xattr_op(req, ino, WriteOp::kSetxattr,
                  [&](const char* path) { return setxattr(path, name, value, size, flags); });
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  change_xattr_op(req, ino, WriteOp::kRemovexattr,
                  [&](const char* path) { return removexattr(path, name); });
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return reply_err(req, vops::kGetxattr);
  // The kernel asks for security.capability before the first write after
  // every attribute refresh. In place nothing changes the project behind
  // the mount's back, so the answer "none" is read once per inode and kept
  // until its xattrs change through the mount.
  bool caps = fs.opts.in_place && strcmp(name, kCaps) == 0;
  uint64_t seen = in->caps_state.load();
  if (caps && (seen & 1)) return reply_err(req, -ENODATA);
  std::string buf(size, '\0');
  ssize_t n = read_xattr(
      fs, in, size ? buf.data() : nullptr, size,
      [&](const char* path, char* to, size_t len) { return getxattr(path, name, to, len); });
  if (caps && n == -ENODATA) in->caps_state.compare_exchange_strong(seen, seen | 1);
  reply_xattr(req, size, buf, n);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inodes.inode(ino);
  if (in->is_virtual) return vops::listxattr(req, size);
  std::string buf(size, '\0');
  ssize_t n =
      read_xattr(fs, in, size ? buf.data() : nullptr, size,
                 [](const char* path, char* to, size_t len) { return listxattr(path, to, len); });
  reply_xattr(req, size, buf, n);
}

}  // namespace aio::fs
