// Which process a plain `aio register` binds to (DESIGN.md §2): the agent
// that runs the command, found as the nearest ancestor that is not a shell.
//
// Walking up from the registering command's parent:
//   - a shell running a command string or a script (`bash -c …`, `sh x.sh`)
//     is how agents run commands: keep walking;
//   - a transparent wrapper (env, nice, timeout, setsid, sudo, …): keep walking;
//   - a shell reading commands from its input (an interactive shell, a
//     terminal) is a person's terminal: stop, bind to nothing (the terminal
//     session and heartbeats identify it, as in the playbook);
//   - a terminal host, multiplexer or init (sshd, tmux, screen, login,
//     terminal emulators, pid 1): stop, bind to nothing;
//   - anything else is the agent: bind to it.
// classify() is pure; find_agent() reads /proc.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.h"

namespace aio {

enum class ProcKind { kCommandShell, kTerminalShell, kWrapper, kHost, kAgent };
std::string_view to_string(ProcKind k);

// `comm` is /proc/<pid>/comm, `argv` its command line.
ProcKind classify(std::string_view comm, const std::vector<std::string>& argv);

struct AgentSearch {
  std::optional<ProcRef> agent;  // the process to bind to, if any
  std::string comm;              // its command name (or the one that stopped the walk)
  std::string why;               // when none: what stopped the walk
};
// Walks up from `from` (normally the registering command's parent).
AgentSearch find_agent(pid_t from);

// /proc/<pid>/cmdline split at NULs (empty when unreadable).
std::vector<std::string> proc_cmdline(pid_t pid);

}  // namespace aio
