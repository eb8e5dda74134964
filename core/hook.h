// The agent tools' hook protocols (issue 13), pure: what `aio hook TOOL
// EVENT` reads on stdin, which paths a tool call would write, and how a
// decision is said back to each tool (stdout, stderr, exit status), exactly
// as each tool documents it. cli/cmd_hook.cc does the I/O and asks
// core/engine who holds what.
//
//   Claude Code, Codex  PreToolUse / SessionStart / SessionEnd: JSON on stdin;
//                       a refusal is exit 0 with hookSpecificOutput
//                       permissionDecision "deny" and its reason; context is
//                       hookSpecificOutput.additionalContext.
//   Gemini CLI          BeforeTool / SessionStart / SessionEnd: JSON on stdin;
//                       a refusal is exit 0 with {"decision":"deny","reason"}.
//   Amp                 a permission rule's delegate program: the tool's
//                       arguments as JSON on stdin, the tool's name in
//                       AGENT_TOOL_NAME; exit 0 allows, 2 refuses (stderr is
//                       the reason the model reads).
// Allowing says nothing (exit 0, no output): a hook that answered "allow"
// would skip the tool's own permission prompts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hook_paths.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

enum class Agent { kClaude, kCodex, kGemini, kAmp };
std::string_view to_string(Agent a);
Result<Agent> parse_agent(std::string_view name);  // claude | codex | gemini | amp

// What the tool asked about. Events come verbatim as the tool names them.
enum class HookEvent { kSessionStart, kBeforeTool, kSessionEnd, kIgnored };
// kIgnored: an event aio has nothing to do for (answered by silence);
// kInvalid: a name the tool never sends.
Result<HookEvent> parse_event(Agent a, std::string_view event);

struct HookPayload {
  std::string session_id;
  std::string cwd;        // the agent's working directory ("": not given)
  std::string tool_name;  // the tool about to run (AGENT_TOOL_NAME for Amp)
  Json tool_input;        // its arguments (object, or null)
  std::string source;     // SessionStart: startup | resume | clear | compact
  std::string reason;     // SessionEnd: clear | logout | prompt_input_exit | other
};
// The JSON a tool sends (unknown fields ignored); `tool_name` is Amp's
// AGENT_TOOL_NAME, whose stdin holds only the tool's arguments. Not JSON,
// or not an object: kInvalid naming the JSON error.
Result<HookPayload> parse_payload(Agent a, std::string_view text, std::string_view tool_name = "");

// The paths a call would write, as the call names them (relative to the
// payload's cwd, or absolute). `complete` false: a shell command that could
// not be followed all the way (what was found is still judged; the rest is
// the mount's to decide). Tools that write nothing give no targets.
struct ToolWrites {
  std::vector<WriteTarget> targets;
  bool complete = true;
  std::string kind;  // "edit", "shell", "patch" or "" (writes nothing aio knows of)
};
ToolWrites tool_writes(Agent a, const HookPayload& p);

// What a hook prints and how it exits.
struct HookAnswer {
  std::string out;
  std::string err;
  int exit_code = 0;
};
HookAnswer answer_allow();
HookAnswer answer_deny(Agent a, HookEvent e, const std::string& reason);
// Context for the model at session start ("" none).
HookAnswer answer_context(Agent a, const std::string& context);
// Input aio could not read: refused (a tool call is blocked, naming what
// was wrong), so a broken hook never waves an edit through unseen.
HookAnswer answer_bad_input(Agent a, HookEvent e, const std::string& why);

// One path a call would write that another instance holds.
struct RefusedPath {
  std::string shown;   // as the project names it ("." for its root)
  std::string how;     // how the call writes it (WriteTarget::how)
  std::string holder;  // engine's describe_holder: id, tool, task, claim
};
// The reason a refused call is given: each path, how the call writes it,
// who holds it, and the commands to learn more.
std::string deny_reason(const std::vector<RefusedPath>& refused);

}  // namespace aio
