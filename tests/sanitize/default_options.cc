// Default sanitizer runtime options, linked into every executable of an
// AIO_SANITIZE build (cmake/sanitize.cmake). Each finding stops the process
// (halt_on_error) and is written to AIO_SANITIZER_LOG_DIR/report.<pid>, so a
// finding in a process no test waits for (the mount daemon, forked by
// `aio mount`) still leaves a file that the ctest test sanitize.reports and
// scripts/tsan.sh fail on. ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS in the
// environment are parsed after these and win.
#ifndef AIO_SANITIZER_LOG_DIR
#error "AIO_SANITIZER_LOG_DIR must name the directory reports go to"
#endif

#define AIO_REPORTS "log_path=" AIO_SANITIZER_LOG_DIR "/report"

extern "C" {
// The runtimes look these up by name; nothing in the program calls them.
const char* __asan_default_options() {
  return "halt_on_error=1:detect_leaks=1:" AIO_REPORTS;
}
const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:" AIO_REPORTS;
}
const char* __lsan_default_options() {
  return AIO_REPORTS;
}
// TSan goes on after a report so one run lists every race it saw; the report
// file is what fails scripts/tsan.sh.
const char* __tsan_default_options() {
  return "halt_on_error=0:second_deadlock_stack=1:" AIO_REPORTS;
}
}
