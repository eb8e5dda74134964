// The choke point of the mount: every write-class FUSE operation asks
// Guard::check() before it touches the source directory; nothing else in
// fs/ decides anything. The rules themselves are core's (PolicyIndex); the
// guard brings them the right paths and records what they refuse.
//
// Contract: check() decides on the snapshot StateWatch::refresh() returns
// (so a claim made before the operation began counts), judges every path the
// operation changes (beneath a directory it changes, and every other name
// of a multiply linked file, through the SourceTree), and records each
// refusal (and, in advisory mode, each refusal it would have made) in the
// DenialLog. Deciding takes no lock of its own.
//
// --auto-claim (core/autoclaim.h): when the operation writes or removes a
// regular file (FileWrite) and the writer auto-claims (the mount's flag, or
// the instance's autoClaim), check() first asks core whether to claim the
// path, asks the IgnoreCache whether git ignores it, and grants the file
// claim (dropping the auto-claim of a file the operation takes away) in one
// store transaction; the decision that follows is taken on the state
// reloaded after it, so the claim counts at once. Losing a race for the
// claim is an ordinary refusal naming the winner. Without either flag the
// path to a decision is the same as without auto-claim (one test more).
//
// Lock order: none held; the StateWatch, SourceTree, IgnoreCache and
// DenialLog take their own leaf locks one at a time (the store's file lock
// beneath none of them).
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/policy.h"
#include "fs/denial_log.h"
#include "fs/identity.h"
#include "fs/ignore_cache.h"
#include "fs/source_tree.h"
#include "fs/state_watch.h"

namespace aio::fs {

// What an operation does to a regular file, for --auto-claim (core's
// should_auto_claim decides what it means).
struct FileWrite {
  bool regular = false;    // rel is a regular file, or the operation creates one there
  bool truncates = false;  // a setattr that changes the size
  // A file the operation takes away (a rename's source, an unlinked name):
  // the writer's auto-claim of it goes (core/autoclaim.h), unless the
  // operation is refused. Viewed, not owned: it outlives check().
  std::string_view removes;
};

// The mount's auto-claim set-up: `ignores` null turns auto-claim off
// altogether (instances' autoClaim too).
struct AutoClaimSetup {
  bool mount = false;  // aio mount --auto-claim
  IgnoreCache* ignores = nullptr;
};

class Guard {
 public:
  Guard(StateWatch& state, const SourceTree& tree, DenialLog& denials, MountMode mode,
        AutoClaimSetup autoclaim = {})
      : state_(state), tree_(tree), denials_(denials), mode_(mode), auto_(autoclaim) {}
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // 0 when `who` may perform `op` on `rel` (canonical relative path), else
  // -EACCES (logged, recorded in the DenialLog). `subtree`: the operation
  // also changes everything beneath rel. For a regular file with other hard
  // links, pass its stat: the other names are judged too. `fw`: what the
  // operation does to a regular file at rel (auto-claim, above).
  int check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const struct stat* st = nullptr, const FileWrite& fw = {});

 private:
  // Auto-claims rel for `who` when core says so, replacing *snap with the
  // state after the claim (or after another instance's, when it lost the
  // race: the judging that follows refuses then). A store that cannot be
  // written is logged and leaves the path unclaimed.
  void auto_claim(std::shared_ptr<const Snapshot>* snap, const Who& who, WriteOp op,
                  const std::string& rel, const struct stat* st, const FileWrite& fw);
  // The judging of the other names of multiply linked file `st` (reached
  // as rel) will refuse the write.
  bool other_name_blocked(const Snapshot& snap, const Who& who, const std::string& rel,
                          const struct stat* st, const Clock& c) const;
  int judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const std::string& shown_path);

  StateWatch& state_;
  const SourceTree& tree_;
  DenialLog& denials_;
  const MountMode mode_;
  const AutoClaimSetup auto_;
};

}  // namespace aio::fs
