// One project wherever you stand, through the mount (DESIGN.md §2
// "Project", §5): the scratch project is a git repository with a second
// worktree; a claim made in one worktree refuses a write to the same
// repository-relative path through the mount of the other, unless that
// worktree is mounted as its own project (--worktree-local).
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/fs/mount_test.h"

namespace aio::test {
namespace {

class MountWorktrees : public Mount {
 protected:
  // src_ becomes a repository holding src/a.ts and src/b.ts, checked out
  // a second time at root_/wt. A and B stay registered for src_.
  void SetUp() override {
    Mount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    wt_ = root_ + "/wt";
    put("src/a.ts", "a\n");
    put("src/b.ts", "b\n");
    const std::string git =
        "GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -c user.name=t "
        "-c user.email=t@example.com -c init.defaultBranch=main";
    Proc r = run({"/bin/sh", "-c",
                  "set -e; " + git + " init -q; " + git + " add .; " + git + " commit -qm one; " +
                      git + " worktree add -q '" + wt_ + "'"},
                 {}, src_);
    ASSERT_EQ(r.code, 0) << r.show();
  }

  // Mounts `dir` (in place, or at root_/<at>) with `extra` options; the
  // project its record says it serves.
  std::string mount_other(const std::string& dir, const std::string& at,
                          const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"mount", dir};
    std::string mp = dir;
    if (!at.empty()) {
      mp = root_ + "/" + at;
      mkdir(mp.c_str(), 0755);
      args.insert(args.end(), {"--at", mp});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    Proc p = aio_in(As::kAnon, root_, args);
    EXPECT_EQ(p.code, 0) << p.show();
    Proc m = aio_in(As::kAnon, root_, {"mounts", "--json"});
    EXPECT_EQ(m.code, 0) << m.show();
    if (m.code != 0) return "";
    Json list = Json::parse(m.out);
    for (const auto& rec : list.at("mounts"))
      if (rec.at("mountpoint") == mp) return rec.at("project").get<std::string>();
    ADD_FAILURE() << "no record of the mount at " << mp << ": " << m.out;
    return "";
  }
  // Writes `path` (absolute) as `who`; "OK" or the errno name.
  std::string write_as(As who, const std::string& path) {
    return outcome(run({probe_bin(), "write", path, "x\n"}, env_for(who), root_));
  }

  std::string wt_;
};

TEST_F(MountWorktrees, AClaimInOneWorktreeGuardsTheMountOfAnother) {
  // A claims in the second worktree, typing a path relative to it.
  Proc c = aio_in(As::kA, wt_ + "/src", {"claim", "file", "a.ts", "--json"});
  ASSERT_EQ(c.code, 0) << c.show();
  EXPECT_EQ(Json::parse(c.out).at("target"), "src/a.ts");
  EXPECT_EQ(Json::parse(c.out).at("project"), src_);
  // B claims in the main worktree.
  ASSERT_FALSE(claim(As::kB, "file", "src/b.ts").empty());

  // The main worktree mounted in place: A's claim from the other worktree holds.
  ASSERT_NO_FATAL_FAILURE(mount());
  EXPECT_EQ(write_as(As::kB, mnt("src/a.ts")), "EACCES");
  EXPECT_EQ(write_as(As::kA, mnt("src/a.ts")), "OK");
  // The second worktree mounted elsewhere serves the same project: B's claim
  // from the main worktree holds there.
  EXPECT_EQ(mount_other(wt_, "wt-mnt"), src_);
  EXPECT_EQ(write_as(As::kA, root_ + "/wt-mnt/src/b.ts"), "EACCES");
  EXPECT_EQ(write_as(As::kAnon, root_ + "/wt-mnt/src/a.ts"), "EACCES");
  EXPECT_EQ(write_as(As::kB, root_ + "/wt-mnt/src/b.ts"), "OK");
  EXPECT_EQ(write_as(As::kB, root_ + "/wt-mnt/src/c.ts"), "OK");
  // What a refusal through the worktree's mount records names A's claim.
  Proc denials = run({"/bin/cat", root_ + "/wt-mnt/.aio/denials"}, env_for(As::kAnon), root_);
  EXPECT_TRUE(contains(denials.out, "src/a.ts")) << denials.show();
  EXPECT_TRUE(contains(denials.out, id(As::kA))) << denials.show();
}

TEST_F(MountWorktrees, TheWorktreeMountedInPlaceToo) {
  ASSERT_FALSE(claim(As::kA, "file", "src/a.ts").empty());
  EXPECT_EQ(mount_other(wt_, ""), src_);
  EXPECT_EQ(write_as(As::kB, wt_ + "/src/a.ts"), "EACCES");
  EXPECT_EQ(write_as(As::kB, wt_ + "/src/b.ts"), "OK");
  // An instance registered from inside that mount works in the repository.
  Proc r = run({aio_bin(), "register", "gemini", "-q"}, {{"AIO_HOME", home_}}, wt_ + "/src");
  ASSERT_EQ(r.code, 0) << r.show();
  std::string gemini = r.out.substr(0, r.out.find('\n'));
  Proc c = run({aio_bin(), "claim", "file", "b.ts"},
               {{"AIO_HOME", home_}, {"AIO_INSTANCE", gemini}}, wt_ + "/src");
  ASSERT_EQ(c.code, 0) << c.show();
  ASSERT_NO_FATAL_FAILURE(mount());
  EXPECT_EQ(write_as(As::kA, mnt("src/b.ts")), "EACCES");
}

TEST_F(MountWorktrees, WorktreeLocalMountIsItsOwnProject) {
  ASSERT_FALSE(claim(As::kA, "file", "src/a.ts").empty());
  EXPECT_EQ(mount_other(wt_, "wt-mnt", {"--worktree-local"}), wt_);
  EXPECT_EQ(write_as(As::kB, root_ + "/wt-mnt/src/a.ts"), "OK");
}

// --auto-claim in a linked worktree: git's ignore rules are the ones libgit2
// names for it, the common directory's info/exclude among them (the
// worktree's .git is a file, and its own git directory has no info/).
TEST_F(MountWorktrees, AutoClaimInAWorktreeKnowsTheRepositorysInfoExclude) {
  Proc x = run({"/bin/sh", "-c", "mkdir -p .git/info && printf '*.tmp\\n' > .git/info/exclude"}, {},
               src_);
  ASSERT_EQ(x.code, 0) << x.show();
  EXPECT_EQ(mount_other(wt_, "", {"--auto-claim"}), src_);
  EXPECT_EQ(write_as(As::kA, wt_ + "/src/scratch.tmp"), "OK");  // ignored: claims nothing
  EXPECT_EQ(write_as(As::kB, wt_ + "/src/scratch.tmp"), "OK");
  EXPECT_EQ(write_as(As::kA, wt_ + "/src/a.ts"), "OK");  // claims src/a.ts for A
  EXPECT_EQ(write_as(As::kB, wt_ + "/src/a.ts"), "EACCES");
  std::vector<std::string> held;
  for (const auto& c : claims()) held.push_back(c.at("target") + " " + c.at("instanceId"));
  EXPECT_EQ(held, std::vector<std::string>{"src/a.ts " + id(As::kA)});
}

}  // namespace
}  // namespace aio::test
