#include "core/agent_settings.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

namespace aio {
namespace {

using OJson = nlohmann::ordered_json;

// One hook aio installs: the tool's event, the matcher of its group (none
// for lifecycle events) and the handler's timeout in the tool's unit.
struct HookSpec {
  const char* event;
  const char* matcher;
  int timeout;
};

const std::vector<HookSpec>& hook_specs(AgentTool tool) {
  // Claude Code: seconds; SessionEnd shares a 1.5 s budget that a larger
  // timeout raises, so it stays short.
  static const std::vector<HookSpec> claude = {
      {"SessionStart", nullptr, 30},
      {"PreToolUse", "Edit|Write|MultiEdit|NotebookEdit|Bash", 30},
      {"SessionEnd", nullptr, 2}};
  // Codex: seconds; only events every current Codex knows (no SessionEnd).
  static const std::vector<HookSpec> codex = {{"SessionStart", nullptr, 30},
                                              {"PreToolUse", "apply_patch|Bash|Edit|Write", 30}};
  // Gemini CLI: milliseconds.
  static const std::vector<HookSpec> gemini = {
      {"SessionStart", nullptr, 30000},
      {"BeforeTool", "write_file|replace|run_shell_command", 30000},
      {"SessionEnd", nullptr, 2000}};
  static const std::vector<HookSpec> none;
  switch (tool) {
    case AgentTool::kClaude:
      return claude;
    case AgentTool::kCodex:
      return codex;
    case AgentTool::kGemini:
      return gemini;
    case AgentTool::kAmp:
      break;
  }
  return none;
}

constexpr const char* kAmpKey = "amp.permissions";
constexpr const char* kAmpDelegate = "aio-amp-delegate";
constexpr const char* kAmpTools[] = {"edit_file", "create_file", "Bash"};

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The program a command word names: its last path component, unquoted.
std::string program(std::string w) {
  while (!w.empty() && (w.front() == '"' || w.front() == '\'')) w.erase(0, 1);
  while (!w.empty() && (w.back() == '"' || w.back() == '\'')) w.pop_back();
  size_t slash = w.rfind('/');
  return slash == std::string::npos ? w : w.substr(slash + 1);
}

const OJson* field(const OJson& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

bool runs_aio_hook(const OJson* cmd) {
  if (!cmd || !cmd->is_string()) return false;
  auto w = words(cmd->get<std::string>());
  return w.size() >= 2 && program(w[0]) == "aio" && w[1] == "hook";
}

bool is_our_handler(const OJson& h) {
  return runs_aio_hook(field(h, "command"));
}

bool is_our_rule(const OJson& r) {
  const OJson* to = field(r, "to");
  if (!to || !to->is_string()) return false;
  auto w = words(to->get<std::string>());
  return (!w.empty() && program(w[0]) == kAmpDelegate) || runs_aio_hook(to);
}

// A group's handler list, when it has one.
OJson* group_hooks(OJson& g) {
  if (!g.is_object()) return nullptr;
  auto it = g.find("hooks");
  return it != g.end() && it->is_array() ? &*it : nullptr;
}

// Our command for `event`, keeping options appended to an older one of
// ours for the same tool and event (`aio hook claude PreToolUse --auto-claim`).
std::string our_command(AgentTool tool, const char* event, const OJson* old) {
  std::string cmd = std::string("aio hook ") + agent_tool_info(tool).name + " " + event;
  if (!old || !old->is_string()) return cmd;
  auto w = words(old->get<std::string>());
  if (w.size() > 4 && w[2] == agent_tool_info(tool).name && w[3] == event)
    for (size_t k = 4; k < w.size(); ++k) cmd += " " + w[k];
  return cmd;
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

Result<OJson> parse_settings(const std::optional<std::string>& text, const std::string& name) {
  if (!text || blank(*text)) return OJson::object();
  try {
    OJson j = OJson::parse(*text);
    if (!j.is_object())
      return Status::invalid(name + " is not a JSON object (its top level is " +
                             std::string(j.type_name()) + ")");
    return j;
  } catch (const OJson::exception& e) {
    if (OJson::accept(*text, /*ignore_comments=*/true))
      return Status::invalid(name +
                             " has comments, which aio-init cannot keep (remove them, or add "
                             "aio's entries by hand)");
    std::string why = e.what();
    if (why.rfind("[json.exception.", 0) == 0 && why.find("] ") != std::string::npos)
      why = why.substr(why.find("] ") + 2);
    return Status::invalid(name + " is not valid JSON (" + why + ")");
  }
}

std::string dump(const OJson& j) {
  return j.dump(2, ' ', false, OJson::error_handler_t::replace) + "\n";
}

Status wrong_type(const std::string& name, const std::string& what, const char* want,
                  const OJson& got) {
  return Status::invalid(name + ": `" + what + "` is not " + want + " (it is " +
                         std::string(got.type_name()) + ")");
}

// Takes our handlers out of every group of `list`; a group left empty by
// that goes too. Returns how many handlers were taken out.
int strip_ours(OJson& list) {
  int taken = 0;
  OJson kept = OJson::array();
  for (auto& g : list) {
    OJson* hs = group_hooks(g);
    int before = taken;
    if (hs) {
      OJson left = OJson::array();
      for (auto& h : *hs) {
        if (is_our_handler(h))
          ++taken;
        else
          left.push_back(h);
      }
      *hs = std::move(left);
    }
    if (taken > before && hs->empty()) continue;
    kept.push_back(std::move(g));
  }
  list = std::move(kept);
  return taken;
}

// Puts our hook for `s` into `list` (an event's group list): where a group
// holding nothing but our handlers stands (the first such), else as a new
// group at the end; any other handler of ours in the list goes.
void put_hook(OJson& list, AgentTool tool, const HookSpec& s) {
  const OJson* old = nullptr;  // the first handler of ours, to keep its extras
  size_t home = list.size();   // the first group holding only ours
  for (size_t i = 0; i < list.size(); ++i) {
    OJson* hs = group_hooks(list[i]);
    if (!hs) continue;
    for (const auto& h : *hs)
      if (!old && is_our_handler(h)) old = &h;
    if (home == list.size() && !hs->empty() && std::all_of(hs->begin(), hs->end(), is_our_handler))
      home = i;
  }
  OJson handler = old ? *old : OJson::object();
  handler["type"] = "command";
  handler["command"] = our_command(tool, s.event, field(handler, "command"));
  handler["timeout"] = s.timeout;
  OJson group = home < list.size() ? list[home] : OJson::object();
  if (s.matcher)
    group["matcher"] = s.matcher;
  else
    group.erase("matcher");
  group["hooks"] = OJson::array({handler});
  if (home < list.size()) {
    // A stand-in for our group while ours are taken out: every group before
    // `home` keeps a handler that is not ours (or had none), so none of
    // them goes and `home` still indexes the stand-in.
    list[home] = OJson::object();
    strip_ours(list);
    list[home] = std::move(group);
  } else {
    strip_ours(list);
    list.push_back(std::move(group));
  }
}

Status add_hooks(OJson& root, AgentTool tool, const std::string& name) {
  auto it = root.find("hooks");
  if (it == root.end()) {
    root["hooks"] = OJson::object();
    it = root.find("hooks");
  } else if (!it->is_object()) {
    return wrong_type(name, "hooks", "an object", *it);
  }
  OJson& hooks = *it;
  const auto& specs = hook_specs(tool);
  for (const auto& s : specs) {
    auto e = hooks.find(s.event);
    if (e != hooks.end() && !e->is_array())
      return wrong_type(name, std::string("hooks.") + s.event, "a list", *e);
  }
  // Ours in events aio no longer installs for this tool go.
  std::vector<std::string> emptied;
  for (auto it = hooks.begin(); it != hooks.end(); ++it) {
    const std::string& event = it.key();
    bool wanted = std::any_of(specs.begin(), specs.end(),
                              [&](const HookSpec& s) { return event == s.event; });
    if (!wanted && it->is_array() && strip_ours(*it) > 0 && it->empty()) emptied.push_back(event);
  }
  for (const auto& e : emptied) hooks.erase(e);
  for (const auto& s : specs) {
    if (!hooks.contains(s.event)) hooks[s.event] = OJson::array();
    put_hook(hooks[s.event], tool, s);
  }
  return Status::ok();
}

Status add_amp_rules(OJson& root, const std::string& name) {
  auto it = root.find(kAmpKey);
  if (it == root.end()) {
    root[kAmpKey] = OJson::array();
    it = root.find(kAmpKey);
  } else if (!it->is_array()) {
    return wrong_type(name, kAmpKey, "a list", *it);
  }
  OJson out = OJson::array();
  for (const char* tool : kAmpTools) {
    OJson rule = OJson::object();
    for (const auto& r : *it) {
      const OJson* t = field(r, "tool");
      if (is_our_rule(r) && t && t->is_string() && *t == tool) {
        rule = r;
        break;
      }
    }
    rule["tool"] = tool;
    rule["action"] = "delegate";
    rule["to"] = kAmpDelegate;
    out.push_back(std::move(rule));
  }
  for (auto& r : *it)
    if (!is_our_rule(r)) out.push_back(std::move(r));
  *it = std::move(out);
  return Status::ok();
}

// Takes ours out of `root`; returns how many entries went.
int remove_ours(OJson& root, AgentTool tool) {
  int taken = 0;
  if (tool == AgentTool::kAmp) {
    auto it = root.find(kAmpKey);
    if (it == root.end() || !it->is_array()) return 0;
    OJson left = OJson::array();
    for (auto& r : *it) {
      if (is_our_rule(r))
        ++taken;
      else
        left.push_back(std::move(r));
    }
    *it = std::move(left);
    if (taken > 0 && it->empty()) root.erase(kAmpKey);
    return taken;
  }
  auto it = root.find("hooks");
  if (it == root.end() || !it->is_object()) return 0;
  std::vector<std::string> emptied;
  for (auto& [event, list] : it->items()) {
    int n = list.is_array() ? strip_ours(list) : 0;
    if (n > 0 && list.empty()) emptied.push_back(event);
    taken += n;
  }
  for (const auto& e : emptied) it->erase(e);
  if (taken > 0 && it->empty()) root.erase("hooks");
  return taken;
}

}  // namespace

const std::vector<AgentToolInfo>& agent_tools() {
  static const std::vector<AgentToolInfo> tools = {
      {AgentTool::kClaude, "claude", ".claude/settings.json", "CLAUDE.md"},
      {AgentTool::kCodex, "codex", ".codex/hooks.json", "AGENTS.md"},
      {AgentTool::kGemini, "gemini", ".gemini/settings.json", "GEMINI.md"},
      {AgentTool::kAmp, "amp", ".amp/settings.json", "AGENTS.md"}};
  return tools;
}

const AgentToolInfo& agent_tool_info(AgentTool tool) {
  return agent_tools()[static_cast<size_t>(tool)];
}

Result<std::vector<AgentTool>> parse_agent_list(const std::string& list) {
  std::vector<bool> chosen(agent_tools().size(), false);
  size_t i = 0;
  while (i <= list.size()) {
    size_t j = list.find(',', i);
    if (j == std::string::npos) j = list.size();
    std::string name = list.substr(i, j - i);
    auto it = std::find_if(agent_tools().begin(), agent_tools().end(),
                           [&](const AgentToolInfo& t) { return name == t.name; });
    if (it == agent_tools().end())
      return Status::invalid(
          (name.empty() ? std::string("an empty agent name") : "unknown agent '" + name + "'") +
          " in --agents (known: claude, codex, gemini, amp)");
    chosen[static_cast<size_t>(it->tool)] = true;
    i = j + 1;
  }
  std::vector<AgentTool> out;
  for (const auto& t : agent_tools())
    if (chosen[static_cast<size_t>(t.tool)]) out.push_back(t.tool);
  return out;
}

Result<std::string> add_agent_settings(AgentTool tool, const std::optional<std::string>& current,
                                       const std::string& name) {
  auto parsed = parse_settings(current, name);
  if (!parsed) return parsed.status();
  OJson j = *parsed;
  AIO_RETURN_IF_ERROR(tool == AgentTool::kAmp ? add_amp_rules(j, name) : add_hooks(j, tool, name));
  if (current && !blank(*current) && j == *parsed) return *current;
  return dump(j);
}

Result<std::optional<std::string>> remove_agent_settings(AgentTool tool,
                                                         const std::optional<std::string>& current,
                                                         const std::string& name) {
  if (!current) return std::optional<std::string>();
  auto parsed = parse_settings(current, name);
  if (!parsed) return parsed.status();
  OJson j = *parsed;
  if (remove_ours(j, tool) == 0) return std::optional<std::string>(*current);
  if (j.empty()) return std::optional<std::string>();
  return std::optional<std::string>(dump(j));
}

bool has_agent_settings(AgentTool tool, const std::string& text) {
  auto parsed = parse_settings(text, "");
  if (!parsed) return false;
  OJson j = *parsed;
  return remove_ours(j, tool) > 0;
}

}  // namespace aio
