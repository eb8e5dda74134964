// --auto-claim end to end (DESIGN.md §5): a registered agent's first write to
// an unclaimed file that git does not ignore claims it, so the next agent
// is refused naming the first; anonymous writers and ignored files claim
// nothing; the claims go with their instance.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/store.h"
#include "tests/fs/mount_test.h"

namespace aio::test {
namespace {

class AutoClaim : public Mount {
 protected:
  // A git work tree (so .gitignore counts) holding src/a.ts and an ignored build/.
  void make_repo() {
    Proc g = run({"git", "init", "-q", src_}, {{"GIT_CONFIG_GLOBAL", "/dev/null"}}, root_);
    ASSERT_EQ(g.code, 0) << g.show();
    put(".gitignore", "build/\n*.log\n");
    put("src/a.ts", "a\n");
    put("build/x.o", "");
  }
  // "target holder [auto]" for each claim in `aio status --json`, sorted.
  std::vector<std::string> held() {
    Proc p = aio(As::kAnon, {"status", "--json"});
    EXPECT_EQ(p.code, 0) << p.show();
    std::vector<std::string> out;
    if (p.code != 0) return out;
    nlohmann::json status = nlohmann::json::parse(p.out);
    for (const auto& c : status.at("claims")) {
      std::string who = c.at("instanceId") == id_a_ ? "A" : c.at("instanceId") == id_b_ ? "B" : "?";
      out.push_back(c.at("target").get<std::string>() + " " + who +
                    (c.value("autoClaimed", false) ? " auto" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  using V = std::vector<std::string>;
};

TEST_F(AutoClaim, FirstWriterWinsIgnoredAndAnonymousClaimNothingReleasedOnExit) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  steps({
      {As::kA, {"write", "src/a.ts", "by A\n"}, "OK"},
      {As::kA, {"append", "src/a.ts", "more by A\n"}, "OK"},  // A's own now
      {As::kB, {"write", "src/a.ts", "by B\n"}, "EACCES"},
      {As::kB, {"truncate", "src/a.ts", "0"}, "EACCES"},
      {As::kA, {"write", "build/x.o", "obj"}, "OK"},    // build/ is ignored
      {As::kA, {"create", "build/y.o"}, "OK"},          // ... new files in it too
      {As::kA, {"write", "debug.log", "x"}, "OK"},      // *.log
      {As::kA, {"write", ".git/aio-test", "x"}, "OK"},  // .git is always ignored
      {As::kAnon, {"write", "src/anon.ts", "x"}, "OK"},
      {As::kB, {"create", "src/b.ts"}, "OK"},
      {As::kB, {"chmod", "src/anon.ts", "600"}, "OK"},  // no content change: no claim
      {As::kB, {"mkdir", "src/dir"}, "OK"},
      {As::kB, {"unlink", "debug.log"}, "OK"},
  });
  EXPECT_EQ(held(), (V{"src/a.ts A auto", "src/b.ts B auto"}));
  EXPECT_EQ(probe(As::kB, {"cat", "src/a.ts"}).out, "by A\nmore by A\n");

  // The refusal names the first writer, everywhere it is shown.
  Proc den = sh(As::kAnon, "grep -F src/a.ts .aio/denials");
  EXPECT_TRUE(contains(den.out, id_b_) && contains(den.out, "claimed by " + id_a_)) << den.show();
  Proc st = sh(As::kAnon, "cat .aio/status");
  EXPECT_TRUE(contains(st.out, "(mode enforce, auto-claim)")) << st.out;
  EXPECT_TRUE(contains(st.out, "auto-claimed")) << st.out;
  Proc js = sh(As::kAnon,
               "jq -r '.autoClaim, ([.claims[] | select(.autoClaimed)] | length)' "
               ".aio/status.json");
  EXPECT_EQ(js.out, "true\n2\n") << js.show();
  Proc cli = aio(As::kAnon, {"status"});
  EXPECT_TRUE(contains(cli.out, "auto-claimed") && contains(cli.out, "enforce, auto-claim"))
      << cli.out;
  Proc mounts = aio(As::kAnon, {"mounts", "--json"});
  EXPECT_TRUE(contains(mounts.out, "\"autoClaim\": true")) << mounts.out;

  // An explicit claim is not marked; unregistering A releases its claims.
  ASSERT_FALSE(claim(As::kA, "file", "src/explicit.ts").empty());
  EXPECT_EQ(held(), (V{"src/a.ts A auto", "src/b.ts B auto", "src/explicit.ts A"}));
  Proc un = aio(As::kA, {"unregister"});
  ASSERT_EQ(un.code, 0) << un.show();
  EXPECT_EQ(held(), (V{"src/b.ts B auto"}));
  EXPECT_EQ(outcome(probe(As::kB, {"write", "src/a.ts", "by B\n"})), "OK");
  EXPECT_EQ(held(), (V{"src/a.ts B auto", "src/b.ts B auto"}));
}

TEST_F(AutoClaim, EditsOfAGitignoreCountAtOnce) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  EXPECT_EQ(outcome(probe(As::kA, {"write", "build/x.o", "1"})), "OK");
  EXPECT_EQ(held(), V{});
  // The .gitignore itself is a file like any other: A's write claims it.
  EXPECT_EQ(outcome(probe(As::kA, {"write", ".gitignore", "*.log\n"})), "OK");
  EXPECT_EQ(outcome(probe(As::kA, {"write", "build/x.o", "2"})), "OK");
  EXPECT_EQ(held(), (V{".gitignore A auto", "build/x.o A auto"}));
  EXPECT_EQ(outcome(probe(As::kB, {"write", "build/x.o", "3"})), "EACCES");
  // A .gitignore deeper down, and git's info/exclude.
  EXPECT_EQ(outcome(probe(As::kAnon, {"write", "src/.gitignore", "gen/\n"})), "OK");
  EXPECT_EQ(outcome(probe(As::kAnon, {"write", ".git/info/exclude", "*.tmp\n"})), "OK");
  steps({
      {As::kB, {"write", "src/gen/x.ts", "x"}, "ENOENT"},  // no such directory yet
      {As::kB, {"mkdir", "src/gen"}, "OK"},
      {As::kB, {"write", "src/gen/x.ts", "x"}, "OK"},
      {As::kB, {"write", "scratch.tmp", "x"}, "OK"},
      {As::kB, {"write", "gen/x.ts", "x"}, "ENOENT"},
  });
  EXPECT_EQ(held(), (V{".gitignore A auto", "build/x.o A auto"}));
}

TEST_F(AutoClaim, RenamingOntoAFileClaimsItAndTheTemporaryClaimMoves) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  // sed -i writes a temporary file and renames it over the original.
  Proc sed = sh(As::kA, "sed -i s/a/A/ src/a.ts && cat src/a.ts");
  ASSERT_EQ(sed.code, 0) << sed.show();
  EXPECT_EQ(sed.out, "A\n");
  EXPECT_EQ(held(), (V{"src/a.ts A auto"}));
  sed = sh(As::kB, "sed -i s/A/B/ src/a.ts");
  EXPECT_NE(sed.code, 0) << sed.show();
  EXPECT_EQ(held(), (V{"src/a.ts A auto"}));  // B's temporary file went with its failure
  EXPECT_EQ(probe(As::kAnon, {"cat", "src/a.ts"}).out, "A\n");
}

TEST_F(AutoClaim, AnInstancesOwnAutoClaimWorksWithoutTheMountFlag) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount("strict"));
  // What `aio exec --auto-claim` records: the instance's autoClaim field.
  auto store = open_file_store(home_);
  ASSERT_TRUE(store) << store.status().message();
  Status s = (*store)->update([&](Txn& t) {
    Instance a = t.state().instances.at(id_a_);
    a.auto_claim = true;
    t.put_instance(a);
    return Status::ok();
  });
  ASSERT_TRUE(s) << s.message();
  steps({
      {As::kA, {"write", "src/a.ts", "by A\n"}, "OK"},  // strict, yet claimed by writing
      {As::kB, {"write", "src/a.ts", "by B\n"}, "EACCES"},
      {As::kB, {"write", "src/b.ts", "by B\n"}, "EACCES"},  // strict, and B does not auto-claim
      {As::kA, {"write", "build/x.o", "x"}, "EACCES"},      // ignored: not claimed, so strict
  });
  EXPECT_EQ(held(), (V{"src/a.ts A auto"}));
  Proc st = sh(As::kAnon, "cat .aio/status");
  EXPECT_TRUE(contains(st.out, "(mode strict)")) << st.out;
  EXPECT_TRUE(contains(st.out, "live, auto-claim")) << st.out;
}

// `aio exec --auto-claim` records autoClaim on the instance it registers,
// so the agent's first write through a mount started without --auto-claim
// claims the file: the others are refused while the agent runs, and the
// claim goes with it. Instances without autoClaim claim nothing there.
TEST_F(AutoClaim, AnAgentUnderAioExecAutoClaimsThroughAMountWithoutTheFlag) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount());
  Proc r = sh(As::kAnon,
              "$AIO exec --tool fake --auto-claim -- /bin/sh -c '"
              "e=$($PROBE write src/a.ts E 2>/dev/null); "
              "b=$(AIO_INSTANCE=$B $PROBE write src/a.ts B 2>/dev/null); "
              "a=$(AIO_INSTANCE=$A $PROBE write src/c.ts A 2>/dev/null); "
              "echo \"${e:-OK} ${b:-OK} ${a:-OK}\"; "
              "$AIO status --json | jq -r \".claims[] | "
              "[.target, (.instanceId == env.AIO_INSTANCE), .autoClaimed] | @tsv\"'");
  ASSERT_EQ(r.code, 0) << r.show();
  EXPECT_EQ(r.out, "OK EACCES OK\nsrc/a.ts\ttrue\ttrue\n") << r.show();
  EXPECT_EQ(held(), V{});  // the agent ended: unregistered, its claim released
  EXPECT_EQ(probe(As::kB, {"cat", "src/a.ts"}).out, "E");
  EXPECT_EQ(outcome(probe(As::kB, {"write", "src/a.ts", "B"})), "OK");
  EXPECT_EQ(held(), V{});
}

// A claim covers the file's inode: a write refused for another name of the
// file claims nothing, and an auto-claim covers the other names.
TEST_F(AutoClaim, HardLinksAreJudgedBeforeClaiming) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  put("h1", "h\n");
  put("k1", "k\n");
  ASSERT_EQ(link(src("h1").c_str(), src("h2").c_str()), 0);
  ASSERT_EQ(link(src("k1").c_str(), src("k2").c_str()), 0);
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  ASSERT_FALSE(claim(As::kB, "file", "h2").empty());
  steps({
      {As::kA, {"write", "h1", "by A"}, "EACCES"},
      {As::kA, {"write", "k1", "by A"}, "OK"},
      {As::kB, {"write", "k2", "by B"}, "EACCES"},
  });
  EXPECT_EQ(held(), (V{"h2 B", "k1 A auto"}));
}

// The daemon waits for the store's lock to auto-claim a new file while the
// kernel holds the file's directory locked. `aio claim` looks at its target
// (in that directory) before it takes the lock, never with it held
// (core/store.h), so both go on once a slow holder lets go of the lock (the
// claim, waiting first, takes it first). So do `aio register`, `aio exec
// --claim` and `aio check` naming paths in that directory: they place them
// (realpath, git) and look at them before they lock.
TEST_F(AutoClaim, AClaimBesideAFileBeingCreatedNeverDeadlocks) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  put("src/sub/keep", "");
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  std::atomic<int> done{0};
  Proc holder, writer, claimer, registrar, execer, checker;
  std::thread t1([&] {
    holder = run({"flock", home_ + "/state.lock", "sleep", "2"}, {}, root_);
    ++done;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread t2([&] {
    claimer = aio(As::kB, {"claim", "file", "src/zzz.ts"});
    ++done;
  });
  std::thread t4([&] {
    registrar = aio_in(As::kAnon, src("src"), {"register", "gemini", "sub", "-q", "--pid", "0"});
    ++done;
  });
  std::thread t6([&] {
    execer = aio_in(As::kAnon, src("src"), {"exec", "--claim", "file", "e.ts", "--", "true"});
    ++done;
  });
  std::thread t5([&] {
    checker = aio_in(As::kB, src("src"), {"check", "zzz.ts"});
    ++done;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::thread t3([&] {
    writer = probe(As::kA, {"write", "src/new.ts", "A"});
    ++done;
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool stuck = done < 6;
  if (stuck) kill(daemon_, SIGKILL);  // ends the FUSE session: everything waiting wakes up
  t1.join();
  t2.join();
  t3.join();
  t4.join();
  t5.join();
  t6.join();
  ASSERT_FALSE(stuck) << "deadlock: the writer and a command waited for each other";
  EXPECT_EQ(outcome(writer), "OK") << writer.show();
  EXPECT_EQ(claimer.code, 0) << claimer.show();
  EXPECT_EQ(registrar.code, 0) << registrar.show();
  EXPECT_EQ(execer.code, 0) << execer.show();
  EXPECT_TRUE(checker.code == 0 || checker.code == 1) << checker.show();  // before or after
  EXPECT_EQ(held(), (V{"src/new.ts A auto", "src/zzz.ts B"}));
}

TEST_F(AutoClaim, TwoAgentsRacingForFilesEachFileHasOneWriter) {
  ASSERT_NO_FATAL_FAILURE(make_repo());
  ASSERT_NO_FATAL_FAILURE(mount("enforce", true, {"--auto-claim"}));
  constexpr int kFiles = 12;
  std::string script;
  for (int k = 0; k < kFiles; ++k) {
    std::string f = "race/f" + std::to_string(k);
    script += "AIO_INSTANCE=$A $PROBE write " + f + " A >/dev/null 2>&1 & " +
              "AIO_INSTANCE=$B $PROBE write " + f + " B >/dev/null 2>&1 & wait; ";
  }
  ASSERT_EQ(sh(As::kAnon, "mkdir race").code, 0);
  Proc r = sh(As::kAnon, script);
  ASSERT_EQ(r.code, 0) << r.show();
  V claims = held();
  ASSERT_EQ(claims.size(), static_cast<size_t>(kFiles)) << testing::PrintToString(claims);
  for (const auto& c : claims) {
    // "race/fK W auto": the file holds what its claimer W wrote, and nothing of the other.
    std::string file = c.substr(0, c.find(' ')), who = c.substr(c.find(' ') + 1, 1);
    EXPECT_EQ(probe(As::kAnon, {"cat", file}).out, who) << c;
  }
}

}  // namespace
}  // namespace aio::test
