// Every operation on the virtual .aio/ directory at the mount root
// (DESIGN.md §5; the contents are VFiles', fs/vfiles.h), in one place.
//
// The real handlers (fs/ops_*.cc) each make one early check and hand the
// request over here:
//   - on an inode:        if (in->is_virtual) return vops::getattr(...);
//   - on an open handle:  if (h->is_virtual) return vops::read(...);
//   - on a name:          if (vops::covers(fs, parent, name)) return vops::...;
// and nothing else in fs/ knows about .aio, except that a real directory
// listing asks is_aio_name() to hide a real .aio at the root and
// add_root_entry() to list the virtual one instead.
//
// Rules: the nodes are generated and never cached by the kernel; nothing
// can be created, removed, renamed or linked inside .aio/ or as .aio (EACCES);
// only claims, release and context/<category> can be written (appended);
// no xattrs. Every function here taking a request replies to it; where the
// answer does not depend on the node, a handler replies the constant below.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include <errno.h>

#include <map>
#include <memory>
#include <string>

#include "fs/inode_table.h"
#include "fs/vfiles.h"

namespace aio::fs {

struct Fs;
struct Handle;
class DirBuf;

namespace vops {

// A node of .aio/ as the kernel knows it.
struct VInode : Inode {
  VNode vnode;
  std::string vpath;  // "/.aio/..."
};

// The .aio nodes, built once from VFiles' listing; immutable, so no lock.
// They live as long as the filesystem: the kernel's lookups of them are not
// counted.
class VirtualTree {
 public:
  explicit VirtualTree(const VFiles& vfiles);
  // The node at `vpath` ("/.aio/..."), or null.
  VInode* find(const std::string& vpath) const;

 private:
  void add(const VFiles& vfiles, const std::string& vpath);
  std::map<std::string, std::unique_ptr<VInode>> nodes_;
};

// `name` in `parent` is the .aio directory itself: ".aio" at the root. The
// one place that decides it.
bool is_aio_name(const Fs& fs, const Inode* parent, const char* name);
// `name` in `parent` is .aio or inside it.
inline bool covers(const Fs& fs, const Inode* parent, const char* name) {
  return parent->is_virtual || is_aio_name(fs, parent, name);
}

// Fills *e for the node `name` in `parent` (covers() holds): 0 or -ENOENT.
int entry(Fs& fs, const Inode* parent, const char* name, struct fuse_entry_param* e);
// The root's listing starts with .aio: adds it to `buf`; false when `buf`
// is full.
bool add_root_entry(Fs& fs, DirBuf& buf);

// The operations whose answer on .aio/ does not depend on the node: what
// each replies (reply_err(req, vops::kFsync)), 0 or -errno.
inline constexpr int kChangeName = -EACCES;  // mknod, mkdir, symlink, create,
                                             // unlink, rmdir, rename, link
inline constexpr int kReadlink = -EINVAL;    // no symlinks
inline constexpr int kFsync = 0;
inline constexpr int kFlock = 0;
inline constexpr int kFallocate = -EOPNOTSUPP;
inline constexpr int kCopyFileRange = -EOPNOTSUPP;
inline constexpr int kLseek = -ESPIPE;
inline constexpr int kChangeXattr = -EPERM;  // setxattr, removexattr
inline constexpr int kGetxattr = -ENODATA;   // no xattrs
inline constexpr int kFsyncdir = 0;

// Names (parent, name covered).
void lookup(fuse_req_t req, Fs& fs, const Inode* parent, const char* name);

// Attributes (in->is_virtual).
void getattr(fuse_req_t req, Fs& fs, const Inode* in);
void setattr(fuse_req_t req, Fs& fs, const Inode* in, int to_set);
void access(fuse_req_t req, const Inode* in, int mask);

// Files: open (in->is_virtual), then the handle's operations (h->is_virtual).
void open(fuse_req_t req, Fs& fs, const Inode* in, struct fuse_file_info* fi);
void read(fuse_req_t req, Handle* h, size_t size, off_t off);
// Control files gather each handle's bytes into lines (VFiles::write).
void write(fuse_req_t req, Fs& fs, Handle* h, struct fuse_bufvec* in_buf, off_t off,
           const struct fuse_file_info* fi);
// Every close(2) of a descriptor of the handle: EINVAL while a line has no
// newline yet, which stays pending (another descriptor of the same open file,
// a forked child's, may still finish it).
void flush(fuse_req_t req, Handle* h);
// The last close: a line still unfinished is recorded as refused, nothing
// acts on it (release cannot report an error).
void release(fuse_req_t req, Fs& fs, Handle* h);

// Extended attributes: none.
void listxattr(fuse_req_t req, size_t size);

// Directories: opendir (in->is_virtual), then the handle's (d->is_virtual).
void opendir(fuse_req_t req, const Inode* in, struct fuse_file_info* fi);
void readdir(Fs& fs, const Inode* dir, off_t off, DirBuf& buf);

}  // namespace vops
}  // namespace aio::fs
