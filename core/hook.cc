#include "core/hook.h"

#include <algorithm>
#include <array>

namespace aio {
namespace {

struct EventName {
  Agent agent;
  std::string_view name;
  HookEvent event;
};
// Each tool's event names, verbatim; kIgnored for the ones aio has nothing
// to do for (a settings file may still route them here).
constexpr EventName kEvents[] = {
    {Agent::kClaude, "SessionStart", HookEvent::kSessionStart},
    {Agent::kClaude, "PreToolUse", HookEvent::kBeforeTool},
    {Agent::kClaude, "SessionEnd", HookEvent::kSessionEnd},
    {Agent::kClaude, "PostToolUse", HookEvent::kIgnored},
    {Agent::kClaude, "UserPromptSubmit", HookEvent::kIgnored},
    {Agent::kClaude, "Notification", HookEvent::kIgnored},
    {Agent::kClaude, "Stop", HookEvent::kIgnored},
    {Agent::kClaude, "SubagentStop", HookEvent::kIgnored},
    {Agent::kClaude, "PreCompact", HookEvent::kIgnored},
    {Agent::kClaude, "PermissionRequest", HookEvent::kIgnored},
    {Agent::kCodex, "SessionStart", HookEvent::kSessionStart},
    {Agent::kCodex, "PreToolUse", HookEvent::kBeforeTool},
    {Agent::kCodex, "SessionEnd", HookEvent::kSessionEnd},
    {Agent::kCodex, "PermissionRequest", HookEvent::kIgnored},
    {Agent::kCodex, "PostToolUse", HookEvent::kIgnored},
    {Agent::kCodex, "PreCompact", HookEvent::kIgnored},
    {Agent::kCodex, "PostCompact", HookEvent::kIgnored},
    {Agent::kCodex, "UserPromptSubmit", HookEvent::kIgnored},
    {Agent::kCodex, "Stop", HookEvent::kIgnored},
    {Agent::kGemini, "SessionStart", HookEvent::kSessionStart},
    {Agent::kGemini, "BeforeTool", HookEvent::kBeforeTool},
    {Agent::kGemini, "SessionEnd", HookEvent::kSessionEnd},
    {Agent::kGemini, "AfterTool", HookEvent::kIgnored},
    {Agent::kGemini, "BeforeAgent", HookEvent::kIgnored},
    {Agent::kGemini, "AfterAgent", HookEvent::kIgnored},
    {Agent::kGemini, "BeforeModel", HookEvent::kIgnored},
    {Agent::kGemini, "AfterModel", HookEvent::kIgnored},
    {Agent::kGemini, "BeforeToolSelection", HookEvent::kIgnored},
    {Agent::kGemini, "PreCompress", HookEvent::kIgnored},
    {Agent::kGemini, "Notification", HookEvent::kIgnored},
    {Agent::kAmp, "delegate", HookEvent::kBeforeTool},
};

// Which tools edit a file named by one argument, and which argument.
struct EditTool {
  Agent agent;
  std::string_view tool;
  std::string_view path_field;
};
constexpr EditTool kEditTools[] = {
    {Agent::kClaude, "Edit", "file_path"},       {Agent::kClaude, "Write", "file_path"},
    {Agent::kClaude, "MultiEdit", "file_path"},  {Agent::kClaude, "NotebookEdit", "notebook_path"},
    {Agent::kGemini, "write_file", "file_path"}, {Agent::kGemini, "replace", "file_path"},
    {Agent::kAmp, "edit_file", "path"},          {Agent::kAmp, "create_file", "path"},
    {Agent::kAmp, "undo_edit", "path"},
};
struct ShellTool {
  Agent agent;
  std::string_view tool;
  std::string_view command_field;
};
constexpr ShellTool kShellTools[] = {
    {Agent::kClaude, "Bash", "command"},
    {Agent::kCodex, "Bash", "command"},
    {Agent::kCodex, "shell", "command"},
    {Agent::kCodex, "local_shell", "command"},
    {Agent::kCodex, "exec_command", "cmd"},
    {Agent::kCodex, "exec_command", "command"},
    {Agent::kGemini, "run_shell_command", "command"},
    {Agent::kAmp, "Bash", "cmd"},
};

std::string str_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A shell command as a tool may send it: one string, or argv
// (["bash","-lc","…"] runs its last word).
std::optional<std::string> command_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array() || v.empty()) return std::nullopt;
  std::vector<std::string> words;
  for (const auto& w : v) {
    if (!w.is_string()) return std::nullopt;
    words.push_back(w.get<std::string>());
  }
  std::string_view first = words.front();
  if (auto slash = first.rfind('/'); slash != std::string_view::npos)
    first.remove_prefix(slash + 1);
  bool shell = first == "bash" || first == "sh" || first == "zsh" || first == "dash";
  if (shell && words.size() >= 3 && words[words.size() - 2].starts_with("-") &&
      words[words.size() - 2].find('c') != std::string::npos)
    return words.back();
  std::string joined;  // argv taken as a command line: quoted word by word
  for (const auto& w : words) {
    if (!joined.empty()) joined += ' ';
    joined += '\'';
    for (char ch : w) joined += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    joined += '\'';
  }
  return joined;
}

bool is_patch(std::string_view s) {
  size_t i = s.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && s.substr(i).starts_with("*** Begin Patch");
}

ToolWrites from_patch(std::string_view patch) {
  ToolWrites w;
  w.kind = "patch";
  auto t = patch_targets(patch);
  if (t)
    w.targets = std::move(t).value();
  else
    w.complete = false;  // not a patch apply_patch can apply: it will fail by itself
  return w;
}

ToolWrites from_shell(std::string_view command) {
  // Codex may run apply_patch through its shell tool: `apply_patch <<'EOF' …`.
  if (command.find("*** Begin Patch") != std::string_view::npos) {
    auto t = patch_targets(command);
    if (t) return ToolWrites{std::move(t).value(), true, "patch"};
  }
  ShellWrites s = shell_writes(command);
  return ToolWrites{std::move(s.targets), s.complete, "shell"};
}

}  // namespace

std::string_view to_string(Agent a) {
  switch (a) {
    case Agent::kClaude:
      return "claude";
    case Agent::kCodex:
      return "codex";
    case Agent::kGemini:
      return "gemini";
    case Agent::kAmp:
      return "amp";
  }
  return "?";
}

Result<Agent> parse_agent(std::string_view name) {
  for (Agent a : {Agent::kClaude, Agent::kCodex, Agent::kGemini, Agent::kAmp})
    if (to_string(a) == name) return a;
  return Status::invalid("unknown agent tool '" + std::string(name) +
                         "' (claude, codex, gemini, amp; or git pre-commit)");
}

Result<HookEvent> parse_event(Agent a, std::string_view event) {
  for (const auto& e : kEvents)
    if (e.agent == a && e.name == event) return e.event;
  std::string known;
  for (const auto& e : kEvents)
    if (e.agent == a && e.event != HookEvent::kIgnored)
      known += (known.empty() ? "" : ", ") + std::string(e.name);
  return Status::invalid("unknown " + std::string(to_string(a)) + " hook event '" +
                         std::string(event) + "' (aio acts on " + known + ")");
}

Result<HookPayload> parse_payload(Agent a, std::string_view text, std::string_view tool_name) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    // Parse again for the error's words (parse() without exceptions says none).
    try {
      (void)Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
      std::string what = e.what();
      if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
      return Status::invalid("hook input is not valid JSON: " + what);
    }
    return Status::invalid("hook input is not valid JSON");
  }
  if (!j.is_object()) return Status::invalid("hook input is not a JSON object");
  HookPayload p;
  if (a == Agent::kAmp) {  // stdin is the tool's arguments
    p.tool_name = std::string(tool_name);
    p.cwd = str_field(j, "cwd");  // Bash may name the directory it runs in
    p.tool_input = std::move(j);
    return p;
  }
  p.session_id = str_field(j, "session_id");
  p.cwd = str_field(j, "cwd");
  p.tool_name = str_field(j, "tool_name");
  p.source = str_field(j, "source");
  p.reason = str_field(j, "reason");
  if (auto it = j.find("tool_input"); it != j.end()) p.tool_input = *it;
  return p;
}

ToolWrites tool_writes(Agent a, const HookPayload& p) {
  const Json& in = p.tool_input;
  if (!in.is_object()) return {};
  for (const auto& e : kEditTools) {
    if (e.agent != a || e.tool != p.tool_name) continue;
    std::string path = str_field(in, std::string(e.path_field).c_str());
    if (path.empty() && e.path_field == "file_path") path = str_field(in, "absolute_path");
    if (path.empty()) return {};  // the tool will refuse a call that names no file
    return ToolWrites{{WriteTarget{path, std::string(e.tool)}}, true, "edit"};
  }
  // Codex reports its edits as apply_patch (and may alias them Edit/Write):
  // the patch is the input's command.
  bool codex_patch = a == Agent::kCodex && in.contains("command") && in["command"].is_string() &&
                     is_patch(in["command"].get_ref<const std::string&>());
  if (p.tool_name == "apply_patch" || codex_patch) {
    for (const char* f : {"command", "input", "patch"})
      if (auto it = in.find(f); it != in.end())
        if (auto text = command_text(*it)) return from_patch(*text);
    return ToolWrites{{}, false, "patch"};
  }
  for (const auto& s : kShellTools) {
    if (s.agent != a || s.tool != p.tool_name) continue;
    auto it = in.find(std::string(s.command_field));
    if (it == in.end()) return ToolWrites{{}, false, "shell"};
    auto text = command_text(*it);
    if (!text) return ToolWrites{{}, false, "shell"};
    return from_shell(*text);
  }
  return {};
}

HookAnswer answer_allow() {
  return {};
}

HookAnswer answer_deny(Agent a, HookEvent e, const std::string& reason) {
  HookAnswer ans;
  switch (a) {
    case Agent::kClaude:
    case Agent::kCodex: {
      if (e != HookEvent::kBeforeTool) break;
      Json j = {{"hookSpecificOutput",
                 {{"hookEventName", "PreToolUse"},
                  {"permissionDecision", "deny"},
                  {"permissionDecisionReason", reason}}}};
      ans.out = j.dump() + "\n";
      return ans;
    }
    case Agent::kGemini: {
      if (e != HookEvent::kBeforeTool) break;
      Json j = {{"decision", "deny"}, {"reason", reason}};
      ans.out = j.dump() + "\n";
      return ans;
    }
    case Agent::kAmp:
      break;
  }
  // Exit 2 blocks wherever a decision can be made; stderr is what is read.
  ans.err = reason + "\n";
  ans.exit_code = 2;
  return ans;
}

HookAnswer answer_context(Agent a, const std::string& context) {
  HookAnswer ans;
  if (context.empty()) return ans;
  if (a == Agent::kAmp) return ans;
  Json j = {
      {"hookSpecificOutput", {{"hookEventName", "SessionStart"}, {"additionalContext", context}}}};
  ans.out = j.dump() + "\n";
  return ans;
}

HookAnswer answer_bad_input(Agent, HookEvent, const std::string& why) {
  // Exit 2 is every tool's blocking status; stderr is the reason shown.
  return HookAnswer{"", "aio hook: " + why + "\n", 2};
}

std::string deny_reason(const std::vector<RefusedPath>& refused) {
  std::string r = "aio: ";
  for (size_t k = 0; k < refused.size(); ++k) {
    const RefusedPath& p = refused[k];
    if (k > 0) r += "; ";
    r += p.shown + " is claimed by " + p.holder;
    if (!p.how.empty()) r += " [" + p.how + "]";
  }
  r += refused.size() == 1 ? ". Do not change it" : ". Do not change them";
  r += ": work on something else, or leave the holder a note (aio-context handoff \"...\"). "
       "Details: aio check " +
       (refused.empty() ? std::string(".") : refused.front().shown) +
       "; everyone's claims: aio status";
  return r;
}

}  // namespace aio
