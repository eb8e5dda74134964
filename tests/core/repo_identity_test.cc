// core/repo_identity.h: remote URLs normalised (a table), and project ids,
// git config reads and writes on real repositories made with git (clones,
// a bare repository, a linked worktree, a clone of a clone).
#include "core/repo_identity.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "core/gitrepo.h"
#include "core/gitrepo_cache.h"
#include "tests/core/git_scratch.h"

namespace aio {
namespace {

namespace fs = std::filesystem;

struct UrlCase {
  const char* url;
  const char* want;
};

class NormaliseUrl : public ::testing::TestWithParam<UrlCase> {};

TEST_P(NormaliseUrl, OneSpellingPerRepository) {
  EXPECT_EQ(normalise_remote_url(GetParam().url), GetParam().want) << GetParam().url;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormaliseUrl,
    ::testing::Values(UrlCase{"https://GitHub.com/Org/Repo.git", "github.com/Org/Repo"},
                      UrlCase{"git@github.com:Org/Repo.git", "github.com/Org/Repo"},
                      UrlCase{"ssh://git@github.com:22/Org/Repo", "github.com/Org/Repo"},
                      UrlCase{"https://github.com/Org/Repo/", "github.com/Org/Repo"},
                      UrlCase{"http://github.com/Org/Repo.git/", "github.com/Org/Repo"},
                      UrlCase{"HTTPS://user:token@GITHUB.COM:443/Org/Repo", "github.com/Org/Repo"},
                      UrlCase{"git://github.com/Org/Repo.git", "github.com/Org/Repo"},
                      UrlCase{"git+ssh://git@github.com/Org/Repo.git", "github.com/Org/Repo"},
                      UrlCase{"ssh://git@gitlab.example.com:2222/group/sub/repo.git",
                              "gitlab.example.com/group/sub/repo"},
                      UrlCase{"github.com:Org/Repo", "github.com/Org/Repo"},
                      UrlCase{"git@host:/srv/git/repo.git", "host/srv/git/repo"},
                      UrlCase{"ssh://host/srv/git/repo.git", "host/srv/git/repo"},
                      UrlCase{"https://host//a//b.git", "host/a/b"},
                      UrlCase{"ssh://git@[::1]:22/x/y.git", "[::1]/x/y"},
                      UrlCase{"  https://h/x.git\n", "h/x"},
                      UrlCase{"/srv/git/repo.git", "/srv/git/repo"},
                      UrlCase{"/srv/git/repo/.git", "/srv/git/repo"},
                      UrlCase{"/srv/git/./a/../repo/", "/srv/git/repo"},
                      UrlCase{"file:///srv/git/repo.git", "/srv/git/repo"},
                      UrlCase{"file://localhost/srv/git/repo", "/srv/git/repo"},
                      UrlCase{"../repo.git", "../repo"}, UrlCase{"./a:b", "./a:b"},
                      UrlCase{"", ""}));

class RepoIdentity : public test::GitScratch {
 protected:
  // `git config --get KEY` in root_/dir, "<unset>" when it is not set.
  std::string git_get(const std::string& dir, const std::string& key) {
    std::string cmd = "cd '" + at(dir) + "' && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 " +
                      "git config --get " + key + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[256];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    int rc = p ? pclose(p) : -1;
    if (rc != 0) return "<unset>";
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string id(const std::string& rel) {
    auto r = repo_identity(at(rel));
    EXPECT_TRUE(r) << r.status().message();
    return r ? *r : "<error>";
  }
};

TEST_F(RepoIdentity, NoRemoteNoIdentityAndNoRepositoryNone) {
  EXPECT_EQ(id("repo"), "");
  fs::create_directories(at("plain"));
  EXPECT_EQ(id("plain"), "");
  auto got = repo_config_get(at("plain"), "aio.store");
  ASSERT_TRUE(got) << got.status().message();
  EXPECT_FALSE(*got);
  Status s = repo_config_set(at("plain"), "aio.store", "file");
  EXPECT_EQ(s.code(), Code::kInvalid) << s.message();
  EXPECT_NE(s.message().find("is in no git repository"), std::string::npos) << s.message();
}

TEST_F(RepoIdentity, OriginElseTheOnlyRemote) {
  git("repo", "remote add upstream git@github.com:Org/Repo.git");
  EXPECT_EQ(id("repo"), "github.com/Org/Repo");
  git("repo", "remote add fork https://github.com/me/Repo.git");
  EXPECT_EQ(id("repo"), "") << "two remotes and no origin: no identity";
  git("repo", "remote add origin ssh://git@GitHub.com:22/Org/Repo");
  EXPECT_EQ(id("repo"), "github.com/Org/Repo");
}

TEST_F(RepoIdentity, AioProjectWins) {
  git("repo", "remote add origin https://github.com/Org/Repo");
  git("repo", "config aio.project team-42");
  EXPECT_EQ(id("repo"), "team-42");
  EXPECT_EQ(id("repo/src"), "team-42//src") << "a project nested in the repository";
}

TEST_F(RepoIdentity, ClonesOfOneBareRepositoryAgree) {
  git("", "init -q --bare shared.git");
  git("repo", "push -q ../shared.git main");
  git("", "clone -q shared.git a");
  git("", "clone -q file://" + at("shared.git") + " b");
  EXPECT_EQ(id("a"), at("shared")) << "a local repository naming no project: its path";
  EXPECT_EQ(id("b"), at("shared"));
  git("shared.git", "remote add origin git@github.com:Org/Repo.git");
  EXPECT_EQ(id("a"), "github.com/Org/Repo") << "a local remote is followed";
  EXPECT_EQ(id("b"), "github.com/Org/Repo");
}

TEST_F(RepoIdentity, CloneOfACloneIsItsOriginsProject) {
  git("repo", "remote add origin https://github.com/Org/Repo.git");
  git("", "clone -q repo first");
  git("", "clone -q first second");
  EXPECT_EQ(id("first"), "github.com/Org/Repo");
  EXPECT_EQ(id("second"), "github.com/Org/Repo") << "followed twice";
  // An id written in the first clone reaches the clone of it.
  ASSERT_TRUE(repo_config_set(at("first"), "aio.project", "aio-0123456789abcdef"));
  EXPECT_EQ(id("second"), "aio-0123456789abcdef");
  fs::remove_all(at("first"));
  EXPECT_EQ(id("second"), at("first")) << "a local origin that is gone: known by its path";
}

TEST_F(RepoIdentity, LinkedWorktreeSharesTheConfigAndTheIdentity) {
  git("repo", "remote add origin git@github.com:Org/Repo.git");
  git("repo", "worktree add -q ../wt");
  EXPECT_EQ(id("wt"), "github.com/Org/Repo");
  ASSERT_TRUE(repo_config_set(at("wt"), "aio.store", "etcd://h:2379/team"));
  EXPECT_EQ(git_get("repo", "aio.store"), "etcd://h:2379/team") << "written to the common config";
  auto got = repo_config_get(at("repo/src"), "aio.store");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, "etcd://h:2379/team");
  ASSERT_TRUE(repo_config_set(at("repo"), "aio.project", "p1"));
  EXPECT_EQ(id("wt"), "p1");
}

TEST_F(RepoIdentity, UnsetTakesOnlyTheKey) {
  git("repo", "config user.name someone");
  ASSERT_TRUE(repo_config_set(at("repo"), "aio.store", "etcd://h:1/p"));
  ASSERT_TRUE(repo_config_set(at("repo"), "aio.project", "x"));
  ASSERT_TRUE(repo_config_unset(at("repo"), "aio.store"));
  ASSERT_TRUE(repo_config_unset(at("repo"), "aio.store")) << "unsetting twice is fine";
  EXPECT_EQ(git_get("repo", "aio.store"), "<unset>");
  EXPECT_EQ(git_get("repo", "aio.project"), "x");
  EXPECT_EQ(git_get("repo", "user.name"), "someone");
}

TEST_F(RepoIdentity, FactsCarryAioStoreThroughTheCache) {
  std::string cache = at("gitfacts.json");
  auto f = repo_facts(at("repo"), cache);
  ASSERT_TRUE(f && *f);
  EXPECT_FALSE((*f)->aio_store);
  git("repo", "config aio.store etcd://h:1/p");
  f = repo_facts(at("repo/src"), cache);
  ASSERT_TRUE(f && *f);
  ASSERT_TRUE((*f)->aio_store) << "the cached entry was not checked against the config";
  EXPECT_EQ(*(*f)->aio_store, "etcd://h:1/p");
  f = repo_facts(at("repo"), cache);  // from the cache now
  ASSERT_TRUE(f && *f && (*f)->aio_store);
  EXPECT_EQ(*(*f)->aio_store, "etcd://h:1/p");
}

}  // namespace
}  // namespace aio
