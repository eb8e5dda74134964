// core/gitignore against git itself: a scratch repository with .gitignore
// files at several levels, info/exclude and a core.excludesFile, a tree of
// files and directories on disk, and `git check-ignore` asked about every
// path of it. Skipped when git is not installed.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "core/gitignore.h"

namespace aio {
namespace {

namespace fsys = std::filesystem;

const std::map<std::string, std::string> kGitignores = {
    {"",
     "# comment\n*.o\n!keep.o\n/build/\n!build/keep/\n*.log\n!important.log\nnode_modules/\n"
     "/out/*\n!/out/keep\ndoc*/api/\n**/cache\ntmp/\n\\#hash\n\\!bang\ntrailing   \n"
     "sp\\ ace\n[Bb]uild-*\nlib/**/er\n[[:upper:]]*.txt\n?.c\r\n"},
    {"src", "/gen\n*.c\n!main.c\nsub/*.h\n"},
    {"docs", "!*.log\nREADME.md\n"},
    {"lib/deep", "*\n!*.c\n"},
    {"out/keep", "!*.o\n"},
};
const char* kInfoExclude = "*.md\n!docs/**\n*.h\n!src/**/*.h\n";
const char* kGlobal = "*.swp\nfoo\n*.md\nplain*\n!plain.txt\n";

const char* kDirs[] = {"",
                       "src",
                       "src/gen",
                       "src/sub",
                       "src/lib",
                       "src/lib/sub",
                       "build",
                       "build/keep",
                       "docs",
                       "docs/api",
                       "lib",
                       "lib/deep",
                       "lib/deep/er",
                       "lib/x/er",
                       "node_modules",
                       "node_modules/pkg",
                       "out",
                       "out/keep",
                       "tmp",
                       "a/tmp",
                       "cache",
                       "src/cache",
                       "logs/2024",
                       "Build-dir",
                       "app",
                       "app/models",
                       "app/views/admin",
                       "pkg/util",
                       "tests/unit",
                       "tests/e2e"};
const char* kFiles[] = {
    "a.o",       "keep.o",   "main.c",    "util.c", "x.log",    "important.log", "README.md",
    "foo",       "#hash",    "!bang",     "sp ace", "trailing", "Build-1",       "x.swp",
    "plain.txt", "plain.md", "Upper.txt", "z.c",    "y.h",      "cache",         "tmp"};

std::string run_git_check_ignore(const std::string& repo, const std::string& global,
                                 const std::vector<std::string>& paths) {
  std::string in = repo + "/../paths", out = repo + "/../ignored";
  {
    std::ofstream f(in, std::ios::binary);
    for (const auto& p : paths) f << p << '\0';
  }
  std::string cmd = "cd '" + repo +
                    "' && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -c "
                    "core.excludesFile='" +
                    global + "' check-ignore --no-index -z --stdin < '" + in + "' > '" + out +
                    "'; test $? -le 1";
  if (std::system(cmd.c_str()) != 0) return "error";
  std::ifstream f(out, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(GitignoreVsGit, EveryPathOfAScratchRepository) {
  if (std::system("git --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "git is not installed";
  char tmpl[] = "/tmp/aio-gitignore-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string root = tmpl, repo = root + "/repo";
  fsys::create_directories(repo);
  ASSERT_EQ(std::system(("git init -q '" + repo + "'").c_str()), 0);
  // Files and directories on disk, so git sees what each path is.
  std::map<std::string, bool> paths;  // path -> is a directory
  for (const char* d : kDirs) {
    fsys::create_directories(repo + "/" + d);
    if (*d) paths[d] = true;
  }
  for (const char* d : kDirs)
    for (const char* f : kFiles) {
      std::string rel = *d ? std::string(d) + "/" + f : f;
      if (paths.count(rel)) continue;  // "cache" and "tmp" are directories here
      std::ofstream(repo + "/" + rel) << "x\n";
      paths[rel] = false;
    }
  for (const auto& [dir, text] : kGitignores)
    std::ofstream(repo + "/" + (dir.empty() ? "" : dir + "/") + ".gitignore") << text;
  fsys::create_directories(repo + "/.git/info");
  std::ofstream(repo + "/.git/info/exclude") << kInfoExclude;
  std::string global = root + "/global-ignore";
  std::ofstream(global) << kGlobal;

  std::vector<std::string> list;
  for (const auto& [p, dir] : paths) list.push_back(p);
  std::string out = run_git_check_ignore(repo, global, list);
  ASSERT_NE(out, "error");
  std::set<std::string> git_says;
  for (size_t pos = 0; pos < out.size();) {
    size_t nul = out.find('\0', pos);
    if (nul == std::string::npos) nul = out.size();
    git_says.insert(out.substr(pos, nul - pos));
    pos = nul + 1;
  }

  std::map<std::string, IgnoreList> lists;
  for (const auto& [dir, text] : kGitignores) lists[dir] = IgnoreList::parse(text, dir);
  IgnoreList info = IgnoreList::parse(kInfoExclude), glob = IgnoreList::parse(kGlobal);
  auto lookup = [&](const std::string& dir) -> const IgnoreList* {
    auto it = lists.find(dir);
    return it == lists.end() ? nullptr : &it->second;
  };
  size_t ignored = 0;
  for (const auto& [p, dir] : paths) {
    bool mine = is_gitignored(p, dir, lookup, {&info, &glob});
    ignored += mine;
    EXPECT_EQ(mine, git_says.count(p) > 0)
        << p << (dir ? "/" : "") << ": git " << (git_says.count(p) ? "ignores" : "keeps") << " it";
  }
  // The tree exercises both answers broadly.
  EXPECT_GT(ignored, 100u);
  EXPECT_GT(paths.size() - ignored, 100u);
  std::error_code ec;
  fsys::remove_all(root, ec);
}

}  // namespace
}  // namespace aio
