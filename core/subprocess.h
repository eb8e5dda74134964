// Running another program and reading what it says, bounded: argv is
// passed to execve as it is (never through a shell), stdin is /dev/null,
// stdout and stderr are captured up to a size (the rest is read and
// dropped, so the child never blocks on a full pipe), and a child that runs
// past its timeout is killed (SIGKILL). Safe in a multithreaded process
// (posix_spawn); the caller's descriptors are not inherited unless they
// lack close-on-exec. Used for `bd` (core/bd.h) and git (cli/cmd_hook_git.cc).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio {

struct RunSpec {
  std::vector<std::string> argv;  // argv[0] is the program: an absolute path (find_program)
  std::string cwd;                // "" : the caller's
  std::vector<std::string> env;   // NAME=VALUE set (or replaced) in the caller's environment
  int timeout_ms = 30000;
  size_t max_output = 4u << 20;  // bytes kept of stdout, and of stderr
};

struct RunResult {
  int exit_code = -1;  // -1 when a signal ended it (or it was killed on time-out)
  int signal = 0;
  bool timed_out = false;
  bool truncated = false;  // stdout or stderr went past max_output
  std::string out;
  std::string err;
};

// Runs spec.argv to its end (or its timeout). An error only when it could
// not be started (no such program, cwd missing, no resources).
Result<RunResult> run_program(const RunSpec& spec);

// The first executable regular file `name` in the directories of
// `path_env` (a PATH value; empty and relative entries are skipped), as an
// absolute path; "" when there is none. A name with a '/' is returned as
// it is when it is executable.
std::string find_program(const std::string& name, const std::string& path_env);

}  // namespace aio
