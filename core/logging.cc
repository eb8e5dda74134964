#include "core/logging.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <memory>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/fileio.h"

namespace aio {

void setup_logging(const LogSetup& s) {
  std::vector<spdlog::sink_ptr> sinks;
  auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  err->set_level(s.verbose >= 2   ? spdlog::level::trace
                 : s.verbose == 1 ? spdlog::level::debug
                                  : spdlog::level::off);
  err->set_pattern(s.stderr_prefix + "[%l] %v");
  sinks.push_back(err);
  size_t slash = s.file.rfind('/');
  if (!s.file.empty() && (slash == std::string::npos || make_dirs(s.file.substr(0, slash), 0700))) {
    try {
      // Never inherited by a program the process runs (each rotation reopens it).
      spdlog::file_event_handlers on;
      on.after_open = [](const spdlog::filename_t&, std::FILE* f) {
        (void)fcntl(fileno(f), F_SETFD, FD_CLOEXEC);
        (void)fchmod(fileno(f), 0600);  // private whatever the umask (a daemon may run under 0)
      };
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(s.file, 5 * 1024 * 1024, 3,
                                                                         false, on);
      file->set_level(s.file_debug ? spdlog::level::debug : spdlog::level::info);
      file->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l [%P] %v");
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex&) {
      // No log file is not a reason to fail.
    }
  }
  auto logger = std::make_shared<spdlog::logger>(s.name, sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);
  if (s.flush_every_line) logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace aio
