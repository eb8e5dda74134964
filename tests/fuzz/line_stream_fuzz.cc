// The control files' byte stream (core/line_stream.h): one input is a
// sequence of writes to one handle, each with its flags. Properties:
//   - no line handed out holds a '\n' or is longer than the limit, and no
//     more than the limit is ever held;
//   - a write out of order is refused and changes nothing; a refused write
//     leaves the position where it was, an accepted one moves it by its size;
//   - when every write is taken, the lines do not depend on where the
//     writes were cut: a second stream fed the same bytes in one write hands
//     out the same lines and keeps the same unfinished line.
// Input: byte 0 picks the line limit (8..71); then records of
// [flags][length][length bytes]: flags bit 0 O_APPEND, bit 1 refuse the
// write's lines, bit 2 a wrong offset.
#include <string>
#include <vector>

#include "core/line_stream.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t max_line = 8 + data[0] % 64;
  LineStream s(max_line);
  std::vector<std::string> lines;
  std::string all;  // every write's bytes, in order
  bool all_taken = true;
  std::string trace;
  for (size_t at = 1; at + 2 <= size;) {
    const uint8_t flags = data[at];
    const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
    const std::string_view bytes(reinterpret_cast<const char*>(data) + at + 2, len);
    at += 2 + len;
    const bool append = flags & 1, refuse = flags & 2, wrong = flags & 4;
    trace += (append ? "A" : "") + std::string(refuse ? "R" : "") + (wrong ? "W" : "") + "[" +
             fuzz::show(bytes) + "] ";
    const int64_t before = s.position();
    const int64_t offset = wrong ? before + 1 + flags % 7 : before;
    auto got = s.feed(bytes, offset, append);
    if (!got) {
      FUZZ_CHECK(got.status().code() == Code::kInvalid, trace);
      FUZZ_CHECK(s.position() == before, trace);
      all_taken = false;
      continue;
    }
    FUZZ_CHECK(!(wrong && !append), "an out-of-order write was taken: " + trace);
    for (const auto& l : *got) {
      FUZZ_CHECK(l.find('\n') == std::string::npos, trace);
      FUZZ_CHECK(l.size() <= max_line, trace);
    }
    if (refuse) {
      s.refuse();
      FUZZ_CHECK(s.position() == before, trace);
      all_taken = false;
    } else {
      s.accept();
      FUZZ_CHECK(s.position() == before + static_cast<int64_t>(len), trace);
      lines.insert(lines.end(), got->begin(), got->end());
      all += bytes;
    }
    FUZZ_CHECK(s.unfinished().size() <= max_line, trace);
  }
  if (!all_taken) return 0;
  LineStream whole(max_line);
  auto once = whole.feed(all, 0, false);
  FUZZ_CHECK(once.is_ok(), "taken in pieces, refused whole: " + trace);
  whole.accept();
  FUZZ_CHECK(*once == lines, "the lines depend on the cuts: " + trace);
  FUZZ_CHECK(whole.unfinished() == s.unfinished(), trace);
  return 0;
}
