#include "core/path.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace aio {
namespace {

struct RelCase {
  const char* root;
  const char* base;
  const char* input;
  const char* want;  // nullptr: refused
};

class PathRelative : public ::testing::TestWithParam<RelCase> {};

TEST_P(PathRelative, Canonicalises) {
  const RelCase& c = GetParam();
  auto r = project_relative(c.root, c.base, c.input);
  if (c.want == nullptr) {
    ASSERT_FALSE(r) << "expected refusal for " << c.input << ", got " << *r;
    EXPECT_EQ(r.status().code(), Code::kInvalid);
  } else {
    ASSERT_TRUE(r) << r.status().message();
    EXPECT_EQ(*r, c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PathRelative,
    ::testing::Values(RelCase{"/p", "/p", "a/b", "a/b"}, RelCase{"/p", "/p", "./a//b/", "a/b"},
                      RelCase{"/p", "/p", "/p/a/b", "a/b"}, RelCase{"/p", "/p/a", "b", "a/b"},
                      RelCase{"/p", "/p/a", "../c", "c"}, RelCase{"/p", "/p", ".", ""},
                      RelCase{"/p", "/p", "/p", ""}, RelCase{"/p", "/p", "/p/", ""},
                      RelCase{"/p", "/p", "a/./b/../c", "a/c"},
                      RelCase{"/p", "/p", "src/auth/", "src/auth"},
                      RelCase{"/p", "/p", "..", nullptr}, RelCase{"/p", "/p", "../p2/x", nullptr},
                      RelCase{"/p", "/p", "/p2/x", nullptr}, RelCase{"/p", "/p", "/", nullptr},
                      RelCase{"/p", "/p", "", nullptr}, RelCase{"/", "/", "/etc/x", "etc/x"},
                      RelCase{"/p", "/p/a/b", "../../..", nullptr},
                      RelCase{"/p/q", "/p/q", "/p/qq/x", nullptr}));

TEST(PathNormalize, Absolute) {
  EXPECT_EQ(normalize_absolute("/"), "/");
  EXPECT_EQ(normalize_absolute("//a///b/"), "/a/b");
  EXPECT_EQ(normalize_absolute("/a/./b/../c"), "/a/c");
  EXPECT_EQ(normalize_absolute("/../a"), "/a");
}

// The two "already normal" predicates against the functions they stand in
// for, on every string of 'a', '.' and '/' up to eight long: each holds
// exactly when normalising gives the string back.
TEST(PathNormalize, AlreadyNormalAgreesWithNormalising) {
  std::vector<std::string> all = {""};
  for (size_t n = 0, begin = 0; n < 8; ++n) {
    size_t end = all.size();
    for (size_t k = begin; k < end; ++k)
      for (char c : {'a', '.', '/'}) all.push_back(all[k] + c);
    begin = end;
  }
  ASSERT_EQ(all.size(), 9841u);
  size_t relative = 0, absolute = 0;
  for (const auto& s : all) {
    bool abs = !s.empty() && s.front() == '/' && normalize_absolute(s) == s;
    EXPECT_EQ(is_normal_absolute(s), abs) << s;
    absolute += abs;
    for (const char* root : {"/r", "/"}) {
      auto rel = project_relative(root, root, s.empty() ? "." : s);
      EXPECT_EQ(is_canonical_relative(s), rel && *rel == s) << s << " in " << root;
      relative += rel && *rel == s;
    }
  }
  EXPECT_GT(relative, 100u);
  EXPECT_GT(absolute, 50u);
  EXPECT_FALSE(is_canonical_relative(std::string("a\0b", 3)));
  EXPECT_FALSE(is_normal_absolute(std::string("/a\0", 3)));
}

// absolute_path as it was written before it looked for the existing
// prefix with stat(): realpath() of the path, then of each shorter prefix.
std::string absolute_path_by_realpath(std::string s) {
  char buf[PATH_MAX];
  if (realpath(s.c_str(), buf) != nullptr) return buf;
  if (s.front() != '/') s = std::filesystem::current_path().string() + "/" + s;
  std::string abs = normalize_absolute(s), head = abs, tail;
  while (true) {
    if (realpath(head.c_str(), buf) != nullptr) {
      std::string r = buf;
      if (!tail.empty()) r = (r == "/" ? "" : r) + "/" + tail;
      return normalize_absolute(r);
    }
    auto slash = head.rfind('/');
    if (slash == std::string::npos || head == "/") return abs;
    std::string seg = head.substr(slash + 1);
    tail = tail.empty() ? seg : seg + "/" + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
  }
}

// Existing paths, missing ones at every depth, symlinks to directories and
// dangling ones, ".." after a symlink, relative spellings: the same answers.
TEST(PathAbsolute, AgreesWithResolvingByRealpath) {
  char tmpl[] = "/tmp/aio-path-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string t = tmpl;
  ASSERT_EQ(mkdir((t + "/real").c_str(), 0700), 0);
  ASSERT_EQ(mkdir((t + "/real/sub").c_str(), 0700), 0);
  ASSERT_EQ(symlink((t + "/real/sub").c_str(), (t + "/link").c_str()), 0);
  ASSERT_EQ(symlink("nowhere", (t + "/real/dangling").c_str()), 0);
  ASSERT_EQ(symlink("sub", (t + "/real/rel").c_str()), 0);
  const std::vector<std::string> cases = {t,
                                          t + "/real",
                                          t + "/real/sub",
                                          t + "/real/sub/missing",
                                          t + "/real/sub/a/b/c",
                                          t + "/missing/a",
                                          t + "/link",
                                          t + "/link/x/y",
                                          t + "/link/..",
                                          t + "/link/../x",
                                          t + "/real/dangling",
                                          t + "/real/dangling/x",
                                          t + "/real/rel/x",
                                          t + "//real/./sub/",
                                          t + "/real/sub/../../real",
                                          "/",
                                          "/nonexistent-aio/a",
                                          "real/sub/x",
                                          "link/../q",
                                          "."};
  std::string cwd = std::filesystem::current_path().string();
  ASSERT_EQ(chdir(t.c_str()), 0);
  for (const auto& c : cases) EXPECT_EQ(absolute_path(c), absolute_path_by_realpath(c)) << c;
  ASSERT_EQ(chdir(cwd.c_str()), 0);
  std::filesystem::remove_all(t);
}

struct WithinCase {
  const char* dir;
  const char* path;
  bool want;
};

class PathWithin : public ::testing::TestWithParam<WithinCase> {};

TEST_P(PathWithin, Decides) {
  EXPECT_EQ(is_within(GetParam().dir, GetParam().path), GetParam().want)
      << GetParam().dir << " vs " << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(Table, PathWithin,
                         ::testing::Values(WithinCase{"", "a", true}, WithinCase{"", "", true},
                                           WithinCase{"a", "a", true}, WithinCase{"a", "a/b", true},
                                           WithinCase{"a", "ab", false},
                                           WithinCase{"a/b", "a", false},
                                           WithinCase{"src/auth", "src/auth/x.ts", true},
                                           WithinCase{"src/auth", "src/authx/y", false}));

TEST(PathBaseName, LastComponent) {
  struct Row {
    const char* in;
    const char* want;
  } rows[] = {{"/usr/bin/claude", "claude"}, {"claude", "claude"}, {"./bin/amp", "amp"}, {"", ""}};
  for (const auto& r : rows) EXPECT_EQ(base_name(r.in), r.want) << r.in;
}

TEST(PathJoin, Root) {
  EXPECT_EQ(join_root("/p", ""), "/p");
  EXPECT_EQ(join_root("/p", "a/b"), "/p/a/b");
  EXPECT_EQ(join_root("/", "a"), "/a");
}

}  // namespace
}  // namespace aio
