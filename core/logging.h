// Logging set-up shared by the CLI and the mount daemon: spdlog's default
// logger writes to stderr only as verbosity asks, and to a rotating log file
// under $AIO_HOME/logs. A log file that cannot be opened is not an error:
// no command fails for want of a log.
#pragma once

#include <string>

namespace aio {

struct LogSetup {
  std::string name;               // the logger's name ("aio", "aio-mount")
  std::string stderr_prefix;      // put before each stderr line ("aio: ")
  int verbose = 0;                // stderr: 0 nothing, 1 debug and up, 2 everything
  std::string file;               // rotating log file (5 MB, 3 kept); "" for none
  bool file_debug = false;        // the file gets debug lines too (else info and up)
  bool flush_every_line = false;  // flush the file at every info line (daemons)
  // Open (and make the directory of) the file only when a line goes to it,
  // not at set-up: for short commands. A daemon opens it at once, before it
  // changes credentials or namespaces.
  bool open_at_first_line = false;
};

void setup_logging(const LogSetup& s);

}  // namespace aio
