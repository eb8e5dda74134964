// read_repo_facts() (gitrepo.h) behind a small cache file, so that a command
// run inside a repository does not pay libgit2's start-up (milliseconds:
// it loads the TLS certificate store) on every call.
//
// An entry is keyed by the directory holding the `.git` entry nearest to the
// asked directory (find_dot_git, a few stat calls) and remembers, beside the
// facts, the identity (device, inode, size, mtime) of every file they were
// read from: the `.git` entry, the git directory's config, config.worktree
// and commondir, the common directory's config, and the user and system git
// config (core.excludesFile). A `.git` directory counts by device and inode
// only (git changes its mtime all the time). When any of them differs, the
// facts are read again through libgit2 and the entry replaced. The file is
// a cache: unreadable or foreign content is ignored and rewritten, and
// writing it is best effort (a temporary file renamed over it).
#pragma once

#include <optional>
#include <string>

#include "core/gitrepo.h"
#include "core/status.h"

namespace aio {

// read_repo_facts(dir), answered from `cache_file` when its entry still
// holds ("" : no cache).
Result<std::optional<RepoFacts>> repo_facts(const std::string& dir, const std::string& cache_file);

}  // namespace aio
