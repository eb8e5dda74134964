// The project's tree as it is underneath the mount, read through the source
// directory's descriptor (opened before mounting), never through the mount
// itself: the questions the guard asks beyond a single path.
//
// Contract: walks are depth-first through *at() calls, do not follow
// symbolic links, skip what cannot be opened, and stop after kMaxWalk
// entries, so a huge tree bounds the time a decision can take. No state, no
// lock: safe from any thread.
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
  // Every path beneath directory `dir` ("" = the project).
  std::vector<std::string> entries_beneath(const std::string& dir) const;
  // Other names of the inode `st`, a file reached as `rel` (stops once all
  // st_nlink names are found).
  std::vector<std::string> other_names(const struct stat& st, const std::string& rel) const;

  // visit(path, dirfd, entry) returns false to stop the walk.
  using Visit = std::function<bool(const std::string&, int, const struct dirent*)>;
  void walk(const std::string& top, const Visit& visit) const;

 private:
  int source_fd_;
};

}  // namespace aio::fs
