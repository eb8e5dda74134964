#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aio {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Result<FileLock> FileLock::acquire(const std::string& path, bool exclusive) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::sys("cannot open lock " + path, errno);
  Fd f(fd);
  while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) return Status::sys("cannot lock " + path, errno);
  }
  return FileLock(std::move(f));
}

Status read_file(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::invalid(path + " does not exist");
    return Status::sys("cannot read " + path, errno);
  }
  Fd f(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::sys("cannot stat " + path, errno);
  out->clear();
  out->resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {
    if (got == out->size()) out->resize(out->size() + 4096);
    ssize_t n = read(fd, out->data() + got, out->size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::sys("cannot read " + path, errno);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  return Status::ok();
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

Status write_all(int fd, const char* data, size_t n, const std::string& what) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::sys("cannot write " + what, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

Status fsync_dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::sys("cannot open " + dir, errno);
  Fd f(fd);
  if (fsync(fd) != 0) return Status::sys("cannot fsync " + dir, errno);
  return Status::ok();
}

Status write_file_atomic(const std::string& path, const std::string& data, int mode) {
  std::string tmp = path + ".tmp";
  struct stat st;
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::sys("cannot create " + tmp, errno);
  Fd f(fd);
  fchmod(fd, mode);
  AIO_RETURN_IF_ERROR(write_all(fd, data.data(), data.size(), tmp));
  if (fsync(fd) != 0) return Status::sys("cannot fsync " + tmp, errno);
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::sys("cannot rename " + tmp, errno);
  return fsync_dir_of(path);
}

Status make_dirs(const std::string& path, int mode) {
  if (path.empty()) return Status::ok();
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::ok();  // the usual case
  std::string cur;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    if (!cur.empty() && mkdir(cur.c_str(), mode) != 0 && errno != EEXIST)
      return Status::sys("cannot create " + cur, errno);
    i = j + 1;
  }
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::state(path + " is not a directory");
  return Status::ok();
}

}  // namespace aio
