// What git ignores in the mounted project, for --auto-claim: core's
// gitignore rules (core/gitignore.h) over the project's ignore files, read
// by the daemon itself through its own source directory descriptor, never
// through the mount (an in-place mount covers the source path: a read
// through it would call into the daemon; libgit2 resolves paths with
// realpath and would do just that).
//
// Contract: ignored(rel, is_dir) reads the .gitignore of each directory on
// the way to rel, relative to the source descriptor and without following
// a symbolic link (as git does in a work tree), then info/exclude and the
// global excludes file. A source below the top of its work tree (`prefix`)
// is judged as git judges it from the top: rel is prefix/rel there, and the
// .gitignore files of the directories above the source are read from `top`. Each parsed file is
// kept with the stat it was read at and read again when its inode, size, mtime or ctime differ (one
// fstatat per file per question), so an edit to a .gitignore counts from
// the next question on. A project that is not a git work tree (`git_dir`
// empty) ignores nothing but what lies in a `.git` directory. Files larger
// than kMaxBytes, or not regular, count as empty; the cache holds at most
// kMaxFiles parsed files and starts over beyond that.
//
// Lock order: mu_ is a leaf (held while reading ignore files).
#pragma once

#include <sys/stat.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/gitignore.h"

namespace aio::fs {

struct IgnoreOptions {
  // Each path is absolute, or relative to the source directory (what lies
  // inside the project is read through its descriptor); "" = none.
  std::string git_dir;        // the work tree's git directory ("" = not a work tree)
  std::string excludes_file;  // core.excludesFile
  // The repository's info/exclude: in its common directory, which is not
  // git_dir in a linked worktree ("" = <git_dir>/info/exclude).
  std::string info_exclude;
  // The source's path from the top of its work tree ("" = it is the top),
  // and that top (absolute; used only when prefix is not "").
  std::string prefix;
  std::string top;
};

class IgnoreCache {
 public:
  IgnoreCache(int source_fd, IgnoreOptions o) : source_fd_(source_fd), opts_(std::move(o)) {}
  IgnoreCache(const IgnoreCache&) = delete;
  IgnoreCache& operator=(const IgnoreCache&) = delete;

  // Does git ignore canonical project-relative `rel` (a directory: is_dir)?
  bool ignored(const std::string& rel, bool is_dir);

  static constexpr size_t kMaxFiles = 4096;
  static constexpr off_t kMaxBytes = 4 << 20;

 private:
  struct Entry {
    struct stat st;
    std::shared_ptr<const IgnoreList> list;
  };
  // The parsed file at `path` (relative to the source unless absolute),
  // patterns relative to `base`; null when there is none.
  std::shared_ptr<const IgnoreList> list_at(const std::string& path, const std::string& base,
                                            bool in_tree);

  const int source_fd_;
  const IgnoreOptions opts_;
  std::mutex mu_;                       // guards files_
  std::map<std::string, Entry> files_;  // by path
};

}  // namespace aio::fs
