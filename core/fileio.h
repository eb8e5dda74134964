// Small POSIX file helpers shared by the store and the CLI. All return
// Status/Result; none throws.
#pragma once

#include <string>

#include "core/status.h"

namespace aio {

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

// flock(2) held for the object's lifetime (the kernel drops it if we die).
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path, bool exclusive);
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  explicit FileLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

// Whole file into *out. ENOENT is reported as kInvalid with the path so
// callers can tell "missing" from "unreadable".
Status read_file(const std::string& path, std::string* out);
bool file_exists(const std::string& path);
// Crash-safe replace: write `path`.tmp, fsync, rename over `path`, fsync dir.
// `mode` is used for a new file.
Status write_file_atomic(const std::string& path, const std::string& data, int mode = 0644);
Status fsync_dir_of(const std::string& path);
Status make_dirs(const std::string& path, int mode);
// Writes all bytes (retrying short writes and EINTR).
Status write_all(int fd, const char* data, size_t n, const std::string& what);

}  // namespace aio
