// core/gitrepo.h and gitrepo_cache.h on real repositories made with git
// (git init, git worktree add, git clone --bare), and locate() over them.
#include "core/gitrepo.h"
#include "tests/core/git_scratch.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/gitrepo_cache.h"
#include "core/project.h"

namespace aio {
namespace {

namespace fs = std::filesystem;

class GitRepo : public test::GitScratch {
 protected:
  RepoFacts facts(const std::string& rel) {
    auto f = read_repo_facts(at(rel));
    EXPECT_TRUE(f) << f.status().message();
    EXPECT_TRUE(f && *f) << rel << " is in no work tree";
    return f && *f ? **f : RepoFacts{};
  }
};

TEST_F(GitRepo, NoRepositoryOutsideAWorkTree) {
  fs::create_directories(at("plain/x"));
  auto f = read_repo_facts(at("plain/x"));
  ASSERT_TRUE(f) << f.status().message();
  EXPECT_FALSE(*f);
  EXPECT_EQ(find_dot_git(at("plain/x")), "");
  EXPECT_EQ(find_dot_git(at("repo/src")), at("repo"));
}

TEST_F(GitRepo, MainWorktreeFromAnywhereInside) {
  for (const char* rel : {"repo", "repo/src", "repo/src/not/yet/there.ts"}) {
    RepoFacts f = facts(rel);
    EXPECT_EQ(f.top, at("repo")) << rel;
    EXPECT_FALSE(f.linked_worktree);
    EXPECT_EQ(f.main_worktree, at("repo"));
    EXPECT_EQ(f.project(), at("repo"));
    EXPECT_EQ(f.common_dir, at("repo/.git"));
    EXPECT_EQ(f.git_dir, at("repo/.git"));
    EXPECT_EQ(f.info_exclude, at("repo/.git/info/exclude"));
  }
}

TEST_F(GitRepo, LinkedWorktreeBelongsToTheMainWorktree) {
  git("repo", "worktree add -q ../wt");
  RepoFacts f = facts("wt/src");
  EXPECT_EQ(f.top, at("wt"));
  EXPECT_TRUE(f.linked_worktree);
  EXPECT_EQ(f.main_worktree, at("repo"));
  EXPECT_EQ(f.common_dir, at("repo/.git"));
  EXPECT_EQ(f.git_dir, at("repo/.git/worktrees/wt"));
  EXPECT_EQ(f.info_exclude, at("repo/.git/info/exclude"));
}

TEST_F(GitRepo, WorktreeOfABareRepositoryBelongsToIt) {
  git("", "clone -q --bare repo bare.git");
  git("bare.git", "worktree add -q ../bwt");
  RepoFacts f = facts("bwt");
  EXPECT_TRUE(f.linked_worktree);
  EXPECT_EQ(f.main_worktree, at("bare.git"));
  EXPECT_EQ(f.common_dir, at("bare.git"));
  auto inside = read_repo_facts(at("bare.git/refs"));  // a bare repository has no work tree
  ASSERT_TRUE(inside) << inside.status().message();
  EXPECT_FALSE(*inside);
}

TEST_F(GitRepo, ExcludesFileAsConfigured) {
  git("repo", "config core.excludesFile " + at("my-ignore"));
  EXPECT_EQ(facts("repo/src").excludes_file, at("my-ignore"));
}

TEST_F(GitRepo, ABrokenGitFileIsAnError) {
  fs::create_directories(at("odd/sub"));
  std::ofstream(at("odd/.git")) << "not a gitdir line\n";
  auto f = read_repo_facts(at("odd/sub"));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.status().code(), Code::kState);
  EXPECT_NE(f.status().message().find(at("odd")), std::string::npos) << f.status().message();
}

// The hooks directory, as git itself names it (`git rev-parse --git-path
// hooks`): the repository's, shared by its worktrees; core.hooksPath,
// relative ones from the work tree's top.
TEST_F(GitRepo, HooksDirAsGitNamesIt) {
  auto git_says = [&](const std::string& dir) {
    std::string cmd = "cd '" + at(dir) +
                      "' && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git rev-parse "
                      "--path-format=absolute --git-path hooks";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[PATH_MAX];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) pclose(p);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  auto ours = [&](const std::string& dir) {
    auto h = git_hooks_dir(at(dir));
    EXPECT_TRUE(h) << h.status().message();
    return h && *h ? **h : std::string("(none)");
  };
  git("repo", "worktree add -q ../wt");
  struct Case {
    const char* config;  // core.hooksPath, "" unset
    const char* dir;
    const char* want;  // under root_
  };
  for (const Case& c :
       {Case{"", "repo/src", "repo/.git/hooks"}, Case{"", "wt", "repo/.git/hooks"},
        Case{".githooks", "repo/src", "repo/.githooks"}, Case{".githooks", "wt", "wt/.githooks"},
        Case{"tools/../hooks", "repo", "repo/hooks"},
        Case{"ABS/shared-hooks", "wt", "shared-hooks"}}) {
    std::string value = c.config;
    if (value.rfind("ABS/", 0) == 0) value = at(value.substr(4));
    if (value.empty())
      git("repo", "config --unset-all core.hooksPath || true");
    else
      git("repo", "config core.hooksPath '" + value + "'");
    EXPECT_EQ(ours(c.dir), at(c.want)) << c.config << " from " << c.dir;
    EXPECT_EQ(ours(c.dir), git_says(c.dir)) << c.config << " from " << c.dir;
  }
  fs::create_directories(at("plain"));
  EXPECT_EQ(ours("plain"), "(none)");
}

TEST_F(GitRepo, CacheAnswersAsLibgit2AndNoticesChanges) {
  git("repo", "worktree add -q ../wt");
  std::string cache = at("facts.json");
  for (int round = 0; round < 2; ++round) {  // filled, then read back
    auto f = repo_facts(at("wt/src"), cache);
    ASSERT_TRUE(f && *f) << f.status().message();
    EXPECT_EQ(**f, facts("wt/src"));
    EXPECT_TRUE(fs::exists(cache));
  }
  // The worktree goes; a repository of its own takes its place.
  git("repo", "worktree remove wt");
  fs::create_directories(at("wt/src"));
  git("wt", "init -q");
  auto f = repo_facts(at("wt/src"), cache);
  ASSERT_TRUE(f && *f) << f.status().message();
  EXPECT_FALSE((*f)->linked_worktree);
  EXPECT_EQ((*f)->main_worktree, at("wt"));
  // A cache that is not one is ignored (and replaced).
  std::ofstream(cache) << "{\"version\": 1, \"entries\": {\"" << at("wt")
                       << "\": {\"facts\": 7, \"witness\": [1]}}}";
  f = repo_facts(at("wt/src"), cache);
  ASSERT_TRUE(f && *f) << f.status().message();
  EXPECT_EQ((*f)->top, at("wt"));
  auto none = repo_facts(root_, cache);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(GitRepo, LocateMapsWorktreesToTheirRepository) {
  git("repo", "worktree add -q ../wt");
  Hints h;
  h.git = read_repo_facts;
  auto l = locate(at("wt/src/a.ts"), h);
  ASSERT_TRUE(l) << l.status().message();
  EXPECT_EQ(l->project, at("repo"));
  EXPECT_EQ(l->checkout, at("wt"));
  EXPECT_EQ(l->rel, "src/a.ts");
  EXPECT_EQ(l->how, Rule::kGitWorktree);
  h.project = at("repo");
  auto t = claim_target(ClaimType::kFile, "a.ts", at("wt/src"), h);
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(*t, "src/a.ts");
  h.project.clear();
  h.worktree_local = true;
  l = locate(at("wt/src"), h);
  ASSERT_TRUE(l) << l.status().message();
  EXPECT_EQ(l->project, at("wt"));
  EXPECT_EQ(l->how, Rule::kWorktreeLocal);
}

}  // namespace
}  // namespace aio
