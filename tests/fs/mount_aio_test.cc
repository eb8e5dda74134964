// The virtual .aio/ directory: reading the state and appending to it.
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
        who == As::kAnon
            ? "anonymous (AIO_INSTANCE is not set, no live instance is bound to "
              "this process or an ancestor, and none was registered from its "
              "terminal session (sid "
            : id(who) + (who == As::kA ? " claude" : " codex") + " (via AIO_INSTANCE)\n";
    Proc r = sh(who, "cat .aio/whoami");
    auto same = [&](const std::string& got) {
      return who == As::kAnon ? got.rfind(want, 0) == 0 : got == want;
    };
    EXPECT_TRUE(same(r.out)) << to_string(who) << ": " << r.out;
    for (As other : kCallers) {
      ASSERT_EQ(probe(other, {"stat", ".aio/whoami"}).code, 0);
      r = sh(who, "tail -n 1 .aio/whoami");
      EXPECT_TRUE(same(r.out)) << "tail as " << to_string(who) << " after a stat as "
                               << to_string(other) << ": " << r.out;
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

}  // namespace
}  // namespace aio::test
