#include "fs/ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <limits.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/procinfo.h"

namespace aio::fs {

// An inode the kernel knows. Real inodes hold an O_PATH descriptor while
// the descriptor budget lasts (fd -1 past it: see Pin); the .aio/ nodes are
// virtual and live as long as the filesystem.
struct Inode {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t type = 0;  // S_IFMT bits
  bool is_virtual = false;
  // Written through kernel passthrough since its last page-cache open: the
  // kernel's cached pages of it may be stale.
  std::atomic<bool> stale_pages{false};
  VNode vnode;        // virtual only
  std::string vpath;  // virtual only: "/.aio/..."
  // Guarded by Fs::mu_:
  uint64_t nlookup = 0;
  uint64_t children = 0;    // inodes whose `parent` is this one
  Inode* parent = nullptr;  // the directory it was last reached through
  std::string name;         // ... and under which name
};

// An open file: a real descriptor, or a virtual .aio file.
struct Handle {
  int fd = -1;
  Who opener;             // who opened it (writes from the page cache carry no caller)
  bool writable = false;  // opened for writing, and the guard allowed it
  bool is_virtual = false;
  Passthrough::Io io = Passthrough::Io::kNone;  // regular files: how the kernel does I/O
  dev_t dev = 0;                                // ... of this inode
  ino_t ino = 0;
  VNode vnode;
  std::string content;  // virtual: rendered at open
};

struct DirHandle {
  DIR* dp = nullptr;
  bool is_virtual = false;
  VNode vnode;
  bool root = false;
  off_t pos = 0;                     // ordinal of the next entry to hand out
  struct dirent* pending = nullptr;  // read but not yet handed out
};

class Fs;

// A descriptor of a real inode for the length of one request: its own
// O_PATH descriptor, or, for an inode past the descriptor budget, one opened
// again by the name it was last reached by and checked to be the same inode
// (ESTALE if the name now leads elsewhere).
class Pin {
 public:
  Pin(Fs& fs, Inode* in);
  ~Pin() {
    if (owned_ >= 0) close(owned_);
  }
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int error() const { return error_; }

 private:
  int fd_ = -1, owned_ = -1, error_ = 0;
};

// In a request handler: pins `inode` as `var`, or replies the error and returns.
#define AIO_PIN(var, inode)           \
  Pin var(fs_of(req), inode);         \
  if (!var.ok()) {                    \
    fuse_reply_err(req, var.error()); \
    return;                           \
  }

class Fs {
 public:
  Fs(const FsOptions& o, Guard& g, IdentityCache& ids, VFiles& v)
      : opts_(o), guard_(g), ids_(ids), vfiles_(v) {
    root_.fd = openat(o.root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fstat(root_.fd, &st) == 0) {
      root_.dev = st.st_dev;
      root_.ino = st.st_ino;
      root_.type = S_IFDIR;
    }
    root_.nlookup = 2;
    // Keep O_PATH descriptors for at most half the descriptor limit; the
    // rest serves open files, pipes and the store.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
      fd_budget_ = std::max<size_t>(64, rl.rlim_cur / 2);
    timeout_ = o.in_place ? 86400.0 : 1.0;
    add_virtual("/.aio");
  }
  ~Fs() {
    for (auto& [key, in] : table_) {
      if (in->fd >= 0) close(in->fd);
      delete in;
    }
    close(root_.fd);
  }

  Guard& guard() { return guard_; }
  IdentityCache& ids() { return ids_; }
  VFiles& vfiles() { return vfiles_; }
  const FsOptions& opts() const { return opts_; }
  double timeout() const { return timeout_; }

  Inode* inode(fuse_ino_t ino) {
    return ino == FUSE_ROOT_ID ? &root_ : reinterpret_cast<Inode*>(static_cast<uintptr_t>(ino));
  }
  fuse_ino_t id(Inode* in) {
    return in == &root_ ? FUSE_ROOT_ID : static_cast<fuse_ino_t>(reinterpret_cast<uintptr_t>(in));
  }
  bool is_root(Inode* in) const { return in == &root_; }

  // The project-relative path an inode was last reached by ("" = root).
  std::string path_of(Inode* in) {
    std::lock_guard lock(mu_);
    return path_locked(in);
  }
  std::string child_path(Inode* parent, const char* name) {
    std::string p = path_of(parent);
    return p.empty() ? std::string(name) : p + "/" + name;
  }

  // Looks a name up (or finds it again by dev/ino) and fills *e; 0 or errno.
  int lookup(Inode* parent, const char* name, struct fuse_entry_param* e) {
    memset(e, 0, sizeof *e);
    if (parent->is_virtual) return lookup_virtual(parent->vpath + "/" + name, e);
    if (is_root(parent) && strcmp(name, kVirtualDir) == 0) return lookup_virtual("/.aio", e);
    Pin pin(*this, parent);
    if (!pin.ok()) return pin.error();
    int fd = openat(pin.fd(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      int err = errno;
      close(fd);
      return err;
    }
    Inode* in;
    {
      std::lock_guard lock(mu_);
      auto key = std::make_pair(e->attr.st_dev, e->attr.st_ino);
      auto it = table_.find(key);
      if (it != table_.end()) {
        in = it->second;
        close(fd);
      } else {
        in = new Inode;
        if (held_fds_ < fd_budget_) {
          in->fd = fd;
          ++held_fds_;
        } else {
          close(fd);  // past the budget: reopened by name when needed
        }
        in->dev = e->attr.st_dev;
        in->ino = e->attr.st_ino;
        in->type = e->attr.st_mode & S_IFMT;
        table_.emplace(key, in);
      }
      ++in->nlookup;
      set_parent_locked(in, parent, name);
    }
    e->ino = id(in);
    e->attr_timeout = e->entry_timeout = timeout_;
    return 0;
  }

  void forget(Inode* in, uint64_t n) {
    if (in->is_virtual || is_root(in)) return;
    std::lock_guard lock(mu_);
    in->nlookup = in->nlookup > n ? in->nlookup - n : 0;
    release_locked(in);
  }

  // Opens an O_PATH descriptor of `in` by the name it was last reached by.
  int reopen(Inode* in, int* err) {
    std::string path = path_of(in);
    int fd =
        openat(opts_.root_fd, path.empty() ? "." : path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
      *err = errno == ENOENT ? ESTALE : errno;
    } else if (fstat(fd, &st) != 0 || st.st_dev != in->dev || st.st_ino != in->ino) {
      close(fd);
      fd = -1;
      *err = ESTALE;
    }
    return fd;
  }

  // The inode now known under (parent, name) after a rename.
  void moved(const struct stat& st, Inode* parent, const char* name) {
    std::lock_guard lock(mu_);
    auto it = table_.find(std::make_pair(st.st_dev, st.st_ino));
    if (it != table_.end()) set_parent_locked(it->second, parent, name);
  }

 private:
  struct KeyHash {
    size_t operator()(const std::pair<dev_t, ino_t>& k) const {
      return std::hash<uint64_t>()(k.second * 1000003u ^ k.first);
    }
  };

  void add_virtual(const std::string& path) {
    auto n = vnode_of(path.c_str());
    if (!n) return;
    auto in = std::make_unique<Inode>();
    in->is_virtual = true;
    in->vnode = *n;
    in->vpath = path;
    in->nlookup = 1;
    if (n->is_dir())
      for (const auto& child : vfiles_.list(*n)) add_virtual(path + "/" + child);
    virtual_.emplace(path, std::move(in));
  }

  int lookup_virtual(const std::string& path, struct fuse_entry_param* e) {
    auto it = virtual_.find(path);
    if (it == virtual_.end()) return ENOENT;
    vfiles_.stat(it->second->vnode, &e->attr);
    e->ino = id(it->second.get());
    e->attr_timeout = e->entry_timeout = 0;  // generated: never cached
    return 0;
  }

  std::string path_locked(Inode* in) {
    std::vector<const std::string*> parts;
    for (Inode* p = in; p && !is_root(p); p = p->parent) parts.push_back(&p->name);
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (!out.empty()) out.push_back('/');
      out += **it;
    }
    return out;
  }

  void set_parent_locked(Inode* in, Inode* parent, const char* name) {
    if (in->parent != parent) {
      ++parent->children;
      Inode* old = in->parent;
      in->parent = parent;
      if (old) {
        --old->children;
        release_locked(old);
      }
    }
    in->name = name;
  }

  // Frees an inode nobody refers to any more (the kernel or a child).
  void release_locked(Inode* in) {
    while (in && !is_root(in) && !in->is_virtual && in->nlookup == 0 && in->children == 0) {
      Inode* parent = in->parent;
      table_.erase(std::make_pair(in->dev, in->ino));
      if (opts_.passthrough && S_ISREG(in->type)) opts_.passthrough->forget(in->dev, in->ino);
      if (in->fd >= 0) {
        close(in->fd);
        --held_fds_;
      }
      delete in;
      if (!parent) break;
      --parent->children;
      in = parent;
    }
  }

  FsOptions opts_;
  Guard& guard_;
  IdentityCache& ids_;
  VFiles& vfiles_;
  double timeout_ = 1.0;
  Inode root_;
  std::map<std::string, std::unique_ptr<Inode>> virtual_;  // immutable after construction
  std::mutex mu_;  // guards table_ and every Inode's nlookup/children/parent/name
  std::unordered_map<std::pair<dev_t, ino_t>, Inode*, KeyHash> table_;
  size_t held_fds_ = 0;                         // O_PATH descriptors held by inodes
  size_t fd_budget_ = static_cast<size_t>(-1);  // ... at most this many
};

Pin::Pin(Fs& fs, Inode* in) {
  if (in->fd >= 0) {
    fd_ = in->fd;
  } else {
    owned_ = fd_ = fs.reopen(in, &error_);
  }
}

namespace {

// ---------------------------------------------------------------- plumbing

Fs& fs_of(fuse_req_t req) {
  return *static_cast<Fs*>(fuse_req_userdata(req));
}
Inode* ino_of(fuse_req_t req, fuse_ino_t ino) {
  return fs_of(req).inode(ino);
}
Handle* handle(const struct fuse_file_info* fi) {
  return fi ? reinterpret_cast<Handle*>(fi->fh) : nullptr;
}

struct ProcPath {
  explicit ProcPath(int fd) { snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }
  char buf[48];
};

// The caller of a write-class request; the opener when the kernel sends it
// on its own (no caller pid).
Who writer(fuse_req_t req, const struct fuse_file_info* fi) {
  pid_t tid = fuse_req_ctx(req)->pid;
  if (tid <= 0 && handle(fi)) return handle(fi)->opener;
  return fs_of(req).ids().who(tid);
}

// Asks the guard about `rel`; `st` (when given) brings the other names of a
// multiply linked file into the question.
int guard_path(fuse_req_t req, const Who& w, WriteOp op, const std::string& rel, bool subtree,
               const struct stat* st = nullptr) {
  return -fs_of(req).guard().check(w, op, rel, subtree, st);
}

// Asks the guard about an existing inode: the name it was last reached by,
// and its other names when it has several links.
int guard_inode(fuse_req_t req, const Who& w, WriteOp op, Inode* in) {
  Pin pin(fs_of(req), in);
  if (!pin.ok()) return pin.error();
  struct stat st;
  bool have = fstatat(pin.fd(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0;
  return guard_path(req, w, op, fs_of(req).path_of(in), false, have ? &st : nullptr);
}

// New files belong to the caller, as on a bare disk, when the daemon is root.
void give_to_caller(fuse_req_t req, int dirfd, const char* name) {
  if (!fs_of(req).opts().chown_new) return;
  const struct fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid == 0 && ctx->gid == 0) return;
  if (fchownat(dirfd, name, ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) != 0) {
    // Best effort: the file exists either way.
  }
}

void reply_entry_or_err(fuse_req_t req, Inode* parent, const char* name) {
  struct fuse_entry_param e;
  int err = fs_of(req).lookup(parent, name, &e);
  if (err) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_entry(req, &e);
  }
}

// Under handle_killpriv_v2 the kernel leaves dropping suid/sgid to us, and
// the source filesystem drops them for the daemon's own calls only as the
// daemon's credentials say: a writer without CAP_FSETID (that the daemon
// has) would keep them. Such a writer loses them when it opens the file for
// writing, a little earlier than at its first write.
// The permission bits a write by a caller without CAP_FSETID leaves: no
// suid, and no sgid when the group may execute (else sgid marks locking).
mode_t without_write_privs(mode_t mode) {
  mode_t kill = mode & S_ISUID;
  if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) kill |= S_ISGID;
  return mode & 07777 & ~kill;
}

void drop_suid_for_writer(fuse_req_t req, int fd) {
  Passthrough* pt = fs_of(req).opts().passthrough;
  if (!pt || !pt->killpriv_v2()) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  mode_t kept = without_write_privs(st.st_mode);
  if (kept == (st.st_mode & 07777) ||
      proc_has_capability(fuse_req_ctx(req)->pid, CAP_FSETID).value_or(false))
    return;
  if (fchmod(fd, kept) != 0) {
    // The write goes on, as a bare disk's would if its own drop failed.
  }
}

bool opens_for_write(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

// ---------------------------------------------------------------- lifecycle

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
  spdlog::info("fuse: cache timeout {}s", fs.timeout());
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Fs& fs = fs_of(req);
  struct fuse_entry_param e;
  int err = fs.lookup(fs.inode(parent), name, &e);
  if (err == ENOENT && !fs.inode(parent)->is_virtual) {
    // A negative entry the kernel may cache as long as a positive one.
    memset(&e, 0, sizeof e);
    e.entry_timeout = fs.opts().in_place ? fs.timeout() : 0;
    fuse_reply_entry(req, &e);
  } else if (err) {
    fuse_reply_err(req, err);
  } else {
    fuse_reply_entry(req, &e);
  }
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  fs_of(req).forget(ino_of(req, ino), n);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data* forgets) {
  for (size_t k = 0; k < count; ++k)
    fs_of(req).forget(ino_of(req, forgets[k].ino), forgets[k].nlookup);
  fuse_reply_none(req);
}

// ---------------------------------------------------------------- attributes

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Inode* in = ino_of(req, ino);
  struct stat st;
  if (in->is_virtual) {
    fs_of(req).vfiles().stat(in->vnode, &st);
    fuse_reply_attr(req, &st, 0);
    return;
  }
  Handle* h = handle(fi);
  AIO_PIN(pin_in, in);
  int r = h && h->fd >= 0 ? fstat(h->fd, &st)
                          : fstatat(pin_in.fd(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  if (r != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  fuse_reply_attr(req, &st, fs_of(req).timeout());
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inode(ino);
  Handle* h = handle(fi);
  if (in->is_virtual) {
    // `echo x > .aio/claims` truncates first; touching is harmless.
    bool only_ok = !(to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID));
    if (!only_ok || ((to_set & FUSE_SET_ATTR_SIZE) && !in->vnode.writable())) {
      fuse_reply_err(req, (to_set & FUSE_SET_ATTR_SIZE) ? EACCES : EPERM);
      return;
    }
    struct stat st;
    fs.vfiles().stat(in->vnode, &st);
    fuse_reply_attr(req, &st, 0);
    return;
  }
  // A handle opened for writing was judged at open; anything else asks now.
  if (!(h && h->writable)) {
    if (int err = guard_inode(req, writer(req, fi), WriteOp::kSetattr, in)) {
      fuse_reply_err(req, err);
      return;
    }
  }
  AIO_PIN(pin_in, in);
  ProcPath proc(pin_in.fd());
  int r = 0;
  if (to_set & FUSE_SET_ATTR_MODE)
    r = h && h->fd >= 0 ? fchmod(h->fd, attr->st_mode) : chmod(proc.buf, attr->st_mode);
  if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    r = h && h->fd >= 0 ? fchown(h->fd, uid, gid)
                        : fchownat(pin_in.fd(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  }
  if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE))
    r = h && h->fd >= 0 ? ftruncate(h->fd, attr->st_size) : truncate(proc.buf, attr->st_size);
  // killpriv_v2: a truncating caller without CAP_FSETID drops suid/sgid.
  if (r == 0 && (to_set & FUSE_SET_ATTR_KILL_SUID) && !(to_set & FUSE_SET_ATTR_MODE)) {
    struct stat st;
    if (stat(proc.buf, &st) == 0 && without_write_privs(st.st_mode) != (st.st_mode & 07777))
      r = chmod(proc.buf, without_write_privs(st.st_mode));
  }
  if (r == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
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
    r = h && h->fd >= 0 ? futimens(h->fd, tv) : utimensat(AT_FDCWD, proc.buf, tv, 0);
  }
  if (r != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  op_getattr(req, ino, fi);
}

// access(2) and chdir: asked only without default_permissions, where the
// daemon runs as the one user who reaches the mount.
void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  Inode* in = ino_of(req, ino);
  if (in->is_virtual) {
    bool ok = !(mask & W_OK) || in->vnode.writable();
    if ((mask & X_OK) && !in->vnode.is_dir()) ok = false;
    fuse_reply_err(req, ok ? 0 : EACCES);
    return;
  }
  AIO_PIN(pin_in, in);
  fuse_reply_err(req, faccessat(pin_in.fd(), "", mask, AT_EMPTY_PATH) == 0 ? 0 : errno);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  Inode* in = ino_of(req, ino);
  if (in->is_virtual) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  AIO_PIN(pin_in, in);
  char buf[PATH_MAX + 1];
  ssize_t n = readlinkat(pin_in.fd(), "", buf, sizeof buf);
  if (n < 0) {
    fuse_reply_err(req, errno);
    return;
  }
  if (n == sizeof buf) {
    fuse_reply_err(req, ENAMETOOLONG);
    return;
  }
  buf[n] = '\0';
  fuse_reply_readlink(req, buf);
}

// ---------------------------------------------------------------- names

// mknod, mkdir and symlink: judge the new name, make it, reply its entry.
template <typename Make>
void make_node(fuse_req_t req, fuse_ino_t parent, const char* name, WriteOp op, Make make) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inode(parent);
  if (p->is_virtual || (fs.is_root(p) && strcmp(name, kVirtualDir) == 0)) {
    fuse_reply_err(req, EACCES);
    return;
  }
  Who w = writer(req, nullptr);
  if (int err = guard_path(req, w, op, fs.child_path(p, name), false)) {
    fuse_reply_err(req, err);
    return;
  }
  AIO_PIN(pin_p, p);
  if (make(pin_p.fd()) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  give_to_caller(req, pin_p.fd(), name);
  reply_entry_or_err(req, p, name);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  make_node(req, parent, name, WriteOp::kMknod, [&](int dfd) {
    return S_ISFIFO(mode) ? mkfifoat(dfd, name, mode) : mknodat(dfd, name, mode, rdev);
  });
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  make_node(req, parent, name, WriteOp::kMkdir, [&](int dfd) { return mkdirat(dfd, name, mode); });
}

void op_symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  make_node(req, parent, name, WriteOp::kSymlink,
            [&](int dfd) { return symlinkat(target, dfd, name); });
}

// unlink and rmdir.
void remove_name(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inode(parent);
  if (p->is_virtual || (fs.is_root(p) && strcmp(name, kVirtualDir) == 0)) {
    fuse_reply_err(req, EACCES);
    return;
  }
  // Claims beneath an (empty) directory name things its claimer means to
  // create there, so rmdir judges the subtree.
  if (int err = guard_path(req, writer(req, nullptr), dir ? WriteOp::kRmdir : WriteOp::kUnlink,
                           fs.child_path(p, name), dir)) {
    fuse_reply_err(req, err);
    return;
  }
  AIO_PIN(pin_p, p);
  fuse_reply_err(req, unlinkat(pin_p.fd(), name, dir ? AT_REMOVEDIR : 0) == 0 ? 0 : errno);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name(req, parent, name, false);
}
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name(req, parent, name, true);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  Fs& fs = fs_of(req);
  Inode *a = fs.inode(parent), *b = fs.inode(newparent);
  if (a->is_virtual || b->is_virtual || (fs.is_root(a) && strcmp(name, kVirtualDir) == 0) ||
      (fs.is_root(b) && strcmp(newname, kVirtualDir) == 0)) {
    fuse_reply_err(req, EACCES);
    return;
  }
  Who w = writer(req, nullptr);
  AIO_PIN(pin_a, a);
  AIO_PIN(pin_b, b);
  struct stat sa, sb;
  bool have_a = fstatat(pin_a.fd(), name, &sa, AT_SYMLINK_NOFOLLOW) == 0;
  bool have_b = fstatat(pin_b.fd(), newname, &sb, AT_SYMLINK_NOFOLLOW) == 0;
  bool a_dir = have_a && S_ISDIR(sa.st_mode), b_dir = have_b && S_ISDIR(sb.st_mode);
  // The source name and everything beneath a renamed directory change; so
  // does the destination (and, for an exchange, what moves the other way).
  if (int err = guard_path(req, w, WriteOp::kRename, fs.child_path(a, name), a_dir)) {
    fuse_reply_err(req, err);
    return;
  }
  if (int err = guard_path(req, w, WriteOp::kRename, fs.child_path(b, newname), a_dir || b_dir)) {
    fuse_reply_err(req, err);
    return;
  }
  if (renameat2(pin_a.fd(), name, pin_b.fd(), newname, flags) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  if (have_a) fs.moved(sa, b, newname);
  if (have_b && (flags & RENAME_EXCHANGE)) fs.moved(sb, a, name);
  fuse_reply_err(req, 0);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  Fs& fs = fs_of(req);
  Inode *in = fs.inode(ino), *p = fs.inode(newparent);
  if (in->is_virtual || p->is_virtual || (fs.is_root(p) && strcmp(newname, kVirtualDir) == 0)) {
    fuse_reply_err(req, EACCES);
    return;
  }
  Who w = writer(req, nullptr);
  // A new name for a claimed inode would let others write it: judge both.
  if (int err = guard_inode(req, w, WriteOp::kLink, in)) {
    fuse_reply_err(req, err);
    return;
  }
  if (int err = guard_path(req, w, WriteOp::kLink, fs.child_path(p, newname), false)) {
    fuse_reply_err(req, err);
    return;
  }
  AIO_PIN(pin_in, in);
  AIO_PIN(pin_p, p);
  ProcPath proc(pin_in.fd());
  if (linkat(AT_FDCWD, proc.buf, pin_p.fd(), newname, AT_SYMLINK_FOLLOW) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  reply_entry_or_err(req, p, newname);
}

// ---------------------------------------------------------------- files

void open_virtual(fuse_req_t req, Inode* in, struct fuse_file_info* fi) {
  if (in->vnode.is_dir()) {
    fuse_reply_err(req, EISDIR);
    return;
  }
  auto h = std::make_unique<Handle>();
  h->is_virtual = true;
  h->vnode = in->vnode;
  h->writable = opens_for_write(fi->flags);
  if (h->writable && !in->vnode.writable()) {
    fuse_reply_err(req, EACCES);
    return;
  }
  Fs& fs = fs_of(req);
  h->opener = fs.ids().who(fuse_req_ctx(req)->pid);
  if ((fi->flags & O_ACCMODE) != O_WRONLY) h->content = fs.vfiles().render(in->vnode, h->opener);
  fi->direct_io = 1;  // content is generated; never cache it
  fi->fh = reinterpret_cast<uint64_t>(h.get());
  if (fuse_reply_open(req, fi) == 0) h.release();
}

// Replies to OPEN (entry null) or CREATE of real inode `in`, whose
// descriptor h->fd is open. A regular file gets kernel passthrough when it
// is active: its data never passes here. Otherwise the page cache serves it,
// kept across opens in place (nothing changes the file behind our back)
// unless passthrough wrote the file since. False when the reply failed (the
// open was interrupted): the handle is gone then.
bool reply_open(fuse_req_t req, std::unique_ptr<Handle> h, Inode* in, struct fuse_file_info* fi,
                const struct fuse_entry_param* entry) {
  Fs& fs = fs_of(req);
  Passthrough* pt = fs.opts().passthrough;
  int backing = 0;
  if (pt && S_ISREG(in->type)) {
    backing = pt->acquire(in->dev, in->ino, h->fd, true, &h->io);
    h->dev = in->dev;
    h->ino = in->ino;
  }
  bool keep = fs.opts().in_place;
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
  if (pt) pt->release(h->dev, h->ino, h->io);
  close(h->fd);
  return false;
}

// Flags for the real open of what the kernel already resolved.
int real_flags(int flags) {
  return (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inode(ino);
  if (in->is_virtual) {
    open_virtual(req, in, fi);
    return;
  }
  auto h = std::make_unique<Handle>();
  h->writable = opens_for_write(fi->flags);
  if (h->writable) {
    h->opener = fs.ids().who(fuse_req_ctx(req)->pid);
    if (int err = guard_inode(req, h->opener, WriteOp::kOpen, in)) {
      fuse_reply_err(req, err);
      return;
    }
  }
  AIO_PIN(pin_in, in);
  ProcPath proc(pin_in.fd());
  h->fd = open(proc.buf, real_flags(fi->flags));
  if (h->fd < 0) {
    fuse_reply_err(req, errno);
    return;
  }
  if (h->writable) drop_suid_for_writer(req, h->fd);
  reply_open(req, std::move(h), in, fi, nullptr);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* p = fs.inode(parent);
  if (p->is_virtual || (fs.is_root(p) && strcmp(name, kVirtualDir) == 0)) {
    fuse_reply_err(req, EACCES);  // nothing is created inside .aio/
    return;
  }
  auto h = std::make_unique<Handle>();
  h->writable = true;
  h->opener = fs.ids().who(fuse_req_ctx(req)->pid);
  AIO_PIN(pin_p, p);
  struct stat before;
  bool existed = fstatat(pin_p.fd(), name, &before, AT_SYMLINK_NOFOLLOW) == 0;
  if (int err = guard_path(req, h->opener, WriteOp::kCreate, fs.child_path(p, name), false,
                           existed ? &before : nullptr)) {
    fuse_reply_err(req, err);
    return;
  }
  int flags = real_flags(fi->flags) | O_CREAT | (fi->flags & O_EXCL);
  h->fd = openat(pin_p.fd(), name, flags, mode);
  if (h->fd < 0) {
    fuse_reply_err(req, errno);
    return;
  }
  if (!existed) give_to_caller(req, pin_p.fd(), name);
  if (existed) drop_suid_for_writer(req, h->fd);
  struct fuse_entry_param e;
  if (int err = fs.lookup(p, name, &e)) {
    close(h->fd);
    fuse_reply_err(req, err);
    return;
  }
  if (!reply_open(req, std::move(h), fs.inode(e.ino), fi, &e)) fs.forget(fs.inode(e.ino), 1);
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    if (off < 0 || static_cast<size_t>(off) >= h->content.size()) {
      fuse_reply_buf(req, nullptr, 0);
      return;
    }
    size_t n = std::min(size, h->content.size() - static_cast<size_t>(off));
    fuse_reply_buf(req, h->content.data() + off, n);
    return;
  }
  struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = h->fd;
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec* in_buf, off_t off,
                  struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  size_t size = fuse_buf_size(in_buf);
  if (h->is_virtual) {
    std::string data(size, '\0');
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
    dst.buf[0].mem = data.data();
    ssize_t got = fuse_buf_copy(&dst, in_buf, static_cast<fuse_buf_copy_flags>(0));
    if (got < 0) {
      fuse_reply_err(req, static_cast<int>(-got));
      return;
    }
    data.resize(static_cast<size_t>(got));
    int r = fs_of(req).vfiles().append(h->vnode, h->opener, data);
    if (r != 0) {
      fuse_reply_err(req, -r);
    } else {
      fuse_reply_write(req, data.size());
    }
    return;
  }
  struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
  out.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  out.buf[0].fd = h->fd;
  out.buf[0].pos = off;
  ssize_t n = fuse_buf_copy(&out, in_buf, static_cast<fuse_buf_copy_flags>(0));
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
  } else {
    fuse_reply_write(req, static_cast<size_t>(n));
  }
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    fuse_reply_err(req, 0);
    return;
  }
  // Like close(2) on the real file: lets the source filesystem report
  // delayed write errors; the descriptor itself stays open until release.
  int d = dup(h->fd);
  int r = d < 0 ? -1 : close(d);
  fuse_reply_err(req, r == 0 ? 0 : errno);
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (Passthrough* pt = fs_of(req).opts().passthrough) pt->release(h->dev, h->ino, h->io);
  if (h->fd >= 0) close(h->fd);
  delete h;
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    fuse_reply_err(req, 0);
    return;
  }
  int r = datasync ? fdatasync(h->fd) : fsync(h->fd);
  fuse_reply_err(req, r == 0 ? 0 : errno);
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
                  struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    fuse_reply_err(req, EOPNOTSUPP);
    return;
  }
  fuse_reply_err(req, fallocate(h->fd, mode, off, len) == 0 ? 0 : errno);
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                        struct fuse_file_info* fi_in, fuse_ino_t ino_out, off_t off_out,
                        struct fuse_file_info* fi_out, size_t len, int flags) {
  (void)ino_in;
  (void)ino_out;
  Handle *in = handle(fi_in), *out = handle(fi_out);
  if (in->is_virtual || out->is_virtual) {
    fuse_reply_err(req, EOPNOTSUPP);
    return;
  }
  ssize_t n = copy_file_range(in->fd, &off_in, out->fd, &off_out, len, flags);
  if (n < 0) {
    fuse_reply_err(req, errno);
  } else {
    fuse_reply_write(req, static_cast<size_t>(n));
  }
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info* fi) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    fuse_reply_err(req, ESPIPE);
    return;
  }
  off_t r = lseek(h->fd, off, whence);
  if (r < 0) {
    fuse_reply_err(req, errno);
  } else {
    fuse_reply_lseek(req, r);
  }
}

void op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi, int op) {
  (void)ino;
  Handle* h = handle(fi);
  if (h->is_virtual) {
    fuse_reply_err(req, 0);
    return;
  }
  fuse_reply_err(req, flock(h->fd, op) == 0 ? 0 : errno);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  (void)ino;
  struct statvfs st;
  if (fstatvfs(fs_of(req).opts().root_fd, &st) != 0) {
    fuse_reply_err(req, errno);
    return;
  }
  fuse_reply_statfs(req, &st);
}

// ---------------------------------------------------------------- xattrs

// A guarded change of an inode's xattrs: `change(path)` gets a /proc path of
// the real inode and returns 0 or -1 with errno set.
template <class Change>
void change_xattr(fuse_req_t req, fuse_ino_t ino, WriteOp op, Change change) {
  Inode* in = fs_of(req).inode(ino);
  if (in->is_virtual) {
    fuse_reply_err(req, EPERM);
    return;
  }
  if (int err = guard_inode(req, writer(req, nullptr), op, in)) {
    fuse_reply_err(req, err);
    return;
  }
  AIO_PIN(pin_in, in);
  ProcPath proc(pin_in.fd());
  fuse_reply_err(req, change(proc.buf) == 0 ? 0 : errno);
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
                 int flags) {
  change_xattr(req, ino, WriteOp::kSetxattr,
               [&](const char* path) { return setxattr(path, name, value, size, flags); });
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  Inode* in = ino_of(req, ino);
  if (in->is_virtual) {
    fuse_reply_err(req, ENODATA);
    return;
  }
  AIO_PIN(pin_in, in);
  ProcPath proc(pin_in.fd());
  if (size == 0) {
    ssize_t n = getxattr(proc.buf, name, nullptr, 0);
    if (n < 0) {
      fuse_reply_err(req, errno);
    } else {
      fuse_reply_xattr(req, static_cast<size_t>(n));
    }
    return;
  }
  std::string buf(size, '\0');
  ssize_t n = getxattr(proc.buf, name, buf.data(), size);
  if (n < 0) {
    fuse_reply_err(req, errno);
  } else {
    fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
  }
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Inode* in = ino_of(req, ino);
  if (in->is_virtual) {
    if (size == 0) {
      fuse_reply_xattr(req, 0);
    } else {
      fuse_reply_buf(req, nullptr, 0);
    }
    return;
  }
  AIO_PIN(pin_in, in);
  ProcPath proc(pin_in.fd());
  std::string buf(size, '\0');
  ssize_t n = listxattr(proc.buf, size ? buf.data() : nullptr, size);
  if (n < 0) {
    fuse_reply_err(req, errno);
  } else if (size == 0) {
    fuse_reply_xattr(req, static_cast<size_t>(n));
  } else {
    fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
  }
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  change_xattr(req, ino, WriteOp::kRemovexattr,
               [&](const char* path) { return removexattr(path, name); });
}

// ---------------------------------------------------------------- directories

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info* fi) {
  Fs& fs = fs_of(req);
  Inode* in = fs.inode(ino);
  auto d = std::make_unique<DirHandle>();
  if (in->is_virtual) {
    if (!in->vnode.is_dir()) {
      fuse_reply_err(req, ENOTDIR);
      return;
    }
    d->is_virtual = true;
    d->vnode = in->vnode;
  } else {
    AIO_PIN(pin_in, in);
    int fd = openat(pin_in.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      fuse_reply_err(req, errno);
      return;
    }
    d->dp = fdopendir(fd);
    if (!d->dp) {
      int e = errno;
      close(fd);
      fuse_reply_err(req, e);
      return;
    }
    d->root = fs.is_root(in);
    // In place every change of a directory passes here, and the kernel drops
    // its copy of a listing when one does: list each directory once.
    fi->cache_readdir = fi->keep_cache = fs.opts().in_place;
  }
  fi->fh = reinterpret_cast<uint64_t>(d.get());
  if (fuse_reply_open(req, fi) == 0) {
    d.release();
  } else if (d->dp) {
    closedir(d->dp);
  }
}

// Offsets are our own ordinals (0, 1, 2, ...), not the source filesystem's
// cookies, so the virtual .aio entry of the root can take one of its own.
void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info* fi,
                bool plus) {
  Fs& fs = fs_of(req);
  Inode* dir = fs.inode(ino);
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  std::string buf(size, '\0');
  size_t used = 0;
  // Adds one entry; false when the buffer is full (nothing added).
  auto add = [&](const char* name, const struct stat& st, const struct fuse_entry_param* e,
                 off_t next) {
    size_t n = plus ? fuse_add_direntry_plus(req, buf.data() + used, size - used, name, e, next)
                    : fuse_add_direntry(req, buf.data() + used, size - used, name, &st, next);
    if (n > size - used) return false;
    used += n;
    return true;
  };

  if (d->is_virtual) {
    std::vector<std::string> names{".", ".."};
    for (auto& n : fs.vfiles().list(d->vnode)) names.push_back(std::move(n));
    for (off_t k = off; k < static_cast<off_t>(names.size()); ++k) {
      struct fuse_entry_param e;
      memset(&e, 0, sizeof e);
      bool dot = names[k] == "." || names[k] == "..";
      if (plus && !dot && fs.lookup(dir, names[k].c_str(), &e) != 0) continue;
      if (dot) {  // readdir(3) skips entries whose inode number is 0
        e.attr.st_mode = S_IFDIR;
        e.attr.st_ino = kVirtualInoBase + (names[k] == "." ? 1 : 2);
      } else if (!plus) {
        fs.vfiles().stat(*vnode_of((dir->vpath + "/" + names[k]).c_str()), &e.attr);
      }
      if (!add(names[k].c_str(), e.attr, &e, k + 1)) break;
    }
    fuse_reply_buf(req, buf.data(), used);
    return;
  }

  if (off != d->pos) {  // a seek: walk again from the start
    rewinddir(d->dp);
    d->pending = nullptr;
    d->pos = 0;
  }
  off_t ordinal = 0;  // what the next entry's ordinal is
  auto next_entry = [&]() -> struct dirent* {
    if (d->pending) return std::exchange(d->pending, nullptr);
    for (;;) {
      struct dirent* e = readdir(d->dp);
      if (!e) return nullptr;
      // A real .aio in the project is hidden by the virtual one.
      if (d->root && strcmp(e->d_name, kVirtualDir) == 0) continue;
      return e;
    }
  };
  // Root: ordinal 0 is the virtual .aio; real entries follow.
  ordinal = d->pos;
  if (d->root && ordinal == 0) {
    if (off <= 0) {
      struct fuse_entry_param e;
      memset(&e, 0, sizeof e);
      if (!plus || fs.lookup(dir, kVirtualDir, &e) == 0) {
        if (!add(kVirtualDir, e.attr, &e, 1)) {
          if (plus) fs.forget(fs.inode(e.ino), 1);
          fuse_reply_buf(req, buf.data(), used);
          return;
        }
      }
    }
    ordinal = d->pos = 1;
  }
  // Skip forward to `off` after a seek.
  while (ordinal < off) {
    if (!next_entry()) break;
    d->pos = ++ordinal;
  }
  for (;;) {
    struct dirent* de = next_entry();
    if (!de) break;
    bool dot = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.attr.st_ino = de->d_ino;
    e.attr.st_mode = static_cast<mode_t>(DTTOIF(de->d_type));
    if (plus && !dot) {
      if (fs.lookup(dir, de->d_name, &e) != 0) {
        d->pos = ++ordinal;  // vanished meanwhile: skip it
        continue;
      }
    }
    if (!add(de->d_name, e.attr, &e, ordinal + 1)) {
      if (plus && !dot) fs.forget(fs.inode(e.ino), 1);
      d->pending = de;
      break;
    }
    d->pos = ++ordinal;
  }
  fuse_reply_buf(req, buf.data(), used);
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
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  if (d->dp) closedir(d->dp);
  delete d;
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info* fi) {
  (void)ino;
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  if (!d->dp) {
    fuse_reply_err(req, 0);
    return;
  }
  int fd = dirfd(d->dp);
  fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : errno);
}

struct fuse_lowlevel_ops make_ops() {
  struct fuse_lowlevel_ops o;
  memset(&o, 0, sizeof o);
  o.init = op_init;
  o.lookup = op_lookup;
  o.forget = op_forget;
  o.forget_multi = op_forget_multi;
  o.getattr = op_getattr;
  o.setattr = op_setattr;
  o.readlink = op_readlink;
  o.access = op_access;
  o.mknod = op_mknod;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.symlink = op_symlink;
  o.rename = op_rename;
  o.link = op_link;
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
  o.statfs = op_statfs;
  o.setxattr = op_setxattr;
  o.getxattr = op_getxattr;
  o.listxattr = op_listxattr;
  o.removexattr = op_removexattr;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.readdirplus = op_readdirplus;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  return o;
}

}  // namespace

std::unique_ptr<Fs, void (*)(Fs*)> make_fs(const FsOptions& o, Guard& guard, IdentityCache& ids,
                                           VFiles& vfiles) {
  return {new Fs(o, guard, ids, vfiles), [](Fs* f) { delete f; }};
}

const struct fuse_lowlevel_ops& operations() {
  static const struct fuse_lowlevel_ops ops = make_ops();
  return ops;
}

}  // namespace aio::fs
