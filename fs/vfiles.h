// The virtual .aio/ directory at the mount root (DESIGN.md §5): aio's state
// as plain files. Reads render the current state; appends to `claims`,
// `release` and `context/<category>` act as the writing process's instance
// through core. A write whose lines are not all valid changes nothing and
// fails with the errno of core's Status (EINVAL for bad input, EACCES for a
// conflict, EIO when the state cannot be read or written); the reason is
// logged and shown in `denials`. Nothing can be created, removed or renamed inside .aio/.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/denial_log.h"
#include "fs/identity.h"
#include "fs/source_tree.h"
#include "fs/state_watch.h"

namespace aio::fs {

struct VNode {
  enum Kind {
    kRoot,        // .aio
    kContextDir,  // .aio/context
    kStatus,
    kStatusJson,
    kWhoami,
    kClaims,
    kRelease,
    kContext,  // .aio/context/<category>
    kExport,   // .aio/context/export.md
    kDenials,
  } kind = kRoot;
  std::string category;  // kContext
  bool is_dir() const { return kind == kRoot || kind == kContextDir; }
  bool writable() const { return kind == kClaims || kind == kRelease || kind == kContext; }
};

inline constexpr const char* kVirtualDir = ".aio";
// Inode numbers of the virtual nodes: far above what ext4 or tmpfs hand out.
inline constexpr ino_t kVirtualInoBase = ino_t{0xA10} << 48;

// The node a FUSE path ("/.aio/...") names, or nullopt (ENOENT).
std::optional<VNode> vnode_of(const char* fuse_path);

class VFiles {
 public:
  // Reads the state through `state` (and acts through its store), records
  // refused writes in `denials`, and asks `tree` whether a claimed path is a
  // directory. All of them outlive it. `auto_claim`: the mount's
  // --auto-claim, shown in status and status.json.
  VFiles(StateWatch& state, DenialLog& denials, const SourceTree& tree, MountMode mode,
         bool auto_claim = false)
      : state_(state), denials_(denials), tree_(tree), mode_(mode), auto_claim_(auto_claim) {}
  // Fills *st. Files report size 0, as /proc does: their content depends on
  // the reader and on the state at open, and the kernel caches a reported
  // size across readers and state changes (attr_timeout), so tools that seek
  // from the end (tail) would cut the text. Reads go to EOF (direct_io).
  void stat(const VNode& n, struct stat* st);
  // Entry names of a virtual directory.
  std::vector<std::string> list(const VNode& n) const;
  // The file's content for this reader.
  std::string render(const VNode& n, const Who& who);
  // Applies appended text; 0 or -errno (see above).
  int append(const VNode& n, const Who& who, std::string_view data);

 private:
  int fail(const VNode& n, const Who& who, const Status& s);
  StateWatch& state_;
  DenialLog& denials_;
  const SourceTree& tree_;
  const MountMode mode_;
  const bool auto_claim_;
};

}  // namespace aio::fs
