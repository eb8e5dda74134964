// Facts about the git repository a directory belongs to, read through
// libgit2 (never by parsing .git files by hand, never by running git).
//
// read_repo_facts() opens the repository whose work tree holds a directory
// and reports where that work tree starts, whether it is a linked worktree
// (`git worktree add`), the repository's common directory and its main
// worktree, and the ignore files git would read beside .gitignore. The first
// call in a process initialises libgit2, which costs milliseconds (it loads
// the TLS certificate store), so it is made only when a `.git` entry exists
// at or above the directory; repo_facts() (gitrepo_cache.h) answers most
// calls from a cache instead.
//
// Paths are absolute and normalised, without a trailing '/'. The mount
// daemon must ask before it mounts over a project: afterwards these reads
// would come back through its own mount.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace aio {

struct RepoFacts {
  std::string top;         // the top of the work tree holding the directory
  std::string git_dir;     // this work tree's git directory (.git, or .git/worktrees/<name>)
  std::string common_dir;  // the repository's common directory
  bool linked_worktree = false;
  // The repository's main worktree: `top` itself unless linked_worktree; for
  // a worktree of a bare repository, the bare repository (common_dir).
  std::string main_worktree;
  std::string info_exclude;   // <common_dir>/info/exclude (it may not exist)
  std::string excludes_file;  // core.excludesFile, else git's default (it may not exist)
  // `git config aio.store` (any level; the store commands here use,
  // core/store_url.h), nullopt when unset.
  std::optional<std::string> aio_store;

  // The project this work tree belongs to: the main worktree's path.
  const std::string& project() const { return main_worktree; }
  bool operator==(const RepoFacts&) const = default;
};

// Initialises libgit2 once per process; every reader through it calls this first.
void init_libgit2();

// The nearest directory at or above `dir` holding a `.git` entry (a
// directory, or a worktree's `.git` file), "" when there is none. Only
// stat()s; says nothing about whether the entry is a valid repository.
std::string find_dot_git(const std::string& dir);

// The facts of the work tree holding `dir` (absolute; when it is no
// directory, its nearest ancestor that is one is asked). nullopt when `dir` is in
// no work tree (or only inside a bare repository's own directory); kState
// when libgit2 finds a repository it cannot open.
Result<std::optional<RepoFacts>> read_repo_facts(const std::string& dir);

// The directory git runs the hooks of the work tree holding `dir` from:
// core.hooksPath when set (a relative one is taken from the work tree's
// top, as git runs hooks there; `~/` expanded), else the common directory's
// hooks/ (linked worktrees share it). It may not exist yet. nullopt when
// `dir` is in no work tree; kState when the repository cannot be read.
Result<std::optional<std::string>> git_hooks_dir(const std::string& dir);

}  // namespace aio
