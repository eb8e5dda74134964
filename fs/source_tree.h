// The project's tree as it is underneath the mount, read through the source
// directory's descriptor (opened before mounting), never through the mount
// itself: the questions the guard asks beyond a single path.
//
// Contract: walks are depth-first through *at() calls, do not follow
// symbolic links, skip what cannot be opened, and stop after kMaxWalk
// entries, so a huge tree bounds the time a decision can take; each says
// whether it saw everything it looked for (the guard refuses when in
// doubt). No state, no lock: safe from any thread.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aio::fs {

class SourceTree {
 public:
  explicit SourceTree(int source_fd) : source_fd_(source_fd) {}

  static constexpr size_t kMaxWalk = 500000;  // entries visited by one walk

  // What is at `rel`: nullopt when nothing is there, else whether it is a directory.
  std::optional<bool> is_directory(const std::string& rel) const;

  // Paths found by a walk; `complete` is false when the walk stopped short
  // of what it looked for (kMaxWalk entries, or a directory it could not
  // read), so that what was not found may exist.
  struct Found {
    std::vector<std::string> paths;
    bool complete = true;
  };
  // Every path beneath directory `dir` ("" = the project).
  Found entries_beneath(const std::string& dir) const;
  // Whether `rel` leads to the inode `st` now (one fstatat, no walk).
  bool leads_to(const std::string& rel, const struct stat& st) const;
  // The names of inode `st` in the project other than `rel`: its other hard
  // links, or, when `rel` is no longer one of its names (`rel_is_name`
  // false), every name it has now. The walk stops once all its names are
  // found (st_nlink of them, one for a directory); names outside the project
  // are never found, so it is complete when it read the whole tree.
  Found other_names(const struct stat& st, const std::string& rel, bool rel_is_name = true) const;

  // visit(path, dirfd, entry) returns false to stop the walk. False when
  // the walk stopped short (kMaxWalk, or a directory it could not read),
  // true when it read the whole tree or visit stopped it.
  using Visit = std::function<bool(const std::string&, int, const struct dirent*)>;
  bool walk(const std::string& top, const Visit& visit) const;

 private:
  int source_fd_;
};

}  // namespace aio::fs
