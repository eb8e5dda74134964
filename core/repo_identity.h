// Which project a repository is, wherever it is cloned (issue 14): clones of
// one repository on several machines share claims in one store when they
// name the same project id. Read through libgit2, never by running git or
// parsing .git by hand.
//
// repo_identity(dir), for a project root `dir`:
//   1. `git config aio.project` when set (aio-init --project-id, or the
//      random id aio-init --store gives a repository without remotes);
//   2. else the URL of remote `origin`, else of the only remote, normalised
//      (normalise_remote_url). A remote that is a repository on this
//      machine (a local path, file://) is followed: a clone of a clone is
//      the project its origin is (up to 8 hops); a local repository that
//      names no project itself is known by its path;
//   3. else "": no shared identity (the project is known by its path).
// A root below its work tree's top (a project nested in the repository) is
// the repository's identity followed by "//" and the path inside it.
//
// repo_config_get reads git config as `git config KEY` does (every level);
// repo_config_set/unset write the repository's own (local) config, which
// all its worktrees share (the common directory's config), and sync it to
// disk before returning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace aio {

// A remote URL as a host and path, the same for every way of spelling it:
// https/http/ssh/git (and git+ssh) URLs and scp-like `user@host:path` give
// "host/path" with the host lower-cased, user@ and :port dropped; file://
// URLs and local paths give the path (lexically cleaned). Trailing ".git"
// and '/' are removed. "" for "".
std::string normalise_remote_url(std::string_view url);

// The project id of the project rooted at `dir` (see above). kState when a
// repository cannot be read.
Result<std::string> repo_identity(const std::string& dir);

// `git config KEY` in the repository holding `dir`; nullopt when unset or
// when `dir` is in no repository.
Result<std::optional<std::string>> repo_config_get(const std::string& dir, const std::string& key);
// Sets / removes KEY in the local config of the repository holding `dir`
// (kInvalid when there is none; removing a key that is not set is ok).
Status repo_config_set(const std::string& dir, const std::string& key, const std::string& value);
Status repo_config_unset(const std::string& dir, const std::string& key);

}  // namespace aio
