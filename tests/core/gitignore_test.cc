// core/gitignore: gitignore(5) rule by rule, as tables; gitignore_git_test.cc
// compares the same evaluator with `git check-ignore` on a real repository.
#include "core/gitignore.h"

#include <map>

#include <gtest/gtest.h>

namespace aio {
namespace {

// One list at the root: does `pattern` (one file's text) ignore `path`?
struct LineCase {
  const char* text;
  const char* path;
  bool is_dir;
  bool ignored;
};

class GitignoreLines : public ::testing::TestWithParam<LineCase> {};

TEST_P(GitignoreLines, Table) {
  const LineCase& c = GetParam();
  IgnoreList root = IgnoreList::parse(c.text);
  auto lookup = [&](const std::string& dir) { return dir.empty() ? &root : nullptr; };
  EXPECT_EQ(is_gitignored(c.path, c.is_dir, lookup, {}), c.ignored)
      << "text=\"" << c.text << "\" path=" << c.path << (c.is_dir ? "/" : "");
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, GitignoreLines,
    ::testing::Values(
        // A name without '/' matches at any depth, files and directories.
        LineCase{"foo", "foo", false, true}, LineCase{"foo", "a/b/foo", false, true},
        LineCase{"foo", "a/foo", true, true}, LineCase{"foo", "foobar", false, false},
        LineCase{"foo", "a/foo/x", false, true},  // inside an ignored directory
        // '*' and '?' stay within a segment.
        LineCase{"*.o", "x.o", false, true}, LineCase{"*.o", "src/deep/x.o", false, true},
        LineCase{"*.o", "x.oo", false, false}, LineCase{"a*b", "a/b", false, false},
        LineCase{"src/*.c", "src/x.c", false, true},
        LineCase{"src/*.c", "src/sub/x.c", false, false}, LineCase{"?.c", "ab.c", false, false},
        LineCase{"?.c", "a.c", false, true},
        // A '/' at the start or in the middle anchors to the list's directory.
        LineCase{"/foo", "foo", false, true}, LineCase{"/foo", "a/foo", false, false},
        LineCase{"doc/frotz", "doc/frotz", false, true},
        LineCase{"doc/frotz", "a/doc/frotz", false, false},
        // A trailing '/' matches directories only (and what they hold).
        LineCase{"build/", "build", true, true}, LineCase{"build/", "build", false, false},
        LineCase{"build/", "build/x.o", false, true}, LineCase{"build/", "a/build/x", false, true},
        LineCase{"a/b/", "a/b", false, false}, LineCase{"a/b/", "a/b/c", false, true},
        // '**' as whole segments.
        LineCase{"**/foo", "foo", false, true}, LineCase{"**/foo", "x/y/foo", false, true},
        LineCase{"**/foo/bar", "x/foo/bar", false, true}, LineCase{"abc/**", "abc", true, false},
        LineCase{"abc/**", "abc/x/y", false, true}, LineCase{"a/**/b", "a/b", false, true},
        LineCase{"a/**/b", "a/x/y/b", false, true}, LineCase{"a/**/b", "a/xb", false, false},
        LineCase{"a/**b", "a/x/b", false, false},
        LineCase{"a/**b", "a/xb", false, true},  // '**' inside a segment is '*'
        LineCase{"**", "any/thing", false, true},
        // Sets, ranges, classes, escapes.
        LineCase{"[ab].c", "b.c", false, true}, LineCase{"[ab].c", "c.c", false, false},
        LineCase{"[!ab].c", "c.c", false, true}, LineCase{"[^ab].c", "a.c", false, false},
        LineCase{"[a-c]x", "bx", false, true}, LineCase{"[a-c]x", "dx", false, false},
        LineCase{"[]]", "]", false, true}, LineCase{"[a-]", "-", false, true},
        LineCase{"[[:digit:]]*", "7up", false, true}, LineCase{"[[:digit:]]*", "up", false, false},
        LineCase{"[[:bogus:]]", "b", false, false}, LineCase{"[abc", "a", false, false},
        LineCase{"a[/]b", "a/b", false, false}, LineCase{"\\*", "*", false, true},
        LineCase{"\\*", "x", false, false}, LineCase{"foo\\", "foo", false, false},
        // Comments, '\#', '!', '\!', blank lines, trailing spaces, CRLF.
        LineCase{"#foo", "#foo", false, false}, LineCase{"\\#foo", "#foo", false, true},
        LineCase{"\\!foo", "!foo", false, true}, LineCase{"\n\n", "x", false, false},
        LineCase{"foo  ", "foo", false, true}, LineCase{"foo\\ ", "foo ", false, true},
        LineCase{"foo\\ ", "foo", false, false}, LineCase{"foo\r\n", "foo", false, true},
        LineCase{"\xEF\xBB\xBF#c\nfoo", "foo", false, true},
        // Last match wins; a re-included file inside an ignored directory stays ignored.
        LineCase{"*.log\n!keep.log", "keep.log", false, false},
        LineCase{"!keep.log\n*.log", "keep.log", false, true},
        LineCase{"build/\n!build/keep", "build/keep", false, true},
        LineCase{"build/*\n!build/keep", "build/keep", false, false},
        // .git is always ignored, even with nothing listed.
        LineCase{"", ".git", true, true}, LineCase{"", ".git/config", false, true},
        LineCase{"", "sub/.git/HEAD", false, true}, LineCase{"", ".github/x", false, false},
        LineCase{"", "", true, false}));

// Several lists: per-directory .gitignore files and the global ones.
struct Tree {
  std::map<std::string, IgnoreList> dirs;
  std::vector<std::string> looked_up;
  IgnoreLookup lookup() {
    return [this](const std::string& dir) -> const IgnoreList* {
      looked_up.push_back(dir);
      auto it = dirs.find(dir);
      return it == dirs.end() ? nullptr : &it->second;
    };
  }
  void add(const std::string& dir, const char* text) { dirs[dir] = IgnoreList::parse(text, dir); }
};

TEST(Gitignore, PatternsAreRelativeToTheirDirectory) {
  Tree t;
  t.add("", "*.tmp\n");
  t.add("src", "/gen\nlocal.txt\n!keep.tmp\n");
  auto l = t.lookup();
  EXPECT_TRUE(is_gitignored("src/gen", true, l, {}));
  EXPECT_TRUE(is_gitignored("src/gen/x.c", false, l, {}));
  EXPECT_FALSE(is_gitignored("gen", true, l, {}));  // /gen is src's, anchored there
  EXPECT_FALSE(is_gitignored("src/a/gen", true, l, {}));
  EXPECT_TRUE(is_gitignored("src/a/local.txt", false, l, {}));
  EXPECT_FALSE(is_gitignored("local.txt", false, l, {}));
  EXPECT_TRUE(is_gitignored("x.tmp", false, l, {}));
  EXPECT_FALSE(is_gitignored("src/keep.tmp", false, l, {}));  // the deeper list wins
  EXPECT_TRUE(is_gitignored("src/other.tmp", false, l, {}));
}

TEST(Gitignore, GlobalListsComeAfterEveryGitignoreInTheirOrder) {
  Tree t;
  t.add("", "!special.log\n");
  IgnoreList info = IgnoreList::parse("*.log\n!info.txt\n");
  IgnoreList global = IgnoreList::parse("*.txt\n*.bak\n");
  std::vector<const IgnoreList*> globals{&info, nullptr, &global};
  auto l = t.lookup();
  EXPECT_TRUE(is_gitignored("a/x.log", false, l, globals));
  EXPECT_FALSE(is_gitignored("special.log", false, l, globals));  // .gitignore first
  EXPECT_FALSE(is_gitignored("info.txt", false, l, globals));     // info/exclude next
  EXPECT_TRUE(is_gitignored("other.txt", false, l, globals));     // then excludesFile
  EXPECT_TRUE(is_gitignored("x.bak", false, l, globals));
}

TEST(Gitignore, NoListIsReadBeneathAnIgnoredDirectory) {
  Tree t;
  t.add("", "out/\n");
  t.add("out", "!x\n");
  EXPECT_TRUE(is_gitignored("out/sub/x", false, t.lookup(), {}));
  EXPECT_EQ(t.looked_up, std::vector<std::string>{""});
  t.looked_up.clear();
  EXPECT_FALSE(is_gitignored("src/a/b.c", false, t.lookup(), {}));
  EXPECT_EQ(t.looked_up, (std::vector<std::string>{"", "src", "src/a"}));
}

TEST(Gitignore, ManyStarsStayLinear) {
  IgnoreList l = IgnoreList::parse("*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n");
  std::string path(4000, 'a');
  auto lookup = [&](const std::string& dir) { return dir.empty() ? &l : nullptr; };
  EXPECT_FALSE(is_gitignored(path, false, lookup, {}));
  EXPECT_TRUE(is_gitignored(path + "b", false, lookup, {}));
}

}  // namespace
}  // namespace aio
