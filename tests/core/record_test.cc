// The record layouts (model.h, record.h) and what derives from them: the
// exact JSON written (key order is the playbook's, and readers prefilter note
// lines on it), the tolerant JSON reading of what the bash tool and humans
// wrote, the fix-ups, and the fast journal decoder giving up where the JSON
// one reads more.
#include <gtest/gtest.h>

#include "core/codec.h"

namespace aio {
namespace {

TEST(Record, JsonKeysInLayoutOrderThenUnknownOnes) {
  Instance i;
  i.id = "claude-1-aaaaaaaa";
  i.tool = "claude";
  i.project = "/p";
  i.pid = 7;
  i.current_task = "t";
  i.started_at = 0;
  i.last_heartbeat = 60;
  i.claims = {"c1", "c2"};
  i.sid = 5;
  i.sid_start = 6;
  i.extra = {{"zz", 1}, {"aa", {{"x", true}}}};
  std::string got;
  append_instance_json(&got, i);
  // The playbook's keys and aio's first ones in this order; keys aio adds
  // later follow them; the unknown ones come last.
  EXPECT_TRUE(got.starts_with(
      R"({"id":"claude-1-aaaaaaaa","tool":"claude","project":"/p","pid":7,"status":"active",)"
      R"("currentTask":"t","beadsIssue":null,"startedAt":"1970-01-01T00:00:00Z",)"
      R"("lastHeartbeat":"1970-01-01T00:01:00Z","claims":["c1","c2"],"sid":5,"sidStart":6,)"))
      << got;
  EXPECT_TRUE(got.ends_with(R"(,"aa":{"x":true},"zz":1})")) << got;
  Claim c;
  c.id = "c1";
  c.instance_id = "i";
  c.type = ClaimType::kDirectory;
  c.target = "src";
  c.project = "/p";
  c.exclusive = false;
  got.clear();
  append_claim_json(&got, c);
  EXPECT_EQ(got, R"({"id":"c1","instanceId":"i","type":"directory","target":"src","project":"/p",)"
                 R"("exclusive":false,"claimedAt":"1970-01-01T00:00:00Z","expiresAt":null,)"
                 R"("autoClaimed":false})");
  Note n;
  n.id = "n1";
  n.project = "/p";
  n.category = "handoff";
  n.content = "x";
  n.source_instance = "i";
  n.source_tool = "t";
  n.expires_at = 3600;
  n.extra = {{"tags", {"a"}}};
  EXPECT_EQ(encode_note_line(n),
            R"({"id":"n1","project":"/p","category":"handoff","content":"x",)"
            R"("source":{"instanceId":"i","tool":"t"},"createdAt":"1970-01-01T00:00:00Z",)"
            R"("expiresAt":"1970-01-01T01:00:00Z","tags":["a"]})"
            "\n");
}

TEST(Record, ReadsWhatHumansAndTheBashToolWrote) {
  Instance i;
  ASSERT_TRUE(instance_from_json(Json::parse(R"({
      "id": "i", "project": "/a/./b/", "pid": "42", "sid": 12.9, "sidStart": "x",
      "status": 3, "currentTask": {"k": 1}, "startedAt": 1700000000123,
      "claims": ["c1", 5, null, "c2"]})"),
                                 &i));
  EXPECT_EQ(i.project, "/a/b");
  EXPECT_EQ(i.pid, 42);       // an int from a numeric string
  EXPECT_EQ(i.sid, 12);       // ... from a double
  EXPECT_EQ(i.sid_start, 0);  // ... not from other strings
  EXPECT_EQ(i.status, "3");   // a non-string in a string field: its JSON
  EXPECT_EQ(i.current_task.value_or(""), R"({"k":1})");
  EXPECT_EQ(i.started_at, 1700000000);  // milliseconds
  EXPECT_EQ(i.last_heartbeat, i.started_at);
  EXPECT_EQ(i.claims, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_TRUE(i.extra.is_null());

  Claim c;
  ASSERT_TRUE(claim_from_json(Json::parse(R"({
      "id": "c", "type": "dir", "target": "/p/src/x/", "project": "/p",
      "exclusive": "no", "claimedAt": "1700000000", "expiresAt": "1700000000999"})"),
                              &c));
  EXPECT_EQ(c.type, ClaimType::kDirectory);
  EXPECT_EQ(c.target, "src/x");
  EXPECT_TRUE(c.exclusive);  // a non-boolean keeps the default
  EXPECT_EQ(c.claimed_at, 1700000000);
  EXPECT_EQ(c.expires_at.value_or(0), 1700000000);
  ASSERT_TRUE(claim_from_json(Json::parse(R"({"id": "c", "type": "glob", "target": "*.ts"})"), &c));
  EXPECT_EQ(c.type, ClaimType::kPattern);
  EXPECT_EQ(c.target, "**/*.ts");
  for (const char* bad : {R"({"id": "c9", "type": "weird"})", R"({"id": "c9", "type": 4})"}) {
    Status s = claim_from_json(Json::parse(bad), &c);
    EXPECT_EQ(s.code(), Code::kState);
    EXPECT_NE(s.message().find("claim c9 has unknown type"), std::string::npos) << s.message();
  }

  Note n;
  ASSERT_TRUE(note_from_json(Json::parse(R"({"id": "n", "source": "codex-1-abc"})"), &n));
  EXPECT_EQ(n.source_instance, "codex-1-abc");
  EXPECT_EQ(n.source_tool, "codex");
  ASSERT_TRUE(note_from_json(Json::parse(R"({"id": "n", "source": 5})"), &n));
  EXPECT_EQ(n.source_instance, "");
}

TEST(Record, FastJournalDecoderLeavesOtherSpellingsToJson) {
  std::string line =
      R"({"seq":4,"ops":[{"op":"putClaim","value":{"id":"c","instanceId":"i","type":"dir",)"
      R"("target":"a/","project":"/p","exclusive":true,"claimedAt":"2026-01-01T00:00:00Z",)"
      R"("expiresAt":null}}]})";
  uint64_t seq = 0;
  std::vector<Op> ops;
  EXPECT_FALSE(decode_journal_line_fast(line, &seq, &ops));
  ASSERT_TRUE(decode_journal_line(line, &seq, &ops));
  EXPECT_EQ(ops[0].claim.type, ClaimType::kDirectory);
  EXPECT_EQ(ops[0].claim.target, "a");
}

TEST(Record, LayoutsAreDescribedOnce) {
  EXPECT_EQ(field_index(&Instance::last_heartbeat), 8u);
  EXPECT_EQ(fields_of<Claim>()[field_index(&Claim::target)].key(), "target");
  EXPECT_EQ(fields_of<Claim>()[field_index(&Claim::target)].fragment(), ",\"target\":");
  Decoded d;
  d.present = ~(uint64_t{1} << field_index(&Instance::last_heartbeat));
  EXPECT_FALSE(d.has(&Instance::last_heartbeat));
  EXPECT_TRUE(d.has(&Instance::started_at));
}

}  // namespace
}  // namespace aio
