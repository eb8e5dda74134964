// Facts about a running process read from /proc, for resolving who is
// calling (DESIGN.md §2). Thread ids are accepted and mapped to their
// process (tgid). Nothing here caches; callers cache by (tgid, start time),
// which no reused pid can share.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace aio {

struct ProcFacts {
  pid_t tgid = 0;
  int64_t start = 0;      // start time in clock ticks since boot (field 22 of stat)
  int64_t sid = 0;        // session id
  int64_t sid_start = 0;  // start time of the session leader (0 if gone)
  std::optional<std::string> aio_instance;  // AIO_INSTANCE at exec, if set
  std::string comm;                         // command name
};

// tgid of a thread id (the thread itself when it leads its process).
std::optional<pid_t> proc_tgid(pid_t tid);
// Start time (ticks since boot) and session id of a process.
bool proc_stat(pid_t pid, int64_t* start, int64_t* sid, std::string* comm = nullptr,
               char* state = nullptr);
// The process exists, has not exited (a zombie has) and started at `start`.
bool proc_running(pid_t pid, int64_t start);
// Everything above for the process a thread belongs to; nullopt when it is gone.
std::optional<ProcFacts> read_proc_facts(pid_t tid);
// Whether a thread's effective capabilities (CapEff in /proc/<tid>/status)
// hold capability number `cap` (e.g. CAP_FSETID); nullopt when it is gone.
std::optional<bool> proc_has_capability(pid_t tid, int cap);
// Value of one variable in /proc/<pid>/environ (the environment at exec).
std::optional<std::string> proc_environ_var(pid_t pid, const std::string& name);

}  // namespace aio
