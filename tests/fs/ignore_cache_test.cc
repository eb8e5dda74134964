// fs/ignore_cache: git's ignore files read through a directory descriptor,
// cached and read again when they change. No mount needed.
#include "fs/ignore_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace aio::fs {
namespace {

class IgnoreCacheTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-ignore-cache.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    src_ = root_ + "/proj";
    std::filesystem::create_directories(src_ + "/.git/info");
    std::filesystem::create_directories(src_ + "/src/gen");
    fd_ = open(src_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  void put(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::trunc);
    f << text;
    ASSERT_TRUE(f.good()) << path;
  }
  static IgnoreOptions git(const std::string& git_dir, const std::string& excludes = "") {
    IgnoreOptions o;
    o.git_dir = git_dir;
    o.excludes_file = excludes;
    return o;
  }
  std::string root_, src_;
  int fd_ = -1;
};

TEST_F(IgnoreCacheTest, EveryListInGitsOrder) {
  put(src_ + "/.gitignore", "*.o\n!keep.o\n");
  put(src_ + "/src/.gitignore", "/gen\n");
  put(src_ + "/.git/info/exclude", "*.tmp\nkeep.o\n");
  put(root_ + "/global", "*.swp\n*.tmp\n!x.tmp\n");
  IgnoreCache c(fd_, git(".git", root_ + "/global"));
  EXPECT_TRUE(c.ignored("a.o", false));
  EXPECT_FALSE(c.ignored("keep.o", false));  // the .gitignore's verdict comes first
  EXPECT_TRUE(c.ignored("src/gen", true));
  EXPECT_TRUE(c.ignored("src/gen/x.c", false));
  EXPECT_FALSE(c.ignored("gen/x.c", false));
  EXPECT_TRUE(c.ignored("x.tmp", false));  // info/exclude before core.excludesFile
  EXPECT_TRUE(c.ignored("a/b.swp", false));
  EXPECT_TRUE(c.ignored(".git/config", false));
  EXPECT_FALSE(c.ignored("src/main.c", false));
}

TEST_F(IgnoreCacheTest, AnEditCountsFromTheNextQuestion) {
  put(src_ + "/.gitignore", "*.o\n");
  IgnoreCache c(fd_, git(".git"));
  EXPECT_TRUE(c.ignored("a.o", false));
  EXPECT_FALSE(c.ignored("a.c", false));
  put(src_ + "/.gitignore", "*.c\n");  // same size: the times and the inode tell
  EXPECT_FALSE(c.ignored("a.o", false));
  EXPECT_TRUE(c.ignored("a.c", false));
  put(src_ + "/src/.gitignore", "*.h\n");  // a new file
  EXPECT_TRUE(c.ignored("src/x.h", false));
  ASSERT_EQ(unlink((src_ + "/.gitignore").c_str()), 0);  // a removed one
  EXPECT_FALSE(c.ignored("a.c", false));
  // git reads no .gitignore through a symbolic link in the work tree.
  put(root_ + "/outside", "*\n");
  ASSERT_EQ(symlink((root_ + "/outside").c_str(), (src_ + "/.gitignore").c_str()), 0);
  EXPECT_FALSE(c.ignored("a.c", false));
  EXPECT_TRUE(c.ignored("src/x.h", false));
}

TEST_F(IgnoreCacheTest, OutsideAGitWorkTreeOnlyDotGitIsIgnored) {
  put(src_ + "/.gitignore", "*\n");
  IgnoreCache c(fd_, git(""));
  EXPECT_FALSE(c.ignored("a.o", false));
  EXPECT_TRUE(c.ignored(".git/HEAD", false));
}

TEST_F(IgnoreCacheTest, AFifoIsReadAsNothingAndNeverBlocks) {
  ASSERT_EQ(mkfifo((src_ + "/.gitignore").c_str(), 0644), 0);
  put(src_ + "/.git/info/exclude", "*.o\n");
  IgnoreCache c(fd_, git(".git"));
  EXPECT_TRUE(c.ignored("a.o", false));
  EXPECT_FALSE(c.ignored("a.c", false));
}

// A linked worktree's info/exclude is its common directory's, read where
// libgit2 says it is; a source below the top of its work tree is judged
// from the top, with the .gitignore files above it read there.
TEST_F(IgnoreCacheTest, ASourceBelowTheTopAndAnInfoExcludeElsewhere) {
  std::string top = root_ + "/repo";
  std::filesystem::create_directories(top + "/pkg/src");
  std::filesystem::create_directories(root_ + "/common/info");
  put(top + "/.gitignore", "/pkg/gen/\n*.o\n");
  put(top + "/pkg/.gitignore", "/local\n");
  put(root_ + "/common/info/exclude", "/pkg/*.tmp\n");
  int fd = open((top + "/pkg").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  IgnoreOptions o = git(root_ + "/common/worktrees/wt");
  o.info_exclude = root_ + "/common/info/exclude";
  o.prefix = "pkg";
  o.top = top;
  IgnoreCache c(fd, o);
  EXPECT_TRUE(c.ignored("gen/x.c", false));  // anchored at the top
  EXPECT_TRUE(c.ignored("src/a.o", false));  // the top's .gitignore
  EXPECT_TRUE(c.ignored("local", false));    // the source's own, from its descriptor
  EXPECT_FALSE(c.ignored("src/local", false));
  EXPECT_TRUE(c.ignored("x.tmp", false));  // info/exclude of the common directory
  EXPECT_FALSE(c.ignored("src/x.tmp", false));
  EXPECT_FALSE(c.ignored("src/a.c", false));
  close(fd);
}

}  // namespace
}  // namespace aio::fs
