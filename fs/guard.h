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
// Names: an inode is judged under every name it has. check_inode() is for
// an inode reached by the name the mount last knew it by, which may be gone
// (unlinked, or renamed over, while a process held it open or by an O_PATH
// descriptor): when the project has claims, one fstatat checks that name;
// only when it is gone, or the file has other links, is the tree walked
// for the names it has now, and the name it had is judged too. A walk that
// could not read the whole tree refuses when another instance holds any
// claim ("in doubt"). A write to a file with one link, under its own name,
// walks nothing.
//
// Moves: check_move() judges a rename or exchange for every path that
// exists before it and every path that will exist after it, both ways: the
// two names, the claims beneath them, and, against patterns, what a moved
// directory holds at the place it leaves and at the place it arrives.
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
  // As check(), for the existing inode `st` the mount last knew as `last`,
  // which may no longer be one of its names (Names, above).
  int check_inode(const Who& who, WriteOp op, const std::string& last, const struct stat& st,
                  const FileWrite& fw = {});
  // A rename (or, with `exchange`, RENAME_EXCHANGE) of `from` to `to`; `a`
  // and `b` are what is there now (null: nothing). `fw` is what it does to
  // `to` (for auto-claim). Moves, above.
  int check_move(const Who& who, const std::string& from, const std::string& to,
                 const struct stat* a, const struct stat* b, bool exchange, const FileWrite& fw);

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
  // check() on a snapshot already taken.
  int check_on(std::shared_ptr<const Snapshot> snap, const Who& who, WriteOp op,
               const std::string& rel, bool subtree, const struct stat* st, const FileWrite& fw);
  // Judges the names of `st` other than `rel` (all it has now when `rel`
  // is not one): its other hard links, or where it went.
  int judge_names(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel,
                  const struct stat& st, bool rel_is_name);
  // Against the patterns that reach inside `dir`: every path beneath `dir`
  // once it holds what `holder` holds now (holder == dir: what is there).
  int judge_beneath(const Snapshot& snap, const Who& who, WriteOp op, const std::string& dir,
                    const std::string& holder);
  int judge(const Snapshot& snap, const Who& who, WriteOp op, const std::string& rel, bool subtree,
            const std::string& shown_path);
  // Refuses (when another instance holds claims) a change to paths a walk
  // could not all find.
  int judge_in_doubt(const Snapshot& snap, const Who& who, WriteOp op, const std::string& what);
  // Records and answers a decision: 0 or -EACCES.
  int verdict(const Decision& d, const Who& who, WriteOp op, const std::string& shown_path);

  StateWatch& state_;
  const SourceTree& tree_;
  DenialLog& denials_;
  const MountMode mode_;
  const AutoClaimSetup auto_;
};

}  // namespace aio::fs
