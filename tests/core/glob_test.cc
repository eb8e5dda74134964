#include "core/glob.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

struct CanonCase {
  const char* input;
  const char* want;  // nullptr: refused
};

class GlobCanonical : public ::testing::TestWithParam<CanonCase> {};

TEST_P(GlobCanonical, Canonicalises) {
  const auto& c = GetParam();
  auto got = canonical_pattern(c.input);
  if (!c.want) {
    EXPECT_FALSE(got) << c.input << " gave " << (got ? *got : "");
    if (!got) {
      EXPECT_EQ(got.status().code(), Code::kInvalid);
    }
    return;
  }
  ASSERT_TRUE(got) << c.input << ": " << got.status().message();
  EXPECT_EQ(*got, c.want) << c.input;
  auto again = canonical_pattern(*got);  // idempotent
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *got);
}

INSTANTIATE_TEST_SUITE_P(
    Table, GlobCanonical,
    ::testing::Values(
        CanonCase{"*.test.ts", "**/*.test.ts"},  // no '/': any depth
        CanonCase{"build", "**/build"}, CanonCase{"build/", "**/build"},
        CanonCase{"/build", "/build"},  // leading '/' anchors
        CanonCase{"src/*.ts", "src/*.ts"}, CanonCase{"./src//*.ts", "src/*.ts"},
        CanonCase{"src/**/**/x", "src/**/x"}, CanonCase{"**", "**"}, CanonCase{"/**", "**"},
        CanonCase{"***", "**"}, CanonCase{"a**b", "**/a*b"},  // ** inside a segment is a *
        CanonCase{"src/[a-c]?.c", "src/[a-c]?.c"}, CanonCase{"\\*literal", "**/\\*literal"},
        // an anchored first segment starting with '!' is escaped (found by fuzz_glob)
        CanonCase{"/!a/b", "\\!a/b"}, CanonCase{"\\!a/b", "\\!a/b"}, CanonCase{"/!a", "/!a"},
        // refused
        CanonCase{"", nullptr}, CanonCase{"/", nullptr}, CanonCase{".", nullptr},
        CanonCase{"!src", nullptr}, CanonCase{"src/../x", nullptr}, CanonCase{"src/[ab", nullptr},
        CanonCase{"x\\", nullptr}, CanonCase{"[z-a]", nullptr},
        CanonCase{"[/]", nullptr}));  // can never match a path

struct MatchCase {
  const char* pattern;
  const char* path;
  bool matches;
  bool covers;
};

class GlobMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(GlobMatch, MatchesAndCovers) {
  const auto& c = GetParam();
  auto g = Glob::compile(c.pattern);
  ASSERT_TRUE(g) << g.status().message();
  EXPECT_EQ(g->matches(c.path), c.matches) << c.pattern << " ~ " << c.path;
  EXPECT_EQ(g->covers(c.path), c.covers) << c.pattern << " covers " << c.path;
  EXPECT_EQ(glob_covers(c.pattern, c.path), c.covers);
}

INSTANTIATE_TEST_SUITE_P(
    Table, GlobMatch,
    ::testing::Values(
        MatchCase{"*.ts", "a.ts", true, true}, MatchCase{"*.ts", "src/deep/a.ts", true, true},
        MatchCase{"*.ts", "a.tsx", false, false}, MatchCase{"/!a/b", "!a/b", true, true},
        MatchCase{"\\!a/b", "!a/b", true, true},
        MatchCase{"*.ts", "x.ts/inner.js", false, false},  // wildcard name: no subtree
        MatchCase{"src/*.ts", "src/a.ts", true, true},
        MatchCase{"src/*.ts", "src/sub/a.ts", false, false},  // * never crosses '/'
        MatchCase{"src/?.c", "src/a.c", true, true}, MatchCase{"src/?.c", "src/ab.c", false, false},
        MatchCase{"src/[a-c].c", "src/b.c", true, true},
        MatchCase{"src/[!a-c].c", "src/b.c", false, false},
        MatchCase{"src/[!a-c].c", "src/d.c", true, true},
        MatchCase{"src/[^a].c", "src/z.c", true, true},
        MatchCase{"src/[]].c", "src/].c", true, true}, MatchCase{"build", "build", true, true},
        MatchCase{"build", "x/build/y.o", false, true},  // plain name covers its subtree
        MatchCase{"src/gen", "src/gen/a/b", false, true},
        MatchCase{"src/gen", "src/generated", false, false},
        MatchCase{"src/*", "src/a/b", false, true},  // "*" covers its subtree
        MatchCase{"src/**", "src/a/b/c", true, true}, MatchCase{"src/**", "src", false, false},
        MatchCase{"**/test/**", "a/test/b", true, true},
        MatchCase{"**/test/**", "test/b", true, true},
        MatchCase{"**/test/**", "a/test", false, false}, MatchCase{"a/**/b", "a/b", true, true},
        MatchCase{"a/**/b", "a/x/y/b", true, true}, MatchCase{"a/**/b", "a/xb", false, false},
        MatchCase{"**", "anything/at/all", true, true}, MatchCase{"\\*x", "*x", true, true},
        MatchCase{"\\*x", "ax", false, false}, MatchCase{"*", ".hidden", true, true}));

struct OverlapCase {
  const char* a;
  const char* b;
  bool overlap;
};

class GlobOverlap : public ::testing::TestWithParam<OverlapCase> {};

TEST_P(GlobOverlap, DecidedOnAutomata) {
  const auto& c = GetParam();
  auto a = Glob::compile(c.a), b = Glob::compile(c.b);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->overlaps(*b), c.overlap) << c.a << " vs " << c.b;
  EXPECT_EQ(b->overlaps(*a), c.overlap) << "not symmetric: " << c.a << " vs " << c.b;
}

INSTANTIATE_TEST_SUITE_P(
    Table, GlobOverlap,
    ::testing::Values(
        OverlapCase{"**/*.ts", "src/*.ts", true}, OverlapCase{"src/*.ts", "lib/*.ts", false},
        OverlapCase{"**/*.ts", "**/*.js", false}, OverlapCase{"*.test.ts", "*.ts", true},
        OverlapCase{"a/*/c", "a/b/*", true}, OverlapCase{"**/[ab]x", "**/[cd]x", false},
        OverlapCase{"**/[a-c]x", "**/[c-e]x", true},  // share only 'c'
        OverlapCase{"**/build", "build/*.o", true},   // plain name covers beneath
        OverlapCase{"src/gen", "src/**/*.c", true}, OverlapCase{"*.min.js", "*.map", false},
        OverlapCase{"a?", "?b", true}, OverlapCase{"x*y", "*z", false},
        OverlapCase{"**/.*", "src/.env", true},
        // the only common spelling would need a "." or ".." segment: no real path
        OverlapCase{"/.?", "/?.", false}, OverlapCase{"src/**/test/*.c", "src/a/test/*.h", false},
        OverlapCase{"src/**/test/*.c", "src/a/**/*.c", true}));

struct InsideCase {
  const char* pattern;
  const char* dir;
  bool inside;
};

class GlobInside : public ::testing::TestWithParam<InsideCase> {};

TEST_P(GlobInside, CoversSomethingInside) {
  const auto& c = GetParam();
  auto g = Glob::compile(c.pattern);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->covers_something_inside(c.dir), c.inside) << c.pattern << " in " << c.dir;
}

INSTANTIATE_TEST_SUITE_P(
    Table, GlobInside,
    ::testing::Values(InsideCase{"**/*.md", "docs", true}, InsideCase{"src/*.ts", "src", true},
                      InsideCase{"src/*.ts", "lib", false},
                      InsideCase{"src/*.ts", "src/a.ts", true},
                      InsideCase{"src/*.ts", "src/sub", false},
                      InsideCase{"src/gen", "src/gen/deep", true},  // covers an ancestor
                      InsideCase{"lib/**", "src", false}, InsideCase{"*.c", "", true},
                      InsideCase{"src/x", "src/xy", false}));

TEST(GlobCache, SameObjectForSamePatternAndNullForBad) {
  auto a = Glob::cached("src/*.ts"), b = Glob::cached("src/*.ts");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(Glob::cached("[oops"), nullptr);
}

}  // namespace
}  // namespace aio
