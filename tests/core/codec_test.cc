#include "core/codec.h"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdio>
#include <tuple>

#include "core/timeutil.h"

namespace aio {
namespace {

// What the original bash + jq tool writes, plus fields aio does not know.
const char* kPlaybookState = R"({
  "schemaVersion": 1,
  "customTop": {"keep": [1, 2, 3]},
  "instances": {
    "claude-1707084123-a3f2": {
      "id": "claude-1707084123-a3f2", "tool": "claude", "project": "/home/u/proj/",
      "pid": 4242, "status": "active", "currentTask": "Refactoring auth",
      "beadsIssue": "AI-Tools-abc", "startedAt": "2024-02-04T22:02:03Z",
      "lastHeartbeat": "2024-02-04T22:05:03Z", "claims": ["claim-1707084200-0001"],
      "editor": "vim"
    }
  },
  "claims": {
    "claim-1707084200-0001": {
      "id": "claim-1707084200-0001", "instanceId": "claude-1707084123-a3f2",
      "type": "directory", "target": "src/auth/", "project": "/home/u/proj",
      "exclusive": true, "claimedAt": "2024-02-04T22:03:20Z", "expiresAt": null,
      "reason": "refactor"
    },
    "claim-1707084200-0002": {
      "id": "claim-1707084200-0002", "instanceId": "claude-1707084123-a3f2",
      "type": "file", "target": "/home/u/proj/./README.md", "project": "/home/u/proj",
      "exclusive": true, "claimedAt": 1707084201, "expiresAt": null
    },
    "claim-1707084200-0003": {
      "id": "claim-1707084200-0003", "instanceId": "claude-1707084123-a3f2",
      "type": "pattern", "target": "*.test.ts", "project": "/home/u/proj",
      "claimedAt": "2024-02-04T22:03:20Z"
    }
  },
  "context": [
    {"id": "ctx-1", "project": "/home/u/proj", "category": "handoff",
     "content": "auth done", "source": "claude-1707084123-a3f2",
     "createdAt": "2024-02-04T22:06:00Z", "expiresAt": null, "tags": ["x"]}
  ]
})";

TEST(CodecState, LoadsPlaybookFile) {
  auto s = parse_state_json(kPlaybookState);
  ASSERT_TRUE(s) << s.status().message();
  ASSERT_EQ(s->instances.size(), 1u);
  const Instance& i = s->instances.at("claude-1707084123-a3f2");
  EXPECT_EQ(i.tool, "claude");
  EXPECT_EQ(i.project, "/home/u/proj");
  EXPECT_EQ(i.pid, 4242);
  EXPECT_EQ(i.current_task.value_or(""), "Refactoring auth");
  EXPECT_EQ(i.beads_issue.value_or(""), "AI-Tools-abc");
  EXPECT_EQ(i.last_heartbeat, *parse_iso("2024-02-04T22:05:03Z"));
  EXPECT_EQ(i.extra["editor"], "vim");
  ASSERT_EQ(s->claims.size(), 3u);
  // The playbook's bugs: "src/auth/" never matched; spellings differed.
  EXPECT_EQ(s->claims.at("claim-1707084200-0001").target, "src/auth");
  EXPECT_EQ(s->claims.at("claim-1707084200-0002").target, "README.md");
  EXPECT_EQ(s->claims.at("claim-1707084200-0002").claimed_at, 1707084201);
  EXPECT_EQ(s->claims.at("claim-1707084200-0003").target, "**/*.test.ts");
  EXPECT_TRUE(s->claims.at("claim-1707084200-0003").exclusive);
  EXPECT_EQ(s->claims.at("claim-1707084200-0001").extra["reason"], "refactor");
  ASSERT_EQ(s->legacy_context.size(), 1u);
  EXPECT_EQ(s->legacy_context[0].source_instance, "claude-1707084123-a3f2");
  EXPECT_EQ(s->legacy_context[0].source_tool, "claude");
  EXPECT_EQ(s->extra["customTop"]["keep"][2], 3);
}

TEST(CodecState, RoundTripKeepsUnknownFields) {
  auto s = parse_state_json(kPlaybookState);
  ASSERT_TRUE(s);
  std::string out = encode_state_json(*s);
  Json j = Json::parse(out);
  EXPECT_EQ(j["schemaVersion"], 1);
  EXPECT_EQ(j["customTop"]["keep"], Json::array({1, 2, 3}));
  EXPECT_EQ(j["instances"]["claude-1707084123-a3f2"]["editor"], "vim");
  EXPECT_EQ(j["instances"]["claude-1707084123-a3f2"]["lastHeartbeat"], "2024-02-04T22:05:03Z");
  EXPECT_EQ(j["claims"]["claim-1707084200-0001"]["reason"], "refactor");
  EXPECT_EQ(j["context"][0]["tags"], Json::array({"x"}));
  EXPECT_TRUE(j["claims"]["claim-1707084200-0001"]["expiresAt"].is_null());
  // And a second round trip is a fixed point.
  auto again = parse_state_json(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(encode_state_json(*again), out);
}

struct BadCase {
  const char* text;
  const char* want_in_message;
};

class CodecCorrupt : public ::testing::TestWithParam<BadCase> {};

TEST_P(CodecCorrupt, IsAStateError) {
  auto s = parse_state_json(GetParam().text);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kState);
  EXPECT_NE(s.status().message().find(GetParam().want_in_message), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, CodecCorrupt,
    ::testing::Values(BadCase{"", "parse error"}, BadCase{"{\"instances\": {", "parse error"},
                      BadCase{"[1,2]", "not an object"},
                      BadCase{"{\"instances\": []}", "\"instances\" is not an object"},
                      BadCase{"{\"claims\": 3}", "\"claims\" is not an object"},
                      BadCase{"{\"context\": {}}", "\"context\" is not an array"},
                      BadCase{"{\"claims\": {\"c\": {\"type\": \"weird\"}}}", "unknown type"},
                      BadCase{"{\"instances\": {\"i\": 5}}", "not an object"}));

TEST(CodecJournal, RoundTripsOps) {
  std::vector<Op> ops(3);
  ops[0].kind = Op::kPutInstance;
  ops[0].instance.id = "codex-1-00000001";
  ops[0].instance.tool = "codex";
  ops[0].instance.project = "/p";
  ops[0].instance.last_heartbeat = 100;
  ops[0].instance.extra = {{"x", 1}};
  ops[1].kind = Op::kPutClaim;
  ops[1].claim.id = "claim-1";
  ops[1].claim.instance_id = "codex-1-00000001";
  ops[1].claim.type = ClaimType::kPattern;
  ops[1].claim.target = "src/**";
  ops[1].claim.project = "/p";
  ops[2].kind = Op::kHeartbeat;
  ops[2].id = "codex-1-00000001";
  ops[2].time = 200;
  std::string line = encode_journal_line(7, ops);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  uint64_t seq = 0;
  std::vector<Op> back;
  ASSERT_TRUE(decode_journal_line(line, &seq, &back));
  EXPECT_EQ(seq, 7u);
  State s;
  apply_ops(&s, back);
  EXPECT_EQ(s.instances.at("codex-1-00000001").last_heartbeat, 200);
  EXPECT_EQ(s.instances.at("codex-1-00000001").extra["x"], 1);
  EXPECT_EQ(s.claims.at("claim-1").target, "src/**");
  EXPECT_FALSE(decode_journal_line("{\"seq\":1,\"ops\":[{\"op\":\"boom\"}]}", &seq, &back));
  EXPECT_FALSE(decode_journal_line("{\"seq\":1,", &seq, &back));
}

// A claim op keeps its instance's `claims` list (the playbook's schema):
// each row starts from instances i1 and i2 and claims c1 (i1) and c2 (i2),
// with lists as given, and applies the ops, in a line written and read back.
struct ListCase {
  const char* what;
  std::vector<std::string> i1_before;
  std::vector<Op> ops;
  std::vector<std::string> i1_after, i2_after;
};

Op put_claim_op(const std::string& id, const std::string& of) {
  Op op;
  op.kind = Op::kPutClaim;
  op.claim.id = id;
  op.claim.instance_id = of;
  op.claim.target = "t-" + id;
  op.claim.project = "/p";
  return op;
}

Op del_claim_op(const std::string& id, const std::string& owner) {
  Op op;
  op.kind = Op::kDelClaim;
  op.id = id;
  op.owner = owner;
  return op;
}

TEST(CodecJournal, ClaimOpsKeepTheInstancesLists) {
  Op put_i1;
  put_i1.kind = Op::kPutInstance;
  put_i1.instance.id = "i1";
  put_i1.instance.claims = {"c9"};
  const std::vector<ListCase> cases = {
      {"a new claim is added at the end", {"c1"}, {put_claim_op("c3", "i1")}, {"c1", "c3"}, {"c2"}},
      {"a claim put again is not added twice", {"c1"}, {put_claim_op("c1", "i1")}, {"c1"}, {"c2"}},
      {"a claim moved to another instance moves list",
       {"c1"},
       {put_claim_op("c1", "i2")},
       {},
       {"c2", "c1"}},
      {"a delClaim leaves its owner's list", {"c1"}, {del_claim_op("c1", "i1")}, {}, {"c2"}},
      {"a delClaim without an owner (older journals) finds it in the claim",
       {"c1"},
       {del_claim_op("c1", "")},
       {},
       {"c2"}},
      {"a delClaim of a claim gone still leaves its owner's list",
       {"c1", "c7"},
       {del_claim_op("c7", "i1")},
       {"c1"},
       {"c2"}},
      {"a delClaim of an unknown claim changes nothing",
       {"c1"},
       {del_claim_op("c8", "")},
       {"c1"},
       {"c2"}},
      {"an instance put whole brings its list, later ops follow it",
       {"c1"},
       {put_claim_op("c3", "i1"), put_i1, put_claim_op("c4", "i1")},
       {"c9", "c4"},
       {"c2"}},
      {"a claim of an instance not there is kept, no list",
       {"c1"},
       {put_claim_op("c5", "i3")},
       {"c1"},
       {"c2"}},
  };
  for (const auto& tc : cases) {
    State s;
    s.instances["i1"].id = "i1";
    s.instances["i1"].claims = tc.i1_before;
    s.instances["i2"].id = "i2";
    s.instances["i2"].claims = {"c2"};
    s.claims["c1"] = put_claim_op("c1", "i1").claim;
    s.claims["c2"] = put_claim_op("c2", "i2").claim;
    uint64_t seq = 0;
    std::vector<Op> back;
    ASSERT_TRUE(decode_journal_line(encode_journal_line(1, tc.ops), &seq, &back)) << tc.what;
    apply_ops(&s, back);
    EXPECT_EQ(s.instances.at("i1").claims, tc.i1_after) << tc.what;
    EXPECT_EQ(s.instances.at("i2").claims, tc.i2_after) << tc.what;
    // Applied twice: the same lists (a focused load may apply a journal twice).
    apply_ops(&s, back);
    EXPECT_EQ(s.instances.at("i1").claims, tc.i1_after) << tc.what << " (twice)";
  }
}

// Long ids that share their last eight bytes, or their length only, are
// still told apart (the list search compares the ends first).
TEST(CodecJournal, ListsTellLongIdsApart) {
  State s;
  s.instances["i1"].id = "i1";
  const std::string a = "claim-1111-aaaaaaaa", b = "claim-2222-aaaaaaaa", c = "claim-1111-aaaaaaab";
  for (const auto& id : {a, b, c, a, b}) apply_op(&s, put_claim_op(id, "i1"));
  EXPECT_EQ(s.instances.at("i1").claims, (std::vector<std::string>{a, b, c}));
  apply_op(&s, del_claim_op(a, "i1"));
  EXPECT_EQ(s.instances.at("i1").claims, (std::vector<std::string>{b, c}));
  apply_op(&s, del_claim_op("claim-3333-aaaaaaab", "i1"));  // not there
  apply_op(&s, put_claim_op("short", "i1"));
  apply_op(&s, put_claim_op("short", "i1"));
  EXPECT_EQ(s.instances.at("i1").claims, (std::vector<std::string>{b, c, "short"}));
}

// With `lists`, only the instances it names have their lists follow.
TEST(CodecJournal, OnlyTheListsNamedFollow) {
  State s;
  s.instances["i1"].id = "i1";
  s.instances["i2"].id = "i2";
  std::unordered_set<std::string> lists = {"i2"};
  apply_op(&s, put_claim_op("c1", "i1"), &lists);
  apply_op(&s, put_claim_op("c2", "i2"), &lists);
  EXPECT_TRUE(s.instances.at("i1").claims.empty());
  EXPECT_EQ(s.instances.at("i2").claims, std::vector<std::string>{"c2"});
  EXPECT_EQ(s.claims.size(), 2u);
  apply_op(&s, del_claim_op("c2", ""), &lists);
  EXPECT_TRUE(s.instances.at("i2").claims.empty());
}

// A delClaim names its owner as "of"; a line without it (older journals) reads.
TEST(CodecJournal, DelClaimNamesItsOwner) {
  std::string line = encode_journal_line(3, {del_claim_op("c1", "i1"), del_claim_op("c2", "")});
  EXPECT_NE(line.find(R"({"op":"delClaim","id":"c1","of":"i1"})"), std::string::npos) << line;
  EXPECT_NE(line.find(R"({"op":"delClaim","id":"c2"})"), std::string::npos) << line;
  for (bool fast : {true, false}) {
    uint64_t seq = 0;
    std::vector<Op> back;
    ASSERT_TRUE(fast ? decode_journal_line_fast(line, &seq, &back)
                     : decode_journal_line_json(line, &seq, &back).is_ok());
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].owner, "i1");
    EXPECT_EQ(back[1].owner, "");
  }
}

TEST(CodecNote, LineHasProjectBeforeContent) {
  Note n;
  n.id = "ctx-1";
  n.project = "/p \"q\"";
  n.category = "decision";
  n.content = "line1\nline2 \"quoted\" \\ tab\t";
  n.source_instance = "claude-1-aaaaaaaa";
  n.source_tool = "claude";
  n.created_at = 1700000000;
  std::string line = encode_note_line(n);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  std::string needle = "\"project\":";
  append_json_string(&needle, n.project);
  EXPECT_NE(line.find(needle), std::string::npos);
  Note back;
  ASSERT_TRUE(note_from_json(Json::parse(line), &back));
  EXPECT_EQ(back.content, n.content);
  EXPECT_EQ(back.project, n.project);
  EXPECT_EQ(back.source_tool, "claude");
  EXPECT_EQ(back.created_at, n.created_at);
}

struct IsoCase {
  const char* text;
  int64_t want;  // -1: rejected
};

class CodecIso : public ::testing::TestWithParam<IsoCase> {};

TEST_P(CodecIso, Parses) {
  auto t = parse_iso(GetParam().text);
  if (GetParam().want < 0) {
    EXPECT_FALSE(t.has_value());
  } else {
    ASSERT_TRUE(t.has_value()) << GetParam().text;
    EXPECT_EQ(*t, GetParam().want);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, CodecIso,
                         ::testing::Values(IsoCase{"1970-01-01T00:00:00Z", 0},
                                           IsoCase{"2024-02-04T22:05:03Z", 1707084303},
                                           IsoCase{"2024-02-04T22:05:03.123Z", 1707084303},
                                           IsoCase{"2024-02-04T23:05:03+01:00", 1707084303},
                                           IsoCase{"2024-02-04 22:05:03", 1707084303},
                                           IsoCase{"2024-02-04", -1}, IsoCase{"garbage", -1},
                                           IsoCase{"2024-13-04T22:05:03Z", -1}));

TEST(CodecIso, FormatRoundTrips) {
  EXPECT_EQ(format_iso(1707084303), "2024-02-04T22:05:03Z");
  EXPECT_EQ(*parse_iso(format_iso(1234567890)), 1234567890);
}

// Milliseconds (log lines): floor division, so times before 1970 keep a
// fraction in [0, 999] of the second they fall in.
TEST(CodecIso, FormatsMilliseconds) {
  EXPECT_EQ(format_iso_ms(1707084303042), "2024-02-04T22:05:03.042Z");
  EXPECT_EQ(format_iso_ms(1707084303999), "2024-02-04T22:05:03.999Z");
  EXPECT_EQ(format_iso_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso_ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(*parse_iso(format_iso_ms(1234567890123)), 1234567890);
}

// parse_iso and format_iso compute dates themselves: they agree with the C
// library's timegm and gmtime_r on every day of chosen years across the
// range (leap rules of 4, 100 and 400 years, both ends, negative times),
// days past a month's end (rolled over as timegm rolls them) and leap seconds.
TEST(CodecIso, AgreesWithTheCLibrary) {
  size_t n = 0;
  for (int year : {0,    1,    3,    4,    99,   100,  399,  400,  1600, 1899, 1900,
                   1969, 1970, 1971, 1999, 2000, 2024, 2026, 2100, 2400, 9999}) {
    for (int mon = 1; mon <= 12; ++mon) {
      for (int day = 1; day <= 31; ++day) {
        for (auto [h, m, sec] : {std::tuple{0, 0, 0}, {12, 34, 56}, {23, 59, 60}}) {
          struct tm tm = {};
          tm.tm_year = year - 1900;
          tm.tm_mon = mon - 1;
          tm.tm_mday = day;
          tm.tm_hour = h;
          tm.tm_min = m;
          tm.tm_sec = sec;
          int64_t want = timegm(&tm);
          char text[32];
          snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, mon, day, h, m, sec);
          auto got = parse_iso(text);
          if (!time_in_range(want)) {  // 9999-12-31T23:59:60Z
            EXPECT_FALSE(got) << text;
            continue;
          }
          ASSERT_TRUE(got) << text;
          ASSERT_EQ(*got, want) << text;
          time_t tt = want;
          struct tm back = {};
          gmtime_r(&tt, &back);
          char iso[32];
          snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", back.tm_year + 1900,
                   back.tm_mon + 1, back.tm_mday, back.tm_hour, back.tm_min, back.tm_sec);
          ASSERT_EQ(format_iso(want), iso) << text;
          ++n;
        }
      }
    }
  }
  EXPECT_GT(n, 20000u);
  EXPECT_EQ(format_iso(kMinTime), "0000-01-01T00:00:00Z");
  EXPECT_EQ(format_iso(kMinTime - 1), "0000-01-01T00:00:00Z");
  EXPECT_EQ(format_iso(kMaxTime + 5), "9999-12-31T23:59:59Z");
  EXPECT_EQ(format_iso(-1), "1969-12-31T23:59:59Z");
}

}  // namespace
}  // namespace aio
