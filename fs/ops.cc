#include "fs/ops.h"

#include <cstring>

#include <spdlog/spdlog.h>

#include "fs/handlers.h"

namespace aio::fs {

namespace {

void op_init(void* userdata, struct fuse_conn_info* conn) {
  Fs& fs = *static_cast<Fs*>(userdata);
  // No writeback cache: with it the kernel keeps sizes and times of regular
  // files itself, which the generated .aio/ files (size 0, direct_io) and a
  // daemon killed with dirty times cannot honour. Writes reach us whole
  // (1 MiB requests, spliced) instead.
  if (conn->capable & FUSE_CAP_SPLICE_WRITE) conn->want |= FUSE_CAP_SPLICE_WRITE;
  if (conn->capable & FUSE_CAP_SPLICE_READ) conn->want |= FUSE_CAP_SPLICE_READ;
  if (conn->capable & FUSE_CAP_FLOCK_LOCKS) conn->want |= FUSE_CAP_FLOCK_LOCKS;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  conn->max_write = 1u << 20;  // libfuse clamps it to its buffer (256 pages)
  conn->max_readahead = conn->max_readahead ? conn->max_readahead : (1u << 20);
  spdlog::info("fuse: cache timeout {}s", fs.timeout);
}

struct fuse_lowlevel_ops make_ops() {
  struct fuse_lowlevel_ops o;
  memset(&o, 0, sizeof o);
  o.init = op_init;
  // Names (fs/ops_names.cc).
  o.lookup = op_lookup;
  o.forget = op_forget;
  o.forget_multi = op_forget_multi;
  o.mknod = op_mknod;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.symlink = op_symlink;
  o.rename = op_rename;
  o.link = op_link;
  // Attributes (fs/ops_attr.cc).
  o.getattr = op_getattr;
  o.setattr = op_setattr;
  o.readlink = op_readlink;
  o.access = op_access;
  o.statfs = op_statfs;
  // File contents (fs/ops_files.cc).
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write_buf = op_write_buf;
  o.flush = op_flush;
  o.release = op_release;
  o.fsync = op_fsync;
  o.fallocate = op_fallocate;
  o.copy_file_range = op_copy_file_range;
  o.lseek = op_lseek;
  o.flock = op_flock;
  // Extended attributes (fs/ops_xattr.cc).
  o.setxattr = op_setxattr;
  o.getxattr = op_getxattr;
  o.listxattr = op_listxattr;
  o.removexattr = op_removexattr;
  // Directories (fs/ops_dirs.cc).
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.readdirplus = op_readdirplus;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  return o;
}

}  // namespace

const struct fuse_lowlevel_ops& operations() {
  static const struct fuse_lowlevel_ops ops = make_ops();
  return ops;
}

}  // namespace aio::fs
