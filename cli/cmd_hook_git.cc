// aio hook git pre-commit: refuses a commit that stages changes to paths
// another live instance claims, naming each path and its holder. Installed
// by `aio-init --git-hook`; git runs it in the work tree's top directory.
#include <cstdlib>

#include "cli/hook_parts.h"
#include "core/path.h"
#include "core/subprocess.h"

namespace aio::cli {
namespace {

// Runs git with `args` (core/subprocess: never through a shell) and returns
// what it printed on stdout; a failure says what git said.
Result<std::string> git(const std::vector<std::string>& args) {
  const char* path = getenv("PATH");
  std::string prog = find_program("git", path ? path : "");
  if (prog.empty()) return Status::state("git is not on PATH");
  RunSpec spec;
  spec.argv = {prog};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout_ms = 120000;
  spec.max_output = 256u << 20;  // the names of every staged path
  auto r = run_program(spec);
  if (!r) return r.status();
  if (r->truncated) return Status::state("git " + args.front() + " printed more than 256 MiB");
  if (r->exit_code != 0) {
    std::string what = r->err;
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return Status::state("git " + args.front() + " failed" +
                         (r->timed_out ? std::string(" (timed out)") : "") +
                         (what.empty() ? "" : ": " + what));
  }
  return std::move(r->out);
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> v;
  for (size_t at = 0; at < s.size();) {
    size_t end = s.find('\0', at);
    if (end == std::string::npos) end = s.size();
    if (end > at) v.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return v;
}

Status pre_commit(Env& env) {
  auto top = git({"rev-parse", "--show-toplevel"});
  if (!top) return top.status();
  std::string root = *top;
  while (!root.empty() && root.back() == '\n') root.pop_back();
  // Every path the commit changes, both sides of a rename.
  auto staged = git({"diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff"});
  if (!staged) return staged.status();
  std::vector<WriteTarget> targets;
  for (auto& rel : split_nul(*staged)) targets.push_back(WriteTarget{root + "/" + rel, ""});
  if (targets.empty()) return Status::ok();
  env.cwd = normalize_absolute(root);
  auto v = judge_writes(env, targets, false);
  if (!v) return v.status();
  spdlog::info("hook git pre-commit: {} staged path(s), {} claimed by others", targets.size(),
               v->refused.size());
  if (v->refused.empty()) return Status::ok();
  std::string msg = "aio: commit refused: " + std::to_string(v->refused.size()) +
                    " staged path(s) are claimed by other agents:\n";
  for (const auto& r : v->refused) msg += "  " + r.shown + ": " + r.holder + "\n";
  msg +=
      "Unstage them (git restore --staged <path>) or wait for the holder to release them; "
      "details: aio check " +
      v->refused.front().shown + "; everyone's claims: aio status\n";
  fputs(msg.c_str(), stderr);
  env.exit_code = 1;
  return Status::ok();
}

}  // namespace

Status run_git_hook(Env& env, const std::string& event) {
  if (event != "pre-commit")
    return Status::invalid("unknown git hook '" + event + "' (aio hook git pre-commit)");
  return pre_commit(env);
}

}  // namespace aio::cli
