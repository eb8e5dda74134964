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
// Lock order: none held; the StateWatch, SourceTree and DenialLog take
// their own leaf locks one at a time.
#pragma once

#include <sys/stat.h>

#include <string>

#include "core/policy.h"
#include "fs/denial_log.h"
#include "fs/identity.h"
#include "fs/source_tree.h"
#include "fs/state_watch.h"

namespace aio::fs {

class Guard {
 public:
  Guard(StateWatch& state, const SourceTree& tree, DenialLog& denials, MountMode mode)
      : state_(state), tree_(tree), denials_(denials), mode_(mode) {}
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // 0 when `who` may perform `op` on `rel` (canonical relative path), else
  // -EACCES (logged, recorded in the DenialLog). `subtree`: the operation
  // also changes everything beneath rel. For a regular file with other hard
  // links, pass its stat: the other names are judged too.
  int check(const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const struct stat* st = nullptr);

 private:
  int judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const std::string& shown_path);

  StateWatch& state_;
  const SourceTree& tree_;
  DenialLog& denials_;
  const MountMode mode_;
};

}  // namespace aio::fs
