// Facts about running processes read from /proc, for resolving who is
// calling and whether a bound instance lives (DESIGN.md §2). Thread ids are
// accepted and mapped to their process (tgid). Nothing here caches but
// SystemProcesses (per object); callers cache by (tgid, start time), which
// no reused pid can share.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/engine.h"

namespace aio {

// The fields of /proc/<pid>/stat that aio uses.
struct ProcStat {
  int64_t ppid = 0;
  int64_t pgrp = 0;
  int64_t sid = 0;
  int64_t tty = 0;  // tty_nr (0: no controlling terminal)
  int64_t start = 0;
  char state = 0;  // R, S, D, Z, X, ...
  std::string comm;
};

struct ProcFacts {
  pid_t tgid = 0;
  int64_t start = 0;                        // start time in clock ticks since boot
  int64_t sid = 0;                          // session id
  int64_t sid_start = 0;                    // start time of the session leader (0 if gone)
  std::optional<std::string> aio_instance;  // AIO_INSTANCE at exec, if set
  std::string comm;                         // command name
  int64_t ppid = 0;                         // its parent
  std::vector<ProcRef> lineage;             // itself, its parent, ... up to (not incl.) pid 1
};

// tgid of a thread id (the thread itself when it leads its process).
std::optional<pid_t> proc_tgid(pid_t tid);
std::optional<ProcStat> proc_stat(pid_t pid);
// The process exists, has not exited (a zombie has) and started at `start`.
bool proc_running(pid_t pid, int64_t start);
// The process and its ancestors, nearest first, up to but not including
// pid 1 (or the first ancestor that is gone), at most `max` of them.
std::vector<ProcRef> proc_lineage(pid_t pid, size_t max = 64);
// Everything above for the process a thread belongs to; nullopt when it is
// gone. Without `with_lineage`, the lineage holds the process alone (the
// caller knows its parent's).
std::optional<ProcFacts> read_proc_facts(pid_t tid, bool with_lineage = true);
// Whether a thread's effective capabilities (CapEff in /proc/<tid>/status)
// hold capability number `cap` (e.g. CAP_FSETID); nullopt when it is gone.
std::optional<bool> proc_has_capability(pid_t tid, int cap);
// Value of one variable in /proc/<pid>/environ (the environment at exec).
std::optional<std::string> proc_environ_var(pid_t pid, const std::string& name);
// The path of a process's executable (/proc/<pid>/exe), "" when unreadable.
std::string proc_exe(pid_t pid);

// This machine: AIO_MACHINE_ID when set (tests), else the kernel's boot id.
std::string this_machine_id();

// ProcessOracle over /proc, remembering each answer for the object's life
// (one command). Not thread-safe.
class SystemProcesses : public ProcessOracle {
 public:
  bool running(int64_t pid, int64_t start) const override;

 private:
  mutable std::map<std::pair<int64_t, int64_t>, bool> seen_;
};

}  // namespace aio
