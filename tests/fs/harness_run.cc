// Running programs for the mount tests: as a chosen caller, in a new
// session, with a timeout (tests/fs/harness.h).
#include "tests/fs/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace aio::test {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = getenv(name);
  return v && *v ? v : fallback;
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  lseek(fd, 0, SEEK_SET);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

std::string Proc::first_line() const {
  return out.substr(0, out.find('\n'));
}

std::string Proc::show() const {
  return "exit " + std::to_string(code) + "; stdout: [" + out + "]; stderr: [" + err + "]";
}

std::string outcome(const Proc& p) {
  if (p.code == 0) return "OK";
  std::string name = p.first_line();
  return name.empty() ? "exit " + std::to_string(p.code) : name;
}

const std::string& aio_bin() {
  static const std::string s = env_or("AIO_TEST_AIO", AIO_TEST_AIO_DEFAULT);
  return s;
}

const std::string& probe_bin() {
  static const std::string s = env_or("AIO_TEST_PROBE", AIO_TEST_PROBE_DEFAULT);
  return s;
}

const char* to_string(As who) {
  switch (who) {
    case As::kA:
      return "A";
    case As::kB:
      return "B";
    case As::kAnon:
      return "anonymous";
  }
  return "?";
}

Proc run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         const std::string& cwd, int timeout_s) {
  Proc p;
  // Everything the child needs is built before fork.
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  vars.erase("AIO_INSTANCE");
  for (const auto& [k, v] : env) {
    if (v.empty())
      vars.erase(k);
    else
      vars[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  int out = memfd_create("probe-out", MFD_CLOEXEC), err = memfd_create("probe-err", MFD_CLOEXEC);
  if (out < 0 || err < 0) {
    p.err = "memfd_create failed";
    return p;
  }
  pid_t pid = fork();
  if (pid < 0) {
    p.err = "fork failed";
    close(out);
    close(err);
    return p;
  }
  if (pid == 0) {
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (chdir(cwd.c_str()) != 0) {
      dprintf(2, "cannot chdir to %s: %s\n", cwd.c_str(), strerror(errno));
      _exit(126);
    }
    execvpe(args[0], args.data(), envp.data());
    dprintf(2, "cannot exec %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  // Wait with a deadline (without pidfd_open, kernel < 5.3: without one).
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  if (pidfd >= 0) {
    struct pollfd pfd {
      pidfd, POLLIN, 0
    };
    int r;
    do {
      r = poll(&pfd, 1, timeout_s * 1000);
    } while (r < 0 && errno == EINTR);
    close(pidfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      p.err += "[killed after " + std::to_string(timeout_s) + "s] ";
    }
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  p.out = read_all(out);
  p.err += read_all(err);
  close(out);
  close(err);
  return p;
}

bool fuse_available(std::string* why) {
  std::string dev = env_or("AIO_TEST_FUSE_DEV", "/dev/fuse");
  struct stat st;
  if (stat(dev.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) {
    *why = dev + " is missing";
    return false;
  }
  int fd = open(dev.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = "cannot open " + dev + " (" + strerror(errno) + ")";
    return false;
  }
  close(fd);
  return true;
}

}  // namespace aio::test
