#include "core/logging.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/fileio.h"
#include "core/timeutil.h"

namespace aio {
namespace {

using FileSink = spdlog::sinks::rotating_file_sink_st;

// A line's time, ISO 8601 in UTC with milliseconds, written without the C
// library's time functions: glibc's gmtime_r reads the time zone file on
// its first call.
class UtcTime final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    using std::chrono::milliseconds;
    std::string t = format_iso_ms(
        std::chrono::duration_cast<milliseconds>(msg.time.time_since_epoch()).count());
    dest.append(t.data(), t.data() + t.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<UtcTime>();
  }
};

// The rotating log file, its directory made first; nullptr when it cannot be
// opened. Times are UTC, as everywhere in the state.
std::unique_ptr<FileSink> open_file_sink(const std::string& file) {
  size_t slash = file.rfind('/');
  if (slash != std::string::npos && !make_dirs(file.substr(0, slash), 0700)) return nullptr;
  try {
    // Never inherited by a program the process runs (each rotation reopens it).
    spdlog::file_event_handlers on;
    on.after_open = [](const spdlog::filename_t&, std::FILE* f) {
      (void)fcntl(fileno(f), F_SETFD, FD_CLOEXEC);
      (void)fchmod(fileno(f), 0600);  // private whatever the umask (a daemon may run under 0)
    };
    auto sink = std::make_unique<FileSink>(file, 5 * 1024 * 1024, 3, false, on);
    auto format = std::make_unique<spdlog::pattern_formatter>();
    format->add_flag<UtcTime>('*').set_pattern("%* %l [%P] %v");
    sink->set_formatter(std::move(format));
    return sink;
  } catch (const spdlog::spdlog_ex&) {
    return nullptr;  // no log file is not a reason to fail
  }
}

// The log file, opened at once or at its first line: most commands log
// nothing at the file's level, and opening it costs a dozen system calls.
// spdlog calls a sink only for lines at or above its level, under the
// sink's mutex.
class FileLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  FileLogSink(std::string file, bool open_now) : file_(std::move(file)) {
    if (open_now) open();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (!tried_) open();
    if (inner_) inner_->log(msg);
  }
  void flush_() override {
    if (inner_) inner_->flush();
  }

 private:
  void open() {
    tried_ = true;
    inner_ = open_file_sink(file_);
  }
  std::string file_;
  bool tried_ = false;
  std::unique_ptr<FileSink> inner_;
};

}  // namespace

void setup_logging(const LogSetup& s) {
  std::vector<spdlog::sink_ptr> sinks;
  auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  err->set_level(s.verbose >= 2   ? spdlog::level::trace
                 : s.verbose == 1 ? spdlog::level::debug
                                  : spdlog::level::off);
  err->set_pattern(s.stderr_prefix + "[%l] %v");
  sinks.push_back(err);
  if (!s.file.empty()) {
    auto file = std::make_shared<FileLogSink>(s.file, !s.open_at_first_line);
    file->set_level(s.file_debug ? spdlog::level::debug : spdlog::level::info);
    sinks.push_back(file);
  }
  auto logger = std::make_shared<spdlog::logger>(s.name, sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);
  if (s.flush_every_line) logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace aio
