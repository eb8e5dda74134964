// aio exec: run an agent as a bound instance for exactly as long as it runs.
//
//   aio exec [--tool T] [--task "…"] [--claim KIND TARGET]… [--auto-claim] [--] COMMAND [ARGS…]
//
// The child is forked first and waits; the instance is registered bound to
// the child (pid and start time) with its claims in one transaction (a
// refused claim runs nothing); then the child execs COMMAND with
// AIO_INSTANCE set. aio exec forwards the signals sent to it, gives the
// terminal to the child's process group (and takes it back while the child
// is stopped, stopping itself so the shell's job control works), and when
// the child ends for any reason releases the claims and unregisters. It
// exits with the child's status (128+N when signal N killed it; 127 or 126
// when COMMAND could not be run). If aio exec itself is killed, the instance
// stays bound to the living child; `aio cleanup` removes it once the child
// is gone.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "cli/arena.h"
#include "cli/env.h"
#include "core/path.h"
#include "core/procinfo.h"
#include "core/project.h"
#include "core/requests.h"

namespace aio::cli {
namespace {

struct ExecOpts {
  std::string tool;
  std::string task;
  std::vector<std::string> claims;  // KIND TARGET pairs
  bool auto_claim = false;
  std::vector<std::string> command;
};

constexpr int kForwarded[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGWINCH,
                              SIGTSTP, SIGCONT, SIGUSR1, SIGUSR2};

// The child between fork and exec: waits for the instance id (or for "!",
// which means the registration failed), then runs COMMAND.
[[noreturn]] void child_main(const ExecOpts& o, int go_fd, int err_fd, bool own_group,
                             const sigset_t& old_mask) {
  if (own_group) setpgid(0, 0);
  std::string id;
  char ch;
  while (read(go_fd, &ch, 1) == 1 && ch != '\n') id.push_back(ch);
  if (id.empty() || id == "!") _exit(0);
  setenv("AIO_INSTANCE", id.c_str(), 1);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  int e = errno;
  (void)!write(err_fd, &e, sizeof e);
  _exit(e == ENOENT ? 127 : 126);
}

// A claim asked for with --claim: its kind, where its target lands in the
// project and what is there (looked at before the store is locked).
struct ExecClaim {
  ClaimType kind;
  Landing landing;
  std::optional<bool> is_dir;
};

// One round of register_bound: the project and the claims' places found from
// the instances loaded first (never with the store locked: core/store.h),
// then the registration and the claims in one transaction.
Status register_round(Env& env, const ExecOpts& o, const std::vector<ClaimType>& kinds,
                      const std::string& tool, ProcRef child, Looked& looked, Instance* created) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  auto where = locate(env.cwd, project_hints(env, &*loaded));
  if (!where) return where.status();
  std::vector<ExecClaim> claims;
  for (size_t k = 0; k < kinds.size(); ++k) {
    auto landed = land(env, *loaded, where->project, kinds[k], o.claims[2 * k + 1]);
    if (!landed) return landed.status();
    claims.push_back({kinds[k], *landed, kind_at(landed->path)});
  }
  return env.store->update([&](Txn& t) -> Status {
    if (!looked.fits(t.state())) return Looked::changed();
    RegisterRequest r;
    r.tool = tool;
    r.project = where->project;
    r.pid = getpid();
    r.sid = env.caller.sid;
    r.sid_start = env.caller.sid_start;
    r.bind = child;
    r.machine_id = env.clock.machine_id;
    if (!o.task.empty()) r.task = o.task;
    r.auto_claim = o.auto_claim;
    auto i = register_instance(t, r, env.clock);
    if (!i) return i.status();
    *created = *i;
    for (const auto& c : claims) {
      auto granted = claim_stored(
          t, *created, c.kind, c.landing.target, [&](const std::string&) { return c.is_dir; },
          env.clock);
      if (!granted) return granted.status();
      *created = t.state().instances.at(created->id);
    }
    return Status::ok();
  });
}

// Registers the instance bound to `child`, for the project the working
// directory belongs to, and grants the claims, all or nothing.
Result<Instance> register_bound(Env& env, const ExecOpts& o, const std::string& tool,
                                ProcRef child) {
  std::vector<ClaimType> kinds;
  for (size_t k = 0; k + 1 < o.claims.size(); k += 2) {
    auto kind = parse_claim_kind(o.claims[k]);
    if (!kind) return kind.status();
    kinds.push_back(*kind);
  }
  Instance created;
  AIO_RETURN_IF_ERROR(until_fits([&](Looked& looked) {
    return register_round(env, o, kinds, tool, child, looked, &created);
  }));
  return created;
}

// Waits for the child, forwarding signals; returns its wait status.
int supervise(pid_t child, bool own_group, int sfd) {
  int tty = own_group ? STDIN_FILENO : -1;
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof si) break;
    int sig = static_cast<int>(si.ssi_signo);
    if (sig != SIGCHLD) {
      kill(own_group ? -child : child, sig);
      continue;
    }
    for (;;) {
      int st = 0;
      pid_t got = waitpid(child, &st, WNOHANG | WUNTRACED);
      if (got != child) break;
      if (WIFEXITED(st) || WIFSIGNALED(st)) return st;
      if (WIFSTOPPED(st) && tty >= 0) {
        // Job control: take the terminal back and stop as the child did;
        // when the shell continues us, hand the terminal over again.
        tcsetpgrp(tty, getpgrp());
        kill(getpid(), SIGSTOP);
        tcsetpgrp(tty, child);
        kill(-child, SIGCONT);
      }
    }
  }
  int st = 0;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
  return st;
}

// Unregisters the instance; its task claims are then reopened in Beads.
Status release_and_unregister(Env& env, const Instance& inst) {
  std::vector<Claim> released;
  AIO_RETURN_IF_ERROR(env.store->update([&](Txn& t) -> Status {
    if (t.state().instances.count(inst.id)) released = unregister_instance(t, inst.id);
    return Status::ok();
  }));
  beads_reopen(env, released, inst.project);
  return Status::ok();
}

Status run_exec(Env& env, const ExecOpts& o) {
  arena_off();  // a long-lived process: freed memory must come back
  if (o.command.empty()) return Status::invalid("aio exec needs a COMMAND to run");
  if (o.claims.size() % 2 != 0) return Status::invalid("--claim takes KIND and TARGET");
  std::string tool = o.tool.empty() ? std::string(base_name(o.command[0])) : o.tool;
  AIO_RETURN_IF_ERROR(validate_tool(tool));
  for (size_t k = 0; k < o.claims.size(); k += 2)
    if (auto kind = parse_claim_kind(o.claims[k]); !kind) return kind.status();

  bool own_group = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
  int go[2], err[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  sigset_t mask, old_mask;
  sigemptyset(&mask);
  for (int s : kForwarded) sigaddset(&mask, s);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTTOU);  // tcsetpgrp from the background (after a stop)
  sigprocmask(SIG_BLOCK, &mask, &old_mask);
  fflush(nullptr);
  pid_t child = fork();
  if (child < 0) return Status::sys("fork", errno);
  if (child == 0) child_main(o, go[0], err[1], own_group, old_mask);
  close(go[0]);
  close(err[1]);
  if (own_group) {
    setpgid(child, child);
    tcsetpgrp(STDIN_FILENO, child);
  }
  auto st = proc_stat(child);
  Result<Instance> inst = st ? register_bound(env, o, tool, ProcRef{child, st->start})
                             : Result<Instance>(Status::state("the child process vanished"));
  std::string word = inst ? inst->id + "\n" : "!\n";
  (void)!write(go[1], word.data(), word.size());
  close(go[1]);
  int exec_errno = 0;
  bool exec_failed = read(err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  close(err[0]);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  int wst = supervise(child, own_group, sfd);
  if (sfd >= 0) close(sfd);
  if (own_group) tcsetpgrp(STDIN_FILENO, getpgrp());
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (!inst) return inst.status();
  spdlog::info("exec {} ({}) ended: {}", inst->id, o.command[0],
               WIFEXITED(wst) ? "exit " + std::to_string(WEXITSTATUS(wst))
                              : "signal " + std::to_string(WTERMSIG(wst)));
  Status released = release_and_unregister(env, *inst);
  if (!released) spdlog::warn("exec: could not unregister {}: {}", inst->id, released.message());
  if (exec_failed) {
    // As a shell says it: 127 when there is no such command, 126 otherwise.
    fprintf(stderr, "aio: cannot run %s (%s)\n", o.command[0].c_str(), strerror(exec_errno));
    env.exit_code = exec_errno == ENOENT ? 127 : 126;
    return Status::ok();
  }
  env.exit_code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
  return Status::ok();
}

}  // namespace

void strip_exec_separator(std::vector<std::string>& args) {
  size_t k = 1;
  auto takes = [](const std::string& a, std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (a == n) return true;
    return false;
  };
  while (k < args.size() && args[k] != "exec") {  // aio's own options
    if (takes(args[k], {"--instance"})) ++k;
    if (args[k].empty() || args[k][0] != '-') return;  // another command
    ++k;
  }
  for (++k; k < args.size(); ++k) {  // exec's options
    if (args[k] == "--") {
      args.erase(args.begin() + static_cast<long>(k));
      return;
    }
    if (args[k].empty() || args[k][0] != '-') return;  // COMMAND
    if (takes(args[k], {"--tool", "--task"})) k += 1;
    if (takes(args[k], {"--claim"})) k += 2;
  }
}

void register_exec_command(CLI::App& app, Env& env) {
  auto o = std::make_shared<ExecOpts>();
  auto* ex = app.add_subcommand(
      "exec", "Run COMMAND as an instance bound to it: claims last exactly as long as it runs");
  ex->add_option("--tool", o->tool, "Tool name (default: COMMAND's base name)");
  ex->add_option("--task", o->task, "What the agent will work on");
  ex->add_option("--claim", o->claims, "Claim KIND TARGET first (repeatable)")
      ->expected(2)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  ex->add_flag("--auto-claim", o->auto_claim,
               "Its first write to an unclaimed file claims it, wherever it writes");
  // Options end at COMMAND: it and everything after it are CLI11's "remaining".
  ex->prefix_command();
  ex->fallthrough(false);  // else COMMAND would fall through to aio itself
  ex->footer("COMMAND [ARGS...] follows the options (or `--`); its own options are its own.");
  ex->callback([&env, o, ex] {
    o->command = ex->remaining();
    env.run = [&env, o] { return run_exec(env, *o); };
  });
}

}  // namespace aio::cli
