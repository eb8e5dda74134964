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
// no xattrs. Every function here replies to the request it is given.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

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

// Names (parent, name covered): lookup; any change of a name is refused.
void lookup(fuse_req_t req, Fs& fs, const Inode* parent, const char* name);
void refuse_name_change(fuse_req_t req);

// Attributes (in->is_virtual).
void getattr(fuse_req_t req, Fs& fs, const Inode* in);
void setattr(fuse_req_t req, Fs& fs, const Inode* in, int to_set);
void access(fuse_req_t req, const Inode* in, int mask);
void readlink(fuse_req_t req);

// Files: open (in->is_virtual), then the handle's operations (h->is_virtual).
void open(fuse_req_t req, Fs& fs, const Inode* in, struct fuse_file_info* fi);
void read(fuse_req_t req, Handle* h, size_t size, off_t off);
void write(fuse_req_t req, Fs& fs, Handle* h, struct fuse_bufvec* in_buf);
void flush(fuse_req_t req);
void release(fuse_req_t req, Handle* h);
void fsync(fuse_req_t req);
void fallocate(fuse_req_t req);
void copy_file_range(fuse_req_t req);
void lseek(fuse_req_t req);
void flock(fuse_req_t req);

// Extended attributes: none, and none can be set.
void change_xattr(fuse_req_t req);
void getxattr(fuse_req_t req);
void listxattr(fuse_req_t req, size_t size);

// Directories: opendir (in->is_virtual), then the handle's (d->is_virtual).
void opendir(fuse_req_t req, const Inode* in, struct fuse_file_info* fi);
void readdir(Fs& fs, const Inode* dir, off_t off, DirBuf& buf);
void fsyncdir(fuse_req_t req);

}  // namespace vops
}  // namespace aio::fs
