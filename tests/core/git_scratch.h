// A scratch directory holding a git repository (root_/repo, one empty
// commit, branch main) for tests of what libgit2 reads, and git run there
// without the user's or the system's configuration.
#pragma once

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/gitrepo.h"

namespace aio::test {

class GitScratch : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-git-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    char real[PATH_MAX];
    ASSERT_NE(realpath(tmpl, real), nullptr);
    root_ = real;
    ASSERT_TRUE(find_dot_git(root_).empty()) << "the scratch directory is inside a repository";
    std::filesystem::create_directories(at("repo/src"));
    git("repo", "init -q");
    git("repo", "commit -q --allow-empty -m one");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string at(const std::string& rel) const { return root_ + "/" + rel; }
  // Runs git in root_/dir (fails the test when git does).
  void git(const std::string& dir, const std::string& args) {
    std::string cmd = "cd '" + at(dir) +
                      "' && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -c user.name=t "
                      "-c user.email=t@example.com -c init.defaultBranch=main " +
                      args + " >/dev/null 2>&1";
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }

  std::string root_;
};

}  // namespace aio::test
