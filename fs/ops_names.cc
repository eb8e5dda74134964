// Names: lookup, forget, mknod, mkdir, symlink, unlink, rmdir, rename, link.
#include <stdio.h>
#include <unistd.h>

#include <cstring>

#include "fs/handlers.h"
#include "fs/request.h"

namespace aio::fs {

namespace {

// mknod, mkdir and symlink: judges the new name, makes it with make(dirfd)
// (0, or -1 with errno set), gives it to the caller and fills *e.
template <typename Make>
int make_node(fuse_req_t req, Fs& fs, Inode* p, const char* name, WriteOp op, mode_t asked,
              Make make, struct fuse_entry_param* e) {
  Who w = writer(req, nullptr);
  if (int rv = fs.guard.check(w, op, fs.inodes.child_path(p, name), false)) return rv;
  Pin pin(fs.inodes, p);
  if (int rv = pin.error()) return rv;
  int made;
  {
    CallerMode as_asked(asked);
    made = make(pin.fd()) == 0 ? 0 : -errno;
  }
  if (made != 0) return made;
  give_to_caller(req, pin.fd(), name, asked);
  return real_entry(fs, p, name, e);
}

template <typename Make>
void make_node_op(fuse_req_t req, fuse_ino_t parent, const char* name, WriteOp op, mode_t asked,
                  Make make) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inodes.inode(parent);
  if (vops::covers(fs, p, name)) return reply_err(req, vops::kChangeName);
  struct fuse_entry_param e;
  if (int rv = make_node(req, fs, p, name, op, asked, make, &e)) return reply_err(req, rv);
  fuse_reply_entry(req, &e);
}

// unlink and rmdir.
int remove_name(fuse_req_t req, Fs& fs, Inode* p, const char* name, bool dir) {
  // Claims beneath an (empty) directory name things its claimer means to
  // create there, so rmdir judges the subtree. An unlinked file takes its
  // writer's auto-claim along.
  std::string rel = fs.inodes.child_path(p, name);
  FileWrite fw;
  if (!dir) fw.removes = rel;
  if (int rv = fs.guard.check(writer(req, nullptr), dir ? WriteOp::kRmdir : WriteOp::kUnlink, rel,
                              dir, nullptr, fw))
    return rv;
  Pin pin(fs.inodes, p);
  if (int rv = pin.error()) return rv;
  return sys_result(unlinkat(pin.fd(), name, dir ? AT_REMOVEDIR : 0));
}

void remove_name_op(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inodes.inode(parent);
  if (vops::covers(fs, p, name)) return reply_err(req, vops::kChangeName);
  reply_err(req, remove_name(req, fs, p, name, dir));
}

int rename_name(fuse_req_t req, Fs& fs, Inode* a, const char* name, Inode* b, const char* newname,
                unsigned int flags) {
  Who w = writer(req, nullptr);
  Pin pin_a(fs.inodes, a);
  if (int rv = pin_a.error()) return rv;
  Pin pin_b(fs.inodes, b);
  if (int rv = pin_b.error()) return rv;
  struct stat sa, sb;
  bool have_a = fstatat(pin_a.fd(), name, &sa, AT_SYMLINK_NOFOLLOW) == 0;
  bool have_b = fstatat(pin_b.fd(), newname, &sb, AT_SYMLINK_NOFOLLOW) == 0;
  // Both names, what lies beneath them now, and what will lie beneath
  // them after the move (Guard::check_move). A regular file moved onto the
  // destination writes it, for auto-claim; an exchange is judged only.
  std::string from = fs.inodes.child_path(a, name);
  FileWrite fw;
  fw.regular = have_a && S_ISREG(sa.st_mode) && !(flags & RENAME_EXCHANGE);
  if (fw.regular) fw.removes = from;
  if (int rv =
          fs.guard.check_move(w, from, fs.inodes.child_path(b, newname), have_a ? &sa : nullptr,
                              have_b ? &sb : nullptr, (flags & RENAME_EXCHANGE) != 0, fw))
    return rv;
  if (renameat2(pin_a.fd(), name, pin_b.fd(), newname, flags) != 0) return -errno;
  if (have_a) fs.inodes.moved(sa, b, newname);
  if (have_b && (flags & RENAME_EXCHANGE)) fs.inodes.moved(sb, a, name);
  return 0;
}

int link_name(fuse_req_t req, Fs& fs, Inode* in, Inode* p, const char* newname,
              struct fuse_entry_param* e) {
  Who w = writer(req, nullptr);
  // A new name for a claimed inode would let others write it: judge both.
  if (int rv = guard_inode(fs, w, WriteOp::kLink, in)) return rv;
  if (int rv = fs.guard.check(w, WriteOp::kLink, fs.inodes.child_path(p, newname), false))
    return rv;
  Pin pin_in(fs.inodes, in);
  if (int rv = pin_in.error()) return rv;
  Pin pin_p(fs.inodes, p);
  if (int rv = pin_p.error()) return rv;
  ProcPath proc(pin_in.fd());
  if (linkat(AT_FDCWD, proc.buf, pin_p.fd(), newname, AT_SYMLINK_FOLLOW) != 0) return -errno;
  return real_entry(fs, p, newname, e);
}

}  // namespace

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inodes.inode(parent);
  if (vops::covers(fs, p, name)) return vops::lookup(req, fs, p, name);
  struct fuse_entry_param e;
  int rv = real_entry(fs, p, name, &e);
  if (rv == -ENOENT) {
    // A negative entry the kernel may cache as long as a positive one.
    memset(&e, 0, sizeof e);
    e.entry_timeout = fs.opts.in_place ? fs.timeout : 0;
  } else if (rv != 0) {
    return reply_err(req, rv);
  }
  fuse_reply_entry(req, &e);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  Fs& fs = fs_of(req);
  fs.inodes.forget(fs.inodes.inode(ino), n);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data* forgets) {
  Fs& fs = fs_of(req);
  for (size_t k = 0; k < count; ++k)
    fs.inodes.forget(fs.inodes.inode(forgets[k].ino), forgets[k].nlookup);
  fuse_reply_none(req);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  make_node_op(req, parent, name, WriteOp::kMknod, mode, [&](int dfd) {
    return S_ISFIFO(mode) ? mkfifoat(dfd, name, mode) : mknodat(dfd, name, mode, rdev);
  });
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  make_node_op(req, parent, name, WriteOp::kMkdir, mode,
               [&](int dfd) { return mkdirat(dfd, name, mode); });
}

void op_symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  make_node_op(req, parent, name, WriteOp::kSymlink, 0,
               [&](int dfd) { return symlinkat(target, dfd, name); });
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name_op(req, parent, name, false);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name_op(req, parent, name, true);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  Fs& fs = fs_of(req);
  Inode *a = fs.inodes.inode(parent), *b = fs.inodes.inode(newparent);
  if (vops::covers(fs, a, name) || vops::covers(fs, b, newname))
    return reply_err(req, vops::kChangeName);
  reply_err(req, rename_name(req, fs, a, name, b, newname, flags));
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  Fs& fs = fs_of(req);
  Inode *in = fs.inodes.inode(ino), *p = fs.inodes.inode(newparent);
  if (in->is_virtual || vops::covers(fs, p, newname)) return reply_err(req, vops::kChangeName);
  struct fuse_entry_param e;
  if (int rv = link_name(req, fs, in, p, newname, &e)) return reply_err(req, rv);
  fuse_reply_entry(req, &e);
}

}  // namespace aio::fs
