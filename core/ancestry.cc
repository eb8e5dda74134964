#include "core/ancestry.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "core/fileio.h"
#include "core/path.h"
#include "core/procinfo.h"

namespace aio {
namespace {

constexpr std::array<std::string_view, 16> kShells = {
    "sh",  "bash", "dash", "zsh",  "fish", "ksh", "mksh",  "tcsh",
    "csh", "ash",  "yash", "posh", "pwsh", "nu",  "xonsh", "elvish"};
constexpr std::array<std::string_view, 17> kWrappers = {
    "env",  "nice",  "nohup", "timeout", "stdbuf",  "setsid",   "sudo",    "su",   "doas",
    "time", "xargs", "chrt",  "ionice",  "taskset", "unbuffer", "runuser", "flock"};
// Prefixes of command names that host terminals or supervise sessions.
constexpr std::array<std::string_view, 27> kHosts = {
    "init",           "systemd",     "sshd",    "login",  "agetty",     "getty",
    "tmux",           "screen",      "SCREEN",  "dtach",  "abduco",     "zellij",
    "gnome-terminal", "konsole",     "xterm",   "uxterm", "urxvt",      "rxvt",
    "alacritty",      "kitty",       "wezterm", "foot",   "terminator", "tilix",
    "xfce4-terminal", "mosh-server", "tini"};

bool in(std::string_view name, const auto& list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// A shell's command line names a command string or a script: it runs a
// command and ends, rather than reading commands from a terminal.
bool runs_a_command(const std::vector<std::string>& argv) {
  for (size_t k = 1; k < argv.size(); ++k) {
    std::string_view a = argv[k];
    if (a == "--") return k + 1 < argv.size();
    if (a.size() > 1 && a[0] == '-' && a[1] != '-') {
      if (a.find('c') != std::string_view::npos) return true;   // -c, -lc, -ic, -ec
      if (a.find('s') != std::string_view::npos) return false;  // -s: commands from stdin
      if (a == "-o" || a == "-O") ++k;                          // takes an argument
      continue;
    }
    if (a.size() > 1 && a[0] == '+') continue;  // +o option
    if (a.rfind("--", 0) == 0) continue;        // --login, --norc, ...
    return true;                                // a script file
  }
  return false;
}

}  // namespace

std::string_view to_string(ProcKind k) {
  switch (k) {
    case ProcKind::kCommandShell:
      return "command shell";
    case ProcKind::kTerminalShell:
      return "terminal shell";
    case ProcKind::kWrapper:
      return "wrapper";
    case ProcKind::kHost:
      return "terminal host";
    case ProcKind::kAgent:
      return "agent";
  }
  return "?";
}

ProcKind classify(std::string_view comm, const std::vector<std::string>& argv) {
  std::string_view name = comm;
  if (!argv.empty()) {
    std::string_view a0 = base_name(argv[0]);
    if (!a0.empty() && a0[0] == '-')
      return in(a0.substr(1), kShells) ? ProcKind::kTerminalShell : ProcKind::kHost;  // login
    if (in(a0, kShells) || in(a0, kWrappers)) name = a0;
  }
  if (in(name, kShells))
    return runs_a_command(argv) ? ProcKind::kCommandShell : ProcKind::kTerminalShell;
  if (in(name, kWrappers)) return ProcKind::kWrapper;
  for (std::string_view h : kHosts)
    if (name.substr(0, h.size()) == h) return ProcKind::kHost;
  return ProcKind::kAgent;
}

std::vector<std::string> proc_cmdline(pid_t pid) {
  std::vector<std::string> argv;
  int fd = open(("/proc/" + std::to_string(pid) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return argv;
  Fd f(fd);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && text.size() < (1u << 16))
    text.append(buf, static_cast<size_t>(n));
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\0', pos);
    if (end == std::string::npos) end = text.size();
    argv.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
  return argv;
}

AgentSearch find_agent(pid_t from) {
  AgentSearch r;
  for (pid_t pid = from; r.why.empty();) {
    if (pid <= 1) {
      r.why = "no agent process above this command (reached init)";
      break;
    }
    auto st = proc_stat(pid);
    if (!st) {
      r.why = "process " + std::to_string(pid) + " is gone";
      break;
    }
    ProcKind kind = classify(st->comm, proc_cmdline(pid));
    r.comm = st->comm;
    if (kind == ProcKind::kAgent) {
      r.agent = ProcRef{pid, st->start};
      return r;
    }
    if (kind == ProcKind::kTerminalShell || kind == ProcKind::kHost)
      r.why = "run from a " + std::string(to_string(kind)) + " (" + st->comm + ", pid " +
              std::to_string(pid) + "), not by an agent";
    pid = static_cast<pid_t>(st->ppid);
  }
  return r;
}

}  // namespace aio
