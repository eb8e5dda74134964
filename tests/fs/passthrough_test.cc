// Kernel passthrough of file data (fs/passthrough.h) beside the page cache:
// writers go straight to the real file, readers use the kernel's cache of
// the mount, and whatever mix of the two a file sees, every reader sees the
// last write. The same steps run with --no-passthrough, where all data
// passes through the daemon, as the reference.
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fs/harness.h"

namespace aio::test {
namespace {

class Passthrough : public MountFixture, public testing::WithParamInterface<bool> {
 protected:
  // Mounts in place, with kernel passthrough or without (the parameter).
  void mount_param() {
    mount("enforce", true,
          GetParam() ? std::vector<std::string>{} : std::vector<std::string>{"--no-passthrough"});
  }
  // Runs each step through the mount and in a bare directory of the same
  // disk (`bare`, under the test's root): the outputs must be the same.
  void same_as_bare(const char* bare,
                    const std::vector<std::pair<const char*, std::string>>& steps) {
    std::string dir = root_ + "/" + bare;
    ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
    for (const auto& [what, script] : steps) {
      Proc in_mount = sh(As::kA, script);
      Proc on_disk = sh(As::kA, "cd " + dir + " && " + script);
      EXPECT_EQ(in_mount.code, 0) << what << ": " << in_mount.show();
      EXPECT_EQ(in_mount.out, on_disk.out) << what << ": " << in_mount.show() << on_disk.show();
    }
  }
};

struct Step {
  const char* what;
  const char* script;  // /bin/sh -c, in the mount
  const char* out;     // its whole stdout
};

const std::vector<Step>& coherence_steps() {
  static const std::vector<Step> steps = {
      {"create, then read back", "printf one > f && cat f", "one"},
      {"read again (pages kept)", "cat f", "one"},
      {"overwrite, then read", "printf two > f && cat f", "two"},
      {"write in place", "printf twoX | dd of=f conv=notrunc status=none && cat f", "twoX"},
      // Same size, same clock tick: only the open can tell the cache is stale.
      {"rewrite in place at once",
       "for k in 1 2 3 4 5; do cat f > /dev/null; printf \"TWO$k\" | dd of=f conv=notrunc "
       "status=none; "
       "cat f; done",
       "TWO1TWO2TWO3TWO4TWO5"},
      {"write while a reader holds it open", "exec 3<f; printf three > f; cat <&3; exec 3<&-",
       "three"},
      {"read while a writer holds it open", "exec 4>>f; printf four >&4; cat f; exec 4>&-",
       "threefour"},
      {"read after both closed", "cat f", "threefour"},
      {"size after writes", "stat -c %s f", "9\n"},
      {"truncate, then append", ": > f && printf five >> f && cat f && stat -c %s f", "five4\n"},
      {"mmap write, then read", "$PROBE mmap-write f > /dev/null && cat f", "MMAP"},
      {"a second name sees the data", "ln f g && printf six > g && cat f && cat g", "sixsix"},
      {"copy by cat", "cat f > h && cat h", "six"},
  };
  return steps;
}

TEST_P(Passthrough, ReadersSeeTheLastWrite) {
  bool passthrough = GetParam();
  ASSERT_NO_FATAL_FAILURE(mount_param());
  for (const Step& s : coherence_steps()) {
    Proc p = sh(As::kA, s.script);
    EXPECT_EQ(p.code, 0) << s.what << ": " << p.show();
    EXPECT_EQ(p.out, s.out) << s.what << ": " << p.show();
  }
  // What the mount shows is what the project underneath holds.
  EXPECT_NE(source_describe("f").find("size=3"), std::string::npos) << source_describe("f");

  std::string log = mount_log();
  bool offered = log.find("the kernel offers passthrough") != std::string::npos;
  bool on = log.find("passthrough of file data is on") != std::string::npos;
  if (!passthrough) {
    EXPECT_FALSE(offered || on) << log;
  } else if (geteuid() == 0) {
    // As root, every kernel that offers passthrough must get it used.
    EXPECT_EQ(offered, on) << log;
    if (!offered) std::cout << "note: this kernel does not offer FUSE passthrough\n";
  }
}

TEST_P(Passthrough, ClaimsStillDecideAtOpen) {
  put("mine.txt", "A's\n");
  ASSERT_NO_FATAL_FAILURE(mount_param());
  ASSERT_FALSE(claim(As::kA, "file", "mine.txt").empty());
  // B may read A's file but not open it for writing, however it tries.
  EXPECT_EQ(sh(As::kB, "cat mine.txt").out, "A's\n");
  for (const char* script : {"printf B >> mine.txt", "printf B > mine.txt", "exec 5<>mine.txt",
                             "truncate -s 0 mine.txt"}) {
    Proc p = sh(As::kB, script);
    EXPECT_NE(p.code, 0) << script << ": " << p.show();
  }
  Proc a = sh(As::kA, "printf more >> mine.txt && cat mine.txt");
  EXPECT_EQ(a.out, "A's\nmore") << a.show();
  EXPECT_EQ(sh(As::kB, "cat mine.txt").out, "A's\nmore");
}

// Passthrough keeps a backing file registered for the next open of a file
// that was only read; a file that was written must not stay open for writing
// behind the mount once closed: the project's own path runs it (no
// ETXTBSY), as does the mount, and reads see the last write.
TEST_P(Passthrough, ClosedFilesAreNotHeldOpenForWriting) {
  ASSERT_NO_FATAL_FAILURE(mount_param());
  ASSERT_GE(src_fd_, 0);
  // The project underneath the mount, as a child process can reach it.
  const std::string below = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(src_fd_);
  const std::vector<std::pair<const char*, const char*>> steps = {
      {"write", "printf 'echo one\\n' > s.sh && chmod +x s.sh"},
      {"read it", "cat s.sh > /dev/null && cat s.sh"},
      {"write again", "printf 'echo two\\n' > s.sh"},
      {"append", "printf 'echo three\\n' >> s.sh"},
  };
  const char* want[] = {"one\n", "one\n", "two\n", "two\nthree\n"};
  for (size_t k = 0; k < steps.size(); ++k) {
    SCOPED_TRACE(steps[k].first);
    Proc w = sh(As::kA, steps[k].second);
    ASSERT_EQ(w.code, 0) << w.show();
    Proc below_run = run({below + "/s.sh"}, env_for(As::kA), "/");
    EXPECT_EQ(below_run.code, 0) << below_run.show();  // ETXTBSY if a writer lingers
    EXPECT_EQ(below_run.out, want[k]) << below_run.show();
    Proc mount_run = sh(As::kA, "./s.sh");
    EXPECT_EQ(mount_run.out, want[k]) << mount_run.show();
  }
}

// A writer without CAP_FSETID drops suid (and sgid with group execute) on
// write and truncate, through the mount as on the bare disk, although the
// daemon that does the I/O keeps CAP_FSETID.
TEST_P(Passthrough, WritersWithoutFsetidDropSuid) {
  std::string missing = geteuid() != 0 ? "root (to drop CAP_FSETID from a writer)"
                        : system("setpriv --version > /dev/null 2>&1") != 0 ? "setpriv"
                                                                            : "";
  if (!can_run(missing)) GTEST_SKIP() << "needs " << missing;  // a failure under CI=true
  ASSERT_NO_FATAL_FAILURE(mount_param());
  const std::string weak = "setpriv --bounding-set=-fsetid --inh-caps=-fsetid ";
  const std::vector<std::pair<const char*, std::string>> steps = {
      {"own write keeps suid", "printf x > s && chmod 4755 s && printf y >> s && stat -c %a s"},
      {"weak append drops it", weak + "sh -c 'printf z >> s' && stat -c %a s"},
      {"weak overwrite", "chmod 4755 s && " + weak + "sh -c 'printf w > s' && stat -c %a s"},
      {"weak truncate", "chmod 6755 s && " + weak + "truncate -s 1 s && stat -c %a s"},
      {"sgid without group x stays",
       "chmod 2745 s && " + weak + "sh -c 'printf v >> s' && stat -c %a s"},
      {"content", "cat s"},
  };
  same_as_bare("bare-priv", steps);
}

// A write removes file capabilities (security.capability), whoever writes.
// The kernel asks for them before the first write after each attribute
// refresh, and the mount answers "none" from what it knows of a file it made
// or already asked about: that knowledge must end when capabilities are set
// through the mount, or the next write would keep them.
TEST_P(Passthrough, WritesDropFileCapabilities) {
  std::string missing = geteuid() != 0 ? "root (to set file capabilities)"
                        : system("setcap -h > /dev/null 2>&1; command -v getcap > /dev/null") != 0
                            ? "setcap/getcap (libcap2-bin)"
                            : "";
  if (!can_run(missing)) GTEST_SKIP() << "needs " << missing;  // a failure under CI=true
  ASSERT_NO_FATAL_FAILURE(mount_param());
  const std::vector<std::pair<const char*, std::string>> steps = {
      {"new file, written twice", "set -C; printf x > c && printf y >> c && getcap c"},
      {"capability set", "setcap cap_net_raw+ep c && getcap c | sed 's/.*=//'"},
      {"a write drops it", "printf z >> c && getcap c"},
      {"set again", "setcap cap_net_raw+ep c && getcap c | sed 's/.*=//'"},
      {"stat, then write", "stat c > /dev/null && printf w >> c && getcap c"},
      {"content", "cat c"},
  };
  same_as_bare("bare-caps", steps);
  EXPECT_EQ(sh(As::kA, "getcap c").out, "");
}

INSTANTIATE_TEST_SUITE_P(Modes, Passthrough, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Passthrough" : "NoPassthrough");
                         });

}  // namespace
}  // namespace aio::test
