#include "fs/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/bd.h"
#include "core/engine.h"
#include "core/fileio.h"
#include "core/logging.h"
#include "core/mounts.h"
#include "core/path.h"
#include "core/procinfo.h"
#include "core/timeutil.h"
#include "fs/heartbeats.h"
#include "fs/lease_keeper.h"
#include "fs/ops.h"

extern char** environ;

namespace aio::fs {
namespace {

void setup_logging(const DaemonOptions& o) {
  LogSetup log;
  log.name = "aio-mount";
  log.stderr_prefix = "aio mount: ";
  log.verbose = o.verbose;
  log.file = o.home + "/logs/mount.log";
  log.file_debug = o.verbose > 0;
  log.flush_every_line = true;
  aio::setup_logging(log);
}

void tell_parent(int fd, const std::string& msg) {
  if (fd < 0) return;
  std::string line = msg + "\n";
  (void)!write(fd, line.data(), line.size());
}

// Unescapes the octal escapes of /proc/self/mountinfo ("\040" = ' ').
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out.push_back(static_cast<char>(strtol(s.substr(i + 1, 3).c_str(), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Writes the heartbeats that writes through the mount earned (every few
// seconds) and removes stale instances and their claims (every minute), as
// `aio cleanup` does: bound instances are judged by their processes.
class Janitor {
 public:
  Janitor(Store& store, StateWatch& state, Heartbeats& heartbeats)
      : store_(store), state_(state), heartbeats_(heartbeats) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Janitor() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  static constexpr int kTickSeconds = 5;
  static constexpr int kCleanupTicks = 12;

  void beat() {
    auto due = heartbeats_.take();
    if (due.empty()) return;
    Clock c = state_.clock();
    Status s = store_.update([&](Txn& t) {
      heartbeat_writers(t, due, c);  // one gone stale since its write stays stale
      return Status::ok();
    });
    if (!s) spdlog::warn("heartbeats from writes failed: {}", s.message());
  }

  void clean() {
    Clock c = state_.clock();  // bound instances judged by the mount's ProcessWatch
    CleanupReport rep;
    Status s = store_.update([&](Txn& t) {
      rep = cleanup(t, c);
      return Status::ok();
    });
    if (!s) spdlog::warn("cleanup failed: {}", s.message());
    for (const auto& i : rep.instances) spdlog::info("cleanup: removed stale instance {}", i.id);
    // The task claims it released are reopened in Beads (core/bd.h) here, in
    // the janitor's thread, never a FUSE worker's, with the store unlocked:
    // bd runs in the project as the agents see it (through this mount, its
    // writes judged as any other's), bounded by its timeout.
    if (s) reopen_released_tasks(rep.claims, "", "", false);
  }

  void loop() {
    std::unique_lock lock(mu_);
    for (int tick = 1;
         !cv_.wait_for(lock, std::chrono::seconds(kTickSeconds), [this] { return stop_; });
         ++tick) {
      lock.unlock();
      state_.retry();  // a store that was unreachable: read it again
      beat();
      if (tick % kCleanupTicks == 0) clean();
      lock.lock();
    }
  }

  Store& store_;
  StateWatch& state_;
  Heartbeats& heartbeats_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Keeps other processes of the user out of the daemon: not dumpable, the
// kernel lets none of them trace it or reach its memory, working directory
// or descriptors (the project beneath the mount) through /proc/<pid>; root
// still can. And no program it runs (as a user, libfuse runs fusermount3
// to mount and unmount) inherits a descriptor: those it was started with but stdio are
// made close-on-exec here, every one it opens is opened so.
Status harden_process() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return Status::sys("prctl(PR_SET_DUMPABLE)", errno);
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    return Status::sys("close_range(CLOSE_RANGE_CLOEXEC)", errno);
  return Status::ok();
}

void raise_fd_limit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) spdlog::warn("cannot raise the descriptor limit");
  }
}

// A FUSE session of `fsys` with the mount options `o` asks for (null when
// libfuse refuses them).
struct fuse_session* new_session(const DaemonOptions& o, Fs& fsys) {
  // Without allow_other only the mounting user reaches the mount, and the
  // daemon runs as that user: the source filesystem's own checks on the
  // daemon's calls are exactly that user's permissions, so the kernel need
  // not check them first (with default_permissions it refreshes a
  // directory's attributes, a round trip, after every change in it).
  // Other users do need the kernel's checks.
  std::string opts = "fsname=aio:" + o.source + ",subtype=aio";
  if (o.allow_other) opts += ",allow_other,default_permissions";
  const char* argv[] = {"aio-mount", "-o", opts.c_str()};
  struct fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  // Without xattr operations libfuse answers ENOSYS, after which the kernel
  // fails them itself (EOPNOTSUPP) and stops asking: in particular it no
  // longer looks up security.capability before a new file's first write or
  // a chown, one round trip each.
  struct fuse_lowlevel_ops ops = operations();
  if (!o.xattr) {
    ops.setxattr = nullptr;
    ops.getxattr = nullptr;
    ops.listxattr = nullptr;
    ops.removexattr = nullptr;
  }
  struct fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, &fsys);
  fuse_opt_free_args(&args);
  return se;
}

// Where the ignore files are: what lies inside the source relative to it,
// so that it is read through the source descriptor, never the mount.
IgnoreOptions ignore_options(const DaemonOptions& o) {
  auto prefix = relative_to(o.git_top, o.source);
  if (o.git_top.empty() || o.git_dir.empty() || !prefix) return {};  // in no work tree
  auto inside = [&](const std::string& path) {
    auto rel = relative_to(o.source, path);
    if (path.empty() || !rel) return path;
    return rel->empty() ? std::string(".") : *rel;
  };
  return IgnoreOptions{inside(o.git_dir), inside(o.excludes_file), inside(o.info_exclude), *prefix,
                       o.git_top};
}

// Records the running mount in $AIO_HOME (for `aio mounts` and recovery).
MountRecord record_mount(const DaemonOptions& o) {
  MountRecord rec;
  rec.source = o.source;
  rec.mountpoint = o.mountpoint;
  rec.project = o.project.empty() ? o.source : o.project;
  rec.pid = getpid();
  if (auto st = proc_stat(rec.pid)) rec.pid_start = st->start;
  rec.mode = std::string(to_string(o.mode));
  rec.allow_other = o.allow_other;
  rec.auto_claim = o.auto_claim;
  rec.started_at = now_seconds();
  if (Status s = add_mount(o.home, rec); !s)
    spdlog::warn("cannot record the mount: {}", s.message());
  spdlog::info("mounted {} on {} for project {} (mode {}{}, pid {})", o.source, o.mountpoint,
               rec.project, rec.mode, o.auto_claim ? ", auto-claim" : "", rec.pid);
  return rec;
}

// Serves requests on a multithreaded loop until unmounted or signalled,
// cleaning up stale instances meanwhile; the loop's result.
int serve(struct fuse_session* se, Store& store, StateWatch& state, Heartbeats& heartbeats) {
  Janitor janitor(store, state, heartbeats);
  struct fuse_loop_config* cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(cfg, 1);
  fuse_loop_cfg_set_max_threads(cfg, 16);
  int rc = fuse_session_loop_mt(se, cfg);
  fuse_loop_cfg_destroy(cfg);
  return rc;
}

}  // namespace

std::vector<MountEntry> mount_table() {
  std::vector<MountEntry> out;
  std::ifstream f("/proc/self/mountinfo");
  std::string line;
  while (std::getline(f, line)) {
    // id parent maj:min root mountpoint options [optional...] - fstype source superopts
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string w; in >> w;) fields.push_back(w);
    for (size_t k = 6; k + 1 < fields.size(); ++k)
      if (fields[k] == "-") {
        out.push_back({unescape(fields[4]), fields[k + 1]});
        break;
      }
  }
  return out;
}

std::string mounted_fs_type(const std::string& path) {
  std::string type;
  for (const auto& m : mount_table())
    if (m.mountpoint == path) type = m.type;  // the last one is the top of the stack
  return type;
}

Status detach_mount(const std::string& path, bool lazy) {
  if (geteuid() == 0) {
    if (umount2(path.c_str(), lazy ? MNT_DETACH : 0) != 0)
      return Status::sys("cannot unmount " + path, errno);
    return Status::ok();
  }
  std::vector<const char*> argv{"fusermount3", "-u", "-q"};
  if (lazy) argv.push_back("-z");
  argv.push_back(path.c_str());
  argv.push_back(nullptr);
  pid_t pid;
  int rc =
      posix_spawnp(&pid, "fusermount3", nullptr, nullptr, const_cast<char**>(argv.data()), environ);
  if (rc != 0) return Status::sys("cannot run fusermount3", rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::state("fusermount3 -u " + path + " failed (is it busy? try --lazy)");
  return Status::ok();
}

int run_daemon(const DaemonOptions& o) {
  setup_logging(o);
  auto fail = [&](const std::string& msg) {
    spdlog::error("{}", msg);
    tell_parent(o.ready_fd, "error: " + msg);
    return 3;
  };
  if (Status s = harden_process(); !s) return fail(s.message());
  // Open the project before mounting over it: all I/O goes through this
  // descriptor, never through the mount's own path.
  int source_fd = open(o.source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (source_fd < 0) return fail("cannot open " + o.source + " (" + strerror(errno) + ")");
  Fd source_guard(source_fd);
  StoreSetup setup = o.store_setup;
  setup.home = o.home;
  if (setup.machine_id.empty()) setup.machine_id = this_machine_id();
  setup.ensure_keeper = nullptr;  // the mount keeps leases itself (fs/lease_keeper.h)
  auto store = open_store(o.store, setup);
  if (!store) return fail(store.status().message());
  StateWatch state(**store,
                   WatchOptions{o.home, o.project.empty() ? o.source : o.project, o.stale_seconds});
  if (Status s = state.start(); !s) return fail(s.message());
  SourceTree tree(source_fd);
  DenialLog denials;
  IgnoreCache ignores(source_fd, ignore_options(o));
  Guard guard(state, tree, denials, o.mode, AutoClaimSetup{o.auto_claim, &ignores});
  Heartbeats heartbeats;
  IdentityCache ids(state, heartbeats);
  VFiles vfiles(state, denials, tree, o.mode, o.auto_claim);
  raise_fd_limit();  // every inode the kernel knows holds an O_PATH descriptor
  FsOptions fo;
  fo.root_fd = source_fd;
  fo.in_place = o.source == o.mountpoint;
  fo.chown_new = geteuid() == 0;
  Fs fsys(fo, guard, ids, vfiles);

  struct fuse_session* se = new_session(o, fsys);
  if (!se) return fail("cannot create the FUSE session (bad options?)");
  if (fuse_session_mount(se, o.mountpoint.c_str()) != 0) {
    fuse_session_destroy(se);
    return fail("cannot mount on " + o.mountpoint +
                (o.allow_other && geteuid() != 0
                     ? " (--allow-other needs user_allow_other in /etc/fuse.conf)"
                     : ""));
  }
  fsys.install_device_hooks(se, o.passthrough, !o.allow_other);
  fuse_set_signal_handlers(se);

  MountRecord rec = record_mount(o);
  tell_parent(o.ready_fd, "ready");
  if (o.ready_fd >= 0) close(o.ready_fd);

  LeaseKeeper keeper(state, o.home);
  int rc = serve(se, **store, state, heartbeats);
  (void)remove_mount(o.home, o.mountpoint, rec.pid);
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  spdlog::info("unmounted {} (loop ended with {})", o.mountpoint, rc);
  return rc == 0 ? 0 : 3;
}

}  // namespace aio::fs
