// What aio-init writes into each agent tool's project settings so that the
// tool runs `aio hook …` (issue 13), and how it takes that out again. Pure:
// the current text of a settings file in, the new text out; no I/O.
//
//   claude  .claude/settings.json  hooks SessionStart, PreToolUse, SessionEnd (timeouts in s)
//   codex   .codex/hooks.json      hooks SessionStart, PreToolUse             (s)
//   gemini  .gemini/settings.json  hooks SessionStart, BeforeTool, SessionEnd (ms)
//   amp     .amp/settings.json     amp.permissions: delegate rules to aio-amp-delegate,
//                                  first (Amp's rules are first-match)
//
// aio's entries are recognised by their program, not by their position: a
// hook handler whose command runs `aio hook …` (any path to `aio`), an Amp
// rule whose `to` is `aio-amp-delegate` (or `aio hook …`). So adding twice
// gives the same bytes, and an older form of ours is brought up to date where
// it stands (options appended to our command, such as --auto-claim, and other
// fields of our handler are kept) instead of being duplicated. Everything of
// the user's is kept, in its order.
//
// Text written: 2-space indentation and a final newline. A file whose JSON
// value does not change is returned byte for byte (never reformatted).
// Errors (kInvalid, naming `name`, nothing to write): text that is not JSON;
// JSON with comments (JSONC: refused, since writing it back would lose the
// comments); a top level that is not an object; `hooks`, one of our events'
// lists or `amp.permissions` of the wrong type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio {

enum class AgentTool { kClaude, kCodex, kGemini, kAmp };

struct AgentToolInfo {
  AgentTool tool;
  const char* name;          // as typed in --agents: "claude"
  const char* settings;      // the settings file, relative to the project
  const char* instructions;  // the instructions file it reads: "CLAUDE.md"
};

// The four tools, in this order: claude, codex, gemini, amp.
const std::vector<AgentToolInfo>& agent_tools();
const AgentToolInfo& agent_tool_info(AgentTool tool);

// "claude,codex" -> those tools in agent_tools() order, each once. An
// unknown or empty name is kInvalid, naming it and the known ones.
Result<std::vector<AgentTool>> parse_agent_list(const std::string& list);

// The settings file with aio's entries for `tool`; `current` is the file's
// text, nullopt when there is no file (empty or blank text counts as `{}`).
Result<std::string> add_agent_settings(AgentTool tool, const std::optional<std::string>& current,
                                       const std::string& name);

// The settings file without aio's entries, and without the groups, lists
// and objects that became empty because they went; nullopt when nothing is
// left but `{}` (the file should go) or when there is no file. A file
// holding nothing of ours comes back unchanged.
Result<std::optional<std::string>> remove_agent_settings(AgentTool tool,
                                                         const std::optional<std::string>& current,
                                                         const std::string& name);

// Whether `text` holds any of aio's entries for `tool` (false when it does
// not parse).
bool has_agent_settings(AgentTool tool, const std::string& text);

}  // namespace aio
