// core/project.h: which project a path belongs to. The git facts are a fake
// here (gitrepo_test.cc runs the same rules on real repositories), and every
// path lives under /aio-project-test, which does not exist, so the answers
// are the rules' alone.
#include "core/project.h"

#include <gtest/gtest.h>

#include "core/path.h"

namespace aio {
namespace {

constexpr const char* kRoot = "/aio-project-test";

std::string at(const std::string& rel) {
  return std::string(kRoot) + (rel.empty() ? "" : "/" + rel);
}

// A repository at repo with linked worktrees wt2 (mounted in place), wt3 and
// wt4 (registered as its own project), mounted --at mnt too; registered
// plain projects plain and plain/nested.
Hints world(const std::string& given = "", bool worktree_local = false) {
  Hints h;
  MountRecord in_place, elsewhere;
  in_place.source = in_place.mountpoint = at("wt2");
  in_place.project = at("repo");
  elsewhere.source = at("repo");
  elsewhere.mountpoint = at("mnt");
  elsewhere.project = at("repo");
  h.mounts = {in_place, elsewhere};
  h.projects = {at("plain"), at("plain/nested"), at("wt4")};
  h.project = given.empty() ? "" : at(given);
  h.worktree_local = worktree_local;
  h.git = [](const std::string& dir) -> Result<std::optional<RepoFacts>> {
    if (is_within_abs(at("broken"), dir)) return Status::state("cannot open " + dir);
    for (const char* top : {"repo", "wt2", "wt3", "wt4"}) {
      if (!is_within_abs(at(top), dir)) continue;
      RepoFacts f;
      f.top = at(top);
      f.common_dir = at("repo/.git");
      f.linked_worktree = f.top != at("repo");
      f.git_dir = f.linked_worktree ? at("repo/.git/worktrees/") + top : f.common_dir;
      f.main_worktree = at("repo");
      return std::optional<RepoFacts>(f);
    }
    return std::optional<RepoFacts>();
  };
  return h;
}

struct LocateCase {
  const char* path;   // under kRoot
  const char* given;  // Hints::project under kRoot ("" none)
  bool worktree_local;
  const char* project;  // under kRoot; nullptr: an error containing `error`
  const char* checkout;
  const char* rel;
  Rule how;
  const char* error = "";
};

class Locate : public ::testing::TestWithParam<LocateCase> {};

TEST_P(Locate, FollowsTheRules) {
  const auto& c = GetParam();
  auto l = locate(at(c.path), world(c.given, c.worktree_local));
  if (!c.project) {
    ASSERT_FALSE(l) << "placed in " << l->describe();
    EXPECT_NE(l.status().message().find(c.error), std::string::npos) << l.status().message();
    EXPECT_EQ(l.status().message().find('\n'), std::string::npos);
    return;
  }
  ASSERT_TRUE(l) << l.status().message();
  EXPECT_EQ(l->project, at(c.project));
  EXPECT_EQ(l->checkout, std::string(c.checkout).empty() ? "" : at(c.checkout));
  EXPECT_EQ(l->rel, c.rel);
  EXPECT_EQ(l->how, c.how) << to_string(l->how);
}

using R = Rule;
INSTANTIATE_TEST_SUITE_P(
    Table, Locate,
    ::testing::Values(
        // (b) the main worktree, from its top and from a subdirectory
        LocateCase{"repo", "", false, "repo", "repo", "", R::kGitWorkTree},
        LocateCase{"repo/src/a.ts", "", false, "repo", "repo", "src/a.ts", R::kGitWorkTree},
        // (b) a linked worktree is the repository's project, seen from its top
        LocateCase{"wt3/src/a.ts", "", false, "repo", "wt3", "src/a.ts", R::kGitWorktree},
        // ... unless it is its own project: --worktree-local, or registered at its top
        LocateCase{"wt3/src/a.ts", "", true, "wt3", "wt3", "src/a.ts", R::kWorktreeLocal},
        LocateCase{"wt4/a", "", false, "wt4", "wt4", "a", R::kWorktreeLocal},
        // (a) mounts come first: --at and in place (of a worktree)
        LocateCase{"mnt/src/a.ts", "", false, "repo", "mnt", "src/a.ts", R::kMount},
        LocateCase{"mnt", "", false, "repo", "mnt", "", R::kMount},
        LocateCase{"wt2/a", "", true, "repo", "wt2", "a", R::kMount},
        // (c) the nearest registered ancestor
        LocateCase{"plain/a/b", "", false, "plain", "plain", "a/b", R::kRegistered},
        LocateCase{"plain/nested/c", "", false, "plain/nested", "plain/nested", "c",
                   R::kRegistered},
        // (d) the directory itself (a path that is no directory: its parent)
        LocateCase{"other/f.txt", "", false, "other", "other", "f.txt", R::kDirectory},
        // A given project: the same file wherever it is seen from ...
        LocateCase{"wt3/src/a.ts", "repo", false, "repo", "wt3", "src/a.ts", R::kGitWorktree},
        LocateCase{"mnt/src", "repo", false, "repo", "mnt", "src", R::kMount},
        // ... a nested project's path, and a project nested in a repository
        LocateCase{"plain/nested/c", "plain", false, "plain", "plain", "nested/c", R::kGiven},
        LocateCase{"wt3/src/a.ts", "repo/src", false, "repo/src", "wt3/src", "a.ts", R::kGiven},
        LocateCase{"mnt/src/a.ts", "repo/src", false, "repo/src", "mnt/src", "a.ts", R::kGiven},
        // ... a project given inside a worktree holds what lies beneath it
        LocateCase{"wt3/lib/k", "wt3/lib", false, "wt3/lib", "wt3/lib", "k", R::kGiven},
        // ... and refuses what it does not hold, saying where it belongs
        LocateCase{"other/f", "repo", false, nullptr, "", "", R::kGiven,
                   "is outside the project /aio-project-test/repo (it belongs to directory"},
        LocateCase{"wt4/a", "repo", false, nullptr, "", "", R::kGiven,
                   "(it belongs to git worktree /aio-project-test/wt4, its own project)"},
        LocateCase{"repo/a", "plain", false, nullptr, "", "", R::kGiven,
                   "(it belongs to git work tree /aio-project-test/repo)"},
        // A repository that cannot be read is an error, not another project.
        LocateCase{"broken/x", "", false, nullptr, "", "", R::kGiven, "cannot open"}));

TEST(Locate, RelativePathsAreRefused) {
  auto l = locate("src/a.ts", world());
  ASSERT_FALSE(l);
  EXPECT_EQ(l.status().code(), Code::kInvalid);
}

TEST(Locate, NoGitLookupMeansNoRepository) {
  Hints h = world();
  h.git = nullptr;
  auto l = locate(at("repo/src"), h);
  ASSERT_TRUE(l) << l.status().message();
  EXPECT_EQ(l->how, Rule::kDirectory);
}

struct NamedCase {
  const char* dir;
  bool worktree_local;
  const char* project;
};

class ProjectNamedBy : public ::testing::TestWithParam<NamedCase> {};

TEST_P(ProjectNamedBy, IsThePathItsProjectSees) {
  const auto& c = GetParam();
  auto p = project_named_by(at(c.dir), world("plain", c.worktree_local));  // a given one is ignored
  ASSERT_TRUE(p) << p.status().message();
  EXPECT_EQ(*p, at(c.project));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ProjectNamedBy,
    ::testing::Values(NamedCase{"repo", false, "repo"}, NamedCase{"wt3", false, "repo"},
                      NamedCase{"wt3/src", false, "repo/src"}, NamedCase{"wt3", true, "wt3"},
                      NamedCase{"mnt", false, "repo"},
                      NamedCase{"plain/nested", false, "plain/nested"},
                      NamedCase{"plain/x", false, "plain/x"}, NamedCase{"other", false, "other"}));

struct TargetCase {
  ClaimType type;
  const char* input;
  const char* cwd;      // under kRoot
  const char* project;  // under kRoot
  const char* want;     // nullptr: refused
};

class ClaimTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ClaimTarget, MapsWhatWasTyped) {
  const auto& c = GetParam();
  auto t = claim_target(c.type, c.input, at(c.cwd), world(c.project));
  if (!c.want) {
    ASSERT_FALSE(t) << "got " << *t;
    EXPECT_EQ(t.status().code(), Code::kInvalid);
    return;
  }
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(*t, c.want);
}

constexpr auto F = ClaimType::kFile;
constexpr auto D = ClaimType::kDirectory;
constexpr auto P = ClaimType::kPattern;
constexpr auto T = ClaimType::kTask;

INSTANTIATE_TEST_SUITE_P(
    Table, ClaimTarget,
    ::testing::Values(
        // A relative path is taken from where it was typed, in any checkout.
        TargetCase{F, "a.ts", "repo/src", "repo", "src/a.ts"},
        TargetCase{F, "a.ts", "wt3/src", "repo", "src/a.ts"},
        TargetCase{F, "./x//a.ts", "mnt/src", "repo", "src/x/a.ts"},
        TargetCase{F, "../lib/b.ts", "wt3/src", "repo", "lib/b.ts"},
        TargetCase{D, ".", "wt3/src", "repo", "src"}, TargetCase{D, ".", "wt3", "repo", ""},
        // An absolute path in another checkout names the same file.
        TargetCase{F, "/aio-project-test/wt3/src/a.ts", "repo", "repo", "src/a.ts"},
        TargetCase{F, "/aio-project-test/mnt/src/a.ts", "other", "repo", "src/a.ts"},
        // Typed outside the project: from its root, as the playbook did.
        TargetCase{F, "src/a.ts", "other", "repo", "src/a.ts"},
        // Leaving the project is refused.
        TargetCase{F, "../../x", "repo/src", "repo", nullptr},
        TargetCase{F, "/aio-project-test/other/x", "repo", "repo", nullptr},
        TargetCase{F, "", "repo", "repo", nullptr},
        // Patterns: project-rooted; an absolute spelling of a place in the
        // project (in any checkout) is anchored there, any other at the root.
        TargetCase{P, "*.ts", "repo/src", "repo", "**/*.ts"},
        TargetCase{P, "src/**/*.ts", "wt3/lib", "repo", "src/**/*.ts"},
        TargetCase{P, "/aio-project-test/wt3/src/*.ts", "repo", "repo", "src/*.ts"},
        TargetCase{P, "/aio-project-test/mnt/*.md", "repo", "repo", "/*.md"},
        TargetCase{P, "/aio-project-test/repo/docs", "repo", "repo", "/docs"},
        TargetCase{P, "/build", "repo", "repo", "/build"},
        TargetCase{P, "!x", "repo", "repo", nullptr},
        // Tasks are ids.
        TargetCase{T, "AI-12", "wt3", "repo", "AI-12"},
        TargetCase{T, "a b", "wt3", "repo", nullptr}));

TEST(Location, Describes) {
  Location l{"/r", "/w", "a", Rule::kGitWorktree};
  EXPECT_EQ(l.describe(), "git worktree /w of /r");
  EXPECT_EQ(l.logical(), "/r/a");
  EXPECT_EQ((Location{"/", "/", "", Rule::kDirectory}).logical(), "/");
}

TEST(RegisteredProjects, OncePerProject) {
  State s;
  for (const char* id : {"a", "b", "c"}) {
    Instance i;
    i.id = id;
    i.project = std::string(id) == "c" ? "/q" : "/p";
    s.instances[id] = i;
  }
  EXPECT_EQ(registered_projects(s), (std::vector<std::string>{"/p", "/q"}));
}

}  // namespace
}  // namespace aio
