// probe: performs ONE filesystem operation named on its command line, so the
// mount tests can run it as a chosen caller (AIO_INSTANCE in the environment
// at exec, or a fresh session for an anonymous process) and read the errno.
//
//   probe OP ARGS...
//
// Exit status: 0 on success; on a failed system call the errno value itself
// (EACCES = 13, ENOENT = 2, ...) with its name (e.g. "EACCES") on stdout and
// "probe: OP: what: strerror" on stderr; kMismatch when a self-checking
// operation read back something other than it wrote; kUsage for bad usage.
// Reading operations print what they read on stdout.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr int kMismatch = 120;
constexpr int kUsage = 121;

using Args = std::vector<std::string>;

[[noreturn]] void die_errno(const std::string& what, int e = errno) {
  const char* name = strerrorname_np(e);
  printf("%s\n", name ? name : "EUNKNOWN");
  fprintf(stderr, "probe: %s: %s\n", what.c_str(), strerror(e));
  fflush(stdout);
  _exit(e > 0 && e < kMismatch ? e : kMismatch - 1);
}

[[noreturn]] void mismatch(const std::string& what) {
  printf("MISMATCH\n");
  fprintf(stderr, "probe: %s\n", what.c_str());
  fflush(stdout);
  _exit(kMismatch);
}

int check(int r, const std::string& what) {
  if (r < 0) die_errno(what);
  return r;
}

int open_or_die(const std::string& p, int flags, mode_t mode = 0644) {
  return check(open(p.c_str(), flags | O_CLOEXEC, mode), "open " + p);
}

void write_all(int fd, const void* buf, size_t n, off_t off, const std::string& what) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die_errno(what, w < 0 ? errno : EIO);
    p += w;
    n -= static_cast<size_t>(w);
    if (off >= 0) off += w;
  }
}

std::string read_fd(int fd, const std::string& what) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno(what);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string read_file(const std::string& p) {
  int fd = open_or_die(p, O_RDONLY);
  std::string s = read_fd(fd, "read " + p);
  close(fd);
  return s;
}

// FNV-1a, 64 bit: enough to compare contents.
uint64_t fnv(const char* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  return h;
}

// Deterministic pseudo-random bytes (xorshift), so a large file is not all zeros.
void fill_pattern(char* p, size_t n, uint64_t& state) {
  for (size_t i = 0; i < n; i += 8) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    memcpy(p + i, &state, std::min<size_t>(8, n - i));
  }
}

long num(const std::string& s) {
  char* end = nullptr;
  long v = strtol(s.c_str(), &end, 0);
  if (!end || *end) {
    fprintf(stderr, "probe: not a number: %s\n", s.c_str());
    _exit(kUsage);
  }
  return v;
}

// ---------------------------------------------------------------- operations

int op_open_flags(const Args& a, int flags, bool write_byte) {
  int fd = open_or_die(a[0], flags);
  if (write_byte) write_all(fd, "w", 1, -1, "write " + a[0]);
  close(fd);
  return 0;
}

int op_cat(const Args& a) {
  std::string s = read_file(a[0]);
  fwrite(s.data(), 1, s.size(), stdout);
  return 0;
}

int op_write(const Args& a, int flags) {
  int fd = open_or_die(a[0], O_WRONLY | O_CREAT | flags);
  write_all(fd, a[1].data(), a[1].size(), -1, "write " + a[0]);
  check(close(fd), "close " + a[0]);
  return 0;
}

// Writes to up to 9 handles of one file, one write(2) per step, and goes on
// past failures. STEPS: steps split by '|', each "N:TEXT" (handle N, opened
// O_WRONLY|O_APPEND at its first step) or "N@OFF:TEXT" (pwrite at OFF; the
// handle is opened O_WRONLY without O_APPEND). Prints one word per step and
// per close, in order ("OK EINVAL OK close1:OK"); exits 0.
int op_writes(const Args& a) {
  std::map<int, int> fds;
  std::string out;
  auto result = [&](const std::string& tag, bool ok, int e) {
    const char* name = ok ? "OK" : strerrorname_np(e);
    out += (out.empty() ? "" : " ") + tag + (name ? name : "EUNKNOWN");
  };
  size_t start = 0;
  while (start <= a[1].size()) {
    size_t bar = a[1].find('|', start);
    std::string step =
        a[1].substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    start = bar == std::string::npos ? a[1].size() + 1 : bar + 1;
    size_t colon = step.find(':');
    if (step.empty() || colon == std::string::npos || step[0] < '1' || step[0] > '9') {
      fprintf(stderr, "probe: writes: bad step [%s]\n", step.c_str());
      return kUsage;
    }
    int h = step[0] - '0';
    bool at = step[1] == '@';
    std::string text = step.substr(colon + 1);
    if (!fds.count(h)) fds[h] = open_or_die(a[0], O_WRONLY | (at ? 0 : O_APPEND));
    ssize_t w = at ? pwrite(fds[h], text.data(), text.size(), num(step.substr(2, colon - 2)))
                   : write(fds[h], text.data(), text.size());
    result("", w == static_cast<ssize_t>(text.size()), w < 0 ? errno : EIO);
  }
  for (auto [h, fd] : fds) {
    int r = close(fd);
    result("close" + std::to_string(h) + ":", r == 0, errno);
  }
  printf("%s\n", out.c_str());
  return 0;
}

// PREFIX, BYTES 'x' and a newline in one write(2) (the kernel splits it into
// FUSE writes of its max_write), then the rest after a short write.
int op_append_long(const Args& a) {
  std::string line = a[1] + std::string(static_cast<size_t>(num(a[2])), 'x') + "\n";
  int fd = open_or_die(a[0], O_WRONLY | O_APPEND);
  write_all(fd, line.data(), line.size(), -1,
            "write " + a[0]);  // the rest after a short write, as stdio does
  check(close(fd), "close " + a[0]);
  return 0;
}

// COUNT lines of PREFIX<i>, BYTES 'y' and a newline, one write(2) each, on
// one O_APPEND descriptor, going on past failures. Prints how the writes
// ended, by errno name: "EINVAL=700" or "OK=3 EACCES=2".
int op_append_lines(const Args& a) {
  int fd = open_or_die(a[0], O_WRONLY | O_APPEND);
  std::map<std::string, int> ends;
  for (long i = 0; i < num(a[3]); ++i) {
    std::string line =
        a[1] + std::to_string(i) + std::string(static_cast<size_t>(num(a[2])), 'y') + "\n";
    ssize_t w = write(fd, line.data(), line.size());
    const char* name = w < 0 ? strerrorname_np(errno) : "OK";
    ++ends[name ? name : "EUNKNOWN"];
  }
  close(fd);
  std::string out;
  for (const auto& [name, n] : ends)
    out += (out.empty() ? "" : " ") + name + "=" + std::to_string(n);
  printf("%s\n", out.c_str());
  return 0;
}

int op_stat(const Args& a, bool follow) {
  struct stat st;
  check(follow ? stat(a[0].c_str(), &st) : lstat(a[0].c_str(), &st), "stat " + a[0]);
  const char* type = S_ISREG(st.st_mode)    ? "file"
                     : S_ISDIR(st.st_mode)  ? "dir"
                     : S_ISLNK(st.st_mode)  ? "symlink"
                     : S_ISFIFO(st.st_mode) ? "fifo"
                                            : "other";
  printf("%s %o %lld %lu %u:%u\n", type, st.st_mode & 07777, static_cast<long long>(st.st_size),
         static_cast<unsigned long>(st.st_nlink), st.st_uid, st.st_gid);
  return 0;
}

int op_readdir(const Args& a) {
  DIR* d = opendir(a[0].c_str());
  if (!d) die_errno("opendir " + a[0]);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(d)) names.emplace_back(e->d_name);
  if (errno) die_errno("readdir " + a[0]);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) printf("%s\n", n.c_str());
  return 0;
}

int op_readlink(const Args& a) {
  char buf[4096];
  ssize_t n = readlink(a[0].c_str(), buf, sizeof buf - 1);
  if (n < 0) die_errno("readlink " + a[0]);
  printf("%.*s\n", static_cast<int>(n), buf);
  return 0;
}

int op_rename(const Args& a, unsigned flags) {
  check(renameat2(AT_FDCWD, a[0].c_str(), AT_FDCWD, a[1].c_str(), flags),
        "rename " + a[0] + " " + a[1]);
  return 0;
}

int op_utimens(const Args& a) {
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
  check(utimensat(AT_FDCWD, a[0].c_str(), ts, AT_SYMLINK_NOFOLLOW), "utimensat " + a[0]);
  return 0;
}

int op_getxattr(const Args& a) {
  char buf[4096];
  ssize_t n = getxattr(a[0].c_str(), a[1].c_str(), buf, sizeof buf);
  if (n < 0) die_errno("getxattr " + a[0]);
  printf("%.*s\n", static_cast<int>(n), buf);
  return 0;
}

int op_listxattr(const Args& a) {
  char buf[4096];
  ssize_t n = listxattr(a[0].c_str(), buf, sizeof buf);
  if (n < 0) die_errno("listxattr " + a[0]);
  std::vector<std::string> names;
  for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(strlen(buf + i)) + 1)
    names.emplace_back(buf + i);
  std::sort(names.begin(), names.end());
  for (const auto& s : names) printf("%s\n", s.c_str());
  return 0;
}

int op_fallocate(const Args& a) {
  int fd = open_or_die(a[0], O_WRONLY);
  check(fallocate(fd, 0, num(a[1]), num(a[2])), "fallocate " + a[0]);
  close(fd);
  return 0;
}

// Writes "MMAP" at offset 0 through a shared mapping and reads it back.
int op_mmap_write(const Args& a) {
  int fd = open_or_die(a[0], O_RDWR);
  struct stat st;
  check(fstat(fd, &st), "fstat");
  if (st.st_size < 4) mismatch("mmap-write needs a file of at least 4 bytes");
  void* m =
      mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) die_errno("mmap " + a[0]);
  memcpy(m, "MMAP", 4);
  check(msync(m, static_cast<size_t>(st.st_size), MS_SYNC), "msync");
  munmap(m, static_cast<size_t>(st.st_size));
  close(fd);
  if (read_file(a[0]).compare(0, 4, "MMAP") != 0) mismatch("mmap write not visible");
  return 0;
}

// A sparse file: a hole of 8 MiB, allocation with fallocate, a punched hole.
int op_sparse(const Args& a) {
  const off_t kHole = 8 << 20;
  int fd = open_or_die(a[0], O_RDWR | O_CREAT | O_TRUNC);
  write_all(fd, "end", 3, kHole, "pwrite");
  struct stat st;
  check(fstat(fd, &st), "fstat");
  if (st.st_size != kHole + 3) mismatch("size " + std::to_string(st.st_size));
  if (st.st_blocks * 512 >= kHole) mismatch("the hole is allocated");
  check(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20), "fallocate keep-size");
  check(fallocate(fd, 0, kHole + 3, 4096), "fallocate extend");
  check(fstat(fd, &st), "fstat");
  if (st.st_size != kHole + 3 + 4096)
    mismatch("size after fallocate " + std::to_string(st.st_size));
  write_all(fd, "data", 4, 4096, "pwrite");
  check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192), "punch hole");
  char buf[8192];
  if (pread(fd, buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf)) die_errno("pread");
  for (char c : buf)
    if (c != 0) mismatch("punched hole reads non-zero");
  if (pread(fd, buf, 3, kHole) != 3 || memcmp(buf, "end", 3) != 0) mismatch("tail lost");
  close(fd);
  return 0;
}

int op_copy(const Args& a) {
  int in = open_or_die(a[0], O_RDONLY);
  int out = open_or_die(a[1], O_WRONLY | O_CREAT | O_TRUNC);
  struct stat st;
  check(fstat(in, &st), "fstat");
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(left), 0);
    if (n < 0) die_errno("copy_file_range");
    if (n == 0) mismatch("copy_file_range stopped early");
    left -= n;
  }
  close(in);
  check(close(out), "close");
  if (read_file(a[0]) != read_file(a[1])) mismatch("copy differs");
  return 0;
}

// Takes an exclusive lock, then checks from a second process (its own open
// file description) that the lock holds, and that it is free once released.
int op_lock(const Args& a, bool posix) {
  auto lock = [posix](int fd, bool wait) {
    if (!posix) return flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl);
  };
  auto unlock = [posix](int fd) {
    if (!posix) return flock(fd, LOCK_UN);
    struct flock fl = {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, F_SETLK, &fl);
  };
  // The child reports: 0 = lock busy as expected, 1 = lock was free, 2 = error.
  auto try_in_child = [&]() {
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(a[0].c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) _exit(2);
      if (lock(fd, false) == 0) _exit(1);
      _exit(errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES ? 0 : 2);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
  };
  int fd = open_or_die(a[0], O_RDWR);
  check(lock(fd, true), posix ? "fcntl F_SETLKW" : "flock");
  if (try_in_child() != 0) mismatch("a second process got the lock");
  check(unlock(fd), "unlock");
  if (try_in_child() != 1) mismatch("the lock stayed taken after unlock");
  close(fd);
  return 0;
}

int op_fsync(const Args& a) {
  int fd = open_or_die(a[0], O_WRONLY | O_APPEND);
  write_all(fd, "sync\n", 5, -1, "write");
  check(fsync(fd), "fsync");
  check(fdatasync(fd), "fdatasync");
  close(fd);
  std::string dir = a[0].substr(0, a[0].rfind('/') == std::string::npos ? 0 : a[0].rfind('/'));
  int dfd = open_or_die(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
  check(fsync(dfd), "fsync dir");
  close(dfd);
  return 0;
}

// Writes SIZE_MIB of pseudo-random data, reads it back, prints the checksum.
int op_bigfile(const Args& a) {
  const size_t kChunk = 1 << 20;
  size_t mib = static_cast<size_t>(num(a[1]));
  std::vector<char> buf(kChunk);
  uint64_t state = 0x9E3779B97F4A7C15ull, h = 1469598103934665603ull;
  int fd = open_or_die(a[0], O_WRONLY | O_CREAT | O_TRUNC);
  for (size_t i = 0; i < mib; ++i) {
    fill_pattern(buf.data(), kChunk, state);
    h = fnv(buf.data(), kChunk, h);
    write_all(fd, buf.data(), kChunk, -1, "write");
  }
  check(fsync(fd), "fsync");
  check(close(fd), "close");
  fd = open_or_die(a[0], O_RDONLY);
  uint64_t back = 1469598103934665603ull;
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf.data(), kChunk);
    if (n < 0) die_errno("read");
    if (n == 0) break;
    back = fnv(buf.data(), static_cast<size_t>(n), back);
    total += static_cast<size_t>(n);
  }
  close(fd);
  if (total != mib * kChunk || back != h) mismatch("large file differs when read back");
  printf("%016llx\n", static_cast<unsigned long long>(h));
  return 0;
}

int op_checksum(const Args& a) {
  std::string s = read_file(a[0]);
  printf("%016llx\n", static_cast<unsigned long long>(fnv(s.data(), s.size())));
  return 0;
}

// make KIND PATH OCTAL UMASK: under umask UMASK, makes PATH as KIND asks
// (open: open(O_CREAT|O_EXCL); mknod-reg, mknod-sock, mkfifo, mkdir, symlink)
// with mode OCTAL, and prints the mode it got, as lstat sees it (octal).
int op_make(const Args& a) {
  mode_t mode = static_cast<mode_t>(strtol(a[2].c_str(), nullptr, 8));
  umask(static_cast<mode_t>(strtol(a[3].c_str(), nullptr, 8)));
  const std::string& p = a[1];
  const std::string what = a[0] + " " + p;
  if (a[0] == "open")
    check(close(open_or_die(p, O_WRONLY | O_CREAT | O_EXCL, mode)), what);
  else if (a[0] == "mknod-reg")
    check(mknod(p.c_str(), S_IFREG | mode, 0), what);
  else if (a[0] == "mknod-sock")
    check(mknod(p.c_str(), S_IFSOCK | mode, 0), what);
  else if (a[0] == "mkfifo")
    check(mkfifo(p.c_str(), mode), what);
  else if (a[0] == "mkdir")
    check(mkdir(p.c_str(), mode), what);
  else if (a[0] == "symlink")
    check(symlink("target", p.c_str()), what);
  else {
    fprintf(stderr, "probe: make: unknown kind %s\n", a[0].c_str());
    _exit(kUsage);
  }
  struct stat st;
  check(lstat(p.c_str(), &st), "lstat " + p);
  printf("%04o\n", static_cast<unsigned>(st.st_mode & 07777));
  return 0;
}

struct Op {
  size_t nargs;
  std::function<int(const Args&)> run;
  const char* usage;
};

const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> m = {
      // reads
      {"open-r", {1, [](const Args& a) { return read_file(a[0]), 0; }, "PATH"}},
      {"cat", {1, op_cat, "PATH"}},
      {"stat", {1, [](const Args& a) { return op_stat(a, true); }, "PATH"}},
      {"lstat", {1, [](const Args& a) { return op_stat(a, false); }, "PATH"}},
      {"readdir", {1, op_readdir, "DIR"}},
      {"readlink", {1, op_readlink, "PATH"}},
      {"getxattr", {2, op_getxattr, "PATH NAME"}},
      {"listxattr", {1, op_listxattr, "PATH"}},
      {"open-nofollow",
       {1, [](const Args& a) { return op_open_flags(a, O_RDONLY | O_NOFOLLOW, false); }, "PATH"}},
      {"checksum", {1, op_checksum, "PATH"}},
      // write-class
      {"open-w", {1, [](const Args& a) { return op_open_flags(a, O_WRONLY, true); }, "PATH"}},
      {"open-rw", {1, [](const Args& a) { return op_open_flags(a, O_RDWR, false); }, "PATH"}},
      {"open-trunc",
       {1, [](const Args& a) { return op_open_flags(a, O_WRONLY | O_TRUNC, false); }, "PATH"}},
      {"open-rdtrunc",
       {1, [](const Args& a) { return op_open_flags(a, O_RDONLY | O_TRUNC, false); }, "PATH"}},
      {"create",
       {1, [](const Args& a) { return op_open_flags(a, O_WRONLY | O_CREAT | O_EXCL, false); },
        "PATH"}},
      {"write", {2, [](const Args& a) { return op_write(a, O_TRUNC); }, "PATH TEXT"}},
      {"append", {2, [](const Args& a) { return op_write(a, O_APPEND); }, "PATH TEXT"}},
      {"writes", {2, op_writes, "PATH STEPS"}},
      {"append-long", {3, op_append_long, "PATH PREFIX BYTES"}},
      {"append-lines", {4, op_append_lines, "PATH PREFIX BYTES COUNT"}},
      {"mkfifo",
       {1, [](const Args& a) { return check(mkfifo(a[0].c_str(), 0644), "mkfifo " + a[0]), 0; },
        "PATH"}},
      {"mknod-reg",
       {1,
        [](const Args& a) {
          return check(mknod(a[0].c_str(), S_IFREG | 0644, 0), "mknod " + a[0]), 0;
        },
        "PATH"}},
      {"mkdir",
       {1, [](const Args& a) { return check(mkdir(a[0].c_str(), 0755), "mkdir " + a[0]), 0; },
        "PATH"}},
      {"make", {4, op_make, "KIND PATH OCTAL UMASK"}},
      {"unlink",
       {1, [](const Args& a) { return check(unlink(a[0].c_str()), "unlink " + a[0]), 0; }, "PATH"}},
      {"rmdir",
       {1, [](const Args& a) { return check(rmdir(a[0].c_str()), "rmdir " + a[0]), 0; }, "PATH"}},
      {"rename", {2, [](const Args& a) { return op_rename(a, 0); }, "FROM TO"}},
      {"rename-noreplace",
       {2, [](const Args& a) { return op_rename(a, RENAME_NOREPLACE); }, "FROM TO"}},
      {"rename-exchange", {2, [](const Args& a) { return op_rename(a, RENAME_EXCHANGE); }, "A B"}},
      {"link",
       {2, [](const Args& a) { return check(link(a[0].c_str(), a[1].c_str()), "link"), 0; },
        "FROM TO"}},
      {"symlink",
       {2, [](const Args& a) { return check(symlink(a[0].c_str(), a[1].c_str()), "symlink"), 0; },
        "TARGET LINK"}},
      {"truncate",
       {2,
        [](const Args& a) {
          return check(truncate(a[0].c_str(), num(a[1])), "truncate " + a[0]), 0;
        },
        "PATH LEN"}},
      {"chmod",
       {2,
        [](const Args& a) {
          return check(chmod(a[0].c_str(), static_cast<mode_t>(strtol(a[1].c_str(), nullptr, 8))),
                       "chmod " + a[0]),
                 0;
        },
        "PATH OCTAL"}},
      {"chown",
       {3,
        [](const Args& a) {
          return check(lchown(a[0].c_str(), static_cast<uid_t>(num(a[1])),
                              static_cast<gid_t>(num(a[2]))),
                       "chown " + a[0]),
                 0;
        },
        "PATH UID GID"}},
      {"utimens", {1, op_utimens, "PATH"}},
      {"setxattr",
       {3,
        [](const Args& a) {
          return check(setxattr(a[0].c_str(), a[1].c_str(), a[2].data(), a[2].size(), 0),
                       "setxattr " + a[0]),
                 0;
        },
        "PATH NAME VALUE"}},
      {"removexattr",
       {2,
        [](const Args& a) {
          return check(removexattr(a[0].c_str(), a[1].c_str()), "removexattr " + a[0]), 0;
        },
        "PATH NAME"}},
      {"fallocate", {3, op_fallocate, "PATH OFFSET LEN"}},
      // self-checking workflows
      {"mmap-write", {1, op_mmap_write, "PATH"}},
      {"sparse", {1, op_sparse, "PATH"}},
      {"copy", {2, op_copy, "FROM TO"}},
      {"flock", {1, [](const Args& a) { return op_lock(a, false); }, "PATH"}},
      {"fcntl-lock", {1, [](const Args& a) { return op_lock(a, true); }, "PATH"}},
      {"fsync", {1, op_fsync, "PATH"}},
      {"bigfile", {2, op_bigfile, "PATH MIB"}},
  };
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !ops().count(argv[1])) {
    fprintf(stderr, "usage: probe OP ARGS...\n");
    for (const auto& [name, op] : ops()) fprintf(stderr, "  probe %s %s\n", name.c_str(), op.usage);
    return kUsage;
  }
  const Op& op = ops().at(argv[1]);
  Args args(argv + 2, argv + argc);
  if (args.size() != op.nargs) {
    fprintf(stderr, "usage: probe %s %s\n", argv[1], op.usage);
    return kUsage;
  }
  int rc = op.run(args);
  if (fflush(stdout) != 0) return kMismatch;
  return rc;
}
