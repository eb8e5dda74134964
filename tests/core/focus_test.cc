// The cheap tests that let check and claim skip work: may_conflict() (what a
// focused load keeps) and the textual pattern pre-filter inside
// claims_conflict() must never rule out a conflict the glob automata find.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/engine.h"
#include "core/glob.h"
#include "tests/core/claims.h"

namespace aio {
namespace {

using test::D;
using test::F;
using test::mk;
using test::P;
using test::T;

const std::vector<std::string> kPatterns = {"*.ts",
                                            "**/*.test.ts",
                                            "src/**",
                                            "src/*.ts",
                                            "src/auth/**/*.ts",
                                            "/build",
                                            "build",
                                            "src/gen",
                                            "src/g1*",
                                            "src/g1*/x",
                                            "docs/*/README.md",
                                            "**/*.gen?.go",
                                            "*.[jt]s",
                                            "src/[ab]*/x.ts",
                                            "a\\*b",
                                            "a\\*b/c",
                                            "**",
                                            "*",
                                            "src/**/fixtures",
                                            "?",
                                            "x?",
                                            "lib/**/*",
                                            "src/*",
                                            "**/build/**",
                                            "src/a*b*c.ts",
                                            "t/**/y/*.md",
                                            "[!.]*",
                                            "a/b/c/d",
                                            "**/cache7/**",
                                            "a/**/b/*.ts",
                                            "**/x/y",
                                            "src/**/gen/*.go"};
const std::vector<std::string> kPaths = {"",
                                         "a",
                                         "a*b",
                                         "a*b/c",
                                         "a*b/c/d",
                                         "build",
                                         "build/x",
                                         "x/build",
                                         "x/build/y",
                                         "src",
                                         "src/a.ts",
                                         "src/a.js",
                                         "src/auth",
                                         "src/auth/login.ts",
                                         "src/auth/deep/x.ts",
                                         "src/gen",
                                         "src/gen/x.ts",
                                         "src/generated.ts",
                                         "src/g1",
                                         "src/g1x",
                                         "src/g1x/x",
                                         "src/g1x/x/y",
                                         "src/a/x.ts",
                                         "src/c/x.ts",
                                         "docs/api/README.md",
                                         "docs/api/x.md",
                                         "x/y.gen1.go",
                                         "y.gen12.go",
                                         "a.js",
                                         "a.ts",
                                         "a.test.ts",
                                         "q/a.test.ts",
                                         "x",
                                         "xy",
                                         "lib",
                                         "lib/a",
                                         "lib/a/b",
                                         "src/axbxc.ts",
                                         "src/abc.ts",
                                         "t/y/a.md",
                                         "t/q/y/a.md",
                                         ".hidden",
                                         "a/b/c/d",
                                         "a/b/c/d/e",
                                         "a/b",
                                         "cache7",
                                         "q/cache7/z",
                                         "q/cache77/z",
                                         "q/xcache7/z",
                                         "a/b/x.ts",
                                         "a/q/b/x.ts",
                                         "a/b/q/x.ts",
                                         "x/y",
                                         "q/x/y",
                                         "q/x/y/z",
                                         "x/yy",
                                         "src/gen/a.go",
                                         "src/q/gen/a.go",
                                         "src/gen/q/a.go"};

std::string canon(const std::string& p) {
  auto c = canonical_pattern(p);
  EXPECT_TRUE(c) << p;
  return c ? *c : p;
}

TEST(Focus, PatternVersusPathsMatchesTheAutomata) {
  for (const auto& raw : kPatterns) {
    std::string pat = canon(raw);
    auto g = Glob::cached(pat);
    ASSERT_TRUE(g) << pat;
    for (const auto& path : kPaths) {
      for (ClaimType t : {F, D}) {
        bool want = t == F ? g->covers(path) : g->covers_something_inside(path);
        Claim a = mk(P, pat), b = mk(t, path);
        EXPECT_EQ(claims_conflict(a, b), want) << pat << " vs " << to_string(t) << " " << path;
        EXPECT_EQ(claims_conflict(b, a), want) << pat << " vs " << to_string(t) << " " << path;
        if (want) {
          EXPECT_TRUE(may_conflict(a, "/p", t, path)) << pat << " vs " << path;
          EXPECT_TRUE(may_conflict(b, "/p", P, pat)) << path << " vs " << pat;
        }
      }
    }
  }
}

TEST(Focus, PatternVersusPatternMatchesTheAutomata) {
  for (const auto& ra : kPatterns) {
    for (const auto& rb : kPatterns) {
      std::string a = canon(ra), b = canon(rb);
      auto ga = Glob::cached(a), gb = Glob::cached(b);
      ASSERT_TRUE(ga && gb);
      bool want = ga->overlaps(*gb);
      EXPECT_EQ(claims_conflict(mk(P, a), mk(P, b)), want) << a << " vs " << b;
      if (want) {
        EXPECT_TRUE(may_conflict(mk(P, a), "/p", P, b)) << a << " vs " << b;
      }
    }
  }
}

TEST(Focus, MayConflictIsASupersetForPathsAndTasks) {
  std::vector<Claim> claims;
  for (const auto& path : kPaths) {
    claims.push_back(mk(F, path));
    claims.push_back(mk(D, path));
  }
  for (const char* task : {"AI-1", "AI-2", "a"}) claims.push_back(mk(T, task));
  for (const auto& a : claims)
    for (const auto& b : claims)
      if (claims_conflict(a, b)) {
        EXPECT_TRUE(may_conflict(a, b.project, b.type, b.target))
            << to_string(a.type) << " " << a.target << " vs " << to_string(b.type) << " "
            << b.target;
      }
}

TEST(Focus, MayConflictRulesOutWhatCannotConflict) {
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/other", F, "src/a.ts"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", F, "src/b.ts"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", D, "lib"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", P, "docs/**"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", P, "**/*.md"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", P, "**/cache/**"));
  EXPECT_TRUE(may_conflict(mk(F, "src/cache/a.ts"), "/p", P, "**/cache/**"));
  EXPECT_FALSE(may_conflict(mk(F, "src/a.ts"), "/p", T, "src/a.ts"));
  EXPECT_FALSE(may_conflict(mk(T, "AI-1"), "/p", T, "AI-2"));
  EXPECT_FALSE(may_conflict(mk(P, "**/*.ts"), "/p", P, "**/*.js"));
  EXPECT_TRUE(may_conflict(mk(F, "src/a.ts"), "/p", D, "src"));
  EXPECT_TRUE(may_conflict(mk(F, "src/a.ts"), "/p", P, "**/*.ts"));
  EXPECT_TRUE(may_conflict(mk(D, "src"), "/p", F, "src/a.ts"));
  EXPECT_TRUE(may_conflict(mk(T, "AI-1"), "/p", T, "AI-1"));
  EXPECT_TRUE(may_conflict(mk(P, "src/**"), "/p", P, "**/*.ts"));
}

// ---- claim_ranges: where the claim index looks ----
bool in_ranges(const std::vector<ClaimRange>& ranges, const Claim& c) {
  ClaimKey k{c.project, claim_group(c.type), c.target, c.id};
  for (const auto& r : ranges)
    if (r.contains(k)) return true;
  return false;
}

// Claims of every kind in each of `projects`: every path as a file and as a
// directory, every pattern, and a few tasks.
std::vector<Claim> every_kind_in(const std::vector<std::string>& projects) {
  std::vector<Claim> claims;
  for (const auto& project : projects) {
    for (const auto& path : kPaths) {
      claims.push_back(mk(F, path, project));
      claims.push_back(mk(D, path, project));
    }
    for (const auto& pat : kPatterns) claims.push_back(mk(P, canon(pat), project));
    for (const char* task : {"AI-1", "AI-1/x", "a", ""}) claims.push_back(mk(T, task, project));
  }
  return claims;
}

// Every claim may_conflict() keeps lies in the ranges of its probe, across
// nested projects (the root one too) and every kind of claim.
TEST(ClaimRanges, HoldEveryClaimMayConflictKeeps) {
  const std::vector<Claim> claims =
      every_kind_in({"/", "/p", "/p/q", "/p/q/r", "/pq", "/p-", "/a"});
  size_t kept = 0, looked_at = 0;
  for (const auto& probe : claims) {
    auto ranges = claim_ranges(probe);
    for (const auto& c : claims) {
      bool in = in_ranges(ranges, c);
      looked_at += in;
      if (!may_conflict(probe, c.project, c.type, c.target)) continue;
      ++kept;
      EXPECT_TRUE(in) << to_string(probe.type) << " " << probe.target << " in " << probe.project
                      << " vs " << to_string(c.type) << " " << c.target << " in " << c.project;
    }
  }
  EXPECT_GT(kept, 0u);
  // Even among projects nested this deep, the ranges leave most claims out
  // (ClaimRangeTable shows which).
  EXPECT_LT(looked_at, claims.size() * claims.size() / 2);
}

struct RangeCase {
  const char* name;
  Claim probe;
  Claim other;
  bool looked_at;
};

void PrintTo(const RangeCase& c, std::ostream* os) {
  *os << c.name;
}

class ClaimRangeTable : public ::testing::TestWithParam<RangeCase> {};

TEST_P(ClaimRangeTable, LooksOnlyWhereAConflictCanBe) {
  const RangeCase& c = GetParam();
  EXPECT_EQ(in_ranges(claim_ranges(c.probe), c.other), c.looked_at) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClaimRangeTable,
    ::testing::Values(
        RangeCase{"the same file", mk(F, "src/a.ts"), mk(F, "src/a.ts"), true},
        RangeCase{"another file", mk(F, "src/a.ts"), mk(F, "src/b.ts"), false},
        RangeCase{"a file whose name extends it", mk(F, "src/a"), mk(F, "src/a.ts"), false},
        RangeCase{"a directory above", mk(F, "src/a.ts"), mk(D, "src"), true},
        RangeCase{"the project's root", mk(F, "src/a.ts"), mk(D, ""), true},
        RangeCase{"a directory beside", mk(F, "src/a.ts"), mk(D, "lib"), false},
        RangeCase{"a file beneath a directory", mk(D, "src"), mk(F, "src/x/y.ts"), true},
        RangeCase{"a sibling sharing a prefix", mk(D, "src"), mk(F, "src2/y.ts"), false},
        RangeCase{"every path under the root", mk(D, ""), mk(F, "z/y.ts"), true},
        RangeCase{"any pattern of the project", mk(F, "src/a.ts"), mk(P, "**/*.md"), true},
        RangeCase{"no task for a path", mk(F, "src/a.ts"), mk(T, "src/a.ts"), false},
        RangeCase{"the same task", mk(T, "AI-1"), mk(T, "AI-1"), true},
        RangeCase{"another task", mk(T, "AI-1"), mk(T, "AI-12"), false},
        RangeCase{"a task elsewhere", mk(T, "AI-1"), mk(T, "AI-1", "/q"), false},
        RangeCase{"a path for a task", mk(T, "AI-1"), mk(F, "AI-1"), false},
        RangeCase{"every path for a pattern", mk(P, "**/*.md"), mk(F, "x/y.ts"), true},
        RangeCase{"an enclosing project", mk(F, "a.ts", "/p/q"), mk(F, "q/a.ts", "/p"), true},
        RangeCase{"the root project", mk(F, "a.ts", "/p/q"), mk(F, "p/q/a.ts", "/"), true},
        RangeCase{"a project inside", mk(D, "", "/p"), mk(F, "a.ts", "/p/q"), true},
        RangeCase{"a project beside", mk(F, "a.ts", "/p"), mk(F, "a.ts", "/pq"), false},
        RangeCase{"inside the root project", mk(F, "a.ts", "/"), mk(F, "a.ts", "/p"), true},
        RangeCase{"a task of an enclosing project", mk(F, "a.ts", "/p/q"), mk(T, "a", "/p"),
                  false}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// ---- focus_on_any: several probes at once (a hook judging one call's paths) ----
// Keeps exactly what one of the probes' own focuses keeps, looks in each of
// their ranges, and looks in each range once.
TEST(FocusOnAny, IsTheUnionOfEachProbesFocus) {
  const std::vector<Claim> claims = every_kind_in({"/", "/p", "/p/q", "/pq"});
  const std::vector<std::vector<size_t>> picks = {{}, {3}, {3, 4}, {0, 7, 19}, {5, 5, 40, 41, 90}};
  for (const auto& pick : picks) {
    std::vector<Claim> probes;
    for (size_t k : pick) probes.push_back(claims[k % claims.size()]);
    Focus any = focus_on_any(probes);
    EXPECT_EQ(any.no_claims, probes.empty());
    ASSERT_TRUE(any.keep) << "an empty keep() would keep every claim";
    std::vector<Focus> each;
    size_t ranges = 0;
    for (const Claim& p : probes) {
      each.push_back(focus_on(p));
      ranges += each.back().ranges.size();
    }
    if (probes.size() > 1) {
      EXPECT_LT(any.ranges.size(), ranges) << "shared ranges looked at once";
    }
    for (const Claim& c : claims) {
      bool want = false, in_one = false;
      for (const Focus& f : each) {
        want = want || f.keep(c.project, c.type, c.target);
        in_one = in_one || in_ranges(f.ranges, c);
      }
      bool got = any.keep && any.keep(c.project, c.type, c.target);
      EXPECT_EQ(got, want) << to_string(c.type) << " " << c.target << " in " << c.project;
      EXPECT_EQ(in_ranges(any.ranges, c), in_one) << c.target << " in " << c.project;
    }
  }
}

}  // namespace
}  // namespace aio
