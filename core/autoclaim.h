// --auto-claim (DESIGN.md §5): who may claim what by writing it. The first
// write-class operation by a live instance on an unclaimed regular file that
// git does not ignore claims it for that instance as a file claim (marked
// autoClaimed), so two agents can never interleave edits of one file even
// when they forget to claim it.
//
// An auto-claim follows the file it was made for: when its holder renames
// the file, the claim moves to the new name (claimed there as a write), and
// when its holder removes the file, the claim goes (so temporary files, as
// `sed -i` and editors write them, leave no claims behind). Claims made by
// `aio claim` never move or go that way.
//
// Pure: the caller (the mount's guard) gathers the facts and grants the
// claim in one store transaction (grant_claim, auto_claimed); losing a race
// there is an ordinary refusal naming the winner.
#pragma once

#include <functional>
#include <string_view>

#include "core/model.h"
#include "core/policy.h"

namespace aio {

struct AutoClaimCase {
  bool mount_auto_claim = false;     // the mount runs with --auto-claim
  const Instance* writer = nullptr;  // the caller's live instance (null: anonymous)
  std::string_view project;          // the mount's project
  WriteOp op = WriteOp::kOpen;
  bool regular_file = false;  // the path is a regular file, or the operation creates one
  bool truncates = false;     // kSetattr: it changes the size
  bool covered = false;       // an active claim (the writer's own too) covers the path
};

// Does git ignore the path? Asked last, only when everything else says yes
// (the caller reads .gitignore files to answer).
using IgnoredProbe = std::function<bool()>;

// True when the write claims its path for the writer first. It does when
// the writer is a live instance of the mount's project that auto-claims
// (the mount's --auto-claim, or its own autoClaim from `aio exec
// --auto-claim`), the operation writes a regular file's content or makes one
// there (open for writing or truncating, create, a truncating setattr, a
// rename onto the path), no active claim covers the path yet, and git does
// not ignore it. Anonymous writers never auto-claim; neither do unlink,
// rmdir, mkdir, mknod, symlink, link, chmod/chown/utimens or xattrs.
bool should_auto_claim(const AutoClaimCase& c, const IgnoredProbe& ignored);

// The auto-claim `me` holds on file `target` (the one a rename or removal
// of that file takes along), or null. Looks only at me's own claims.
const Claim* own_auto_claim(const State& s, const Instance& me, std::string_view target);

}  // namespace aio
