// aio mount / unmount / mounts: start the enforcing FUSE daemon over a
// project, stop it, list mounts. The daemon is this program run as
// `aio mount --foreground`; without --foreground, `aio mount` starts it in
// the background and returns once the mount answers.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cli/env.h"
#include "core/mounts.h"
#include "core/path.h"
#include "core/timeutil.h"
#include "fs/daemon.h"

namespace aio::cli {
namespace {

struct MountOpts {
  std::string project;
  std::string at;
  std::string mode = "enforce";
  bool foreground = false;
  bool allow_other = false;
  bool no_passthrough = false;
  bool no_xattr = false;
  bool auto_claim = false;
  int ready_fd = -1;
};

struct UnmountOpts {
  std::string project;
  bool lazy = false;
};

Result<std::string> existing_dir(const std::string& input, const std::string& what) {
  std::string abs = absolute_path(input);
  struct stat st;
  if (stat(abs.c_str(), &st) != 0) {
    if (errno == ENOTCONN) return abs;  // a dead mount: recovered below
    return Status::invalid(what + " " + input + " (" + strerror(errno) + ")");
  }
  if (!S_ISDIR(st.st_mode)) return Status::invalid(what + " " + input + " is not a directory");
  return abs;
}

bool fuse_conf_allows_other() {
  std::ifstream f("/etc/fuse.conf");
  std::string line;
  while (std::getline(f, line)) {
    size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line.compare(b, 16, "user_allow_other") == 0) return true;
  }
  return false;
}

// A mount left by a killed daemon answers "Transport endpoint is not
// connected"; one whose daemon is gone is detached so we can mount again.
Status recover_dead_mount(const std::string& mp, bool daemon_alive) {
  struct stat st;
  bool dead = stat(mp.c_str(), &st) != 0 && errno == ENOTCONN;
  if (!dead && (daemon_alive || fs::mounted_fs_type(mp) != "fuse.aio")) return Status::ok();
  spdlog::info("mount: detaching a dead aio mount at {}", mp);
  return fs::detach_mount(mp, /*lazy=*/true);
}

Status start_background(Env& env, const MountOpts& o, const std::string& project,
                        const std::string& mp) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  pid_t pid = fork();
  if (pid < 0) return Status::sys("fork", errno);
  if (pid == 0) {
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    int ready = dup(pipefd[1]);  // without O_CLOEXEC: survives exec
    std::vector<std::string> args{
        "aio",    "mount", project,        "--at",       mp,
        "--mode", o.mode,  "--foreground", "--ready-fd", std::to_string(ready)};
    if (o.allow_other) args.push_back("--allow-other");
    if (o.no_passthrough) args.push_back("--no-passthrough");
    if (o.no_xattr) args.push_back("--no-xattr");
    if (o.auto_claim) args.push_back("--auto-claim");
    for (int k = 0; k < env.verbose; ++k) args.push_back("-v");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    struct pollfd p {
      pipefd[0], POLLIN, 0
    };
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[512];
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.find('\n') != std::string::npos) break;
  }
  close(pipefd[0]);
  while (!reply.empty() && reply.back() == '\n') reply.pop_back();
  if (reply.rfind("error: ", 0) == 0) {
    waitpid(pid, nullptr, 0);
    return Status::state("cannot mount " + project + " (" + reply.substr(7) + ")");
  }
  if (reply != "ready") {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    return Status::state("cannot mount " + project + " (the daemon did not answer; see " +
                         env.home + "/logs/mount.log)");
  }
  // Readiness handshake, second half: the mount answers a request.
  struct stat st;
  std::string probe = mp + "/.aio/status";
  if (stat(probe.c_str(), &st) != 0)
    return Status::state("mounted " + mp + " but it does not answer (" + strerror(errno) + ")");
  if (env.json) {
    env.print_json({{"source", project},
                    {"mountpoint", mp},
                    {"pid", pid},
                    {"mode", o.mode},
                    {"autoClaim", o.auto_claim}});
  } else {
    env.out("mounted " + project + (mp == project ? " in place" : " at " + mp) + " (mode " +
            o.mode + (o.auto_claim ? ", auto-claim" : "") + ", daemon pid " + std::to_string(pid) +
            ")\n");
  }
  return Status::ok();
}

// Where git keeps what it ignores beyond the .gitignore files, for
// --auto-claim. For now: <project>/.git when it is there (a worktree's .git
// file too: its info/exclude is then not found, and libgit2's discovery
// should give the common directory), and the default core.excludesFile
// ($XDG_CONFIG_HOME/git/ignore, else ~/.config/git/ignore; a configured
// core.excludesFile needs git's config, left to libgit2 as well).
void find_git_ignores(const std::string& project, fs::DaemonOptions* d) {
  struct stat st;
  if (lstat((project + "/.git").c_str(), &st) == 0) d->git_dir = project + "/.git";
  const char* xdg = getenv("XDG_CONFIG_HOME");
  const char* home = getenv("HOME");
  if (xdg && *xdg)
    d->excludes_file = std::string(xdg) + "/git/ignore";
  else if (home && *home)
    d->excludes_file = std::string(home) + "/.config/git/ignore";
}

Status run_mount(Env& env, const MountOpts& o) {
  auto mode = parse_mount_mode(o.mode);
  if (!mode)
    return Status::invalid("unknown mode '" + o.mode + "' (expected enforce, strict or advisory)");
  auto project = existing_dir(o.project.empty() ? env.cwd : o.project, "project");
  if (!project) return project.status();
  std::string mp = *project;
  if (!o.at.empty()) {
    auto at = existing_dir(o.at, "mount point");
    if (!at) return at.status();
    mp = *at;
  }
  if (is_within(mp, env.home))
    return Status::invalid("AIO_HOME " + env.home + " is inside the mount " + mp +
                           " (the daemon would call into itself); set AIO_HOME elsewhere");
  if (o.allow_other && geteuid() != 0 && !fuse_conf_allows_other())
    return Status::invalid("--allow-other needs 'user_allow_other' in /etc/fuse.conf");

  auto mounts = list_mounts(env.home);
  if (!mounts) return mounts.status();
  bool alive_here = false;
  for (const auto& m : *mounts) {
    struct stat st;
    bool answers = stat(m.mountpoint.c_str(), &st) == 0 || errno != ENOTCONN;
    bool alive = answers && mount_daemon_alive(m);
    if (alive && (m.mountpoint == mp || m.source == *project) &&
        fs::mounted_fs_type(m.mountpoint) == "fuse.aio")
      return Status::refused(*project + " is already mounted at " + m.mountpoint + " (daemon pid " +
                             std::to_string(m.pid) + ")");
    if (m.mountpoint == mp) alive_here = alive;
    if (!alive && (m.mountpoint == mp || m.source == *project))
      AIO_RETURN_IF_ERROR(remove_mount(env.home, m.mountpoint, m.pid));
  }
  AIO_RETURN_IF_ERROR(recover_dead_mount(mp, alive_here));

  if (!o.foreground) return start_background(env, o, *project, mp);
  fs::DaemonOptions d;
  d.home = env.home;
  d.source = *project;
  d.mountpoint = mp;
  d.mode = *mode;
  d.allow_other = o.allow_other;
  d.passthrough = !o.no_passthrough;
  d.xattr = !o.no_xattr;
  d.auto_claim = o.auto_claim;
  find_git_ignores(*project, &d);
  d.stale_seconds = env.clock.stale_seconds;
  d.ready_fd = o.ready_fd;
  d.verbose = env.verbose;
  int rc = fs::run_daemon(d);
  if (rc != 0) return Status(static_cast<Code>(rc), "");  // the daemon logged why
  return Status::ok();
}

Status run_unmount(Env& env, const UnmountOpts& o) {
  std::string target = absolute_path(o.project.empty() ? env.cwd : o.project);
  auto mounts = list_mounts(env.home);
  if (!mounts) return mounts.status();
  const MountRecord* rec = nullptr;
  for (const auto& m : *mounts)
    if (m.mountpoint == target || m.source == target) rec = &m;
  std::string mp = rec ? rec->mountpoint : target;
  if (fs::mounted_fs_type(mp) != "fuse.aio") {
    if (rec) AIO_RETURN_IF_ERROR(remove_mount(env.home, rec->mountpoint, rec->pid));
    return Status::invalid("nothing of aio is mounted at " + mp);
  }
  AIO_RETURN_IF_ERROR(fs::detach_mount(mp, o.lazy));
  if (rec && mount_daemon_alive(*rec)) {
    // The daemon leaves once the kernel ends the session; give it a moment.
    for (int k = 0; k < 100 && mount_daemon_alive(*rec); ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (rec) AIO_RETURN_IF_ERROR(remove_mount(env.home, rec->mountpoint, 0));
  if (env.json)
    env.print_json({{"unmounted", mp}});
  else
    env.out("unmounted " + mp + "\n");
  return Status::ok();
}

Status run_mounts(Env& env) {
  auto mounts = list_mounts(env.home);
  if (!mounts) return mounts.status();
  if (env.json) {
    Json arr = Json::array();
    for (const auto& m : *mounts)
      arr.push_back({{"source", m.source},
                     {"mountpoint", m.mountpoint},
                     {"pid", m.pid},
                     {"mode", m.mode},
                     {"allowOther", m.allow_other},
                     {"autoClaim", m.auto_claim},
                     {"startedAt", format_iso(m.started_at)},
                     {"alive", mount_daemon_alive(m)}});
    env.print_json({{"mounts", arr}});
    return Status::ok();
  }
  if (mounts->empty()) {
    env.out("no aio mounts\n");
    return Status::ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *mounts)
    rows.push_back({m.mountpoint, m.source == m.mountpoint ? "(in place)" : m.source,
                    m.mode + (m.auto_claim ? ", auto-claim" : ""), std::to_string(m.pid),
                    mount_daemon_alive(m) ? "running" : "dead", format_iso(m.started_at)});
  env.out(render_table({"MOUNTPOINT", "SOURCE", "MODE", "PID", "DAEMON", "SINCE"}, rows, env));
  return Status::ok();
}

}  // namespace

void register_mount_commands(CLI::App& app, Env& env) {
  auto mo = std::make_shared<MountOpts>();
  auto* mount =
      app.add_subcommand("mount", "Mount a project with claims enforced (in place by default)");
  mount->add_option("project", mo->project, "Project directory (default: the current one)");
  mount->add_option("--at", mo->at, "Mount elsewhere instead of over the project");
  mount->add_option("--mode", mo->mode, "enforce (default) | strict | advisory");
  mount->add_flag("--foreground", mo->foreground, "Run the daemon in this process");
  mount->add_flag("--allow-other", mo->allow_other, "Let other users work in the mount");
  mount->add_flag("--no-passthrough", mo->no_passthrough,
                  "Serve file data through the daemon even where the kernel could pass it through");
  mount->add_flag("--no-xattr", mo->no_xattr,
                  "No extended attributes through the mount (saves a round trip per new file)");
  mount->add_flag("--auto-claim", mo->auto_claim,
                  "A registered agent's first write to an unclaimed file that git does not ignore "
                  "claims it");
  mount->add_option("--ready-fd", mo->ready_fd, "internal: readiness pipe")->group("");
  mount->callback([&env, mo] { env.run = [&env, mo] { return run_mount(env, *mo); }; });

  auto uo = std::make_shared<UnmountOpts>();
  auto* unmount = app.add_subcommand("unmount", "Unmount a project mounted by aio");
  unmount->add_option("project", uo->project, "Project or mount point (default: the current one)");
  unmount->add_flag("--lazy", uo->lazy, "Detach now even if busy; finish when no longer used");
  unmount->callback([&env, uo] { env.run = [&env, uo] { return run_unmount(env, *uo); }; });

  auto* mounts = app.add_subcommand("mounts", "List aio mounts on this machine");
  mounts->callback([&env] { env.run = [&env] { return run_mounts(env); }; });
}

}  // namespace aio::cli
