// The mount daemon: opens the project directory, mounts the aio filesystem
// (over the project itself by default), tells its parent it is ready, serves
// requests on a multithreaded loop until unmounted or signalled, and removes
// its record on the way out. Also the helpers `aio mount` uses to find and
// clear a dead mount.
#pragma once

#include <string>
#include <vector>

#include "core/policy.h"
#include "core/status.h"
#include "core/store_open.h"

namespace aio::fs {

struct DaemonOptions {
  std::string home;  // $AIO_HOME (never inside the mount)
  // The store (default: the files in home). store_setup.project_id must not
  // read the project: the caller answers it for `project` beforehand.
  StoreUrl store;
  StoreSetup store_setup;
  std::string source;      // the directory mounted (absolute)
  std::string mountpoint;  // == source for an in-place mount
  // The project whose claims judge paths beneath the mountpoint ("" : source).
  // Found by the caller before the daemon mounts (core/project.h), never by
  // the daemon, which would read its own project back through its mount.
  std::string project;
  MountMode mode = MountMode::kEnforce;
  bool allow_other = false;
  bool passthrough = true;  // kernel passthrough of file data where possible (root)
  bool xattr = true;        // extended attributes through the mount (else EOPNOTSUPP)
  int64_t stale_seconds = 300;
  // --auto-claim: a live instance's first write to an unclaimed file that
  // git does not ignore claims it (fs/guard.h).
  bool auto_claim = false;
  // What git ignores (fs/ignore_cache.h): the facts libgit2 gives about the
  // work tree holding the source (core/gitrepo.h), found by the caller
  // before the daemon mounts. What lies inside the source is read through
  // its descriptor, never the mount.
  std::string git_top;        // the top of the work tree ("" = the source is in none)
  std::string git_dir;        // its git directory (a linked worktree's own)
  std::string info_exclude;   // <common dir>/info/exclude
  std::string excludes_file;  // core.excludesFile, else git's default ("" = none)
  int ready_fd = -1;          // written "ready\n" (or "error: ...\n") once mounted
  int verbose = 0;
};

// Runs the daemon in this process; returns the process exit code.
int run_daemon(const DaemonOptions& o);

struct MountEntry {
  std::string mountpoint;
  std::string type;  // e.g. "fuse.aio"
};
// Every mount of this process's namespace, in mount order (/proc/self/mountinfo).
std::vector<MountEntry> mount_table();

// What is mounted at `path` according to /proc/self/mountinfo ("" if
// nothing): the filesystem type, e.g. "fuse.aio".
std::string mounted_fs_type(const std::string& path);
// Detaches whatever is mounted at `path` (lazy), as root or via fusermount3.
Status detach_mount(const std::string& path, bool lazy);

}  // namespace aio::fs
