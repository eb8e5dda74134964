// decode_journal_line's hand-written fast path must decode exactly what the
// JSON path decodes, for every line encode_journal_line can write, and must
// give up (leaving the JSON path to decide) on anything else.
#include <gtest/gtest.h>

#include "core/codec.h"

namespace aio {
namespace {

std::string reencode(uint64_t seq, const std::vector<Op>& ops) {
  return encode_journal_line(seq, ops);
}

void expect_same(const std::string& line) {
  uint64_t s1 = 0, s2 = 0;
  std::vector<Op> fast, slow;
  ASSERT_TRUE(decode_journal_line_fast(line, &s1, &fast)) << line;
  ASSERT_TRUE(decode_journal_line_json(line, &s2, &slow)) << line;
  EXPECT_EQ(s1, s2);
  ASSERT_EQ(fast.size(), slow.size());
  EXPECT_EQ(reencode(s1, fast), reencode(s2, slow)) << line;
  for (size_t k = 0; k < fast.size(); ++k) {
    EXPECT_EQ(fast[k].instance.extra, slow[k].instance.extra);
    EXPECT_EQ(fast[k].claim.extra, slow[k].claim.extra);
  }
}

TEST(JournalFast, DecodesWhatTheEncoderWrites) {
  const std::vector<std::string> texts = {"",
                                          "plain",
                                          "with \"quotes\" and \\backslash\\",
                                          "new\nline\ttab\rcr",
                                          std::string("ctl\x01\x1f end"),
                                          "slash / here",
                                          "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
                                          "a b  c",
                                          "{\"json\":[1,2]}"};
  uint64_t seq = 1;
  for (const auto& t : texts) {
    Instance i;
    i.id = "claude-1795600000-0a1b2c3d";
    i.tool = "claude";
    i.project = "/home/u/" + t;
    i.pid = -42;
    i.sid = 1234;
    i.sid_start = 987654321;
    i.status = "active";
    i.current_task = t;
    i.beads_issue = std::nullopt;
    i.started_at = 1795600000;
    i.last_heartbeat = 1795600100;
    i.claims = {"claim-1-aaaaaaaa", t, "claim-2-bbbbbbbb"};
    Claim c;
    c.id = "claim-1795600000-deadbeef";
    c.instance_id = i.id;
    c.type = ClaimType::kFile;
    c.target = t.empty() ? "x" : "src/" + t;
    c.project = "/home/u/proj";
    c.claimed_at = 1795600000;
    for (ClaimType type :
         {ClaimType::kFile, ClaimType::kDirectory, ClaimType::kPattern, ClaimType::kTask}) {
      c.type = type;
      c.target = type == ClaimType::kPattern ? "src/**/*.ts"
                 : type == ClaimType::kTask  ? "AI-" + std::to_string(seq)
                                             : "src/a.ts";
      c.exclusive = seq % 2 == 0;
      c.expires_at = seq % 3 == 0 ? std::optional<int64_t>(1795700000) : std::nullopt;
      std::vector<Op> ops(5);
      ops[0].kind = Op::kPutInstance;
      ops[0].instance = i;
      ops[1].kind = Op::kPutClaim;
      ops[1].claim = c;
      ops[2].kind = Op::kDelClaim;
      ops[2].id = t;
      ops[2].owner = seq % 2 ? i.id : t;
      ops[3].kind = Op::kHeartbeat;
      ops[3].id = i.id;
      ops[3].time = 1795600200;
      ops[4].kind = Op::kDelInstance;
      ops[4].id = "gone-" + t;
      std::string line = encode_journal_line(seq++, ops);
      line.pop_back();  // the store hands lines over without their newline
      expect_same(line);
    }
  }
  std::string empty = encode_journal_line(9, {});
  empty.pop_back();
  expect_same(empty);
}

TEST(JournalFast, GivesUpOnAnythingElse) {
  const std::vector<std::string> lines = {
      // unknown fields (kept in `extra` by the JSON path)
      R"({"seq":3,"ops":[{"op":"putClaim","value":{"id":"c","instanceId":"i","type":"file","target":"a","project":"/p","exclusive":true,"claimedAt":"2026-01-01T00:00:00Z","expiresAt":null,"note":"x"}}]})",
      // numeric times, keys in another order, spaces
      R"({"seq":3,"ops":[{"op":"heartbeat","id":"i","at":5}], "x":1})",
      R"({"ops":[],"seq":3})",
      R"({"seq":3,"ops":[{"op":"putClaim","value":{"id":"c","instanceId":"i","type":"file","target":"a","project":"/p","exclusive":true,"claimedAt":1700000000,"expiresAt":null}}]})",
      R"({"seq":-1,"ops":[]})",
      R"({"seq":3,"ops":[{"op":"delClaim","id":"\u00e9"}]})",
      R"({"seq":3,"ops":[{"op":"bogus","id":"x"}]})",
      R"({"seq":3,"ops":[]} trailing)",
      R"({"seq":3,"ops":[{"op":"putCl)",
  };
  for (const auto& line : lines) {
    uint64_t seq = 0;
    std::vector<Op> ops;
    EXPECT_FALSE(decode_journal_line_fast(line, &seq, &ops)) << line;
  }
  // The general path still reads what it can.
  uint64_t seq = 0;
  std::vector<Op> ops;
  ASSERT_TRUE(decode_journal_line(lines[0], &seq, &ops));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].claim.extra["note"], "x");
  ASSERT_TRUE(decode_journal_line(lines[5], &seq, &ops));
  EXPECT_EQ(ops[0].id, "\xc3\xa9");
  EXPECT_FALSE(decode_journal_line(lines[6], &seq, &ops));
}

}  // namespace
}  // namespace aio
