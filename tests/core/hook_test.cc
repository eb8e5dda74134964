// core/hook: each tool's payloads as its documentation shows them (with
// fields aio does not know), the paths a call writes, and the answers.
#include "core/hook.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

TEST(HookEvents, EachToolsOwnNames) {
  struct Row {
    Agent agent;
    const char* name;
    std::optional<HookEvent> want;  // nullopt: refused as unknown
  };
  const Row rows[] = {
      {Agent::kClaude, "PreToolUse", HookEvent::kBeforeTool},
      {Agent::kClaude, "SessionStart", HookEvent::kSessionStart},
      {Agent::kClaude, "SessionEnd", HookEvent::kSessionEnd},
      {Agent::kClaude, "PostToolUse", HookEvent::kIgnored},
      {Agent::kClaude, "BeforeTool", std::nullopt},  // Gemini's name
      {Agent::kClaude, "pretooluse", std::nullopt},  // verbatim only
      {Agent::kCodex, "PreToolUse", HookEvent::kBeforeTool},
      {Agent::kCodex, "SessionStart", HookEvent::kSessionStart},
      {Agent::kGemini, "BeforeTool", HookEvent::kBeforeTool},
      {Agent::kGemini, "SessionStart", HookEvent::kSessionStart},
      {Agent::kGemini, "SessionEnd", HookEvent::kSessionEnd},
      {Agent::kGemini, "PreToolUse", std::nullopt},
      {Agent::kGemini, "AfterTool", HookEvent::kIgnored},
      {Agent::kAmp, "delegate", HookEvent::kBeforeTool},
      {Agent::kAmp, "PreToolUse", std::nullopt},
  };
  for (const auto& r : rows) {
    auto e = parse_event(r.agent, r.name);
    SCOPED_TRACE(std::string(to_string(r.agent)) + " " + r.name);
    if (!r.want) {
      ASSERT_FALSE(e);
      EXPECT_EQ(e.status().code(), Code::kInvalid);
      EXPECT_NE(e.status().message().find(r.name), std::string::npos);
    } else {
      ASSERT_TRUE(e) << e.status().message();
      EXPECT_EQ(*e, *r.want);
    }
  }
  EXPECT_FALSE(parse_agent("cursor"));
  EXPECT_EQ(*parse_agent("gemini"), Agent::kGemini);
}

TEST(HookPayload, NotJsonNamesTheError) {
  const char* bad[] = {"", "{", "{\"tool_name\": \"Edit\",}", "not json", "[1,2]", "\"str\""};
  for (const char* text : bad) {
    auto p = parse_payload(Agent::kClaude, text);
    ASSERT_FALSE(p) << text;
    EXPECT_EQ(p.status().code(), Code::kInvalid);
    EXPECT_NE(p.status().message().find("JSON"), std::string::npos) << p.status().message();
  }
  auto p = parse_payload(Agent::kClaude, "{\"a\": tru}");
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("parse error"), std::string::npos) << p.status().message();
}

struct WritesRow {
  const char* what;
  Agent agent;
  const char* payload;
  const char* amp_tool;
  std::vector<std::string> paths;  // the targets' paths, in order
  bool complete;
  const char* kind;
};

// Payloads shaped as each tool's documentation shows them, with fields
// aio does not know.
const WritesRow kWrites[] = {
    {"claude Edit",
     Agent::kClaude,
     R"({"session_id":"abc123","transcript_path":"/t.jsonl","cwd":"/p","permission_mode":"default",
        "hook_event_name":"PreToolUse","tool_name":"Edit","tool_use_id":"toolu_01",
        "tool_input":{"file_path":"/p/src/a.ts","old_string":"a","new_string":"b","replace_all":false},
        "effort":{"level":"high"},"future_field":[1,2]})",
     "",
     {"/p/src/a.ts"},
     true,
     "edit"},
    {"claude Write",
     Agent::kClaude,
     R"({"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/p/n.md","content":"x"}})",
     "",
     {"/p/n.md"},
     true,
     "edit"},
    {"claude MultiEdit",
     Agent::kClaude,
     R"({"tool_name":"MultiEdit","tool_input":{"file_path":"/p/m.ts","edits":[{"old_string":"a","new_string":"b"}]}})",
     "",
     {"/p/m.ts"},
     true,
     "edit"},
    {"claude NotebookEdit",
     Agent::kClaude,
     R"({"tool_name":"NotebookEdit","tool_input":{"notebook_path":"/p/n.ipynb","new_source":"x","cell_id":"c1"}})",
     "",
     {"/p/n.ipynb"},
     true,
     "edit"},
    {"claude Read writes nothing",
     Agent::kClaude,
     R"({"tool_name":"Read","tool_input":{"file_path":"/p/a.ts"}})",
     "",
     {},
     true,
     ""},
    {"claude Edit without a path",
     Agent::kClaude,
     R"({"tool_name":"Edit","tool_input":{}})",
     "",
     {},
     true,
     ""},
    {"claude tool_input not an object",
     Agent::kClaude,
     R"({"tool_name":"Edit","tool_input":"x"})",
     "",
     {},
     true,
     ""},
    {"claude Bash",
     Agent::kClaude,
     R"({"tool_name":"Bash","tool_input":{"command":"echo x > out.txt","description":"d","timeout":1000}})",
     "",
     {"out.txt"},
     true,
     "shell"},
    {"codex apply_patch",
     Agent::kCodex,
     R"({"session_id":"s","turn_id":"t1","transcript_path":null,"cwd":"/p","hook_event_name":"PreToolUse",
        "model":"gpt-5","permission_mode":"default","tool_name":"apply_patch","tool_use_id":"c1",
        "tool_input":{"command":"*** Begin Patch\n*** Update File: src/a.ts\n@@\n-a\n+b\n*** End Patch\n"}})",
     "",
     {"src/a.ts"},
     true,
     "patch"},
    {"codex patch under an alias",
     Agent::kCodex,
     R"({"tool_name":"Edit","tool_input":{"command":"*** Begin Patch\n*** Update File: b.ts\n@@\n-a\n+b\n*** End Patch"}})",
     "",
     {"b.ts"},
     true,
     "patch"},
    {"codex Bash",
     Agent::kCodex,
     R"({"tool_name":"Bash","tool_input":{"command":"echo > f"}})",
     "",
     {"f"},
     true,
     "shell"},
    {"codex Bash as argv",
     Agent::kCodex,
     R"({"tool_name":"Bash","tool_input":{"command":["bash","-lc","echo > g"]}})",
     "",
     {"g"},
     true,
     "shell"},
    {"codex mcp tool",
     Agent::kCodex,
     R"({"tool_name":"mcp__fs__write","tool_input":{"path":"/p/x"}})",
     "",
     {},
     true,
     ""},
    {"gemini write_file",
     Agent::kGemini,
     R"({"session_id":"s","transcript_path":"/t","cwd":"/p","hook_event_name":"BeforeTool",
        "timestamp":"2026-11-28T01:00:00Z","tool_name":"write_file",
        "tool_input":{"file_path":"/p/w.txt","content":"x"},"mcp_context":null})",
     "",
     {"/p/w.txt"},
     true,
     "edit"},
    {"gemini replace",
     Agent::kGemini,
     R"({"tool_name":"replace","tool_input":{"file_path":"r.txt","old_string":"a","new_string":"b","instruction":"i"}})",
     "",
     {"r.txt"},
     true,
     "edit"},
    {"gemini run_shell_command",
     Agent::kGemini,
     R"({"tool_name":"run_shell_command","tool_input":{"command":"echo x > s.txt","is_background":false}})",
     "",
     {"s.txt"},
     true,
     "shell"},
    {"gemini does not know claude's names",
     Agent::kGemini,
     R"({"tool_name":"Write","tool_input":{"file_path":"/p/w"}})",
     "",
     {},
     true,
     ""},
    {"amp edit_file",
     Agent::kAmp,
     R"({"path":"/p/e.ts","old_str":"a","new_str":"b"})",
     "edit_file",
     {"/p/e.ts"},
     true,
     "edit"},
    {"amp create_file",
     Agent::kAmp,
     R"({"path":"/p/c.ts","content":"x"})",
     "create_file",
     {"/p/c.ts"},
     true,
     "edit"},
    {"amp Bash",
     Agent::kAmp,
     R"({"cmd":"echo x > b.txt","cwd":"/p"})",
     "Bash",
     {"b.txt"},
     true,
     "shell"},
    {"amp Read", Agent::kAmp, R"({"path":"/p/e.ts"})", "Read", {}, true, ""},
};

TEST(HookWrites, DocumentedPayloads) {
  for (const auto& r : kWrites) {
    SCOPED_TRACE(r.what);
    auto p = parse_payload(r.agent, r.payload, r.amp_tool);
    ASSERT_TRUE(p) << p.status().message();
    ToolWrites w = tool_writes(r.agent, *p);
    std::vector<std::string> got;
    for (const auto& t : w.targets) got.push_back(t.path);
    EXPECT_EQ(got, r.paths);
    EXPECT_EQ(w.complete, r.complete);
    EXPECT_EQ(w.kind, r.kind);
  }
}

TEST(HookWrites, AmpBashCwdAndClaudeFields) {
  auto p = parse_payload(Agent::kAmp, R"({"cmd":"ls","cwd":"/p/sub"})", "Bash");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cwd, "/p/sub");
  EXPECT_EQ(p->tool_name, "Bash");
  auto c = parse_payload(Agent::kClaude,
                         R"({"session_id":"S","cwd":"/w","hook_event_name":"SessionStart",
                             "source":"compact","model":"m"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->session_id, "S");
  EXPECT_EQ(c->cwd, "/w");
  EXPECT_EQ(c->source, "compact");
  auto e = parse_payload(Agent::kClaude, R"({"hook_event_name":"SessionEnd","reason":"logout"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "logout");
}

TEST(HookAnswers, DenyAsEachToolReadsIt) {
  std::string reason = "aio: src/a.ts is claimed by codex-1-abcdef12";
  for (Agent a : {Agent::kClaude, Agent::kCodex}) {
    HookAnswer ans = answer_deny(a, HookEvent::kBeforeTool, reason);
    EXPECT_EQ(ans.exit_code, 0);
    Json j = Json::parse(ans.out);
    EXPECT_EQ(j["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    EXPECT_EQ(j["hookSpecificOutput"]["permissionDecision"], "deny");
    EXPECT_EQ(j["hookSpecificOutput"]["permissionDecisionReason"], reason);
  }
  HookAnswer g = answer_deny(Agent::kGemini, HookEvent::kBeforeTool, reason);
  EXPECT_EQ(g.exit_code, 0);
  EXPECT_EQ(Json::parse(g.out), Json({{"decision", "deny"}, {"reason", reason}}));
  HookAnswer amp = answer_deny(Agent::kAmp, HookEvent::kBeforeTool, reason);
  EXPECT_EQ(amp.exit_code, 2);  // Amp's delegate: 2 or more rejects, stderr to the model
  EXPECT_TRUE(amp.out.empty());
  EXPECT_EQ(amp.err, reason + "\n");
}

TEST(HookAnswers, AllowSaysNothingAndBadInputBlocks) {
  HookAnswer a = answer_allow();
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_TRUE(a.out.empty());
  EXPECT_TRUE(a.err.empty());
  for (Agent ag : {Agent::kClaude, Agent::kCodex, Agent::kGemini, Agent::kAmp}) {
    HookAnswer b = answer_bad_input(ag, HookEvent::kBeforeTool, "hook input is not valid JSON");
    EXPECT_EQ(b.exit_code, 2);  // every tool's blocking status, with a non-empty stderr
    EXPECT_NE(b.err.find("not valid JSON"), std::string::npos);
  }
}

TEST(HookAnswers, SessionContext) {
  HookAnswer c = answer_context(Agent::kClaude, "who holds what");
  Json j = Json::parse(c.out);
  EXPECT_EQ(j["hookSpecificOutput"]["hookEventName"], "SessionStart");
  EXPECT_EQ(j["hookSpecificOutput"]["additionalContext"], "who holds what");
  EXPECT_EQ(Json::parse(
                answer_context(Agent::kGemini, "x").out)["hookSpecificOutput"]["additionalContext"],
            "x");
  EXPECT_TRUE(answer_context(Agent::kClaude, "").out.empty());
}

TEST(HookAnswers, ReasonNamesEveryPathAndHolder) {
  std::string r =
      deny_reason({{"src/a.ts", ">", "codex-1-aa (codex, task \"Auth\") via file claim c1"},
                   {"src/b.ts", "rm", "gemini-2-bb (gemini) via pattern claim c2"}});
  for (const char* want :
       {"src/a.ts is claimed by codex-1-aa", "task \"Auth\"", "c1", "[>]",
        "src/b.ts is claimed by gemini-2-bb", "[rm]", "aio check src/a.ts", "aio status"})
    EXPECT_NE(r.find(want), std::string::npos) << want << " in " << r;
}

}  // namespace
}  // namespace aio
