// aio-init [project]: prepare a project for agents by keeping an aio
// instructions block in CLAUDE.md, AGENTS.md and GEMINI.md. Idempotent: the
// block between the markers is replaced, everything else is left alone.
#include <sys/stat.h>

#include <cstring>

#include "cli/env.h"
#include "core/fileio.h"
#include "core/path.h"

namespace aio::cli {
namespace {

constexpr const char* kBegin =
    "<!-- aio:begin (managed by aio-init; edits inside are replaced) -->";
constexpr const char* kBeginPrefix = "<!-- aio:begin";
constexpr const char* kEnd = "<!-- aio:end -->";

std::string block(const std::string& tool_hint) {
  std::string b = kBegin;
  std::string text = R"MD(
## Working alongside other AI agents (aio)

Several AI coding agents may work in this project at once. aio keeps them from
overwriting each other. Follow these steps:

1. **Register** when you start: `eval "$(aio register {TOOL} --export)"`.
   Run it as one of your own shell commands: the instance is bound to you
   (your process), so your own edits and every later command you run, in any
   shell, session or terminal, act as it without `AIO_INSTANCE`, for exactly
   as long as you run. If you were started with `aio exec`, you already have
   an instance and this command just prints it.
2. **Read what others left**: `aio context get` (handoffs only:
   `aio context get handoff`), and `aio status` to see who works on what.
3. **Check before editing**: `aio check <path>` exits 1 and names the holder
   when another agent has claimed the path. Do not edit claimed paths: pick
   other work or leave a note.
4. **Claim what you will change**, before changing it, and no more than you
   need: `aio claim file <path>`, `aio claim directory <dir>`,
   `aio claim pattern '<glob>'`, `aio claim task <issue-id>`.
5. **Say what you are doing**: `aio task "<description>" [issue-id]`. Share
   what others should know: `aio-context decision|pattern|warning|learning "<text>"`.
6. **Stay alive**: nothing to do while you run (your process is your
   liveness). Only an instance registered from a person's terminal needs
   `aio heartbeat` every few minutes (claiming and writes through the mount
   count too).
7. **Hand off and release** when done: `aio-context handoff "<what is done,
   what is left>"`, then `aio release all` and `aio unregister`.

When the project is mounted with `aio mount`, writing a path that another agent
has claimed fails with "Permission denied". That is aio at work, not a bug:
run `aio check <path>` to see who holds it.
)MD";
  text.replace(text.find("{TOOL}"), 6, tool_hint);
  b += text;
  b += kEnd;
  b += "\n";
  return b;
}

struct InitOpts {
  std::string project;
};

// The directory to prepare: the one given, else the top of the checkout the
// working directory is in (its work tree, mountpoint or project root).
Result<std::string> init_dir(Env& env, const InitOpts& o) {
  if (!o.project.empty()) return absolute_path(o.project);
  auto st = load_state(env);
  if (!st) return st.status();
  auto here = locate_path(env, *st, env.cwd);
  if (!here) return here.status();
  return here->checkout.empty() ? here->project : here->checkout;
}

Status run_init(Env& env, const InitOpts& o) {
  auto dir = init_dir(env, o);
  if (!dir) return dir.status();
  const std::string& project = *dir;
  struct stat st;
  if (stat(project.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::invalid("project " + project + " is not a directory");
  struct File {
    const char* name;
    const char* tool;
  };
  const File files[] = {{"CLAUDE.md", "claude"}, {"AGENTS.md", "codex"}, {"GEMINI.md", "gemini"}};
  // Validate every file first so a malformed one changes nothing.
  std::vector<std::pair<std::string, std::string>> writes;  // path, new text
  std::vector<std::string> report;
  for (const auto& f : files) {
    std::string path = project + "/" + f.name;
    std::string text;
    Status r = read_file(path, &text);
    bool exists = r.is_ok();
    if (!r && r.code() != Code::kInvalid) return r;
    std::string b = block(f.tool);
    std::string next;
    size_t begin = exists ? text.find(kBeginPrefix) : std::string::npos;
    if (begin == std::string::npos) {
      if (text.find(kEnd) != std::string::npos)
        return Status::invalid(path + " has an aio end marker without a begin marker");
      next = text;
      if (!next.empty() && next.back() != '\n') next += "\n";
      if (!next.empty()) next += "\n";
      next += b;
    } else {
      size_t end = text.find(kEnd, begin);
      if (end == std::string::npos)
        return Status::invalid(path + " has an aio begin marker without `" + kEnd + "`");
      if (text.find(kBeginPrefix, begin + 1) != std::string::npos)
        return Status::invalid(path + " has more than one aio block");
      end += strlen(kEnd);
      if (end < text.size() && text[end] == '\n') ++end;
      next = text.substr(0, begin) + b + text.substr(end);
    }
    if (exists && next == text) {
      report.push_back(std::string(f.name) + ": up to date");
      continue;
    }
    writes.emplace_back(path, next);
    report.push_back(
        std::string(f.name) +
        (exists ? (begin == std::string::npos ? ": added the aio block" : ": updated the aio block")
                : ": created"));
  }
  for (const auto& [path, text] : writes) AIO_RETURN_IF_ERROR(write_file_atomic(path, text, 0644));
  spdlog::info("init {}: {} files written", project, writes.size());
  if (env.json) {
    Json j = {{"ok", true}, {"project", project}, {"files", report}};
    env.print_json(j);
  } else {
    std::string out = "prepared " + project + " for agents:\n";
    for (const auto& r : report) out += "  " + r + "\n";
    env.out(out);
  }
  return Status::ok();
}

}  // namespace

void register_init_command(CLI::App& app, Env& env) {
  auto o = std::make_shared<InitOpts>();
  auto* init =
      app.add_subcommand("init", "Add aio instructions to CLAUDE.md, AGENTS.md, GEMINI.md");
  init->add_option("project", o->project,
                   "Project root (default: the top of the checkout the current directory is in)");
  init->callback([&env, o] { env.run = [&env, o] { return run_init(env, *o); }; });
}

}  // namespace aio::cli
