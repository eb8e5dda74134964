// The machine's aio mounts, recorded in $AIO_HOME/mounts.json so that
// `aio status` and `aio mounts` show them and a second mount of the same
// project is refused. Mounts are local to a machine (they name a daemon
// pid), so they live in a local file whatever Store backend holds claims.
// Changes take flock(mounts.lock) and replace the file atomically.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio {

struct MountRecord {
  std::string source;  // the directory mounted (absolute)
  // The project the mount serves: claims of this project (and of projects
  // nested in it or holding it) judge the paths beneath the mountpoint.
  // == source, but for a linked worktree (the repository's main worktree,
  // unless --worktree-local) or a mount inside another checkout. Records
  // written before it existed read as source.
  std::string project;
  std::string mountpoint;  // where it is mounted (== source for in-place)
  pid_t pid = 0;           // daemon pid
  int64_t pid_start = 0;   // daemon start time (ticks), guards pid reuse
  std::string mode;        // enforce | strict | advisory
  bool allow_other = false;
  bool auto_claim = false;  // --auto-claim
  int64_t started_at = 0;   // unix seconds
};

// Is the recorded daemon still the process that mounted?
bool mount_daemon_alive(const MountRecord& m);

Result<std::vector<MountRecord>> list_mounts(const std::string& home);
// Replaces any record with the same mountpoint.
Status add_mount(const std::string& home, const MountRecord& m);
// Removes the record of `mountpoint` if it belongs to `pid` (0: any pid).
Status remove_mount(const std::string& home, const std::string& mountpoint, pid_t pid);

}  // namespace aio
