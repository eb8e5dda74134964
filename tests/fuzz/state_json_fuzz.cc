// state.json: parse_state_json on any text. What it accepts must survive the
// trips the store makes with it: encode and parse again (the encoding is a
// fixed point after one trip), into the cache image and back, and as journal
// lines through both decoders.
#include <string>

#include "core/cache_image.h"
#include "core/codec.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

std::string without_newline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// The claims first, then the instances: a claim op keeps its instance's
// `claims` list (apply_op), and a state.json need not agree with itself
// there (the playbook's lists may miss claims); the instances put after
// the claims bring their lists as written, as older aio's lines did.
void check_journal_trip(const State& s, const std::string& json) {
  std::vector<Op> ops;
  for (const auto& [id, c] : s.claims) {
    Op& op = ops.emplace_back();
    op.kind = Op::kPutClaim;
    op.claim = c;
  }
  for (const auto& [id, i] : s.instances) {
    Op& op = ops.emplace_back();
    op.kind = Op::kPutInstance;
    op.instance = i;
  }
  std::string line = encode_journal_line(s.seq, ops);
  uint64_t seq = 0;
  std::vector<Op> back;
  Status st = decode_journal_line(without_newline(line), &seq, &back);
  FUZZ_CHECK(st.is_ok(), "state:\n" + json + "\nline:\n" + line + "\n" + st.message());
  FUZZ_CHECK(encode_journal_line(seq, back) == line, "line:\n" + line);
  // Applied to a state without records, the ops give the same records.
  State applied = s;
  applied.instances.clear();
  applied.claims.clear();
  apply_ops(&applied, back);
  FUZZ_CHECK(encode_state_json(applied) == json, "state:\n" + json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto s = parse_state_json(fuzz::as_text(data, size));
  if (!s) return 0;
  const std::string once = encode_state_json(*s);
  auto again = parse_state_json(once);
  FUZZ_CHECK(again.is_ok(), "encoded:\n" + once + "\n" + again.status().message());
  const std::string twice = encode_state_json(*again);
  FUZZ_CHECK(twice == once, "first:\n" + once + "\nsecond:\n" + twice);

  CachePayload p = encode_cache_payload(*again);
  State back;
  FUZZ_CHECK(CacheImage(p.bytes, p.sections).decode(&back), "state:\n" + once);
  back.seq = again->seq;  // the cache file's header holds it, not the image
  const std::string from_image = encode_state_json(back);
  FUZZ_CHECK(from_image == once, "state:\n" + once + "\nfrom its image:\n" + from_image);

  check_journal_trip(*again, once);
  return 0;
}
