#include "fs/ops_virtual.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "fs/request.h"

namespace aio::fs::vops {

namespace {

// An open .aio file: its content is rendered for its reader at open; a
// control file's bytes are gathered per handle until their lines complete.
// Lock order: mu is taken before VFiles' (and so the store's) locks.
struct VHandle : Handle {
  VNode vnode;
  std::string content;
  std::mutex mu;     // serialises the writes, flush and release of this handle
  LineStream lines;  // guarded by mu
};

const VInode& vinode(const Inode* in) {
  return static_cast<const VInode&>(*in);
}
VHandle& vhandle(Handle* h) {
  return static_cast<VHandle&>(*h);
}

}  // namespace

// ---------------------------------------------------------------- the nodes

VirtualTree::VirtualTree(const VFiles& vfiles) {
  add(vfiles, std::string("/") + kVirtualDir);
}

void VirtualTree::add(const VFiles& vfiles, const std::string& vpath) {
  auto n = vnode_of(vpath.c_str());
  if (!n) return;
  auto in = std::make_unique<VInode>();
  in->is_virtual = true;
  in->vnode = *n;
  in->vpath = vpath;
  in->nlookup = 1;
  if (n->is_dir())
    for (const auto& child : vfiles.list(*n)) add(vfiles, vpath + "/" + child);
  nodes_.emplace(vpath, std::move(in));
}

VInode* VirtualTree::find(const std::string& vpath) const {
  auto it = nodes_.find(vpath);
  return it == nodes_.end() ? nullptr : it->second.get();
}

bool is_aio_name(const Fs& fs, const Inode* parent, const char* name) {
  return fs.inodes.is_root(parent) && strcmp(name, kVirtualDir) == 0;
}

int entry(Fs& fs, const Inode* parent, const char* name, struct fuse_entry_param* e) {
  memset(e, 0, sizeof *e);
  std::string vpath =
      parent->is_virtual ? vinode(parent).vpath + "/" + name : std::string("/") + kVirtualDir;
  VInode* in = fs.vtree.find(vpath);
  if (!in) return -ENOENT;
  fs.vfiles.stat(in->vnode, &e->attr);
  e->ino = fs.inodes.id(in);
  e->attr_timeout = e->entry_timeout = 0;  // generated: never cached
  return 0;
}

bool add_root_entry(Fs& fs, DirBuf& buf) {
  struct fuse_entry_param e;
  // READDIR too needs the inode number: readdir(3) skips an entry whose is 0.
  if (entry(fs, fs.inodes.inode(FUSE_ROOT_ID), kVirtualDir, &e) != 0) return true;
  return buf.add(kVirtualDir, e, 1);  // virtual nodes hold no lookup count to undo
}

// ---------------------------------------------------------------- names

void lookup(fuse_req_t req, Fs& fs, const Inode* parent, const char* name) {
  struct fuse_entry_param e;
  if (int rv = entry(fs, parent, name, &e)) return reply_err(req, rv);
  fuse_reply_entry(req, &e);
}

// ---------------------------------------------------------------- attributes

void getattr(fuse_req_t req, Fs& fs, const Inode* in) {
  struct stat st;
  fs.vfiles.stat(vinode(in).vnode, &st);
  fuse_reply_attr(req, &st, 0);
}

void setattr(fuse_req_t req, Fs& fs, const Inode* in, int to_set) {
  const VNode& n = vinode(in).vnode;
  // `echo x > .aio/claims` truncates first; touching is harmless.
  bool only_ok = !(to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID));
  if (!only_ok || ((to_set & FUSE_SET_ATTR_SIZE) && !n.writable()))
    return reply_err(req, (to_set & FUSE_SET_ATTR_SIZE) ? -EACCES : -EPERM);
  getattr(req, fs, in);
}

void access(fuse_req_t req, const Inode* in, int mask) {
  const VNode& n = vinode(in).vnode;
  bool ok = !(mask & W_OK) || n.writable();
  if ((mask & X_OK) && !n.is_dir()) ok = false;
  reply_err(req, ok ? 0 : -EACCES);
}

// ---------------------------------------------------------------- files

void open(fuse_req_t req, Fs& fs, const Inode* in, struct fuse_file_info* fi) {
  const VNode& n = vinode(in).vnode;
  if (n.is_dir()) return reply_err(req, -EISDIR);
  auto h = std::make_unique<VHandle>();
  h->is_virtual = true;
  h->vnode = n;
  h->writable = opens_for_write(fi->flags);
  if (h->writable && !n.writable()) return reply_err(req, -EACCES);
  h->opener = caller(req);
  if ((fi->flags & O_ACCMODE) != O_WRONLY) h->content = fs.vfiles.render(n, h->opener);
  fi->direct_io = 1;  // content is generated; never cache it
  fi->fh = reinterpret_cast<uint64_t>(static_cast<Handle*>(h.get()));
  if (fuse_reply_open(req, fi) == 0) h.release();
}

// Replies from a copy: the kernel ends the READ inside the reply's writev,
// so the reader may close and the RELEASE (which frees the handle) run on
// another thread before writev returns (ASan reads the iovec only then).
void read(fuse_req_t req, Handle* h, size_t size, off_t off) {
  const std::string& content = vhandle(h).content;
  bool past = off < 0 || static_cast<size_t>(off) >= content.size();
  size_t n = past ? 0 : std::min(size, content.size() - static_cast<size_t>(off));
  std::string bytes = past ? std::string() : content.substr(static_cast<size_t>(off), n);
  fuse_reply_buf(req, bytes.data(), bytes.size());
}

void write(fuse_req_t req, Fs& fs, Handle* h, struct fuse_bufvec* in_buf, off_t off,
           const struct fuse_file_info* fi) {
  VHandle& v = vhandle(h);
  size_t size = fuse_buf_size(in_buf);
  std::string data(size, '\0');
  struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
  dst.buf[0].mem = data.data();
  ssize_t got = fuse_buf_copy(&dst, in_buf, static_cast<fuse_buf_copy_flags>(0));
  if (got < 0) return reply_err(req, static_cast<int>(got));
  data.resize(static_cast<size_t>(got));
  std::lock_guard lock(v.mu);
  if (int rv = fs.vfiles.write(v.vnode, v.opener, v.lines, data, off, fi->flags & O_APPEND))
    return reply_err(req, rv);
  fuse_reply_write(req, data.size());
}

void flush(fuse_req_t req, Handle* h) {
  VHandle& v = vhandle(h);
  std::lock_guard lock(v.mu);
  reply_err(req, v.lines.unfinished().empty() ? 0 : -EINVAL);
}

void release(fuse_req_t req, Fs& fs, Handle* h) {
  VHandle& v = vhandle(h);
  {
    std::lock_guard lock(v.mu);
    fs.vfiles.release(v.vnode, v.opener, v.lines);
  }
  delete &v;
  reply_err(req, 0);
}

// ---------------------------------------------------------------- xattrs

void listxattr(fuse_req_t req, size_t size) {
  if (size == 0) {
    fuse_reply_xattr(req, 0);
  } else {
    fuse_reply_buf(req, nullptr, 0);
  }
}

// ---------------------------------------------------------------- directories

void opendir(fuse_req_t req, const Inode* in, struct fuse_file_info* fi) {
  if (!vinode(in).vnode.is_dir()) return reply_err(req, -ENOTDIR);
  auto d = std::make_unique<DirHandle>();
  d->is_virtual = true;
  fi->fh = reinterpret_cast<uint64_t>(d.get());
  if (fuse_reply_open(req, fi) == 0) d.release();
}

void readdir(Fs& fs, const Inode* dir, off_t off, DirBuf& buf) {
  const VInode& v = vinode(dir);
  std::vector<std::string> names{".", ".."};
  for (auto& n : fs.vfiles.list(v.vnode)) names.push_back(std::move(n));
  for (off_t k = off; k < static_cast<off_t>(names.size()); ++k) {
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    bool dot = names[k] == "." || names[k] == "..";
    if (buf.plus() && !dot && entry(fs, dir, names[k].c_str(), &e) != 0) continue;
    if (dot) {  // readdir(3) skips entries whose inode number is 0
      e.attr.st_mode = S_IFDIR;
      e.attr.st_ino = kVirtualInoBase + (names[k] == "." ? 1 : 2);
    } else if (!buf.plus()) {
      fs.vfiles.stat(fs.vtree.find(v.vpath + "/" + names[k])->vnode, &e.attr);
    }
    if (!buf.add(names[k].c_str(), e, k + 1)) break;
  }
  buf.reply();
}

}  // namespace aio::fs::vops
