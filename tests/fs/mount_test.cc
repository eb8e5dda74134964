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

#include "tests/fs/harness.h"

namespace aio::test {
namespace {

using Json = nlohmann::json;
using Argv = std::vector<std::string>;

// One probe run and its expected outcome ("OK" or an errno name).
struct Step {
  As who;
  Argv argv;
  std::string want;
};

class Mount : public MountFixture {
 protected:
  // Runs the steps in order, each as its caller, and checks each outcome.
  void steps(const std::vector<Step>& list) {
    for (const auto& s : list) {
      std::string line;
      for (const auto& a : s.argv) line += " " + a;
      SCOPED_TRACE(std::string(to_string(s.who)) + ":" + line);
      Proc r = probe(s.who, s.argv);
      EXPECT_EQ(outcome(r), s.want) << r.show();
    }
  }
};

// Replaces {P} and {U} in a probe command line.
Argv subst(const Argv& argv, const std::string& p, const std::string& u) {
  Argv out;
  for (const auto& a : argv) out.push_back(a == "{P}" ? p : a == "{U}" ? u : a);
  return out;
}

std::string short_name(As who) {
  return who == As::kA ? "a" : who == As::kB ? "b" : "anon";
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

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

// ------------------------------------------------------------------ .aio/

TEST_F(Mount, AioFilesReadAndAppend) {
  put("a.txt", "a\n");
  put("dir/x", "x\n");
  ASSERT_NO_FATAL_FAILURE(mount());
  auto baseline = daemon_fds();

  // whoami answers per caller, also to tools that trust the size they stat
  // (tail seeks from the end) right after another caller's stat.
  for (As who : kCallers) {
    std::string want =
        who == As::kAnon ? "anonymous\n" : id(who) + (who == As::kA ? " claude\n" : " codex\n");
    Proc r = sh(who, "cat .aio/whoami");
    EXPECT_EQ(r.out, want) << to_string(who);
    for (As other : kCallers) {
      ASSERT_EQ(probe(other, {"stat", ".aio/whoami"}).code, 0);
      r = sh(who, "tail -n 1 .aio/whoami");
      EXPECT_EQ(r.out, want) << "tail as " << to_string(who) << " after a stat as "
                             << to_string(other);
    }
  }

  Proc st = sh(As::kA, "cat .aio/status");
  EXPECT_EQ(st.code, 0) << st.show();
  EXPECT_TRUE(contains(st.out, "aio mount of " + src_ + " (mode enforce)")) << st.out;
  EXPECT_TRUE(contains(st.out, "you: " + id_a_)) << st.out;
  EXPECT_TRUE(contains(st.out, id_b_)) << st.out;

  Proc js = sh(As::kB, "jq -r '.mode, .you, .project, (.instances | length)' .aio/status.json");
  EXPECT_EQ(js.out, "enforce\n" + id_b_ + "\n" + src_ + "\n2\n") << js.show();

  // Appending to claims claims as the writer; `aio status --json` sees it at once.
  struct Append {
    As who;
    std::string line, type, target;
  };
  const Append appends[] = {
      {As::kA, "file a.txt", "file", "a.txt"},
      {As::kA, "directory ./dir/", "directory", "dir"},
      {As::kA, "pattern *.log", "pattern", "**/*.log"},  // the canonical spelling
      {As::kA, "task T-1", "task", "T-1"},
      {As::kB, "file " + mnt("b.txt"), "file", "b.txt"},  // absolute spelling
  };
  for (const auto& ap : appends) {
    SCOPED_TRACE(ap.line);
    Proc r = sh(ap.who, "echo '" + ap.line + "' >> .aio/claims");
    ASSERT_EQ(r.code, 0) << r.show();
    bool found = false;
    for (const auto& c : claims())
      found |= c.at("type") == ap.type && c.at("target") == ap.target &&
               c.at("instanceId") == id(ap.who);
    EXPECT_TRUE(found) << "claim not in aio status --json";
    Proc g = sh(As::kAnon, "grep -F -- '" + ap.target + "' .aio/claims");
    EXPECT_EQ(g.code, 0) << g.show();
  }

  // Bad lines change nothing: EINVAL, or EACCES for a conflict.
  struct Bad {
    As who;
    const char* file;
    std::string text;
    const char* want;
  };
  const Bad bad[] = {
      {As::kA, ".aio/claims", "frob x.txt\n", "EINVAL"},        // unknown kind
      {As::kA, ".aio/claims", "\n", "EINVAL"},                  // empty
      {As::kA, ".aio/claims", "   \n\n", "EINVAL"},             // blank
      {As::kA, ".aio/claims", "file\n", "EINVAL"},              // no target
      {As::kA, ".aio/claims", "file /etc/passwd\n", "EINVAL"},  // outside the project
      {As::kA, ".aio/claims", "file ../outside\n", "EINVAL"},
      {As::kA, ".aio/claims", "directory ../../x\n", "EINVAL"},
      {As::kA, ".aio/claims", "file ok1.txt\nfrob y\n", "EINVAL"},  // all or nothing
      {As::kA, ".aio/claims", "file .\n", "EINVAL"},                // a file claim on a directory
      {As::kAnon, ".aio/claims", "file c.txt\n", "EINVAL"},         // anonymous writer
      {As::kB, ".aio/claims", "file a.txt\n", "EACCES"},            // A holds it
      {As::kB, ".aio/claims", "file dir/x\n", "EACCES"},            // inside A's directory
      {As::kB, ".aio/claims", "file ok2.txt\nfile a.txt\n", "EACCES"},
      {As::kAnon, ".aio/release", "all\n", "EINVAL"},
      {As::kA, ".aio/release", "\n", "EINVAL"},
      {As::kA, ".aio/release", "claim-0-00000000\n", "EACCES"},  // no such claim
      {As::kAnon, ".aio/context/handoff", "from nobody\n", "EINVAL"},
      {As::kA, ".aio/context/handoff", "\n", "EINVAL"},
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(std::string(to_string(b.who)) + " appends [" + b.text + "] to " + b.file);
    auto before = claims();
    Proc r = probe(b.who, {"append", b.file, b.text});
    EXPECT_EQ(outcome(r), b.want) << r.show();
    EXPECT_EQ(claims(), before);
  }
  // B may not release A's claim by id.
  std::string a_claim;
  for (const auto& c : claims())
    if (c.at("target") == "a.txt") a_claim = c.at("id");
  ASSERT_FALSE(a_claim.empty());
  Proc r = probe(As::kB, {"append", ".aio/release", a_claim + "\n"});
  EXPECT_EQ(outcome(r), "EACCES") << r.show();
  Proc ctx = aio(As::kA, {"context", "get", "handoff"});
  EXPECT_FALSE(contains(ctx.out, "from nobody")) << ctx.out;

  // Denials name the holder of what was refused.
  r = probe(As::kB, {"open-w", "a.txt"});
  EXPECT_EQ(outcome(r), "EACCES");
  Proc den = sh(As::kAnon, "grep -F 'open-for-write' .aio/denials");
  EXPECT_EQ(den.code, 0) << den.show();
  EXPECT_TRUE(contains(den.out, "a.txt")) << den.out;
  EXPECT_TRUE(contains(den.out, id_b_)) << den.out;
  EXPECT_TRUE(contains(den.out, "claimed by " + id_a_)) << den.out;

  // Release by id, then all.
  std::string r1 = claim(As::kA, "file", "r1.txt"), r2 = claim(As::kA, "file", "r2.txt");
  ASSERT_FALSE(r1.empty());
  r = sh(As::kA, "echo " + r1 + " >> .aio/release");
  EXPECT_EQ(r.code, 0) << r.show();
  bool has_r1 = false, has_r2 = false;
  for (const auto& c : claims()) {
    has_r1 |= c.at("id") == r1;
    has_r2 |= c.at("id") == r2;
  }
  EXPECT_FALSE(has_r1);
  EXPECT_TRUE(has_r2);
  r = sh(As::kA, "echo all >> .aio/release");
  EXPECT_EQ(r.code, 0) << r.show();
  for (const auto& c : claims()) EXPECT_NE(c.at("instanceId"), id_a_) << c.at("target");
  EXPECT_EQ(outcome(probe(As::kB, {"open-w", "a.txt"})), "OK");  // no longer claimed

  // Context notes: append a line, read it back everywhere.
  r = sh(As::kA, "echo 'handoff: the parser is half done' >> .aio/context/handoff");
  EXPECT_EQ(r.code, 0) << r.show();
  r = sh(As::kB, "printf 'use tabs\\nnever spaces\\n' >> .aio/context/decision");
  EXPECT_EQ(r.code, 0) << r.show();
  ctx = aio(As::kA, {"context", "get", "handoff"});
  EXPECT_TRUE(contains(ctx.out, "handoff: the parser is half done")) << ctx.show();
  r = sh(As::kAnon, "cat .aio/context/handoff");
  EXPECT_TRUE(contains(r.out, "[handoff]")) << r.out;
  EXPECT_TRUE(contains(r.out, "claude (" + id_a_ + "): handoff: the parser is half done")) << r.out;
  r = sh(As::kAnon, "cat .aio/context/decision");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  r = sh(As::kAnon, "cat .aio/context/export.md");
  EXPECT_TRUE(contains(r.out, "## Handoffs")) << r.out;
  EXPECT_TRUE(contains(r.out, "## Decisions")) << r.out;
  EXPECT_TRUE(contains(r.out, "- never spaces")) << r.out;

  // Nothing can be created, removed or renamed inside .aio/.
  steps({
      {As::kA, {"create", ".aio/new"}, "EACCES"},
      {As::kA, {"write", ".aio/new", "x"}, "EACCES"},
      {As::kA, {"mkdir", ".aio/d"}, "EACCES"},
      {As::kA, {"mkfifo", ".aio/f"}, "EACCES"},
      {As::kA, {"symlink", "x", ".aio/l"}, "EACCES"},
      {As::kA, {"link", "a.txt", ".aio/l"}, "EACCES"},
      {As::kA, {"unlink", ".aio/status"}, "EACCES"},
      {As::kA, {"unlink", ".aio/context/handoff"}, "EACCES"},
      {As::kA, {"rmdir", ".aio/context"}, "EACCES"},
      {As::kA, {"rmdir", ".aio"}, "EACCES"},
      {As::kA, {"rename", ".aio/claims", "claims"}, "EACCES"},
      {As::kA, {"rename", "a.txt", ".aio/a.txt"}, "EACCES"},
      {As::kA, {"rename", ".aio", "aio2"}, "EACCES"},
      {As::kA, {"create", ".aio/context/nocategory"}, "EACCES"},
      {As::kA, {"open-w", ".aio/status"}, "EACCES"},  // read-only files
      {As::kA, {"open-w", ".aio/denials"}, "EACCES"},
      {As::kA, {"cat", ".aio/nothing"}, "ENOENT"},
  });
  r = probe(As::kA, {"readdir", ".aio"});
  EXPECT_EQ(r.out, ".\n..\nclaims\ncontext\ndenials\nrelease\nstatus\nstatus.json\nwhoami\n");
  r = probe(As::kA, {"readdir", ".aio/context"});
  EXPECT_EQ(r.out, ".\n..\ndecision\nexport.md\nhandoff\nlearning\npattern\nwarning\n");
  r = probe(As::kA, {"readdir", "."});
  EXPECT_TRUE(contains(r.out, ".aio\n")) << r.out;

  // What the CLI changes shows in .aio/ at once, also to tools that trust
  // the size they stat (tail seeks from the end).
  for (int k = 0; k < 3; ++k) {
    std::string target = "cli" + std::to_string(k) + ".txt";
    // A stat without a read lets the kernel cache the size it reports.
    ASSERT_EQ(probe(As::kAnon, {"stat", ".aio/claims"}).code, 0);
    ASSERT_FALSE(claim(As::kB, "file", target).empty());
    Proc t = sh(As::kAnon, "tail -n 2 .aio/claims; echo --; cat .aio/claims | tail -n 2");
    size_t sep = t.out.find("--\n");
    ASSERT_NE(sep, std::string::npos) << t.show();
    EXPECT_EQ(t.out.substr(0, sep), t.out.substr(sep + 3)) << "tail of the file vs of cat";
    Proc g = sh(As::kAnon, "grep -c -F " + target + " .aio/claims");
    EXPECT_EQ(g.out, "1\n") << g.show();
    Proc h = sh(As::kAnon, "head -n 1 .aio/claims");
    EXPECT_TRUE(contains(h.out, "ID") && contains(h.out, "HOLDER")) << h.out;
    Proc s = sh(As::kAnon, "jq -r '.claims[].target' .aio/status.json | grep -c -F " + target);
    EXPECT_EQ(s.out, "1\n") << s.show();
  }
  r = aio(As::kB, {"release", "all"});
  EXPECT_EQ(r.code, 0) << r.show();
  r = sh(As::kAnon, "grep -c -F cli0.txt .aio/claims");
  EXPECT_EQ(r.out, "0\n") << r.show();
  r = sh(As::kAnon, "cat .aio/claims");
  EXPECT_EQ(r.out, "no active claims\n");

  expect_no_fd_leak(baseline);
}

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
  EXPECT_EQ(w.out, id_a_ + " claude\n");
  steps({{As::kB, {"append", "README", "after\n"}, "OK"}});
  settle_attrs();  // README.hard was written through README
  std::string after = tree_digest(mnt_);
  unmount();
  EXPECT_EQ(tree_digest(src_), after);
}

}  // namespace
}  // namespace aio::test
