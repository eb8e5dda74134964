// The inodes the kernel knows, and the descriptors that stand for them.
//
// Contract: a real inode is found again by (st_dev, st_ino), so every hard
// link of a file is one inode to the kernel too; its fuse_ino_t is the
// Inode's address (FUSE_ROOT_ID for the root). It holds an O_PATH
// descriptor of the real inode while the descriptor budget lasts (half the
// process's limit, the rest serving open files, pipes and the store); past
// the budget it holds none, and a Pin opens one by the name the inode was
// last reached by, for the length of one request. An inode lives while the
// kernel holds lookups of it or another live inode was reached through it
// (its path is needed); then it is freed, its descriptor closed and an idle
// passthrough registration of it dropped, both once the table's lock is let
// go. The root and the virtual .aio nodes (fs/ops_virtual.h) are never freed
// here.
//
// Lock order: mu_ is a leaf; nothing else is taken while it is held.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fs/passthrough.h"

namespace aio::fs {

struct Inode {
  int fd = -1;  // O_PATH, or -1 past the descriptor budget (and for virtual nodes)
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t type = 0;          // S_IFMT bits
  bool is_virtual = false;  // a node of .aio/: a vops::VInode
  // Written through kernel passthrough since its last page-cache open: the
  // kernel's cached pages of it may be stale.
  std::atomic<bool> stale_pages{false};
  // Whether it is known to have no security.capability attribute (the
  // kernel asks before the first write after each attribute refresh): bit
  // 0 set when known, the rest a count of xattr changes, so that knowledge
  // gathered before a change never outlives it (fs/ops_xattr.cc).
  std::atomic<uint64_t> caps_state{0};
  // Guarded by InodeTable::mu_:
  uint64_t nlookup = 0;
  uint64_t children = 0;    // inodes whose `parent` is this one
  Inode* parent = nullptr;  // the directory it was last reached through
  std::string name;         // ... and under which name
};

class InodeTable {
 public:
  // `source_fd`: the project directory (outlives the table).
  InodeTable(int source_fd, Passthrough& passthrough);
  ~InodeTable();
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  Inode* inode(fuse_ino_t ino) {
    return ino == FUSE_ROOT_ID ? &root_ : reinterpret_cast<Inode*>(static_cast<uintptr_t>(ino));
  }
  fuse_ino_t id(const Inode* in) const {
    return in == &root_ ? FUSE_ROOT_ID : static_cast<fuse_ino_t>(reinterpret_cast<uintptr_t>(in));
  }
  bool is_root(const Inode* in) const { return in == &root_; }

  // The project-relative path an inode was last reached by ("" = root).
  std::string path_of(Inode* in);
  std::string child_path(Inode* parent, const char* name);

  // Looks up `name` in the real directory `parent`: fills *st, sets *out to
  // its inode (one lookup more) and returns 0; or -errno.
  int lookup(Inode* parent, const char* name, struct stat* st, Inode** out);
  // The kernel dropped n lookups of `in`.
  void forget(Inode* in, uint64_t n);
  // The inode `st` is now reached as (parent, name) (after a rename).
  void moved(const struct stat& st, Inode* parent, const char* name);
  // An O_PATH descriptor of `in` opened by the name it was last reached by,
  // checked to be the same inode; or -errno (-ESTALE when the name now
  // leads elsewhere or nowhere).
  int reopen(Inode* in);

 private:
  struct KeyHash {
    size_t operator()(const std::pair<dev_t, ino_t>& k) const {
      return std::hash<uint64_t>()(k.second * 1000003u ^ k.first);
    }
  };
  // What a freed inode leaves to close. Closed after mu_ is let go: the
  // last close of an unlinked file's descriptor (or of its backing file)
  // makes the source filesystem delete it, which must not hold up every
  // other request waiting for the table.
  struct Leftover {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    bool regular = false;
  };
  using Leftovers = std::vector<Leftover>;
  void close_leftovers(const Leftovers& left);

  // Takes the descriptor `fd` of a newly found inode, or closes it.
  Inode* insert_locked(const struct stat& st, int fd);
  std::string path_locked(Inode* in);
  void set_parent_locked(Inode* in, Inode* parent, const char* name, Leftovers* left);
  // Frees an inode nobody refers to any more (the kernel or a child),
  // adding what it held to *left.
  void release_locked(Inode* in, Leftovers* left);

  const int source_fd_;
  Passthrough& passthrough_;
  Inode root_;
  std::mutex mu_;  // guards table_, held_fds_ and every Inode's nlookup/children/parent/name
  std::unordered_map<std::pair<dev_t, ino_t>, Inode*, KeyHash> table_;
  size_t held_fds_ = 0;                         // O_PATH descriptors held by inodes
  size_t fd_budget_ = static_cast<size_t>(-1);  // ... at most this many
};

// A descriptor of a real inode for the length of one request: its own
// O_PATH descriptor, or one InodeTable::reopen() made (closed at the end).
// Check error() before using fd().
class Pin {
 public:
  Pin(InodeTable& table, Inode* in);
  ~Pin();
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  int fd() const { return fd_; }
  int error() const { return fd_ >= 0 ? 0 : fd_; }  // 0 or -errno

 private:
  int fd_ = -1;  // or -errno
  bool owned_ = false;
};

}  // namespace aio::fs
