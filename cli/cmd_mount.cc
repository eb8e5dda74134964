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

#include "cli/arena.h"
#include "cli/env.h"
#include "core/gitrepo_cache.h"
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
  bool worktree_local = false;
  bool auto_claim = false;
  int ready_fd = -1;
  std::string serve_project;  // internal: the project, found by the parent
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

// The daemon's first line on the readiness pipe ("" if it says nothing
// within `seconds`).
std::string read_reply(int fd, int seconds) {
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    struct pollfd p {
      fd, POLLIN, 0
    };
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.find('\n') != std::string::npos) break;
  }
  return reply;
}

Status start_background(Env& env, const MountOpts& o, const std::string& source,
                        const std::string& project, const std::string& mp) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return Status::sys("pipe", errno);
  pid_t pid = fork();
  if (pid < 0) return Status::sys("fork", errno);
  if (pid == 0) {
    setsid();
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);  // dup2 makes 0-2 inheritable
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    int ready = dup(pipefd[1]);  // without O_CLOEXEC: survives exec
    std::vector<std::string> args{"aio"};
    if (env.store_url.kind != StoreUrl::Kind::kFile)
      args.insert(args.end(), {"--store", env.store_url.text});
    args.insert(args.end(), {"mount", source, "--at", mp, "--mode", o.mode});
    args.insert(args.end(),
                {"--foreground", "--ready-fd", std::to_string(ready), "--serve-project", project});
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
  std::string reply = read_reply(pipefd[0], 20);
  close(pipefd[0]);
  while (!reply.empty() && reply.back() == '\n') reply.pop_back();
  if (reply.rfind("error: ", 0) == 0) {
    waitpid(pid, nullptr, 0);
    return Status::state("cannot mount " + source + " (" + reply.substr(7) + ")");
  }
  if (reply != "ready") {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    return Status::state("cannot mount " + source + " (the daemon did not answer; see " + env.home +
                         "/logs/mount.log)");
  }
  // Readiness handshake, second half: the mount answers a request.
  struct stat st;
  std::string probe = mp + "/.aio/status";
  if (stat(probe.c_str(), &st) != 0)
    return Status::state("mounted " + mp + " but it does not answer (" + strerror(errno) + ")");
  if (env.json) {
    env.print_json({{"source", source},
                    {"mountpoint", mp},
                    {"project", project},
                    {"pid", pid},
                    {"mode", o.mode},
                    {"autoClaim", o.auto_claim}});
  } else {
    env.out("mounted " + source + (mp == source ? " in place" : " at " + mp) +
            (project == source ? "" : " for project " + project) + " (mode " + o.mode +
            (o.auto_claim ? ", auto-claim" : "") + ", daemon pid " + std::to_string(pid) + ")\n");
  }
  return Status::ok();
}

// The directory to mount: the one given, else the top of the checkout the
// working directory is in.
Result<std::string> mount_source(Env& env, const MountOpts& o) {
  if (!o.project.empty()) return existing_dir(o.project, "project");
  auto st = load_state(env);
  if (!st) return st.status();
  auto here = locate_path(env, *st, env.cwd);
  if (!here) return here.status();
  return here->checkout.empty() ? here->project : here->checkout;
}

// The project the mount of `source` serves (core/project.h): the path it
// names as its project sees it (a linked worktree's top names the main
// worktree), or, --worktree-local, the worktree itself. Found before the
// daemon mounts: it must never read its project back through its mount.
Result<std::string> mount_project(Env& env, const MountOpts& o, const std::string& source) {
  if (!o.serve_project.empty()) return o.serve_project;
  auto st = load_state(env);
  if (!st) return st.status();
  auto l = locate(source, project_hints(env, &*st, "", o.worktree_local));
  if (!l) return l.status();
  if (o.worktree_local && l->how != Rule::kWorktreeLocal)
    return Status::invalid("--worktree-local: " + source +
                           " is in no linked git worktree (it is in the " + l->describe() + ")");
  return l->logical();
}

// Refuses a second mount of `source` or at `mp`, forgets dead ones and
// detaches a dead mount left at `mp`.
Status clear_the_way(Env& env, const std::string& source, const std::string& mp) {
  auto mounts = list_mounts(env.home);
  if (!mounts) return mounts.status();
  bool alive_here = false;
  for (const auto& m : *mounts) {
    struct stat st;
    bool answers = stat(m.mountpoint.c_str(), &st) == 0 || errno != ENOTCONN;
    bool alive = answers && mount_daemon_alive(m);
    if (alive && (m.mountpoint == mp || m.source == source) &&
        fs::mounted_fs_type(m.mountpoint) == "fuse.aio")
      return Status::refused(source + " is already mounted at " + m.mountpoint + " (daemon pid " +
                             std::to_string(m.pid) + ")");
    if (m.mountpoint == mp) alive_here = alive;
    if (!alive && (m.mountpoint == mp || m.source == source))
      AIO_RETURN_IF_ERROR(remove_mount(env.home, m.mountpoint, m.pid));
  }
  return recover_dead_mount(mp, alive_here);
}

// What git ignores beyond the .gitignore files, for auto-claim: the facts
// libgit2 gives about the work tree holding `source` (core/gitrepo.h: its
// git directory, the common directory's info/exclude, core.excludesFile),
// looked up before mounting: afterwards they would be read through the
// mount. A source in no work tree leaves them empty.
Status find_git_ignores(const Env& env, const std::string& source, fs::DaemonOptions* d) {
  auto facts = repo_facts(source, env.home + "/gitfacts.json");
  if (!facts) return facts.status();
  if (!*facts) return Status::ok();
  d->git_top = (*facts)->top;
  d->git_dir = (*facts)->git_dir;
  d->info_exclude = (*facts)->info_exclude;
  d->excludes_file = (*facts)->excludes_file;
  return Status::ok();
}

Status run_mount(Env& env, const MountOpts& o) {
  arena_off();  // a long-lived process: freed memory must come back
  auto mode = parse_mount_mode(o.mode);
  if (!mode)
    return Status::invalid("unknown mode '" + o.mode + "' (expected enforce, strict or advisory)");
  auto source = mount_source(env, o);
  if (!source) return source.status();
  std::string mp = *source;
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
  AIO_RETURN_IF_ERROR(clear_the_way(env, *source, mp));
  auto project = mount_project(env, o, *source);
  if (!project) return project.status();

  if (!o.foreground) return start_background(env, o, *source, *project, mp);
  fs::DaemonOptions d;
  d.home = env.home;
  d.store = env.store_url;
  d.store_setup = env.store_setup;
  if (d.store_setup.project_id) {
    // Asked now: once mounted, the daemon would read its project through itself.
    std::string id = d.store_setup.project_id(*project);
    d.store_setup.project_id = [id, p = *project](const std::string& root) {
      return root == p ? id : std::string();
    };
  }
  d.store_setup.local_projects = {*project};
  d.store_setup.ensure_keeper = nullptr;
  d.source = *source;
  d.mountpoint = mp;
  d.project = *project;
  d.mode = *mode;
  d.allow_other = o.allow_other;
  d.passthrough = !o.no_passthrough;
  d.xattr = !o.no_xattr;
  d.auto_claim = o.auto_claim;
  AIO_RETURN_IF_ERROR(find_git_ignores(env, *source, &d));
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
  if (!rec && o.project.empty())  // the mount the working directory is in
    for (const auto& m : *mounts)
      if (is_within_abs(m.mountpoint, target) &&
          (!rec || m.mountpoint.size() > rec->mountpoint.size()))
        rec = &m;
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
                     {"project", m.project},
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
    rows.push_back({m.mountpoint, m.source == m.mountpoint ? "(in place)" : m.source, m.project,
                    m.mode + (m.auto_claim ? ", auto-claim" : ""), std::to_string(m.pid),
                    mount_daemon_alive(m) ? "running" : "dead", format_iso(m.started_at)});
  env.out(render_table({"MOUNTPOINT", "SOURCE", "PROJECT", "MODE", "PID", "DAEMON", "SINCE"}, rows,
                       env));
  return Status::ok();
}

}  // namespace

void register_mount_commands(CLI::App& app, Env& env) {
  auto mo = std::make_shared<MountOpts>();
  auto* mount =
      app.add_subcommand("mount", "Mount a project with claims enforced (in place by default)");
  mount->add_option("project", mo->project,
                    "Directory to mount (default: the top of the checkout the current directory "
                    "is in)");
  mount->add_option("--at", mo->at, "Mount elsewhere instead of over the project");
  mount->add_option("--mode", mo->mode, "enforce (default) | strict | advisory");
  mount->add_flag("--foreground", mo->foreground, "Run the daemon in this process");
  mount->add_flag("--allow-other", mo->allow_other, "Let other users work in the mount");
  mount->add_flag("--no-passthrough", mo->no_passthrough,
                  "Serve file data through the daemon even where the kernel could pass it through");
  mount->add_flag("--no-xattr", mo->no_xattr,
                  "No extended attributes through the mount (saves a round trip per new file)");
  mount->add_flag("--worktree-local", mo->worktree_local,
                  "Mounting a linked git worktree: serve it as its own project");
  mount->add_flag("--auto-claim", mo->auto_claim,
                  "A registered agent's first write to an unclaimed file that git does not ignore "
                  "claims it");
  mount->add_option("--ready-fd", mo->ready_fd, "internal: readiness pipe")->group("");
  mount->add_option("--serve-project", mo->serve_project, "internal: the project served")
      ->group("");
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
