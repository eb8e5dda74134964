// aio hook git pre-commit: refuses a commit that stages changes to paths
// another live instance claims, naming each path and its holder. Installed
// by `aio-init --git-hook`; git runs it in the work tree's top directory.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "cli/hook_parts.h"
#include "core/path.h"

extern char** environ;

namespace aio::cli {
namespace {

// Runs git with `args` (never through a shell) and returns what it printed
// on stdout; a failure says what git said.
Result<std::string> git(const std::vector<std::string>& args) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]), close(out[1]);
    return Status::sys("pipe", errno);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  std::vector<char*> argv{const_cast<char*>("git")};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, "git", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]), close(err[1]);
  if (rc != 0) {
    close(out[0]), close(err[0]);
    return Status::sys("running git", rc);
  }
  // stderr is small (an error line): read stdout to its end first.
  std::string text, what;
  char buf[65536];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, n);
  }
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) what.append(buf, n);
  close(out[0]), close(err[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return Status::state("git " + args.front() + " failed" + (what.empty() ? "" : ": " + what));
  }
  return text;
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
