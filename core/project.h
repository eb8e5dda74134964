// Which project a path belongs to, wherever it is seen from (DESIGN.md §2,
// "Project"). The project of a path is, in this order:
//  (a) the aio mount it is inside (in place or --at): the mount's project;
//  (b) the top of its git work tree; for a linked worktree (`git worktree
//      add`) the repository's main worktree, unless that worktree is its own
//      project (--worktree-local, or a project registered at its top);
//  (c) the nearest ancestor registered as a project;
//  (d) the directory itself (for a path that is no directory, its parent).
// The directory showing the project's root for the path (the mountpoint, the
// worktree's top, ...) is its `checkout`: claims are stored relative to the
// project and name the same file in every checkout of it.
//
// A project given by the caller (a positional argument, or the project of
// the caller's instance) overrides the rules: paths are then mapped into it
// by what they name (the same repository-relative path in another worktree
// or under an --at mountpoint; a path of a project nested inside it), and a
// path it does not hold is refused with one line saying where it belongs.
//
// locate() reads the file system (realpath, git through Hints::git); the
// rules themselves are plain functions of what it found.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gitrepo.h"
#include "core/model.h"
#include "core/mounts.h"
#include "core/status.h"

namespace aio {

// Which rule placed a path.
enum class Rule {
  kGiven,          // a project given by the caller
  kMount,          // (a) inside an aio mount
  kGitWorkTree,    // (b) a git work tree (a main worktree)
  kGitWorktree,    // (b) a linked worktree of the project's repository
  kWorktreeLocal,  // (b) a linked worktree that is its own project
  kRegistered,     // (c) a registered project
  kDirectory,      // (d) the directory itself
};
std::string_view to_string(Rule r);

struct Location {
  std::string project;   // absolute root the path's claims are relative to
  std::string checkout;  // where the project's root shows for this path ("" when nowhere)
  std::string rel;       // canonical path relative to project (and to checkout)
  Rule how = Rule::kDirectory;
  // For messages: "git worktree /wt of /repo", "aio mount /mnt of /repo", ...
  std::string describe() const;
  // The path as the project names it: project joined with rel.
  std::string logical() const;
};

using GitLookup = std::function<Result<std::optional<RepoFacts>>(const std::string& dir)>;

struct Hints {
  std::vector<MountRecord> mounts;    // this machine's live aio mounts (rule a)
  std::vector<std::string> projects;  // registered project roots (rules b, c)
  std::string project;                // a project given by the caller ("" none)
  bool worktree_local = false;        // a linked worktree is its own project
  GitLookup git;                      // rule b (empty: no git anywhere)
};

// The registered projects of a state: every instance's project (live or
// stale: a project does not change while an instance goes stale), once each;
// of a partial state (State::partial), the ones its store found.
std::vector<std::string> registered_projects(const State& s);

// Where `path` (absolute; need not exist) belongs. kInvalid when a given
// project does not hold it; kState when a repository cannot be read.
Result<Location> locate(const std::string& path, const Hints& hints);

// The project a directory given as one names (a positional argument): the
// path it names as its project sees it, so the top of a linked worktree
// names the main worktree, a mountpoint its mount's project, and a
// subdirectory itself (a project nested in the repository's).
Result<std::string> project_named_by(const std::string& dir, const Hints& hints);

// Where a path typed in `cwd` is, in project hints.project: relative to cwd
// when cwd is in the project, else to the project's root (as the playbook
// did); absolute as typed.
Result<Location> locate_typed(std::string_view input, const std::string& cwd, const Hints& hints);

// The stored target, in project hints.project, of what a user typed in
// `cwd`: a path's rel (locate_typed); a pattern canonicalised, an absolute
// spelling of a place in the project anchored there; a task id as typed.
Result<std::string> claim_target(ClaimType type, std::string_view input, const std::string& cwd,
                                 const Hints& hints);

}  // namespace aio
