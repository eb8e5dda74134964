// Requests as users word them (core/requests.h): the one parser of a claim
// line and the one path from typed input to a granted claim, shared by the
// CLI and the mount's .aio/claims; and the one note builder.
#include "core/requests.h"

#include <gtest/gtest.h>

#include <map>

namespace aio {
namespace {

struct LineCase {
  const char* line;
  bool ok;
  ClaimType type;
  const char* target;  // or a piece of the error message
};

class ClaimLine : public ::testing::TestWithParam<LineCase> {};

TEST_P(ClaimLine, Parses) {
  const auto& c = GetParam();
  auto w = parse_claim_line(c.line);
  ASSERT_EQ(w.is_ok(), c.ok) << c.line;
  if (c.ok) {
    EXPECT_EQ(w->type, c.type) << c.line;
    EXPECT_EQ(w->target, c.target) << c.line;
  } else {
    EXPECT_EQ(w.status().code(), Code::kInvalid);
    EXPECT_NE(w.status().message().find(c.target), std::string::npos) << w.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClaimLine,
    ::testing::Values(LineCase{"file src/a.ts", true, ClaimType::kFile, "src/a.ts"},
                      LineCase{"  dir\tsrc/ \r", true, ClaimType::kDirectory, "src/"},
                      LineCase{"directory a b", true, ClaimType::kDirectory, "a b"},
                      LineCase{"glob **/*.ts", true, ClaimType::kPattern, "**/*.ts"},
                      LineCase{"task AI-1", true, ClaimType::kTask, "AI-1"},
                      LineCase{"file", false, ClaimType::kFile, "expected 'file|directory"},
                      LineCase{"   ", false, ClaimType::kFile, "empty line"},
                      LineCase{"", false, ClaimType::kFile, "empty line"},
                      LineCase{"frob x", false, ClaimType::kFile, "unknown claim type 'frob'"}));

// Targets are at most kMaxTarget (PATH_MAX - 1) bytes, and a refusal quotes
// only an excerpt of what was typed.
TEST(ClaimLineLimits, LongTargetsAndExcerpts) {
  for (const char* kind : {"file", "directory", "pattern", "task"}) {
    std::string fits(kMaxTarget, 'a');
    auto ok = parse_claim_line(std::string(kind) + " " + fits);
    ASSERT_TRUE(ok) << kind << ": " << ok.status().message();
    EXPECT_EQ(ok->target, fits);
    auto r = parse_claim_line(std::string(kind) + " " + fits + "a");
    ASSERT_FALSE(r) << kind;
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_NE(r.status().message().find("target longer than 4095 bytes"), std::string::npos)
        << r.status().message();
    EXPECT_LT(r.status().message().size(), 120u) << r.status().message();
  }
  std::string junk(100000, 'j');
  for (const std::string& line : {junk, junk + " x", "file\x1b]0;" + junk}) {
    auto r = parse_claim_line(line);
    ASSERT_FALSE(r);
    EXPECT_LT(r.status().message().size(), 120u) << r.status().message();
    EXPECT_EQ(r.status().message().find('\x1b'), std::string::npos) << r.status().message();
  }
}

class ClaimInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    me_.id = "claude-1-aaaaaaaa";
    me_.tool = "claude";
    me_.project = "/p";
    me_.last_heartbeat = clock_.now;
    state_.instances[me_.id] = me_;
  }
  Result<ClaimOutcome> claim(ClaimType type, const std::string& input,
                             const std::string& cwd = "/p") {
    Txn t(&state_);
    return claim_input(
        t, me_, type, input, cwd,
        [this](const std::string& rel) -> std::optional<bool> {
          auto it = disk_.find(rel);
          if (it == disk_.end()) return std::nullopt;
          return it->second;
        },
        clock_);
  }
  Clock clock_ = Clock::at(1000, 300);
  Instance me_;
  State state_;
  std::map<std::string, bool> disk_{{"src", true}, {"src/a.ts", false}};
};

TEST_F(ClaimInputTest, CanonicalisesFromTheWorkingDirectory) {
  auto c = claim(ClaimType::kFile, "a.ts", "/p/src");
  ASSERT_TRUE(c) << c.status().message();
  EXPECT_EQ(c->claim.target, "src/a.ts");
  EXPECT_EQ(state_.claims.size(), 1u);
  auto again = claim(ClaimType::kFile, "/p/src/./a.ts");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->existed);
}

TEST_F(ClaimInputTest, RefusesTheWrongKindAndOutsidePaths) {
  struct Case {
    ClaimType type;
    const char* input;
    const char* why;
  } cases[] = {
      {ClaimType::kFile, "src", "is a directory"},
      {ClaimType::kDirectory, "src/a.ts", "is not a directory"},
      {ClaimType::kFile, "/etc/passwd", ""},
      {ClaimType::kFile, "../x", ""},
      {ClaimType::kPattern, "[", "bad pattern"},
  };
  for (const auto& c : cases) {
    auto r = claim(c.type, c.input);
    ASSERT_FALSE(r) << c.input;
    EXPECT_EQ(r.status().code(), Code::kInvalid) << c.input;
    EXPECT_NE(r.status().message().find(c.why), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(state_.claims.empty());
}

TEST_F(ClaimInputTest, RefusesTargetsPastPathMax) {
  auto r = claim(ClaimType::kTask, std::string(kMaxTarget + 1, 't'));
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("target longer than"), std::string::npos);
  Txn t(&state_);
  auto s = claim_stored(
      t, me_, ClaimType::kPattern, "**/" + std::string(kMaxTarget, 'p'),
      [](const std::string&) -> std::optional<bool> { return std::nullopt; }, clock_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kInvalid);
  EXPECT_TRUE(state_.claims.empty());
  auto fits = claim(ClaimType::kFile, "src/" + std::string(kMaxTarget - 4, 'f'));
  EXPECT_TRUE(fits) << fits.status().message();
}

TEST_F(ClaimInputTest, DoesNotLookAtTheDiskForPatternsAndTasks) {
  disk_.clear();
  disk_["src"] = false;  // would make a directory claim on src fail
  EXPECT_TRUE(claim(ClaimType::kPattern, "src"));
  EXPECT_TRUE(claim(ClaimType::kTask, "src"));
  EXPECT_FALSE(claim(ClaimType::kDirectory, "src"));
}

TEST(MakeNote, FillsSourceTimeAndExpiry) {
  Instance i;
  i.id = "codex-1-bbbbbbbb";
  i.tool = "codex";
  Note n = make_note("/p", "handoff", "done", &i, 500, 60);
  EXPECT_EQ(n.project, "/p");
  EXPECT_EQ(n.category, "handoff");
  EXPECT_EQ(n.content, "done");
  EXPECT_EQ(n.source_instance, i.id);
  EXPECT_EQ(n.source_tool, "codex");
  EXPECT_EQ(n.created_at, 500);
  EXPECT_EQ(n.expires_at, 560);
  EXPECT_EQ(n.id.rfind("ctx-500-", 0), 0u) << n.id;
  Note anon = make_note("/p", "warning", "x", nullptr, 500);
  EXPECT_EQ(anon.source_instance, "");
  EXPECT_EQ(anon.source_tool, "user");
  EXPECT_FALSE(anon.expires_at);
  EXPECT_NE(make_note("/p", "warning", "x", nullptr, 500).id, anon.id);
}

}  // namespace
}  // namespace aio
