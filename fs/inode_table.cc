#include "fs/inode_table.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace aio::fs {

InodeTable::InodeTable(int source_fd, Passthrough& passthrough)
    : source_fd_(source_fd), passthrough_(passthrough) {
  root_.fd = openat(source_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
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
}

InodeTable::~InodeTable() {
  for (auto& [key, in] : table_) {
    if (in->fd >= 0) close(in->fd);
    delete in;
  }
  close(root_.fd);
}

std::string InodeTable::path_of(Inode* in) {
  std::lock_guard lock(mu_);
  return path_locked(in);
}

std::string InodeTable::child_path(Inode* parent, const char* name) {
  std::string p = path_of(parent);
  return p.empty() ? std::string(name) : p + "/" + name;
}

int InodeTable::lookup(Inode* parent, const char* name, struct stat* st, Inode** out) {
  Pin pin(*this, parent);
  if (int rv = pin.error()) return rv;
  int fd = openat(pin.fd(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  Leftovers left;
  {
    std::lock_guard lock(mu_);
    Inode* in = insert_locked(*st, fd);
    ++in->nlookup;
    set_parent_locked(in, parent, name, &left);
    *out = in;
  }
  close_leftovers(left);
  return 0;
}

Inode* InodeTable::insert_locked(const struct stat& st, int fd) {
  auto key = std::make_pair(st.st_dev, st.st_ino);
  auto it = table_.find(key);
  if (it != table_.end()) {
    close(fd);
    return it->second;
  }
  auto* in = new Inode;
  if (held_fds_ < fd_budget_) {
    in->fd = fd;
    ++held_fds_;
  } else {
    close(fd);  // past the budget: reopened by name when needed
  }
  in->dev = st.st_dev;
  in->ino = st.st_ino;
  in->type = st.st_mode & S_IFMT;
  table_.emplace(key, in);
  return in;
}

void InodeTable::forget(Inode* in, uint64_t n) {
  if (in->is_virtual || is_root(in)) return;
  Leftovers left;
  {
    std::lock_guard lock(mu_);
    in->nlookup = in->nlookup > n ? in->nlookup - n : 0;
    release_locked(in, &left);
  }
  close_leftovers(left);
}

void InodeTable::close_leftovers(const Leftovers& left) {
  for (const Leftover& l : left) {
    if (l.regular) passthrough_.forget(l.dev, l.ino);
    if (l.fd >= 0) close(l.fd);
  }
}

int InodeTable::reopen(Inode* in) {
  std::string path = path_of(in);
  int fd = openat(source_fd_, path.empty() ? "." : path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? -ESTALE : -errno;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != in->dev || st.st_ino != in->ino) {
    close(fd);
    return -ESTALE;
  }
  return fd;
}

void InodeTable::moved(const struct stat& st, Inode* parent, const char* name) {
  Leftovers left;
  {
    std::lock_guard lock(mu_);
    auto it = table_.find(std::make_pair(st.st_dev, st.st_ino));
    if (it != table_.end()) set_parent_locked(it->second, parent, name, &left);
  }
  close_leftovers(left);
}

std::string InodeTable::path_locked(Inode* in) {
  std::vector<const std::string*> parts;
  for (Inode* p = in; p && !is_root(p); p = p->parent) parts.push_back(&p->name);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out.push_back('/');
    out += **it;
  }
  return out;
}

void InodeTable::set_parent_locked(Inode* in, Inode* parent, const char* name, Leftovers* left) {
  if (in->parent != parent) {
    ++parent->children;
    Inode* old = in->parent;
    in->parent = parent;
    if (old) {
      --old->children;
      release_locked(old, left);
    }
  }
  in->name = name;
}

void InodeTable::release_locked(Inode* in, Leftovers* left) {
  while (in && !is_root(in) && !in->is_virtual && in->nlookup == 0 && in->children == 0) {
    Inode* parent = in->parent;
    table_.erase(std::make_pair(in->dev, in->ino));
    left->push_back(Leftover{in->fd, in->dev, in->ino, S_ISREG(in->type)});
    if (in->fd >= 0) --held_fds_;
    delete in;
    if (!parent) break;
    --parent->children;
    in = parent;
  }
}

Pin::Pin(InodeTable& table, Inode* in) {
  if (in->fd >= 0) {
    fd_ = in->fd;
  } else {
    fd_ = table.reopen(in);
    owned_ = fd_ >= 0;
  }
}

Pin::~Pin() {
  if (owned_) close(fd_);
}

}  // namespace aio::fs
