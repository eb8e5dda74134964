// What a control file (.aio/claims, .aio/release, .aio/context/<category>)
// makes of the bytes written to one open handle: complete lines, whatever
// the write boundaries. Pure: the mount keeps one LineStream per handle and
// acts on the lines it hands out (fs/vfiles.h).
//
// Contract:
//   - A line is acted on once its '\n' arrives; bytes after the last '\n'
//     wait for the handle's next write (a line may span any number of
//     writes). What is still waiting when the handle is released was never
//     a line: nothing acts on it (the mount records it as refused).
//   - No line is longer than max_line bytes (kMaxControlLine): the write
//     that finishes a longer line, or makes the open one longer, is refused,
//     and so is every later write that continues that line, up to and
//     including the one carrying its '\n'. At most max_line bytes are held.
//   - A write is taken whole or not at all. feed() hands out the lines a
//     write finishes; the caller acts on all of them or none, then says
//     which: accept() takes the write; refuse() drops it together with the
//     part of the line it continued, and if it ended inside a line, the rest
//     of that line is refused too (the write that carried its start failed).
//   - Writes come in order: without O_APPEND a write must start where the
//     handle's accepted bytes end (the kernel's file position), else it is
//     refused and nothing changes; with O_APPEND the offset is not looked at.
//
// Not thread-safe: the caller serialises the writes of one handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace aio {

// The longest control line, in bytes without its '\n': room for a claim of
// a PATH_MAX target and for a note of a few paragraphs.
inline constexpr size_t kMaxControlLine = 8192;

class LineStream {
 public:
  explicit LineStream(size_t max_line = kMaxControlLine) : max_(max_line) {}

  // One write: `data` at `offset`. The complete lines it finishes, in order,
  // each without its '\n' (the first one joined to what earlier writes
  // left). kInvalid when the write is out of order (nothing changes), makes
  // a line too long or continues a refused one (refused as by refuse()).
  Result<std::vector<std::string>> feed(std::string_view data, int64_t offset, bool append);
  // The lines of the last successful feed() were acted on.
  void accept();
  // They were not: the write is dropped, with the line it continued.
  void refuse();

  // The start of a line that has no '\n' yet ("" when none, or when the
  // line is already refused).
  const std::string& unfinished() const { return pending_; }
  // Bytes accepted so far: where the next write without O_APPEND starts.
  int64_t position() const { return pos_; }

 private:
  size_t max_;
  std::string pending_;    // the unfinished line's bytes so far
  bool skipping_ = false;  // the unfinished line is refused: drop it up to its '\n'
  int64_t pos_ = 0;
  // The last feed(), until accept() or refuse().
  std::string next_pending_;
  size_t fed_ = 0;
  bool ends_inside_line_ = false;
};

}  // namespace aio
