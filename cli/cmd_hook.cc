// aio hook claude|codex|gemini|amp EVENT [--auto-claim]: the agent tools'
// hooks (core/hook.h speaks their protocols). Before a tool writes, every
// path it would write is judged as `aio check` judges it and a path another
// live instance holds is refused, naming holder, tool, task and claim;
// SessionStart adopts the agent's instance or registers one bound to the
// agent's process, and tells the model who holds what; SessionEnd releases
// and unregisters only an instance a hook registered. `aio hook git
// pre-commit` is in cmd_hook_git.cc.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/env.h"
#include "cli/hook_parts.h"
#include "core/ancestry.h"
#include "core/fileio.h"
#include "core/hook.h"
#include "core/path.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

struct HookOpts {
  std::string tool;
  std::string event;
  bool auto_claim = false;
};

constexpr size_t kMaxInput = 16 << 20;

Result<std::string> read_stdin() {
  std::string in;
  char buf[65536];
  for (;;) {
    size_t n = fread(buf, 1, sizeof buf, stdin);
    in.append(buf, n);
    if (in.size() > kMaxInput) return Status::invalid("hook input larger than 16 MiB");
    if (n < sizeof buf) break;
  }
  if (ferror(stdin)) return Status::sys("reading the hook input", errno);
  return in;
}

void say(Env& env, const HookAnswer& a) {
  if (!a.out.empty()) env.out(a.out);
  if (!a.err.empty()) fputs(a.err.c_str(), stderr);
  fflush(stdout);
  if (a.exit_code != 0) env.exit_code = a.exit_code;
}

// The payload's cwd, when it is a directory, is where relative paths of the
// call are taken from (and where the agent's project is).
void enter_payload_cwd(Env& env, const HookPayload& p) {
  struct stat st;
  if (!p.cwd.empty() && p.cwd.front() == '/' && stat(p.cwd.c_str(), &st) == 0 &&
      S_ISDIR(st.st_mode))
    env.cwd = normalize_absolute(p.cwd);
}

// ---- before a tool runs ----

Status before_tool(Env& env, Agent agent, HookEvent ev, const HookPayload& p, bool auto_claim) {
  ToolWrites w = tool_writes(agent, p);
  if (w.targets.empty()) {
    say(env, answer_allow());
    return Status::ok();
  }
  enter_payload_cwd(env, p);
  auto verdict = judge_writes(env, w.targets, auto_claim && w.kind != "shell");
  if (!verdict) {
    // aio could not answer (a broken state file): refused, saying why.
    say(env, answer_bad_input(agent, ev, "cannot judge this call: " + verdict.status().message()));
    return Status::ok();
  }
  spdlog::info("hook {} {} {}: {} path(s){}{}", to_string(agent), p.tool_name, w.kind,
               w.targets.size(), w.complete ? "" : " (command not followed to its end)",
               verdict->refused.empty() ? "" : ", refused");
  say(env, verdict->refused.empty() ? answer_allow()
                                    : answer_deny(agent, ev, deny_reason(verdict->refused)));
  return Status::ok();
}

// ---- session start ----

std::string project_dir_hint(Agent agent) {
  const char* var = agent == Agent::kGemini ? "GEMINI_PROJECT_DIR" : "CLAUDE_PROJECT_DIR";
  const char* v = getenv(var);
  return v && *v == '/' ? normalize_absolute(v) : std::string();
}

// Appends `export AIO_INSTANCE=<id>` to the file the tool sources before
// each shell command (Claude Code: $CLAUDE_ENV_FILE; Codex: $CODEX_ENV_FILE,
// else the same name as Claude's), unless it already ends so.
Status export_to_env_file(Agent agent, const std::string& id) {
  const char* f = nullptr;
  if (agent == Agent::kCodex) f = getenv("CODEX_ENV_FILE");
  if ((!f || !*f) && (agent == Agent::kClaude || agent == Agent::kCodex))
    f = getenv("CLAUDE_ENV_FILE");
  if (!f || !*f) return Status::ok();
  std::string line = "export AIO_INSTANCE=" + id + "\n";
  std::string have;
  if (read_file(f, &have) && (have.ends_with("\n" + line) || have == line)) return Status::ok();
  if (!have.empty() && have.back() != '\n') line = "\n" + line;
  FILE* out = fopen(f, "a");
  if (!out) return Status::sys(std::string("opening the environment file ") + f, errno);
  bool ok = fputs(line.c_str(), out) >= 0;
  ok = (fclose(out) == 0) && ok;
  return ok ? Status::ok() : Status::sys(std::string("writing the environment file ") + f, errno);
}

Status session_start(Env& env, Agent agent, const HookPayload& p) {
  enter_payload_cwd(env, p);
  std::string hint = project_dir_hint(agent);
  if (!hint.empty() && p.cwd.empty()) env.cwd = hint;
  auto mine = adopt_or_register(env, agent);
  if (!mine) return mine.status();
  if (!mine->instance.id.empty() &&
      mine->instance.id == env.caller.env_id.value_or(mine->instance.id))
    AIO_RETURN_IF_ERROR(export_to_env_file(agent, mine->instance.id));
  spdlog::info("hook {} SessionStart ({}): {} {}", to_string(agent), p.source,
               mine->adopted ? "adopted" : "registered", mine->instance.id);
  auto text = session_summary(env, *mine);
  if (!text) return text.status();
  say(env, answer_context(agent, *text));
  return Status::ok();
}

// ---- session end ----

Status session_end(Env& env, Agent agent, const HookPayload& p) {
  if (p.reason == "clear") return Status::ok();  // the same process goes on: keep its instance
  auto ended = end_hook_instance(env, agent);
  if (!ended) return ended.status();
  if (!ended->empty())
    spdlog::info("hook {} SessionEnd ({}): unregistered {}", to_string(agent), p.reason, *ended);
  return Status::ok();
}

Status run_hook(Env& env, const HookOpts& o) {
  if (o.tool == "git") return run_git_hook(env, o.event);
  auto agent = parse_agent(o.tool);
  if (!agent) return agent.status();
  auto ev = parse_event(*agent, o.event);
  if (!ev) return ev.status();
  if (*ev == HookEvent::kIgnored) return Status::ok();
  auto in = read_stdin();
  if (!in) {
    say(env, answer_bad_input(*agent, *ev, in.status().message()));
    return Status::ok();
  }
  const char* amp_tool = getenv("AGENT_TOOL_NAME");
  auto p = parse_payload(*agent, *in, amp_tool ? amp_tool : "");
  if (!p) {
    say(env, answer_bad_input(*agent, *ev, p.status().message()));
    return Status::ok();
  }
  switch (*ev) {
    case HookEvent::kBeforeTool:
      return before_tool(env, *agent, *ev, *p, o.auto_claim);
    case HookEvent::kSessionStart:
      return session_start(env, *agent, *p);
    case HookEvent::kSessionEnd:
      return session_end(env, *agent, *p);
    case HookEvent::kIgnored:
      break;
  }
  return Status::ok();
}

}  // namespace

void register_hook_command(CLI::App& app, Env& env) {
  auto o = std::make_shared<HookOpts>();
  auto* hook = app.add_subcommand(
      "hook", "Answer an agent tool's hook (claude|codex|gemini|amp EVENT), or git pre-commit");
  hook->add_option("tool", o->tool, "claude, codex, gemini, amp, or git")->required();
  hook->add_option("event", o->event,
                   "The tool's event name, verbatim (PreToolUse, SessionStart, BeforeTool, "
                   "delegate, pre-commit, ...)")
      ->required();
  hook->add_flag("--auto-claim", o->auto_claim,
                 "Before an edit of a free file, claim it for this agent");
  hook->callback([&env, o] { env.run = [&env, o] { return run_hook(env, *o); }; });
}

}  // namespace aio::cli
