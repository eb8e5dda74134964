// The mount's bypasses, by class (issue 12): an inode judged under a name it
// no longer has, a directory moved to where a claim covers what it holds,
// and the daemon's own descriptors reached through /proc.
//
// End-to-end: the real binary mounts a scratch project, tests/fs/probe runs
// one system call at a time as instance A, instance B or an anonymous
// process. A descriptor "held" here is an O_PATH descriptor this test opens
// through the mount without O_CLOEXEC: every probe inherits it, and reopens
// it as /proc/self/fd/N, as a process that kept it open would.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/fs/mount_test.h"

namespace aio::test {
namespace {

// ------------------------------------------------------------------ names

// One step of a case: hold a name, claim it as A, or run a probe.
enum class Do { kHold, kClaim, kProbe };
struct Act {
  Do what;
  std::string path;  // kHold, kClaim: relative to the case's directory
  Step step{};       // kProbe: {case} in argv is the case's directory
};

Act hold(const std::string& p) {
  return {Do::kHold, p, {}};
}
Act claim_file(const std::string& p) {
  return {Do::kClaim, p, {}};
}
Act run_as(As who, Argv argv, const std::string& want) {
  return {Do::kProbe, "", {who, std::move(argv), want}};
}

struct NameCase {
  const char* dir;
  int links;  // names made before mounting: orig, then alias, alias2
  std::vector<Act> acts;
};

// In every case, A ends up holding a claim on what the held descriptor
// reaches, under some name; B and anonymous processes write through it.
const std::vector<NameCase>& name_cases() {
  static const std::vector<NameCase> v = {
      // The held name was the last the mount saw the inode by (looked up
      // after the claim's own lookup), then it goes.
      {"unlinked",
       2,
       {claim_file("orig"), hold("alias"), run_as(As::kB, {"unlink", "{case}/alias"}, "OK")}},
      {"three-links-one-unlinked",
       3,
       {claim_file("orig"), hold("alias"), run_as(As::kB, {"unlink", "{case}/alias"}, "OK")}},
      {"three-links-two-unlinked",
       3,
       {claim_file("orig"), hold("alias2"), run_as(As::kB, {"unlink", "{case}/alias2"}, "OK"),
        run_as(As::kB, {"unlink", "{case}/alias"}, "OK")}},
      // Another file renamed over the held name takes it away.
      {"renamed-over",
       2,
       {claim_file("orig"), hold("alias"), run_as(As::kB, {"create", "{case}/other"}, "OK"),
        run_as(As::kB, {"rename", "{case}/other", "{case}/alias"}, "OK")}},
      // The held name itself renamed (a rename of a hard-linked file).
      {"hard-link-renamed",
       2,
       {claim_file("orig"), hold("alias"),
        run_as(As::kB, {"rename", "{case}/alias", "{case}/moved"}, "OK")}},
      // A link made after the claim, by its holder; the held name is the new one.
      {"link-after-claim",
       1,
       {claim_file("orig"), run_as(As::kA, {"link", "{case}/orig", "{case}/late"}, "OK"),
        hold("late")}},
      // One link, unlinked by the holder while held: no name left; judged
      // by the name it had.
      {"one-link-unlinked-by-holder",
       1,
       {hold("orig"), claim_file("orig"), run_as(As::kA, {"unlink", "{case}/orig"}, "OK")}},
  };
  return v;
}

// An O_PATH descriptor of a path through the mount that probes inherit.
class Held {
 public:
  explicit Held(const std::string& path) : fd_(open(path.c_str(), O_PATH)) {}
  ~Held() {
    if (fd_ >= 0) close(fd_);
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  int fd() const { return fd_; }
  std::string proc() const { return "/proc/self/fd/" + std::to_string(fd_); }
  // Size and mode of what it reaches (through the mount).
  std::string describe() const {
    struct stat st;
    if (fstat(fd_, &st) != 0) return std::string("fstat: ") + strerror(errno);
    std::ostringstream o;
    o << "size=" << st.st_size << " mode=" << std::oct << (st.st_mode & 07777);
    return o.str();
  }

 private:
  int fd_;
};

TEST_F(Mount, AWriteThroughANameTheInodeNoLongerHasIsJudgedByItsNames) {
  for (const auto& c : name_cases()) {
    std::string d = c.dir;
    put(d + "/orig", "claimed\n");
    const char* extra[] = {"alias", "alias2"};
    for (int k = 1; k < c.links; ++k)
      ASSERT_EQ(link(src(d + "/orig").c_str(), src(d + "/" + extra[k - 1]).c_str()), 0);
  }
  ASSERT_NO_FATAL_FAILURE(mount());
  for (const auto& c : name_cases()) {
    SCOPED_TRACE(c.dir);
    std::string d = c.dir;
    std::unique_ptr<Held> held;
    for (const auto& a : c.acts) {
      if (a.what == Do::kHold) {
        held = std::make_unique<Held>(mnt(d + "/" + a.path));
        ASSERT_GE(held->fd(), 0) << a.path << ": " << strerror(errno);
      } else if (a.what == Do::kClaim) {
        ASSERT_FALSE(claim(As::kA, "file", d + "/" + a.path).empty());
      } else {
        Step s = a.step;
        for (auto& arg : s.argv)
          if (arg.rfind("{case}", 0) == 0) arg = d + arg.substr(6);
        steps({s});
      }
    }
    ASSERT_TRUE(held);
    std::string before = held->describe();
    std::string p = held->proc();
    steps({
        {As::kB, {"append", p, "by B\n"}, "EACCES"},
        {As::kB, {"open-trunc", p}, "EACCES"},
        {As::kB, {"truncate", p, "0"}, "EACCES"},
        {As::kB, {"chmod", p, "600"}, "EACCES"},
        {As::kAnon, {"open-w", p}, "EACCES"},
        {As::kAnon, {"chmod", p, "666"}, "EACCES"},
    });
    EXPECT_EQ(held->describe(), before);
    // The holder of the claim may.
    steps({{As::kA, {"append", p, "by A\n"}, "OK"}});
  }
}

// ------------------------------------------------------------------ moves

struct MoveCase {
  const char* name;
  std::vector<Step> prep;  // as B, before the move
  Step move;
  std::vector<std::string> absent;  // paths the refused move must not have made
};

// A claims the pattern src/**/*.ts, the directory cd and the file
// fc/inner/want.txt; B moves directories (and swaps them with files).
const std::vector<MoveCase>& move_cases() {
  auto mk = [](const std::string& p) { return Step{As::kB, {"mkdir", p}, "OK"}; };
  auto mkf = [](const std::string& p) { return Step{As::kB, {"create", p}, "OK"}; };
  static const std::vector<MoveCase> v = {
      {"dir-into-pattern",
       {mk("s1"), mkf("s1/evil.ts")},
       {As::kB, {"rename", "s1", "src/free/s1"}, "EACCES"},
       {"src/free/s1"}},
      {"nested-dir-into-pattern",
       {mk("s2"), mk("s2/a"), mk("s2/a/b"), mkf("s2/a/b/evil.ts")},
       {As::kB, {"rename", "s2", "src/free/s2"}, "EACCES"},
       {"src/free/s2"}},
      {"dir-over-empty-dir",
       {mk("s3"), mkf("s3/evil.ts")},
       {As::kB, {"rename", "s3", "src/free/empty"}, "EACCES"},
       {"src/free/empty/evil.ts"}},
      {"exchange-dirs-arriving-at-destination",
       {mk("s4"), mkf("s4/evil.ts")},
       {As::kB, {"rename-exchange", "s4", "src/free/empty"}, "EACCES"},
       {"src/free/empty/evil.ts"}},
      {"exchange-dirs-arriving-at-source",
       {mk("s5"), mkf("s5/evil.ts")},
       {As::kB, {"rename-exchange", "src/free/x", "s5"}, "EACCES"},
       {"src/free/x/evil.ts"}},
      {"exchange-file-with-dir",
       {mk("s6"), mkf("s6/evil.ts")},
       {As::kB, {"rename-exchange", "src/free/f.txt", "s6"}, "EACCES"},
       {"src/free/f.txt/evil.ts"}},
      {"exchange-dir-with-file",
       {mk("s7"), mkf("s7/evil.ts")},
       {As::kB, {"rename-exchange", "s7", "src/free/f.txt"}, "EACCES"},
       {"src/free/f.txt/evil.ts"}},
      {"through-a-symlinked-parent",
       {mk("s8"), mkf("s8/evil.ts"), {As::kB, {"symlink", "src/free", "lnk"}, "OK"}},
       {As::kB, {"rename", "s8", "lnk/s8"}, "EACCES"},
       {"src/free/s8"}},
      {"into-a-claimed-directory",
       {mk("s9"), mkf("s9/x.txt")},
       {As::kB, {"rename", "s9", "cd/s9"}, "EACCES"},
       {"cd/s9"}},
      {"out-of-a-claimed-directory", {}, {As::kB, {"rename", "cd/sub", "out"}, "EACCES"}, {"out"}},
      {"a-claimed-file-arrives",
       {mk("s10"), mk("s10/inner"), mkf("s10/inner/want.txt")},
       {As::kB, {"rename", "s10", "fc"}, "EACCES"},
       {"fc/inner"}},
      {"pattern-files-leave", {}, {As::kB, {"rename", "src/ts", "away"}, "EACCES"}, {"away"}},
      // What no claim covers still moves.
      {"uncovered-dir-moves",
       {mk("s11"), mkf("s11/ok.txt")},
       {As::kB, {"rename", "s11", "src/free/s11"}, "OK"},
       {}},
      {"uncovered-exchange",
       {mk("s12"), mkf("s12/ok.txt")},
       {As::kB, {"rename-exchange", "s12", "src/free/x2"}, "OK"},
       {}},
  };
  return v;
}

TEST_F(Mount, AMovedDirectoryIsJudgedForEveryPathThatWillExistAfterIt) {
  put("src/free/keep.txt", "k\n");
  put("src/free/x/ok.txt", "ok\n");
  put("src/free/x2/ok.txt", "ok\n");
  put("src/free/f.txt", "f\n");
  put("src/ts/a.ts", "a\n");
  put("cd/sub/file", "c\n");
  std::filesystem::create_directories(src("src/free/empty"));
  std::filesystem::create_directories(src("fc"));
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "pattern", "src/**/*.ts").empty());
  ASSERT_FALSE(claim(As::kA, "directory", "cd").empty());
  ASSERT_FALSE(claim(As::kA, "file", "fc/inner/want.txt").empty());
  // The refusal the moves must agree with.
  steps({{As::kB, {"create", "src/free/evil.ts"}, "EACCES"}});
  for (const auto& c : move_cases()) {
    SCOPED_TRACE(c.name);
    steps(c.prep);
    steps({c.move});
    for (const auto& p : c.absent) {
      std::string o = outcome(probe(As::kAnon, {"lstat", p}));
      EXPECT_TRUE(o == "ENOENT" || o == "ENOTDIR") << p << ": " << o;
    }
  }
  // The holder may move what it holds.
  steps({{As::kA, {"rename", "s1", "src/free/s1"}, "OK"}});
}

// ------------------------------------------------------------------ the daemon

// Reading another process's descriptors through /proc needs the right to
// trace it. Root has it (CAP_SYS_PTRACE); to stand for another process of
// the daemon's own user, the daemon and the probe both run without it:
// then only the daemon's dumpable flag decides.
const Argv kNoPtrace = {"setpriv", "--inh-caps", "-sys_ptrace", "--bounding-set", "-sys_ptrace"};

TEST_F(Mount, TheDaemonsDescriptorsAreNotOpenThroughProc) {
  put("claimed.txt", "claimed\n");
  mount_launcher_ = kNoPtrace;
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "file", "claimed.txt").empty());
  std::string before = source_describe("claimed.txt");
  // The daemon's descriptors of the project directory (read as root).
  std::vector<std::string> fds;
  std::string dir = "/proc/" + std::to_string(daemon_) + "/fd";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::error_code ec;
    if (std::filesystem::read_symlink(e.path(), ec) == src_) fds.push_back(e.path().string());
  }
  ASSERT_FALSE(fds.empty()) << "the daemon holds no descriptor of " << src_;
  for (const auto& fd : fds) {
    SCOPED_TRACE(fd);
    for (As who : {As::kB, As::kAnon}) {
      Argv argv = kNoPtrace;
      argv.insert(argv.end(), {probe_bin(), "append", fd + "/claimed.txt", "bypass\n"});
      EXPECT_EQ(outcome(run(argv, env_for(who), root_)), "EACCES");
      argv = kNoPtrace;
      argv.insert(argv.end(), {probe_bin(), "readdir", fd});
      EXPECT_EQ(outcome(run(argv, env_for(who), root_)), "EACCES");
    }
  }
  EXPECT_EQ(source_describe("claimed.txt"), before);
  // The daemon itself still works through its descriptors.
  steps({{As::kA, {"append", "claimed.txt", "by A\n"}, "OK"},
         {As::kB, {"append", "claimed.txt", "by B\n"}, "EACCES"}});
}

TEST_F(Mount, EveryDescriptorOfTheDaemonIsCloseOnExec) {
  put("a.txt", "a\n");
  put("dir/b.txt", "b\n");
  ASSERT_NO_FATAL_FAILURE(mount());
  ASSERT_FALSE(claim(As::kA, "file", "a.txt").empty());
  // Files open for writing and reading, directories listed, a refusal
  // logged: the daemon holds handles of each while this one stays open.
  int open_fd = open(mnt("dir/b.txt").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(open_fd, 0) << strerror(errno);
  steps({{As::kA, {"append", "a.txt", "x\n"}, "OK"},
         {As::kB, {"append", "a.txt", "x\n"}, "EACCES"},
         {As::kB, {"readdir", "dir"}, "OK"},
         {As::kAnon, {"cat", ".aio/status"}, "OK"}});
  std::string dir = "/proc/" + std::to_string(daemon_) + "/fdinfo";
  size_t seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    // stdin, stdout and stderr are a program's to inherit (/dev/null here).
    if (std::stoi(e.path().filename().string()) <= 2) continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("flags:", 0) != 0) continue;
      unsigned long flags = std::stoul(line.substr(6), nullptr, 8);
      std::error_code ec;
      auto target = std::filesystem::read_symlink(
          "/proc/" + std::to_string(daemon_) + "/fd/" + e.path().filename().string(), ec);
      EXPECT_TRUE(flags & O_CLOEXEC)
          << "descriptor " << e.path().filename() << " (" << target << ") is inherited across exec";
      ++seen;
    }
  }
  EXPECT_GT(seen, 3u);
  close(open_fd);
}

}  // namespace
}  // namespace aio::test
