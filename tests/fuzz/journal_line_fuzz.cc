// Journal lines: both decoders on any line. The fast decoder must agree with
// the JSON one wherever it answers (journal_codec.h: "both always agree"),
// and whatever the JSON decoder accepts must round-trip: encoding its ops and
// decoding that gives the same line again, through the fast decoder too
// when no record carries unknown fields.
#include <string>

#include "core/codec.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

bool plain(const Json& extra) {
  return extra.is_null() || (extra.is_object() && extra.empty());
}

bool fast_can_read(const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    if (op.kind == Op::kPutInstance && !plain(op.instance.extra)) return false;
    if (op.kind == Op::kPutClaim && !plain(op.claim.extra)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line = fuzz::as_text(data, size);
  uint64_t fast_seq = 0, json_seq = 0;
  std::vector<Op> fast, slow;
  const bool fast_ok = decode_journal_line_fast(line, &fast_seq, &fast);
  const Status json = decode_journal_line_json(line, &json_seq, &slow);
  if (fast_ok) {
    FUZZ_CHECK(json.is_ok(), "the fast decoder read a line the JSON decoder refuses (" +
                                 json.message() + "): " + fuzz::show(line));
    FUZZ_CHECK(fast_seq == json_seq, fuzz::show(line));
    FUZZ_CHECK(encode_journal_line(fast_seq, fast) == encode_journal_line(json_seq, slow),
               "the decoders read different ops: " + fuzz::show(line) +
                   "\nfast: " + encode_journal_line(fast_seq, fast) +
                   "json: " + encode_journal_line(json_seq, slow));
  }
  if (!json.is_ok()) return 0;

  const std::string enc = encode_journal_line(json_seq, slow);
  const std::string body = enc.substr(0, enc.size() - 1);
  uint64_t seq = 0;
  std::vector<Op> back;
  Status again = decode_journal_line_json(body, &seq, &back);
  FUZZ_CHECK(again.is_ok(), "refused what the encoder wrote (" + again.message() + "): " + enc);
  FUZZ_CHECK(encode_journal_line(seq, back) == enc,
             "round trip changed " + enc + "to " + encode_journal_line(seq, back));
  if (fast_can_read(slow)) {
    back.clear();
    FUZZ_CHECK(decode_journal_line_fast(body, &seq, &back),
               "the fast decoder gave up on what the encoder wrote: " + fuzz::show(body));
    FUZZ_CHECK(encode_journal_line(seq, back) == enc, enc);
  }
  State s;
  apply_ops(&s, slow);
  return 0;
}
