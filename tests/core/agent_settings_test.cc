// aio-init's settings merge (core/agent_settings.h): aio's hooks and Amp
// rules added to and taken out of each tool's settings, the user's kept.
#include "core/agent_settings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aio {
namespace {

using OJson = nlohmann::ordered_json;

// JSON as aio-init writes it: 2-space indentation, a final newline.
std::string fmt(const char* json) {
  return OJson::parse(json).dump(2) + "\n";
}

OJson add(AgentTool t, const std::optional<std::string>& text) {
  auto r = add_agent_settings(t, text, "settings.json");
  EXPECT_TRUE(r) << r.status().message();
  return r ? OJson::parse(*r) : OJson();
}

TEST(AgentSettings, ClaudeFromNothing) {
  auto r = add_agent_settings(AgentTool::kClaude, std::nullopt, "s");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(*r, fmt(R"({"hooks": {
    "SessionStart": [{"hooks": [{"type": "command", "command": "aio hook claude SessionStart",
                                 "timeout": 30}]}],
    "PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                    "hooks": [{"type": "command", "command": "aio hook claude PreToolUse",
                               "timeout": 30}]}],
    "SessionEnd": [{"hooks": [{"type": "command", "command": "aio hook claude SessionEnd",
                               "timeout": 2}]}]}})"));
  EXPECT_EQ(r->substr(0, 14), "{\n  \"hooks\": {");
  EXPECT_EQ(r->back(), '\n');
}

TEST(AgentSettings, CodexHasNoSessionEnd) {
  OJson j = add(AgentTool::kCodex, std::nullopt);
  EXPECT_EQ(j, OJson::parse(R"({"hooks": {
    "SessionStart": [{"hooks": [{"type": "command", "command": "aio hook codex SessionStart",
                                 "timeout": 30}]}],
    "PreToolUse": [{"matcher": "apply_patch|Bash|Edit|Write",
                    "hooks": [{"type": "command", "command": "aio hook codex PreToolUse",
                               "timeout": 30}]}]}})"));
}

TEST(AgentSettings, GeminiTimeoutsAreMilliseconds) {
  OJson j = add(AgentTool::kGemini, std::nullopt);
  EXPECT_EQ(j, OJson::parse(R"({"hooks": {
    "SessionStart": [{"hooks": [{"type": "command", "command": "aio hook gemini SessionStart",
                                 "timeout": 30000}]}],
    "BeforeTool": [{"matcher": "write_file|replace|run_shell_command",
                    "hooks": [{"type": "command", "command": "aio hook gemini BeforeTool",
                               "timeout": 30000}]}],
    "SessionEnd": [{"hooks": [{"type": "command", "command": "aio hook gemini SessionEnd",
                               "timeout": 2000}]}]}})"));
}

TEST(AgentSettings, AmpDelegatesFirst) {
  OJson j = add(AgentTool::kAmp, fmt(R"({"amp.notifications.enabled": false,
    "amp.permissions": [{"tool": "Bash", "matches": {"cmd": "git *"}, "action": "allow"},
                        {"tool": "*", "action": "ask"}]})"));
  EXPECT_EQ(j, OJson::parse(R"({"amp.notifications.enabled": false, "amp.permissions": [
    {"tool": "edit_file", "action": "delegate", "to": "aio-amp-delegate"},
    {"tool": "create_file", "action": "delegate", "to": "aio-amp-delegate"},
    {"tool": "Bash", "action": "delegate", "to": "aio-amp-delegate"},
    {"tool": "Bash", "matches": {"cmd": "git *"}, "action": "allow"},
    {"tool": "*", "action": "ask"}]})"));
}

// What a file becomes: the user's entries kept where they were, ours added
// or brought up to date where they stood.
struct MergeCase {
  const char* what;
  AgentTool tool;
  const char* before;
  const char* after;
};

class Merge : public ::testing::TestWithParam<MergeCase> {};

TEST_P(Merge, KeepsTheUsersAndOursOnce) {
  const auto& c = GetParam();
  OJson got = add(c.tool, fmt(c.before));
  EXPECT_EQ(got, OJson::parse(c.after)) << c.what << "\n" << got.dump(2);
}

// Claude's other events and our SessionStart/SessionEnd, for brevity.
// clang-format off
#define CLAUDE_LIFECYCLE R"("SessionStart": [{"hooks": [{"type": "command", "command": "aio hook claude SessionStart", "timeout": 30}]}],)"
#define CLAUDE_END R"("SessionEnd": [{"hooks": [{"type": "command", "command": "aio hook claude SessionEnd", "timeout": 2}]}])"
#define OURS_PRE R"({"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash", "hooks": [{"type": "command", "command": "aio hook claude PreToolUse", "timeout": 30}]})"
// clang-format on

INSTANTIATE_TEST_SUITE_P(
    Table, Merge,
    ::testing::Values(
        MergeCase{
            "a user's hook in the same event and matcher, other keys", AgentTool::kClaude,
            R"({"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                      "hooks": [{"type": "command", "command": "lint.sh"}]}]}, "env": {"A": "1"}})",
            R"({"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                      "hooks": [{"type": "command", "command": "lint.sh"}]}, )" OURS_PRE R"(],
                      )" CLAUDE_LIFECYCLE CLAUDE_END R"(}, "env": {"A": "1"}})"},
        MergeCase{"a user's other events stay first, in their order", AgentTool::kClaude,
                  R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
                      "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}]}})",
                  R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
                      "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}],
                      )" CLAUDE_LIFECYCLE R"("PreToolUse": [)" OURS_PRE R"(], )" CLAUDE_END
                  R"(}})"},
        MergeCase{"our older form is updated where it stands, its extras kept", AgentTool::kClaude,
                  R"({"hooks": {"PreToolUse": [
                      {"matcher": "Edit|Write", "hooks": [{"type": "command",
                       "command": "/usr/local/bin/aio hook claude PreToolUse --auto-claim", "timeout": 10,
                       "statusMessage": "aio"}]},
                      {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}]}})",
                  R"({"hooks": {"PreToolUse": [
                      {"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash", "hooks": [{"type": "command",
                       "command": "aio hook claude PreToolUse --auto-claim", "timeout": 30,
                       "statusMessage": "aio"}]},
                      {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}],
                      )" CLAUDE_LIFECYCLE CLAUDE_END R"(}})"},
        MergeCase{"ours twice becomes once", AgentTool::kClaude,
                  R"({"hooks": {"PreToolUse": [)" OURS_PRE R"(, )" OURS_PRE R"(]}})",
                  R"({"hooks": {"PreToolUse": [)" OURS_PRE R"(], )" CLAUDE_LIFECYCLE CLAUDE_END
                  R"(}})"},
        MergeCase{"ours inside a user's group is taken out into our own", AgentTool::kClaude,
                  R"({"hooks": {"PreToolUse": [{"matcher": "Edit", "hooks": [
                      {"type": "command", "command": "lint.sh"},
                      {"type": "command", "command": "aio hook claude PreToolUse"}]}]}})",
                  R"({"hooks": {"PreToolUse": [{"matcher": "Edit", "hooks": [
                      {"type": "command", "command": "lint.sh"}]}, )" OURS_PRE R"(],
                      )" CLAUDE_LIFECYCLE CLAUDE_END R"(}})"},
        MergeCase{
            "ours in an event no longer installed goes (Codex SessionEnd)", AgentTool::kCodex,
            R"({"hooks": {"SessionEnd": [{"hooks": [{"type": "command", "command": "aio hook codex SessionEnd"}]}],
                      "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}})",
            R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify"}]}],
                      "SessionStart": [{"hooks": [{"type": "command", "command": "aio hook codex SessionStart", "timeout": 30}]}],
                      "PreToolUse": [{"matcher": "apply_patch|Bash|Edit|Write", "hooks": [{"type": "command",
                       "command": "aio hook codex PreToolUse", "timeout": 30}]}]}})"},
        MergeCase{
            "Gemini: a user's BeforeTool group and hooksConfig kept", AgentTool::kGemini,
            R"({"hooksConfig": {"enabled": true}, "hooks": {"BeforeTool": [{"matcher": "write_file",
                      "sequential": true, "hooks": [{"type": "command", "command": "check.sh", "timeout": 5000}]}]}})",
            R"({"hooksConfig": {"enabled": true}, "hooks": {"BeforeTool": [{"matcher": "write_file",
                      "sequential": true, "hooks": [{"type": "command", "command": "check.sh", "timeout": 5000}]},
                      {"matcher": "write_file|replace|run_shell_command", "hooks": [{"type": "command",
                       "command": "aio hook gemini BeforeTool", "timeout": 30000}]}],
                      "SessionStart": [{"hooks": [{"type": "command", "command": "aio hook gemini SessionStart", "timeout": 30000}]}],
                      "SessionEnd": [{"hooks": [{"type": "command", "command": "aio hook gemini SessionEnd", "timeout": 2000}]}]}})"},
        MergeCase{"Amp: our older rules move to the front, once, their extras kept",
                  AgentTool::kAmp,
                  R"({"amp.permissions": [{"tool": "Read", "action": "allow"},
                      {"tool": "edit_file", "action": "delegate", "to": "/opt/aio/bin/aio-amp-delegate", "context": "thread"},
                      {"tool": "Bash", "action": "delegate", "to": "aio hook amp delegate"},
                      {"tool": "Bash", "action": "delegate", "to": "my-checker"}]})",
                  R"({"amp.permissions": [
                      {"tool": "edit_file", "action": "delegate", "to": "aio-amp-delegate", "context": "thread"},
                      {"tool": "create_file", "action": "delegate", "to": "aio-amp-delegate"},
                      {"tool": "Bash", "action": "delegate", "to": "aio-amp-delegate"},
                      {"tool": "Read", "action": "allow"},
                      {"tool": "Bash", "action": "delegate", "to": "my-checker"}]})"}));

// Files aio-init must not touch: the error names the file and the fault.
struct BadCase {
  AgentTool tool;
  const char* text;
  const char* error;
};

class Refused : public ::testing::TestWithParam<BadCase> {};

TEST_P(Refused, NamesTheFileAndTheFault) {
  const auto& c = GetParam();
  auto a = add_agent_settings(c.tool, std::string(c.text), ".x/settings.json");
  ASSERT_FALSE(a) << c.text;
  EXPECT_EQ(a.status().code(), Code::kInvalid);
  EXPECT_NE(a.status().message().find(".x/settings.json"), std::string::npos);
  EXPECT_NE(a.status().message().find(c.error), std::string::npos) << a.status().message();
  auto r = remove_agent_settings(c.tool, std::string(c.text), ".x/settings.json");
  // Removing needs only valid JSON: a container of the wrong type holds
  // nothing of ours.
  if (std::string(c.error).find("is not") == 0 || std::string(c.error).find("has comments") == 0) {
    EXPECT_FALSE(r) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Refused,
    ::testing::Values(
        BadCase{AgentTool::kClaude, "{\"hooks\": {", "is not valid JSON (parse error at line 1"},
        BadCase{AgentTool::kClaude, "{\"a\": 1,}", "is not valid JSON ("},
        BadCase{AgentTool::kGemini, "{\n  // mine\n  \"model\": \"x\"\n}\n", "has comments"},
        BadCase{AgentTool::kAmp, "/* c */ {\"amp.permissions\": []}", "has comments"},
        BadCase{AgentTool::kClaude, "[1, 2]", "is not a JSON object (its top level is array)"},
        BadCase{AgentTool::kClaude, "{\"hooks\": []}", "`hooks` is not an object (it is array)"},
        BadCase{AgentTool::kCodex, "{\"hooks\": {\"PreToolUse\": {}}}",
                "`hooks.PreToolUse` is not a list (it is object)"},
        BadCase{AgentTool::kAmp, "{\"amp.permissions\": {\"x\": 1}}",
                "`amp.permissions` is not a list (it is object)"}));

// Every input a user may have: adding twice gives the same bytes; adding
// then removing gives back the user's file byte for byte.
const char* const kUserFiles[] = {
    "{}",
    R"({"model": "opus"})",
    R"({"hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
        "hooks": [{"type": "command", "command": "lint.sh", "timeout": 5}]}]}, "x": [1, 2.5, "é"]})",
    R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "n"}]}],
        "BeforeTool": [{"matcher": "replace", "hooks": [{"type": "command", "command": "c"}]}]}})",
    R"({"amp.permissions": [{"tool": "*", "action": "ask"}], "amp.url": "https://x"})",
    R"({"hooks": {"SessionStart": [{"matcher": "startup", "hooks": []}]}})",
};

TEST(AgentSettings, TwiceIsTheSameBytesAndRemoveRestores) {
  for (const auto& info : agent_tools()) {
    for (const char* user : kUserFiles) {
      std::string before = fmt(user);
      auto once = add_agent_settings(info.tool, before, "f");
      ASSERT_TRUE(once) << once.status().message();
      EXPECT_NE(*once, before) << info.name << ": " << user;
      auto twice = add_agent_settings(info.tool, *once, "f");
      ASSERT_TRUE(twice);
      EXPECT_EQ(*twice, *once) << info.name << ": " << user;
      EXPECT_TRUE(has_agent_settings(info.tool, *once));
      auto removed = remove_agent_settings(info.tool, *once, "f");
      ASSERT_TRUE(removed) << removed.status().message();
      if (std::string(user) == "{}")
        EXPECT_FALSE(*removed) << info.name << ": a file left as {} goes";
      else
        EXPECT_EQ(removed->value_or("(gone)"), before) << info.name << ": " << user;
    }
    // No file before: none after.
    auto made = add_agent_settings(info.tool, std::nullopt, "f");
    ASSERT_TRUE(made);
    auto gone = remove_agent_settings(info.tool, *made, "f");
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone) << info.name;
  }
}

TEST(AgentSettings, OnlyTheChosenToolsEntriesAreRemoved) {
  // A Claude hook file that also runs Codex's hook (shared settings): only
  // aio's hooks count, whichever tool they name.
  std::string user =
      fmt(R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "n"}]}]}})");
  auto once = add_agent_settings(AgentTool::kClaude, user, "f");
  ASSERT_TRUE(once);
  EXPECT_FALSE(has_agent_settings(AgentTool::kAmp, *once));
  auto r = remove_agent_settings(AgentTool::kAmp, *once, "f");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value_or(""), *once);
}

TEST(AgentSettings, UnchangedFilesAreNotReformatted) {
  // Ours already there in a 4-space file: adding changes no byte.
  std::string four =
      OJson::parse(*add_agent_settings(AgentTool::kCodex, std::nullopt, "f")).dump(4);
  auto again = add_agent_settings(AgentTool::kCodex, four, "f");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, four);
  // Nothing of ours: removing changes no byte either.
  std::string mine = "{\"model\":\"x\",  \"hooks\":{}}";
  auto r = remove_agent_settings(AgentTool::kClaude, mine, "f");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value_or(""), mine);
  auto none = remove_agent_settings(AgentTool::kClaude, std::nullopt, "f");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(AgentSettings, EmptyGroupsOfTheUsersStay) {
  // Only what became empty because ours went is taken out: a group of the
  // user's without handlers stays. (An event list the user left empty, where
  // ours then went, cannot be told from one aio-init made: it goes.)
  std::string user = fmt(R"({"hooks": {"PreToolUse": [{"hooks": []}], "Stop": []}})");
  auto once = add_agent_settings(AgentTool::kClaude, user, "f");
  ASSERT_TRUE(once);
  auto r = remove_agent_settings(AgentTool::kClaude, *once, "f");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value_or(""), user);
}

struct ListCase {
  const char* list;
  bool ok;
  std::vector<AgentTool> tools;  // or, when !ok, nothing
  const char* error;
};

class AgentList : public ::testing::TestWithParam<ListCase> {};

TEST_P(AgentList, Parses) {
  const auto& c = GetParam();
  auto r = parse_agent_list(c.list);
  ASSERT_EQ(r.is_ok(), c.ok) << c.list;
  if (c.ok) {
    EXPECT_EQ(*r, c.tools) << c.list;
  } else {
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, AgentList,
    ::testing::Values(
        ListCase{"claude", true, {AgentTool::kClaude}, ""},
        ListCase{"amp,claude,amp", true, {AgentTool::kClaude, AgentTool::kAmp}, ""},
        ListCase{"claude,codex,gemini,amp",
                 true,
                 {AgentTool::kClaude, AgentTool::kCodex, AgentTool::kGemini, AgentTool::kAmp},
                 ""},
        ListCase{"claude,cursor", false, {}, "unknown agent 'cursor' in --agents (known: claude"},
        ListCase{"", false, {}, "an empty agent name"},
        ListCase{"claude,", false, {}, "an empty agent name"},
        ListCase{"Claude", false, {}, "unknown agent 'Claude'"}));

}  // namespace
}  // namespace aio
