// Real tools in the mount (git, editors, shell tools) and the mount's lifecycle.
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

// ------------------------------------------------------------------ workflows

TEST_F(Mount, GitWorkflowInsideTheMount) {
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "directory", "repo").empty());
  const std::string git =
      "GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -c user.name=Test "
      "-c user.email=test@example.com -c init.defaultBranch=main";
  Proc r = sh(As::kA, "set -e; G='" + git +
                          "'; mkdir repo; cd repo; eval $G init -q; "
                          "echo one > a.txt; eval $G add a.txt; eval $G commit -qm one; "
                          "eval $G branch feature; eval $G checkout -q feature; "
                          "echo two >> a.txt; eval $G commit -qam two; "
                          "eval $G checkout -q main; echo three > b.txt; eval $G add b.txt; "
                          "eval $G commit -qm three; eval $G checkout -q feature; "
                          "eval $G rebase -q main; eval $G status --porcelain; "
                          "eval $G log --format=%s | tr '\\n' ' '; cat a.txt b.txt");
  ASSERT_EQ(r.code, 0) << r.show();
  EXPECT_EQ(r.out, "two three one one\ntwo\nthree\n");
  // Another instance reads the repository but cannot rewrite A's files.
  std::string before = tree_digest(mnt("repo"));
  r = sh(As::kB, "cd repo && GIT_CONFIG_GLOBAL=/dev/null git log --oneline | wc -l");
  EXPECT_EQ(r.out, "3\n") << r.show();
  r = sh(As::kB, "cd repo && GIT_CONFIG_GLOBAL=/dev/null git checkout -q main 2>&1");
  EXPECT_NE(r.code, 0) << r.show();
  r = sh(As::kAnon, "cd repo && GIT_CONFIG_GLOBAL=/dev/null git reset -q --hard HEAD~1 2>&1");
  EXPECT_NE(r.code, 0) << r.show();
  EXPECT_EQ(tree_digest(mnt("repo")), before);
  r = sh(As::kA, "cd repo && GIT_CONFIG_GLOBAL=/dev/null git checkout -q main && cat a.txt");
  EXPECT_EQ(r.out, "one\n") << r.show();
}

TEST_F(Mount, EditorSavesAndFileIo) {
  put("doc.txt", "original\n");
  put("mm.bin", std::string(8192, 'm'));
  put("log.txt", "");
  ASSERT_NO_FATAL_FAILURE(mount());
  for (const char* f : {"doc.txt", "mm.bin", "log.txt", "big.bin", "sparse.bin"})
    ASSERT_FALSE(claim(As::kA, "file", f).empty());
  auto baseline = daemon_fds();

  steps({
      // vim / VS Code: write a temporary file, rename it over the original.
      {As::kA, {"write", ".doc.txt.swp", "by A\n"}, "OK"},
      {As::kA, {"rename", ".doc.txt.swp", "doc.txt"}, "OK"},
      {As::kB, {"write", "doc.txt.tmp", "by B\n"}, "OK"},
      {As::kB, {"rename", "doc.txt.tmp", "doc.txt"}, "EACCES"},
      {As::kB, {"rename", "doc.txt", "doc.txt~"}, "EACCES"},  // backup-by-rename
      {As::kAnon, {"write", "doc.txt", "by anonymous\n"}, "EACCES"},
      // mmap, O_APPEND, sparse files, copy_file_range, locks, fsync.
      {As::kA, {"mmap-write", "mm.bin"}, "OK"},
      {As::kB, {"mmap-write", "mm.bin"}, "EACCES"},
      {As::kA, {"append", "log.txt", "one\n"}, "OK"},
      {As::kA, {"append", "log.txt", "two\n"}, "OK"},
      {As::kA, {"sparse", "sparse.bin"}, "OK"},
      {As::kA, {"copy", "mm.bin", "copy.bin"}, "OK"},
      {As::kB, {"copy", "doc.txt", "mm.bin"}, "EACCES"},
      {As::kB, {"write", "lock.txt", ""}, "OK"},
      {As::kAnon, {"flock", "lock.txt"}, "OK"},
      {As::kB, {"flock", "log.txt"}, "EACCES"},  // locking opens for writing
      {As::kAnon, {"fcntl-lock", "copy.bin"}, "OK"},
      {As::kA, {"fsync", "log.txt"}, "OK"},
  });
  EXPECT_EQ(probe(As::kB, {"cat", "doc.txt"}).out, "by A\n");
  EXPECT_EQ(probe(As::kB, {"cat", "log.txt"}).out, "one\ntwo\nsync\n");
  EXPECT_EQ(probe(As::kB, {"cat", "mm.bin"}).out.substr(0, 6), "MMAPmm");
  Proc sed = sh(As::kB, "sed -i s/A/B/ doc.txt");
  EXPECT_NE(sed.code, 0) << sed.show();
  sed = sh(As::kA, "sed -i s/A/a/ doc.txt && cat doc.txt");
  EXPECT_EQ(sed.out, "by a\n") << sed.show();

  // A large file round trip: what the mount wrote is what the disk holds.
  Proc big = probe(As::kA, {"bigfile", "big.bin", "64"});
  ASSERT_EQ(big.code, 0) << big.show();
  Proc sum = probe(As::kB, {"checksum", "big.bin"});
  EXPECT_EQ(sum.out, big.out);
  EXPECT_TRUE(contains(source_describe("big.bin"), "size=67108864")) << source_describe("big.bin");
  expect_no_fd_leak(baseline);
}

TEST_F(Mount, ShellToolsOnAClaimedFile) {
  put("claimed.txt", "original\n");
  put("other.txt", "other\n");
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "file", "claimed.txt").empty());
  // What an agent's shell would run. The last ones remove the file.
  const char* tools[] = {
      "touch claimed.txt",           "echo x > claimed.txt",
      "echo x >> claimed.txt",       "echo x | tee -a claimed.txt",
      "sed -i s/o/0/ claimed.txt",   "truncate -s 0 claimed.txt",
      "chmod 600 claimed.txt",       "touch -d 2001-01-01 claimed.txt",
      "cp other.txt claimed.txt",    "dd if=other.txt of=claimed.txt conv=notrunc status=none",
      "ln -f other.txt claimed.txt", "mv -f other.txt claimed.txt",
      "rm -f claimed.txt",
  };
  std::string before = source_describe("claimed.txt");
  for (const char* t : tools)
    for (As who : {As::kB, As::kAnon}) {
      Proc r = sh(who, t);
      EXPECT_NE(r.code, 0) << to_string(who) << ": " << t << " succeeded: " << r.show();
      EXPECT_TRUE(contains(r.err, "Permission denied")) << t << ": " << r.err;
    }
  EXPECT_EQ(source_describe("claimed.txt"), before);
  EXPECT_EQ(source_describe("other.txt").substr(0, 4), "file");
  for (const char* t : tools) {  // each with a fresh other.txt (ln -f shares its inode)
    Proc r = sh(As::kA, std::string("rm -f other.txt && echo other > other.txt && ") + t);
    EXPECT_EQ(r.code, 0) << "A: " << t << ": " << r.show();
  }
  EXPECT_EQ(source_describe("claimed.txt").substr(0, 7), "missing");
}

// ------------------------------------------------------------------ lifecycle

// A small tree with one of every kind of entry.
void sample_tree(const std::string& base) {
  namespace fs = std::filesystem;
  fs::create_directories(base + "/src/lib");
  fs::create_directories(base + "/empty");
  std::ofstream(base + "/README") << "readme\n";
  std::ofstream(base + "/src/main.c") << "int main() { return 0; }\n";
  std::ofstream(base + "/src/lib/util.c") << "void util() {}\n";
  symlink("src/main.c", (base + "/main-link").c_str());
  link((base + "/README").c_str(), (base + "/README.hard").c_str());
  setxattr((base + "/README").c_str(), "user.tag", "t", 1, 0);
  mkfifo((base + "/pipe").c_str(), 0600);
  chmod((base + "/src/main.c").c_str(), 0750);
}

TEST_F(Mount, InPlaceMountLeavesTheProjectAsWritten) {
  sample_tree(src_);
  std::string untouched = tree_digest(src_);
  ASSERT_NO_FATAL_FAILURE(mount());
  EXPECT_EQ(tree_digest(mnt_), untouched) << "the mount shows the project as it is";
  Proc r = probe(As::kAnon, {"stat", ".aio/status"});
  EXPECT_EQ(r.code, 0) << "the mount answers as soon as aio mount returns: " << r.show();
  steps({
      {As::kA, {"write", "new.txt", "new\n"}, "OK"},
      {As::kA, {"append", "README", "more\n"}, "OK"},
      {As::kB, {"unlink", "src/lib/util.c"}, "OK"},
      {As::kB, {"mkdir", "build"}, "OK"},
      {As::kAnon, {"symlink", "../README", "build/readme"}, "OK"},
      {As::kAnon, {"chmod", "new.txt", "640"}, "OK"},
      {As::kA, {"setxattr", "new.txt", "user.k", "v"}, "OK"},
      {As::kA, {"link", "new.txt", "build/new.hard"}, "OK"},
      {As::kA, {"rename", "empty", "build/empty"}, "OK"},
      {As::kA, {"mkfifo", "build/pipe2"}, "OK"},
      {As::kB, {"truncate", "src/main.c", "3"}, "OK"},
  });
  settle_attrs();  // README.hard was written through README
  std::string written = tree_digest(mnt_);
  EXPECT_NE(written, untouched);
  unmount();
  EXPECT_EQ(tree_digest(src_), written);
  EXPECT_FALSE(std::filesystem::exists(src(".aio"))) << ".aio is virtual, never on disk";
}

TEST_F(Mount, MountAtAnotherDirectory) {
  sample_tree(src_);
  ASSERT_NO_FATAL_FAILURE(mount("enforce", /*in_place=*/false));
  EXPECT_NE(mnt_, src_);
  EXPECT_FALSE(std::filesystem::exists(src(".aio"))) << "the project itself is not mounted";
  ASSERT_FALSE(claim(As::kA, "file", "README").empty());
  steps({
      {As::kB, {"append", "README", "x"}, "EACCES"},
      {As::kA, {"append", "README", "by A\n"}, "OK"},
      {As::kB, {"write", "src/new.c", "b\n"}, "OK"},
  });
  // Writes through the mount land in the project.
  std::ifstream f(src("src/new.c"));
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(s, "b\n");
  Proc m = aio(As::kAnon, {"mounts", "--json"});
  Json j = Json::parse(m.out).at("mounts").at(0);
  EXPECT_EQ(j.at("source"), src_);
  EXPECT_EQ(j.at("mountpoint"), mnt_);
  std::string written = tree_digest(mnt_);
  unmount();
  EXPECT_EQ(tree_digest(src_), written);
  EXPECT_TRUE(std::filesystem::is_empty(mnt_));
}

TEST_F(Mount, SecondMountOfTheSameProjectIsRefused) {
  sample_tree(src_);
  ASSERT_NO_FATAL_FAILURE(mount());
  std::string other = root_ + "/other";
  std::filesystem::create_directories(other);
  for (const Argv& args : {Argv{"mount", src_}, Argv{"mount", src_, "--at", other}}) {
    Proc r = aio_in(As::kAnon, root_, args);
    EXPECT_EQ(r.code, 1) << r.show();
    EXPECT_TRUE(contains(r.err, "already mounted")) << r.err;
  }
  Proc m = aio(As::kAnon, {"mounts", "--json"});
  EXPECT_EQ(Json::parse(m.out).at("mounts").size(), 1u) << m.out;
  EXPECT_TRUE(std::filesystem::is_empty(other));
}

TEST_F(Mount, KilledDaemonIsRecoveredWithoutLosingAFile) {
  sample_tree(src_);
  ASSERT_NO_FATAL_FAILURE(mount());
  steps({
      {As::kA, {"bigfile", "data.bin", "4"}, "OK"},
      {As::kA, {"write", "src/new.c", "new\n"}, "OK"},
  });
  std::string before = tree_digest(mnt_);
  pid_t old = daemon_;
  ASSERT_EQ(kill(old, SIGKILL), 0);
  struct stat st;
  int e = 0;
  // The kernel notices the dead daemon at once for anything it must ask
  // (cached attributes may still answer): look up a name never seen.
  for (int k = 0; k < 100; ++k) {
    e = stat(mnt("never-looked-up").c_str(), &st) == 0 ? 0 : errno;
    if (e == ENOTCONN) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(e, ENOTCONN) << "Transport endpoint is not connected";
  mounted_ = false;
  daemon_ = 0;
  ASSERT_NO_FATAL_FAILURE(mount());
  EXPECT_NE(daemon_, old);
  EXPECT_EQ(stat(mnt("README").c_str(), &st), 0) << strerror(errno);
  EXPECT_EQ(tree_digest(mnt_), before);
  Proc w = probe(As::kA, {"cat", ".aio/whoami"});
  EXPECT_EQ(w.out, id_a_ + " claude (via AIO_INSTANCE)\n");
  steps({{As::kB, {"append", "README", "after\n"}, "OK"}});
  settle_attrs();  // README.hard was written through README
  std::string after = tree_digest(mnt_);
  unmount();
  EXPECT_EQ(tree_digest(src_), after);
}

}  // namespace
}  // namespace aio::test
