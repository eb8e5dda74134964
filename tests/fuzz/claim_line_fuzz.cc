// The control-line parser (.aio/claims and the CLI's words): on any line,
// either a clear kInvalid or a kind and a target that is trimmed, appears in
// the line as typed, and reads back the same when written as
// "<kind> <target>".
#include <string>

#include "core/requests.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line = fuzz::as_text(data, size);
  auto w = parse_claim_line(line);
  if (!w) {
    FUZZ_CHECK(w.status().code() == Code::kInvalid, fuzz::show(line));
    FUZZ_CHECK(!w.status().message().empty(), fuzz::show(line));
    return 0;
  }
  const std::string& t = w->target;
  FUZZ_CHECK(!t.empty(), fuzz::show(line));
  FUZZ_CHECK(t.front() != ' ' && t.front() != '\t', fuzz::show(line));
  FUZZ_CHECK(t.back() != ' ' && t.back() != '\t' && t.back() != '\r', fuzz::show(line));
  FUZZ_CHECK(line.find(t) != std::string_view::npos, fuzz::show(line));
  const std::string again = std::string(to_string(w->type)) + " " + t;
  auto w2 = parse_claim_line(again);
  FUZZ_CHECK(w2.is_ok(), fuzz::show(line) + " -> " + fuzz::show(again));
  FUZZ_CHECK(w2->type == w->type && w2->target == t, fuzz::show(line) + " -> " + fuzz::show(again));
  return 0;
}
