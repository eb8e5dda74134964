#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "core/fileio.h"

extern char** environ;

namespace aio {
namespace {

int64_t monotonic_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The caller's environment with spec.env's names replaced.
std::vector<std::string> child_environment(const std::vector<std::string>& set) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    bool replaced = false;
    for (const auto& s : set) {
      size_t eq = s.find('=');
      if (kv.size() > eq && kv.substr(0, eq + 1) == std::string_view(s).substr(0, eq + 1))
        replaced = true;
    }
    if (!replaced) out.emplace_back(kv);
  }
  out.insert(out.end(), set.begin(), set.end());
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Appends what `fd` has to *to (up to max, the rest dropped); false at EOF.
bool drain(int fd, std::string* to, size_t max, bool* truncated) {
  char buf[16384];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  size_t room = to->size() < max ? max - to->size() : 0;
  size_t take = std::min(room, static_cast<size_t>(n));
  to->append(buf, take);
  if (take < static_cast<size_t>(n)) *truncated = true;
  return true;
}

// Reads the child's stdout and stderr until both end or the deadline
// passes (true: timed out).
bool collect(int out_fd, int err_fd, int64_t deadline, size_t max, RunResult* r) {
  struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* to[2] = {&r->out, &r->err};
  int open_fds = 2;
  while (open_fds > 0) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return true;
    int n = poll(p, 2, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno != EINTR) return false;
    for (int k = 0; k < 2 && n > 0; ++k) {
      if (p[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (!drain(p[k].fd, to[k], max, &r->truncated)) {
        p[k].fd = -1;
        --open_fds;
      }
    }
  }
  return false;
}

}  // namespace

Result<RunResult> run_program(const RunSpec& spec) {
  if (spec.argv.empty()) return Status::invalid("no program to run");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  // The caller may block or ignore signals (aio exec, the daemon): not the child.
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env = child_environment(spec.env);
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::sys("cannot run " + spec.argv[0], rc);
  out_w = Fd();
  err_w = Fd();

  RunResult r;
  int64_t deadline = monotonic_ms() + spec.timeout_ms;
  r.timed_out = collect(out_r.get(), err_r.get(), deadline, spec.max_output, &r);
  if (r.timed_out) kill(pid, SIGKILL);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
  return r;
}

std::string find_program(const std::string& name, const std::string& path_env) {
  auto runnable = [](const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return runnable(name) ? name : "";
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (!dir.empty() && dir.front() == '/' && runnable(dir + "/" + name)) return dir + "/" + name;
    start = end + 1;
  }
  return "";
}

}  // namespace aio
