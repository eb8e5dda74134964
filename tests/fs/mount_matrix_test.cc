// Every write-class operation x every claim kind x every caller, the bypasses
// (hard links, renamed parents, symlinks) and the modes.
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

// ------------------------------------------------------------------ the matrix

// What a write-class operation's target is before the operation.
enum class Prep { kFile, kMissing, kEmptyDir };

struct WriteCase {
  const char* name;
  Prep prep;
  bool scratch;  // {U}, an unclaimed file, exists before the operation
  Argv argv;     // probe command line: {P} = the target, {U} = the scratch name
};

// Every write-class operation of DESIGN.md §5, as a program would make it.
const std::vector<WriteCase>& write_cases() {
  static const std::vector<WriteCase> v = {
      {"open-w", Prep::kFile, false, {"open-w", "{P}"}},
      {"open-rw", Prep::kFile, false, {"open-rw", "{P}"}},
      {"open-trunc", Prep::kFile, false, {"open-trunc", "{P}"}},
      {"open-rdonly-trunc", Prep::kFile, false, {"open-rdtrunc", "{P}"}},
      {"open-append", Prep::kFile, false, {"append", "{P}", "more\n"}},
      {"open-creat-existing", Prep::kFile, false, {"write", "{P}", "new\n"}},
      {"create", Prep::kMissing, false, {"create", "{P}"}},
      {"mknod-fifo", Prep::kMissing, false, {"mkfifo", "{P}"}},
      {"mknod-reg", Prep::kMissing, false, {"mknod-reg", "{P}"}},
      {"mkdir", Prep::kMissing, false, {"mkdir", "{P}"}},
      {"unlink", Prep::kFile, false, {"unlink", "{P}"}},
      {"rmdir", Prep::kEmptyDir, false, {"rmdir", "{P}"}},
      {"rename-source", Prep::kFile, false, {"rename", "{P}", "{U}"}},
      {"rename-dir-source", Prep::kEmptyDir, false, {"rename", "{P}", "{U}"}},
      {"rename-dest", Prep::kMissing, true, {"rename", "{U}", "{P}"}},
      {"rename-over", Prep::kFile, true, {"rename", "{U}", "{P}"}},
      {"rename-exchange", Prep::kFile, true, {"rename-exchange", "{U}", "{P}"}},
      {"link-source", Prep::kFile, false, {"link", "{P}", "{U}"}},
      {"link-dest", Prep::kMissing, true, {"link", "{U}", "{P}"}},
      {"symlink", Prep::kMissing, false, {"symlink", "anywhere", "{P}"}},
      {"truncate", Prep::kFile, false, {"truncate", "{P}", "1"}},
      {"chmod", Prep::kFile, false, {"chmod", "{P}", "600"}},
      {"chmod-dir", Prep::kEmptyDir, false, {"chmod", "{P}", "700"}},
      {"chown", Prep::kFile, false, {"chown", "{P}", "1234", "1234"}},
      {"utimens", Prep::kFile, false, {"utimens", "{P}"}},
      {"setxattr", Prep::kFile, false, {"setxattr", "{P}", "user.new", "v"}},
      {"removexattr", Prep::kFile, false, {"removexattr", "{P}", "user.aio"}},
      {"fallocate", Prep::kFile, false, {"fallocate", "{P}", "0", "65536"}},
  };
  return v;
}

// Where a target lies: under a claim of A's, or nowhere claimed.
struct Area {
  const char* name;
  const char* dir;
  const char* suffix;
  bool claimed;
};
const Area kAreas[] = {
    {"file-claim", "fc", "", true},         // A claims each path as a file
    {"directory-claim", "dc", "", true},    // A claims directory dc
    {"pattern-claim", "pc", ".gen", true},  // A claims pattern pc/**/*.gen
    {"unclaimed", "un", "", false},
};

std::string target_of(const Area& a, const WriteCase& c, As who) {
  return std::string(a.dir) + "/" + c.name + "." + short_name(who) + a.suffix;
}
std::string scratch_of(const Area& a, const WriteCase& c, As who) {
  return std::string("scratch/") + a.name + "." + c.name + "." + short_name(who);
}

TEST_F(Mount, WriteMatrixReadsAndNoFdLeak) {
  // The project, before mounting: one target (and scratch file) per case.
  auto make = [&](const std::string& rel, Prep prep) {
    if (prep == Prep::kMissing) return;
    if (prep == Prep::kEmptyDir) {
      std::filesystem::create_directories(src(rel));
      return;
    }
    put(rel, "original\n");
    ASSERT_EQ(setxattr(src(rel).c_str(), "user.aio", "1", 1, 0), 0) << strerror(errno);
  };
  std::filesystem::create_directories(src("scratch"));
  std::string file_claims;
  for (const Area& a : kAreas) {
    std::filesystem::create_directories(src(a.dir));
    for (const char* r : {"read", "rlink"}) {
      std::string rel = std::string(a.dir) + "/" + r + a.suffix;
      if (std::string(r) == "read")
        make(rel, Prep::kFile);
      else
        ASSERT_EQ(symlink((std::string("read") + a.suffix).c_str(), src(rel).c_str()), 0);
      if (std::string(a.dir) == "fc") file_claims += "file " + rel + "\n";
    }
    for (const auto& c : write_cases())
      for (As who : kCallers) {
        make(target_of(a, c, who), c.prep);
        if (c.scratch) make(scratch_of(a, c, who), Prep::kFile);
        if (std::string(a.dir) == "fc")  // an empty directory is claimed as a directory
          file_claims += std::string(c.prep == Prep::kEmptyDir ? "directory " : "file ") +
                         target_of(a, c, who) + "\n";
      }
  }
  ASSERT_NO_FATAL_FAILURE(mount());

  // A's claims: every fc path in one append to .aio/claims (one transaction),
  // the directory and the pattern through the CLI.
  Proc p = probe(As::kA, {"append", ".aio/claims", file_claims});
  ASSERT_EQ(p.code, 0) << p.show();
  ASSERT_FALSE(claim(As::kA, "directory", "dc").empty());
  ASSERT_FALSE(claim(As::kA, "pattern", "pc/**/*.gen").empty());

  // Warm-up: every kind of request from every caller, then the baseline.
  for (As who : kCallers) {
    for (const Argv& w :
         {Argv{"readdir", "."}, Argv{"cat", "un/read"}, Argv{"stat", "fc/read"},
          Argv{"write", "scratch/warm", "x"}, Argv{"getxattr", "un/read", "user.aio"},
          Argv{"cat", ".aio/status"}, Argv{"cat", ".aio/whoami"}}) {
      Proc r = probe(who, w);
      ASSERT_EQ(r.code, 0) << w[0] << " as " << to_string(who) << ": " << r.show();
    }
  }
  auto baseline = daemon_fds();

  int ran = 0;
  for (const Area& a : kAreas)
    for (const auto& c : write_cases())
      for (As who : kCallers) {
        std::string t = target_of(a, c, who), u = scratch_of(a, c, who);
        SCOPED_TRACE(std::string(c.name) + " on " + a.name + " path " + t + " as " +
                     to_string(who));
        bool refused = a.claimed && who != As::kA;
        std::string before_t = source_describe(t), before_u = source_describe(u);
        Proc r = probe(who, subst(c.argv, t, u));
        ++ran;
        EXPECT_EQ(outcome(r), refused ? "EACCES" : "OK") << r.show();
        if (refused) {
          EXPECT_EQ(r.code, EACCES);
          EXPECT_EQ(source_describe(t), before_t) << "a refused operation changed the target";
          EXPECT_EQ(source_describe(u), before_u) << "a refused operation changed the scratch file";
        }
      }
  EXPECT_EQ(ran, 4 * 3 * static_cast<int>(write_cases().size()));

  // Reads are never refused, claimed or not.
  for (const Area& a : kAreas)
    for (As who : kCallers) {
      std::string dir = a.dir, file = dir + "/read" + a.suffix, link = dir + "/rlink" + a.suffix;
      struct Read {
        Argv argv;
        std::string out;  // expected stdout ("" = not checked)
      };
      const Read reads[] = {
          {{"open-r", file}, ""},
          {{"cat", file}, "original\n"},
          {{"cat", link}, "original\n"},
          {{"stat", file}, ""},
          {{"lstat", link}, ""},
          {{"readlink", link}, std::string("read") + a.suffix + "\n"},
          {{"readdir", dir}, ""},
          {{"stat", dir}, ""},
          {{"getxattr", file, "user.aio"}, "1\n"},
          {{"listxattr", file}, ""},
      };
      for (const auto& rd : reads) {
        SCOPED_TRACE(rd.argv[0] + " " + rd.argv[1] + " as " + to_string(who));
        Proc r = probe(who, rd.argv);
        EXPECT_EQ(outcome(r), "OK") << r.show();
        if (!rd.out.empty()) {
          EXPECT_EQ(r.out, rd.out);
        }
      }
    }

  expect_no_fd_leak(baseline);
}

// ------------------------------------------------------------------ bypasses

TEST_F(Mount, HardLinkRenameParentAndSymlinkBypassesAreRefused) {
  put("hl/orig", "claimed\n");
  std::filesystem::create_directories(src("other"));
  // Hard links made before the claim exists.
  ASSERT_EQ(link(src("hl/orig").c_str(), src("hl/alias").c_str()), 0);
  ASSERT_EQ(link(src("hl/orig").c_str(), src("other/alias2").c_str()), 0);
  put("rp/sub/file.txt", "claimed\n");
  put("rp2/deep/x.c", "int x;\n");
  put("cd/f", "in a claimed directory\n");
  put("sl/target.txt", "claimed\n");
  std::filesystem::create_directories(src("un/emptydir"));
  ASSERT_NO_FATAL_FAILURE(mount());
  for (auto [type, target] : {std::pair{"file", "hl/orig"}, std::pair{"file", "rp/sub/file.txt"},
                              std::pair{"pattern", "rp2/**/*.c"}, std::pair{"directory", "cd"},
                              std::pair{"file", "sl/target.txt"}})
    ASSERT_FALSE(claim(As::kA, type, target).empty());
  std::string guarded[] = {"hl/orig", "rp/sub/file.txt", "rp2/deep/x.c", "cd/f", "sl/target.txt"};
  std::map<std::string, std::string> before;
  for (const auto& g : guarded) before[g] = source_describe(g);

  steps({
      // Writing a claimed inode through another name.
      {As::kB, {"open-w", "hl/alias"}, "EACCES"},
      {As::kB, {"open-trunc", "hl/alias"}, "EACCES"},
      {As::kB, {"truncate", "hl/alias", "0"}, "EACCES"},
      {As::kB, {"chmod", "hl/alias", "600"}, "EACCES"},
      {As::kB, {"setxattr", "hl/alias", "user.x", "1"}, "EACCES"},
      {As::kAnon, {"open-w", "other/alias2"}, "EACCES"},
      {As::kAnon, {"append", "other/alias2", "x"}, "EACCES"},
      // Making a new name for it.
      {As::kB, {"link", "hl/orig", "un/newname"}, "EACCES"},
      {As::kB, {"link", "hl/alias", "un/newname2"}, "EACCES"},
      // Renaming a directory above a claimed path moves the claimed path.
      {As::kB, {"rename", "rp/sub", "rp/sub2"}, "EACCES"},
      {As::kB, {"rename", "rp", "rp-moved"}, "EACCES"},
      {As::kAnon, {"rename", "rp", "un/rp"}, "EACCES"},
      {As::kB, {"rename", "rp2", "rp2-moved"}, "EACCES"},  // a pattern matches inside
      {As::kB, {"rename", "rp2/deep", "rp2/deep2"}, "EACCES"},
      {As::kB, {"rename", "cd", "cd2"}, "EACCES"},  // the claimed directory itself
      {As::kB, {"chmod", "cd", "700"}, "EACCES"},
      {As::kB, {"rename", "un/emptydir", "rp/sub"}, "EACCES"},  // replacing it
      {As::kB, {"rename-exchange", "un/emptydir", "cd"}, "EACCES"},
      // A symlink is only a name: writing through it writes the target.
      {As::kB, {"symlink", "../sl/target.txt", "un/rel"}, "OK"},
      {As::kB, {"symlink", mnt("sl/target.txt"), "un/abs"}, "OK"},
      {As::kB, {"open-w", "un/rel"}, "EACCES"},
      {As::kB, {"append", "un/rel", "x"}, "EACCES"},
      {As::kB, {"truncate", "un/rel", "0"}, "EACCES"},
      {As::kB, {"open-w", "un/abs"}, "EACCES"},
      {As::kAnon, {"open-trunc", "un/abs"}, "EACCES"},
      {As::kB, {"cat", "un/rel"}, "OK"},
  });
  for (const auto& g : guarded) EXPECT_EQ(source_describe(g), before[g]) << g;
  // The holder may use every one of these names.
  steps({
      {As::kA, {"append", "hl/alias", "by A\n"}, "OK"},
      {As::kA, {"append", "un/rel", "by A\n"}, "OK"},
      {As::kA, {"rename", "rp/sub", "rp/sub2"}, "OK"},
  });
  settle_attrs();
  Proc r = probe(As::kB, {"cat", "hl/orig"});
  EXPECT_EQ(r.out, "claimed\nby A\n");
}

// ------------------------------------------------------------------ modes

TEST_F(Mount, StrictModeAllowsOnlyWhatTheWriterClaims) {
  put("mine.txt", "a\n");
  put("other.txt", "o\n");
  std::filesystem::create_directories(src("dir"));
  ASSERT_NO_FATAL_FAILURE(mount("strict"));
  ASSERT_FALSE(claim(As::kA, "file", "mine.txt").empty());
  // Claiming through .aio/claims works in strict mode: it is how to start.
  Proc c = sh(As::kB, "echo 'directory dir' >> .aio/claims");
  ASSERT_EQ(c.code, 0) << c.show();
  steps({
      {As::kA, {"open-w", "mine.txt"}, "OK"},
      {As::kA, {"open-w", "other.txt"}, "EACCES"},
      {As::kA, {"create", "new.txt"}, "EACCES"},
      {As::kA, {"mkdir", "newdir"}, "EACCES"},
      {As::kA, {"create", "dir/a"}, "EACCES"},
      {As::kB, {"open-w", "mine.txt"}, "EACCES"},
      {As::kB, {"open-w", "other.txt"}, "EACCES"},
      {As::kB, {"create", "dir/b"}, "OK"},
      {As::kB, {"mkdir", "dir/sub"}, "OK"},
      {As::kAnon, {"open-w", "other.txt"}, "EACCES"},
      {As::kAnon, {"create", "anon.txt"}, "EACCES"},
      {As::kAnon, {"mkdir", "anondir"}, "EACCES"},
      {As::kAnon, {"create", "dir/c"}, "EACCES"},
      {As::kAnon, {"unlink", "other.txt"}, "EACCES"},
      {As::kAnon, {"chmod", "other.txt", "600"}, "EACCES"},
      // Reads stay open to everyone.
      {As::kAnon, {"cat", "mine.txt"}, "OK"},
      {As::kB, {"readdir", "."}, "OK"},
      {As::kA, {"stat", "other.txt"}, "OK"},
  });
  Proc d = sh(As::kAnon, "cat .aio/denials");
  EXPECT_TRUE(contains(d.out, "strict mode: an anonymous process may not change anon.txt"))
      << d.out;
  EXPECT_TRUE(contains(d.out, "strict mode: " + id_a_ + " holds no claim on other.txt")) << d.out;
  Proc j = sh(As::kAnon, "cat .aio/status.json");
  EXPECT_EQ(Json::parse(j.out).at("mode"), "strict");
}

TEST_F(Mount, AdvisoryModeNeverRefusesButLogs) {
  put("a.txt", "a\n");
  ASSERT_NO_FATAL_FAILURE(mount("advisory"));
  ASSERT_FALSE(claim(As::kA, "file", "a.txt").empty());
  steps({
      {As::kB, {"append", "a.txt", "by B\n"}, "OK"},
      {As::kAnon, {"append", "a.txt", "by anonymous\n"}, "OK"},
      {As::kB, {"chmod", "a.txt", "600"}, "OK"},
      {As::kAnon, {"rename", "a.txt", "b.txt"}, "OK"},
  });
  Proc r = probe(As::kA, {"cat", "b.txt"});
  EXPECT_EQ(r.out, "a\nby B\nby anonymous\n");
  Proc d = sh(As::kAnon, "cat .aio/denials");
  EXPECT_TRUE(contains(d.out, "open-for-write")) << d.out;
  EXPECT_TRUE(contains(d.out, id_b_)) << d.out;  // who
  EXPECT_TRUE(contains(d.out, "anonymous")) << d.out;
  EXPECT_TRUE(contains(d.out, "a.txt is claimed by " + id_a_)) << d.out;  // the holder
  EXPECT_TRUE(contains(d.out, "rename")) << d.out;
}

}  // namespace
}  // namespace aio::test
