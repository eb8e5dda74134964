// Errno parity with a bare directory, and --no-xattr.
//
// End-to-end tests of `aio mount` (DESIGN.md §5): the real binary mounts a
// scratch project through /dev/fuse, and tests/fs/probe runs one system call
// at a time as instance A, instance B or an anonymous process. Every test
// mounts its own project with a fresh AIO_HOME and unmounts in TearDown.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/fs/mount_test.h"

namespace aio::test {
namespace {

// ------------------------------------------------------------------ errno parity

// The same layout in the project and in a bare directory beside it.
void layout(const std::string& base) {
  namespace fs = std::filesystem;
  fs::create_directories(base + "/dir/inner");
  fs::create_directories(base + "/emptydir");
  fs::create_directories(base + "/full");
  fs::create_directories(base + "/emptydir2");
  for (const char* f : {"file", "file2", "full/x", "dir/f"})
    std::ofstream(base + "/" + f) << "data\n";
  symlink("loop", (base + "/loop").c_str());
  symlink("file", (base + "/sym").c_str());
  symlink("missing", (base + "/dangling").c_str());
  mkfifo((base + "/fifo").c_str(), 0644);
}

TEST_F(Mount, ErrnoParityWithABareDirectory) {
  std::string bare = root_ + "/bare";
  layout(bare);
  layout(src_);
  ASSERT_NO_FATAL_FAILURE(mount());
  const std::string long_name(256, 'n');
  std::string too_long_path;
  while (too_long_path.size() < 4200) too_long_path += "dir/../";
  too_long_path += "file";
  struct Case {
    Argv argv;
    const char* want;
  };
  const Case cases[] = {
      {{"open-r", "missing"}, "ENOENT"},
      {{"open-w", "missing"}, "ENOENT"},
      {{"open-r", "nodir/file"}, "ENOENT"},
      {{"create", "nodir/file"}, "ENOENT"},
      {{"stat", "dangling"}, "ENOENT"},
      {{"unlink", "missing"}, "ENOENT"},
      {{"rmdir", "missing"}, "ENOENT"},
      {{"rename", "missing", "other"}, "ENOENT"},
      {{"chmod", "missing", "600"}, "ENOENT"},
      {{"truncate", "missing", "0"}, "ENOENT"},
      {{"link", "missing", "newlink"}, "ENOENT"},
      {{"readdir", "missing"}, "ENOENT"},
      {{"getxattr", "missing", "user.x"}, "ENOENT"},
      {{"mkdir", "dir"}, "EEXIST"},
      {{"mkdir", "file"}, "EEXIST"},
      {{"create", "file"}, "EEXIST"},
      {{"create", "dangling"}, "EEXIST"},
      {{"mkfifo", "file"}, "EEXIST"},
      {{"symlink", "x", "file"}, "EEXIST"},
      {{"link", "file", "file2"}, "EEXIST"},
      {{"rename-noreplace", "file", "file2"}, "EEXIST"},
      {{"rmdir", "full"}, "ENOTEMPTY"},
      {{"rmdir", "dir"}, "ENOTEMPTY"},
      {{"rename", "emptydir", "full"}, "ENOTEMPTY"},  // dir over a non-empty dir
      {{"open-w", "dir"}, "EISDIR"},
      {{"open-rw", "dir"}, "EISDIR"},
      {{"truncate", "dir", "0"}, "EISDIR"},
      {{"unlink", "dir"}, "EISDIR"},
      {{"rename", "file", "emptydir"}, "EISDIR"},
      {{"open-r", "file/x"}, "ENOTDIR"},
      {{"mkdir", "file/x"}, "ENOTDIR"},
      {{"rmdir", "file"}, "ENOTDIR"},
      {{"readdir", "file"}, "ENOTDIR"},
      {{"rename", "dir", "file"}, "ENOTDIR"},
      {{"open-r", "loop"}, "ELOOP"},
      {{"open-w", "loop/x"}, "ELOOP"},
      {{"open-nofollow", "sym"}, "ELOOP"},
      {{"open-r", long_name}, "ENAMETOOLONG"},
      {{"create", long_name}, "ENAMETOOLONG"},
      {{"mkdir", long_name}, "ENAMETOOLONG"},
      {{"open-r", too_long_path}, "ENAMETOOLONG"},
      {{"rename", "dir", "dir/inner/moved"}, "EINVAL"},  // into itself
      {{"truncate", "file", "-1"}, "EINVAL"},
      {{"readlink", "file"}, "EINVAL"},
      {{"link", "dir", "dirlink"}, "EPERM"},
      {{"getxattr", "file", "user.none"}, "ENODATA"},
      {{"removexattr", "file", "user.none"}, "ENODATA"},
      {{"setxattr", "file", "bogus.ns", "1"}, "EOPNOTSUPP"},
      {{"rename", "emptydir2", "dir"}, "ENOTEMPTY"},
  };
  for (const auto& c : cases) {
    std::string line;
    for (const auto& a : c.argv) line += " " + a.substr(0, 40);
    SCOPED_TRACE(line);
    Proc b = run(
        [&] {
          Argv v{probe_bin()};
          v.insert(v.end(), c.argv.begin(), c.argv.end());
          return v;
        }(),
        env_for(As::kAnon), bare);
    Proc m = probe(As::kAnon, c.argv);
    EXPECT_EQ(outcome(b), c.want) << "bare directory: " << b.show();
    EXPECT_EQ(outcome(m), outcome(b)) << "mount: " << m.show();
    EXPECT_EQ(m.code, b.code);
  }

  // EXDEV: renaming or linking across filesystems. The mount is another
  // filesystem than the bare directory, even on the same disk.
  EXPECT_EQ(outcome(probe(As::kAnon, {"rename", "file", bare + "/moved"})), "EXDEV");
  EXPECT_EQ(outcome(probe(As::kAnon, {"link", "file", bare + "/linked"})), "EXDEV");
  struct stat a, b;
  if (stat("/dev/shm", &a) == 0 && stat(bare.c_str(), &b) == 0 && a.st_dev != b.st_dev) {
    std::string away = "/dev/shm/aio-fs-test-exdev-" + std::to_string(getpid());
    Proc rb = run({probe_bin(), "rename", "file", away}, env_for(As::kAnon), bare);
    Proc rm = probe(As::kAnon, {"rename", "file", away});
    unlink(away.c_str());
    EXPECT_EQ(outcome(rb), "EXDEV") << rb.show();
    EXPECT_EQ(outcome(rm), "EXDEV") << rm.show();
  }
  // Nothing above changed the project.
  unmount();
  std::string bare_digest = tree_digest(bare), src_digest = tree_digest(src_);
  auto strip = [](std::string d) {  // times differ between the two copies
    std::string out;
    std::istringstream in(d);
    for (std::string line; std::getline(in, line);) {
      size_t m = line.find(" mtime=");
      if (m != std::string::npos) line.erase(m, line.find(' ', m + 1) - m);
      out += line + "\n";
    }
    return out;
  };
  EXPECT_EQ(strip(src_digest), strip(bare_digest));
}

// --no-xattr: every xattr call fails as on a filesystem without them, and the
// project's own attributes are left as they were.
TEST_F(Mount, NoXattrOptionTurnsExtendedAttributesOff) {
  put("tagged", "x");
  ASSERT_EQ(setxattr(src("tagged").c_str(), "user.keep", "1", 1, 0), 0) << strerror(errno);
  std::string before = source_describe("tagged");
  mount("enforce", true, {"--no-xattr"});
  struct Case {
    Argv argv;
    const char* want;
  };
  const Case cases[] = {
      {{"getxattr", "tagged", "user.keep"}, "EOPNOTSUPP"},
      {{"listxattr", "tagged"}, "EOPNOTSUPP"},
      {{"setxattr", "tagged", "user.new", "v"}, "EOPNOTSUPP"},
      {{"removexattr", "tagged", "user.keep"}, "EOPNOTSUPP"},
      {{"write", "tagged", "y"}, "OK"},  // writes still go on
      {{"getxattr", "tagged", "user.keep"}, "EOPNOTSUPP"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.argv[0]);
    Proc p = probe(As::kAnon, c.argv);
    EXPECT_EQ(outcome(p), c.want) << p.show();
  }
  unmount();
  std::string after = source_describe("tagged");
  EXPECT_NE(after.find("user.keep=1"), std::string::npos) << after;
  EXPECT_EQ(after.find("user.new"), std::string::npos) << after;
  EXPECT_NE(before, after);  // the write reached the file
}

}  // namespace
}  // namespace aio::test
