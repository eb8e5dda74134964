// Beads bridge, the pure half (core/beads.h): bd's --json outputs and error
// lines, and what aio decides from them; plus the bounded process runner
// (core/subprocess.h) on /bin/sh and friends.
#include "core/beads.h"

#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/bd.h"
#include "core/subprocess.h"

namespace aio::beads {
namespace {

// ---- parse_issues ----
struct ParseCase {
  const char* what;
  const char* out;
  bool ok;
  std::vector<std::string> ids;        // when ok
  std::vector<std::string> assignees;  // when ok
  const char* error = "";              // a part of the message when not ok
  friend void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.what; }
};

class ParseIssues : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseIssues, ReadsWhatBdPrints) {
  const auto& c = GetParam();
  auto r = parse_issues(c.out);
  ASSERT_EQ(r.is_ok(), c.ok) << (r ? "parsed" : r.status().message());
  if (!c.ok) {
    EXPECT_EQ(r.status().code(), Code::kState);
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << "one line";
    return;
  }
  std::vector<std::string> ids, who;
  for (const auto& i : *r) {
    ids.push_back(i.id);
    who.push_back(i.assignee);
  }
  EXPECT_EQ(ids, c.ids);
  EXPECT_EQ(who, c.assignees);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIssues,
    ::testing::Values(
        ParseCase{"array",
                  R"([{"id":"bd-1","title":"A","status":"open","priority":1}])",
                  true,
                  {"bd-1"},
                  {""}},
        ParseCase{"empty array", "[]", true, {}, {}},
        ParseCase{"two, one assigned",
                  R"([{"id":"a","assignee":"claude-1"},{"id":"b","assignee":null}])",
                  true,
                  {"a", "b"},
                  {"claude-1", ""}},
        ParseCase{"one object, schema_version injected (legacy)",
                  R"({"id":"bd-2","assignee":"x","schema_version":1})",
                  true,
                  {"bd-2"},
                  {"x"}},
        ParseCase{"envelope around an array",
                  R"({"schema_version":1,"data":[{"id":"bd-3","assignee":"y"}]})",
                  true,
                  {"bd-3"},
                  {"y"}},
        ParseCase{"envelope around an object",
                  R"({"schema_version":1,"data":{"id":"bd-4"}})",
                  true,
                  {"bd-4"},
                  {""}},
        ParseCase{"unknown extra fields",
                  R"([{"id":"e","labels":["x"],"dependency_count":2,
                  "parent":"p","owner":"o@x"}])",
                  true,
                  {"e"},
                  {""}},
        ParseCase{"pretty-printed, trailing newline",
                  "[\n  {\n    \"id\": \"f\"\n  }\n]\n",
                  true,
                  {"f"},
                  {""}},
        ParseCase{"bd's error object",
                  R"({"error":"no issues found matching the provided IDs",
                  "schema_version":1})",
                  false,
                  {},
                  {},
                  "bd: no issues found"},
        ParseCase{"bd's error in an envelope",
                  R"({"schema_version":1,"data":{"error":"database is locked"}})",
                  false,
                  {},
                  {},
                  "bd: database is locked"},
        ParseCase{"garbage",
                  "panic: runtime error\ngoroutine 1",
                  false,
                  {},
                  {},
                  "bd printed no JSON: panic: runtime error goroutine 1"},
        ParseCase{"nothing", "", false, {}, {}, "bd printed nothing"},
        ParseCase{"truncated", R"([{"id":"a"},{"id":)", false, {}, {}, "no JSON"},
        ParseCase{"a number", "42", false, {}, {}, "no issue list"},
        ParseCase{"issue without id", R"([{"title":"x"}])", false, {}, {}, "no string \"id\""},
        ParseCase{"empty id", R"([{"id":""}])", false, {}, {}, "no string \"id\""},
        ParseCase{"id not a string", R"([{"id":7}])", false, {}, {}, "no string \"id\""},
        ParseCase{"array of strings", R"(["bd-1"])", false, {}, {}, "not a JSON object"},
        ParseCase{"assignee not a string",
                  R"([{"id":"a","assignee":3}])",
                  false,
                  {},
                  {},
                  "\"assignee\" is not a string"},
        ParseCase{"priority not a number",
                  R"([{"id":"a","priority":"P1"}])",
                  false,
                  {},
                  {},
                  "\"priority\" is not an integer"}));

TEST(ParseIssues, KeepsTitlePriorityStatusAndTheRawObject) {
  auto r = parse_issues(R"([{"id":"a","title":"Fix it","status":"open","priority":0,"x":1}])");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].title, "Fix it");
  EXPECT_EQ((*r)[0].status, "open");
  EXPECT_EQ((*r)[0].priority, 0);
  EXPECT_EQ((*r)[0].raw["x"], 1);
}

// ---- failures and the claim decision ----
RunResult ran(int exit, std::string out, std::string err) {
  RunResult r;
  r.exit_code = exit;
  r.out = std::move(out);
  r.err = std::move(err);
  return r;
}

Result<std::vector<Issue>> showing(const char* json) {
  return parse_issues(json);
}

struct VerdictCase {
  const char* what;
  RunResult update;
  Result<std::vector<Issue>> shown;
  Code code;
  ClaimVerdict::Undo undo;
  const char* says;  // a part of the message ("" for ok)
  friend void PrintTo(const VerdictCase& c, std::ostream* os) { *os << c.what; }
};

class JudgeClaim : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(JudgeClaim, DecidesFromBdsAnswers) {
  const auto& c = GetParam();
  ClaimVerdict v = judge_claim("bd-7", "claude-1", c.update, c.shown);
  EXPECT_EQ(v.status.code(), c.code) << v.status.message();
  EXPECT_EQ(v.undo, c.undo);
  EXPECT_NE(v.status.message().find(c.says), std::string::npos) << v.status.message();
  EXPECT_EQ(v.status.message().find('\n'), std::string::npos);
}

RunResult timed_out() {
  RunResult r = ran(-1, "", "");
  r.timed_out = true;
  r.signal = 9;
  return r;
}

const char* kMine = R"([{"id":"bd-7","status":"in_progress","assignee":"claude-1"}])";

INSTANTIATE_TEST_SUITE_P(
    Table, JudgeClaim,
    ::testing::Values(
        VerdictCase{"granted and read back", ran(0, kMine, ""), showing(kMine), Code::kOk,
                    ClaimVerdict::kNone, ""},
        VerdictCase{"already claimed by another",
                    ran(1, "", "Error claiming bd-7: issue already claimed by codex-9\n"),
                    Status::state("not read"), Code::kRefused, ClaimVerdict::kNone,
                    "claimed in Beads by codex-9"},
        VerdictCase{"not claimable (closed)",
                    ran(1, "", "Error claiming bd-7: issue not claimable: status closed\n"),
                    Status::state("not read"), Code::kRefused, ClaimVerdict::kNone,
                    "its status is closed"},
        VerdictCase{"unknown id", ran(1, "", "Issue bd-7 not found\n"), Status::state("not read"),
                    Code::kInvalid, ClaimVerdict::kNone, "no issue bd-7 in Beads"},
        VerdictCase{"other failure", ran(1, "", "Error: database is locked\n"),
                    Status::state("not read"), Code::kState, ClaimVerdict::kNone,
                    "failed (exit 1): database is locked"},
        VerdictCase{"failure without a word", ran(2, "", ""), Status::state("not read"),
                    Code::kState, ClaimVerdict::kNone, "exit 2 without a message"},
        VerdictCase{"timed out: undone if bd holds it for us", timed_out(),
                    Status::state("not read"), Code::kState, ClaimVerdict::kIfMine,
                    "did not finish in time"},
        VerdictCase{"raced: another read back", ran(0, kMine, ""),
                    showing(R"([{"id":"bd-7","status":"in_progress","assignee":"gemini-2"}])"),
                    Code::kRefused, ClaimVerdict::kNone, "claimed in Beads by gemini-2"},
        VerdictCase{"read back unassigned", ran(0, kMine, ""),
                    showing(R"([{"id":"bd-7","status":"open"}])"), Code::kState,
                    ClaimVerdict::kNone, "unassigned"},
        VerdictCase{"granted, show unreadable: undone", ran(0, kMine, ""), showing("garbage"),
                    Code::kState, ClaimVerdict::kAlways,
                    "reading it back failed: bd printed no JSON"},
        VerdictCase{"granted, show lists another id: undone", ran(0, kMine, ""),
                    showing(R"([{"id":"bd-8","assignee":"claude-1"}])"), Code::kState,
                    ClaimVerdict::kAlways, "does not list it"},
        VerdictCase{"granted (stdout garbage), read back mine", ran(0, "garbage", ""),
                    showing(kMine), Code::kOk, ClaimVerdict::kNone, ""}));

TEST(FailureLine, PrefersBdsJsonErrorThenItsLastStderrLine) {
  EXPECT_EQ(failure_line(ran(1, R"({"error":"no issues found"})", "Issue x not found\n")),
            "no issues found");
  EXPECT_EQ(failure_line(ran(1, "", "NOTE: something\nError: database is locked\n\n")),
            "database is locked");
  EXPECT_EQ(failure_line(ran(1, "", "tab\there\n")), "tab here");
  std::string long_line(1000, 'x');
  EXPECT_LE(failure_line(ran(1, "", long_line)).size(), 310u);
}

TEST(ClassifyClaimFailure, NamesTheAssigneeAndTheStatus) {
  auto f = classify_claim_failure(
      ran(1, "", "Error claiming bd-1: issue already claimed by amp-1-abcd\n"));
  EXPECT_EQ(f.kind, ClaimFailure::kClaimed);
  EXPECT_EQ(f.detail, "amp-1-abcd");
  f = classify_claim_failure(ran(1, "", "Error resolving bd-9: not found\n"));
  EXPECT_EQ(f.kind, ClaimFailure::kNotFound);
}

// ---- releases and ready ----
TEST(ShouldReopen, OnlyWhatBdHoldsForTheHolder) {
  struct Case {
    const char* status;
    const char* assignee;
    bool reopen;
  };
  for (const Case& c : {Case{"in_progress", "claude-1", true}, Case{"open", "claude-1", true},
                        Case{"in_progress", "alice", false}, Case{"in_progress", "", false},
                        Case{"closed", "claude-1", false}}) {
    Issue i;
    i.id = "a";
    i.status = c.status;
    i.assignee = c.assignee;
    EXPECT_EQ(should_reopen(i, "claude-1"), c.reopen) << c.status << " " << c.assignee;
  }
  Issue unassigned;
  EXPECT_FALSE(should_reopen(unassigned, ""));
}

TEST(ReadyMinusHeld, KeepsBdsOrder) {
  auto r = parse_issues(R"([{"id":"c"},{"id":"a"},{"id":"b"},{"id":"d"}])");
  ASSERT_TRUE(r);
  std::vector<std::string> ids;
  for (const auto& i : ready_minus_held(*r, {"a", "d", "zzz"})) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b"}));
}

}  // namespace
}  // namespace aio::beads

namespace aio {
namespace {

// ---- the process runner ----
TEST(RunProgram, CapturesBothStreamsTheExitAndTheEnvironment) {
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "echo out; echo err >&2; echo \"$BEADS_ACTOR\"; pwd; exit 3"};
  s.env = {"BEADS_ACTOR=claude-1"};
  s.cwd = "/tmp";
  auto r = run_program(s);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\nclaude-1\n/tmp\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(RunProgram, ArgvIsNeverThroughAShell) {
  RunSpec s;
  s.argv = {"/bin/echo", "$(id)", "a b", ""};
  auto r = run_program(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "$(id) a b \n");
}

TEST(RunProgram, KillsAChildPastItsTimeout) {
  RunSpec s;
  s.argv = {"/bin/sleep", "30"};
  s.timeout_ms = 200;
  auto r = run_program(s);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
}

TEST(RunProgram, KeepsOnlyMaxOutputAndStillReadsTheRest) {
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "head -c 1000000 /dev/zero; echo done >&2"};
  s.max_output = 1000;
  auto r = run_program(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->err, "done\n");
}

TEST(RunProgram, AProgramThatIsNotThereIsAnError) {
  RunSpec s;
  s.argv = {"/nonexistent/bd", "ready"};
  auto r = run_program(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("cannot run /nonexistent/bd"), std::string::npos);
  s.argv = {"/bin/true"};
  s.cwd = "/nonexistent";
  EXPECT_FALSE(run_program(s));
}

TEST(FindProgram, SearchesAbsoluteEntriesOfPath) {
  EXPECT_EQ(find_program("sh", "/nonexistent::relative:/bin"), "/bin/sh");
  EXPECT_EQ(find_program("no-such-program-aio", "/bin:/usr/bin"), "");
  EXPECT_EQ(find_program("sh", ""), "");
  EXPECT_EQ(find_program("/bin/sh", ""), "/bin/sh");
  EXPECT_EQ(find_program("passwd", "/etc"), "");  // not executable
}

// ---- where a project's Beads is ----
class FindBeads : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-beads-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/bin");
    std::filesystem::create_directories(dir_ + "/checkout");
    std::filesystem::create_directories(dir_ + "/project/.beads");
    FILE* f = fopen((dir_ + "/bin/bd").c_str(), "w");
    fputs("#!/bin/sh\n", f);
    fclose(f);
    chmod((dir_ + "/bin/bd").c_str(), 0755);
    const char* p = getenv("PATH");
    old_path_ = p ? p : "";
    setenv("PATH", (dir_ + "/bin").c_str(), 1);
  }
  void TearDown() override {
    setenv("PATH", old_path_.c_str(), 1);
    std::filesystem::remove_all(dir_);
  }
  std::string dir_, old_path_;
};

TEST_F(FindBeads, TheCheckoutFirstThenTheProject) {
  auto s = find_beads(dir_ + "/checkout", dir_ + "/project");
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->dir, dir_ + "/project");
  EXPECT_EQ(s->bd, dir_ + "/bin/bd");
  std::filesystem::create_directories(dir_ + "/checkout/.beads");
  s = find_beads(dir_ + "/checkout", dir_ + "/project");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->dir, dir_ + "/checkout");
  // No checkout given: the project alone (never "/.beads").
  s = find_beads("", dir_ + "/project");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->dir, dir_ + "/project");
}

TEST_F(FindBeads, SaysWhyBeadsIsNotInUse) {
  auto s = find_beads(dir_ + "/checkout", dir_ + "/checkout");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kInvalid);
  EXPECT_EQ(s.status().message(), "Beads is not in use here: no .beads/ in " + dir_ + "/checkout");
  setenv("PATH", "/nonexistent", 1);
  s = find_beads("", dir_ + "/project");
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find(".beads exists but bd is not on PATH"), std::string::npos);
}

}  // namespace
}  // namespace aio
