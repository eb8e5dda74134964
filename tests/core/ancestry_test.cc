// Which process a plain `aio register` binds to: how each ancestor is taken.
#include "core/ancestry.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace aio {
namespace {

TEST(Ancestry, ClassifiesEachAncestor) {
  struct Row {
    std::string comm;
    std::vector<std::string> argv;
    ProcKind want;
  } rows[] = {
      // How agents run commands: a shell with a command string or a script.
      {"bash", {"/bin/bash", "-c", "aio register claude"}, ProcKind::kCommandShell},
      {"bash", {"bash", "-lc", "aio register codex"}, ProcKind::kCommandShell},
      {"bash", {"/usr/bin/bash", "-c", "-l", "eval x"}, ProcKind::kCommandShell},
      {"zsh", {"/bin/zsh", "-o", "errexit", "-c", "x"}, ProcKind::kCommandShell},
      {"sh", {"sh", "/tmp/run.sh"}, ProcKind::kCommandShell},
      {"bash", {"bash", "--norc", "script.sh", "arg"}, ProcKind::kCommandShell},
      // A person's terminal: a shell reading its input.
      {"bash", {"-bash"}, ProcKind::kTerminalShell},
      {"bash", {"bash"}, ProcKind::kTerminalShell},
      {"bash", {"/bin/bash", "-i"}, ProcKind::kTerminalShell},
      {"zsh", {"zsh", "-l"}, ProcKind::kTerminalShell},
      {"bash", {"bash", "-s", "x"}, ProcKind::kTerminalShell},
      {"fish", {"fish", "--login"}, ProcKind::kTerminalShell},
      // Wrappers are looked through.
      {"timeout", {"timeout", "10", "aio"}, ProcKind::kWrapper},
      {"sudo", {"sudo", "-E", "aio"}, ProcKind::kWrapper},
      {"setsid", {"setsid", "-w", "aio"}, ProcKind::kWrapper},
      // Hosts of terminals and sessions are never bound to.
      {"sshd", {"sshd: dev@pts/0"}, ProcKind::kHost},
      {"tmux: server", {"tmux"}, ProcKind::kHost},
      {"systemd", {"/lib/systemd/systemd", "--user"}, ProcKind::kHost},
      {"gnome-terminal-", {"/usr/libexec/gnome-terminal-server"}, ProcKind::kHost},
      {"login", {"-login"}, ProcKind::kHost},
      // Anything else runs the command: the agent.
      {"claude", {"claude"}, ProcKind::kAgent},
      {"node",
       {"node", "/usr/lib/node_modules/@google/gemini-cli/dist/index.js"},
       ProcKind::kAgent},
      {"codex", {"/usr/local/bin/codex"}, ProcKind::kAgent},
      {"python3", {"python3", "-m", "aider"}, ProcKind::kAgent},
  };
  for (const auto& r : rows)
    EXPECT_EQ(classify(r.comm, r.argv), r.want)
        << r.comm << " " << (r.argv.empty() ? "" : r.argv[0]) << " -> "
        << to_string(classify(r.comm, r.argv));
}

TEST(Ancestry, FindsThisTestAsTheAgentOfItsOwnChild) {
  // From this process (a gtest binary: not a shell), the walk stops at once.
  AgentSearch s = find_agent(getpid());
  ASSERT_TRUE(s.agent.has_value()) << s.why;
  EXPECT_EQ(s.agent->pid, getpid());
  EXPECT_GT(s.agent->start, 0);
  EXPECT_TRUE(find_agent(1).why.find("reached init") != std::string::npos);
}

}  // namespace
}  // namespace aio
