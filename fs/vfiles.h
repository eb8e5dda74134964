// The virtual .aio/ directory at the mount root (DESIGN.md §5): aio's state
// as plain files. Reads render the current state; lines appended to the
// control files `claims`, `release` and `context/<category>` act as the
// instance that opened the handle, through core. Bytes are gathered per open
// handle and acted on per complete line (core/line_stream.h): the lines one
// write completes are applied together or not at all. A write that
// completes a bad line, or makes one too long, changes nothing and fails
// with the errno of core's Status (EINVAL for bad input, EACCES for a
// conflict, EIO when the state cannot be read or written); a line still
// unfinished when the handle is released changes nothing. Every refusal is
// recorded in `denials` (and logged, within DenialLog's budget). Nothing can
// be created, removed or renamed inside .aio/.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_stream.h"
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
  std::string render_status(const State& s, const Clock& c, const Who& who);
  std::string render_status_json(const State& s, const Clock& c, const Who& who);
  // One write of `data` at `offset` to a control file's handle, whose bytes
  // so far `lines` holds: acts on the lines it completes; 0 or -errno (see
  // above). The caller serialises the writes of one handle.
  int write(const VNode& n, const Who& who, LineStream& lines, std::string_view data,
            int64_t offset, bool append);
  // The handle is released: records a line left unfinished as refused.
  void release(const VNode& n, const Who& who, const LineStream& lines);

 private:
  // Applies complete lines, all or none; 0 or -errno.
  int act(const VNode& n, const Who& who, const std::vector<std::string>& raw);
  int fail(const VNode& n, const Who& who, const Status& s);
  StateWatch& state_;
  DenialLog& denials_;
  const SourceTree& tree_;
  const MountMode mode_;
  const bool auto_claim_;
};

}  // namespace aio::fs
