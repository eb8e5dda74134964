// Nested projects (/m and /m/pkg) conflict by absolute path: the claim
// table (claims_conflict), its cheap superset (may_conflict, which chooses
// what a focused load reads), granting, and the mount's PolicyIndex.
#include <gtest/gtest.h>

#include "core/engine.h"
#include "core/glob.h"
#include "core/policy.h"
#include "tests/core/claims.h"

namespace aio {
namespace {

using test::D;
using test::F;
using test::mk;
using test::P;
using test::T;

struct NestedCase {
  ClaimType a_type;
  const char* a_target;
  const char* a_project;
  ClaimType b_type;
  const char* b_target;
  const char* b_project;
  bool conflict;
};

class NestedConflict : public ::testing::TestWithParam<NestedCase> {};

TEST_P(NestedConflict, ComparesAbsolutePaths) {
  const auto& c = GetParam();
  Claim a = mk(c.a_type, c.a_target, c.a_project), b = mk(c.b_type, c.b_target, c.b_project);
  std::string what =
      std::string(c.a_target) + "@" + c.a_project + " vs " + c.b_target + "@" + c.b_project;
  EXPECT_EQ(claims_conflict(a, b), c.conflict) << what;
  EXPECT_EQ(claims_conflict(b, a), c.conflict) << what << " (swapped)";
  // The focus filter never drops a claim that conflicts.
  if (c.conflict) {
    EXPECT_TRUE(may_conflict(a, b.project, b.type, b.target)) << what;
    EXPECT_TRUE(may_conflict(b, a.project, a.type, a.target)) << what << " (swapped)";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, NestedConflict,
    ::testing::Values(
        // files: the same absolute path, seen from either project
        NestedCase{F, "a.ts", "/m/pkg", F, "pkg/a.ts", "/m", true},
        NestedCase{F, "a.ts", "/m/pkg", F, "a.ts", "/m", false},
        NestedCase{F, "x", "/m/a/b", F, "a/b/x", "/m", true},  // two levels down
        // directories: the inner root, an outer directory holding it, one beside it
        NestedCase{D, "", "/m/pkg", F, "pkg/x", "/m", true},
        NestedCase{D, "pkg", "/m", F, "x", "/m/pkg", true},
        NestedCase{D, "", "/m", D, "src", "/m/pkg", true},
        NestedCase{D, "other", "/m", F, "x", "/m/pkg", false},
        NestedCase{D, "pk", "/m", F, "x", "/m/pkg", false},
        // patterns, exactly: "*.ts" in /m/pkg is "pkg/**/*.ts" seen from /m
        NestedCase{P, "**/*.ts", "/m/pkg", F, "pkg/a/b.ts", "/m", true},
        NestedCase{P, "**/*.ts", "/m/pkg", F, "lib/b.ts", "/m", false},
        NestedCase{P, "**/*.ts", "/m", F, "deep/x.ts", "/m/pkg", true},
        NestedCase{P, "lib/*.ts", "/m", F, "x.ts", "/m/pkg", false},
        NestedCase{P, "/build", "/m/pkg", D, "pkg/build/x", "/m", true},
        NestedCase{P, "/build", "/m/pkg", D, "build", "/m", false},
        NestedCase{P, "pkg/**", "/m", P, "**/*.c", "/m/pkg", true},
        NestedCase{P, "lib/**", "/m", P, "**/*.c", "/m/pkg", false},
        NestedCase{P, "**/*.c", "/m/pkg", D, "pkg", "/m", true},
        NestedCase{P, "**/*.c", "/m/pkg", D, "lib", "/m", false},
        // a prefix that is glob syntax is taken literally
        NestedCase{F, "x.c", "/m/a*b", P, "a\\*b/*.c", "/m", true},
        NestedCase{F, "x.c", "/m/a*b", P, "ab/*.c", "/m", false},
        // task ids belong to their project; unrelated projects never meet
        NestedCase{T, "AI-1", "/m", T, "AI-1", "/m/pkg", false},
        NestedCase{F, "x/a", "/m", F, "a", "/mx", false},
        NestedCase{D, "", "/m", D, "", "/n", false}));

TEST(RebasePattern, IsCanonicalAndEscapesThePrefix) {
  for (auto [prefix, pattern, want] : std::vector<std::array<const char*, 3>>{
           {"pkg", "**/*.ts", "pkg/**/*.ts"},
           {"pkg", "/build", "pkg/build"},
           {"a/b", "**", "a/b/**"},
           {"", "**/x", "**/x"},
           {"we[ir]d*", "src/*.c", "we\\[ir]d\\*/src/*.c"},
       }) {
    std::string got = rebase_pattern(prefix, pattern);
    EXPECT_EQ(got, want);
    auto canon = canonical_pattern(got);
    ASSERT_TRUE(canon) << got;
    EXPECT_EQ(*canon, got);
  }
}

// A (claude) works in /m, B (codex) in /m/pkg, C (gemini) in /m/pkg/sub, D
// (amp) in /n, an unrelated project.
class Nested : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = Clock::at(10000);
    for (auto [tool, project] : {std::pair{"claude", "/m"}, std::pair{"codex", "/m/pkg"},
                                 std::pair{"gemini", "/m/pkg/sub"}, std::pair{"amp", "/n"}}) {
      Txn t(&s_);
      RegisterRequest r;
      r.tool = tool;
      r.project = project;
      r.pid = 1;
      auto i = register_instance(t, r, clock_);
      ASSERT_TRUE(i);
      ids_.push_back(i->id);
    }
  }
  Result<ClaimOutcome> claim(size_t who, ClaimType t, const std::string& target) {
    Txn txn(&s_);
    return grant_claim(txn, s_.instances.at(ids_[who]), t, target, clock_);
  }
  State s_;
  Clock clock_;
  std::vector<std::string> ids_;
};

TEST_F(Nested, GrantingRefusesAcrossNestedProjectsAndNamesTheProject) {
  ASSERT_TRUE(claim(0, F, "pkg/auth/login.ts"));
  auto refused = claim(1, F, "auth/login.ts");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Code::kRefused);
  EXPECT_NE(refused.status().message().find("in /m"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(claim(1, F, "auth/other.ts"));
  EXPECT_TRUE(claim(3, F, "pkg/auth/login.ts"));  // /n is another project
  ASSERT_TRUE(claim(2, P, "**/*.h"));
  EXPECT_FALSE(claim(0, D, "pkg/sub/include"));
  EXPECT_FALSE(claim(1, F, "sub/x.h"));
  EXPECT_TRUE(claim(1, F, "x.h"));
}

TEST_F(Nested, BlockersAndOwnCoveringSeeNestedClaims) {
  ASSERT_TRUE(claim(1, D, "lib"));
  Claim probe = mk(F, "pkg/lib/a.c", "/m");
  auto b = blockers(s_, probe, ids_[0], clock_);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].holder->id, ids_[1]);
  EXPECT_EQ(own_covering(s_, mk(F, "lib/a.c", "/m/pkg"), ids_[1], clock_).size(), 1u);
  EXPECT_EQ(own_covering(s_, probe, ids_[1], clock_).size(), 1u);
}

// The mount's index for /m/pkg: claims of /m (holding it) and of /m/pkg/sub
// (inside it) judge its paths; /n's never do.
class NestedPolicy : public Nested {
 protected:
  void SetUp() override {
    Nested::SetUp();
    for (auto [who, type, target] : std::vector<std::tuple<size_t, ClaimType, const char*>>{
             {0, F, "pkg/a.ts"},
             {0, D, "pkg/lib"},
             {0, P, "**/*.gen.go"},
             {0, P, "pkg/docs/*.md"},
             {0, P, "other/**"},
             {0, F, "other/z"},
             {2, F, "x.c"},
             {2, P, "**/*.h"},
             {3, F, "b.ts"},
         })
      ASSERT_TRUE(claim(who, type, target)) << target;
  }
};

TEST_F(NestedPolicy, JudgesByAbsolutePath) {
  auto state = std::make_shared<const State>(s_);
  PolicyIndex index(state, "/m/pkg");
  EXPECT_EQ(index.claim_count(), 6u);  // not /m's other/**, other/z nor /n's b.ts
  struct Case {
    const char* path;
    bool subtree;
    int blocker;  // index into ids_, -1: allowed
  };
  for (auto c : std::vector<Case>{
           {"a.ts", false, 0},
           {"b.ts", false, -1},
           {"lib/z/y.c", false, 0},
           {"q/y.gen.go", false, 0},
           {"docs/r.md", false, 0},
           {"docs/sub/r.md", false, -1},
           {"sub/x.c", false, 2},
           {"sub/deep/k.h", false, 2},
           {"k.h", false, -1},
           {"sub", true, 2},
           {"z", false, -1},
       }) {
    Decision d = index.decide(ids_[1], c.path, c.subtree, MountMode::kEnforce, clock_);
    EXPECT_EQ(d.allowed, c.blocker < 0) << c.path << ": " << d.reason;
    if (c.blocker >= 0 && d.holder) {
      EXPECT_EQ(d.holder->id, ids_[c.blocker]) << c.path;
    }
  }
  Decision d = index.decide(ids_[1], "a.ts", false, MountMode::kEnforce, clock_);
  EXPECT_NE(d.reason.find("on pkg/a.ts in /m"), std::string::npos) << d.reason;
  EXPECT_TRUE(index.patterns_reach_inside(ids_[1], "q", clock_));  // q/x.gen.go could exist
  EXPECT_FALSE(index.patterns_reach_inside(ids_[0], "q", clock_));
}

TEST_F(NestedPolicy, AnOuterDirectoryHoldingTheRootCoversIt) {
  Claim whole = mk(D, "pkg", "/m");  // granting would refuse it: C holds x.c beneath
  whole.id = "claim-whole";
  whole.instance_id = ids_[0];
  s_.claims[whole.id] = whole;
  PolicyIndex index(std::make_shared<const State>(s_), "/m/pkg/sub");
  for (const char* path : {"", "anything", "x.c"})
    EXPECT_FALSE(index.decide(ids_[3], path, false, MountMode::kEnforce, clock_).allowed) << path;
}

TEST_F(NestedPolicy, TheOuterProjectSeesInnerClaimsRebased) {
  PolicyIndex index(std::make_shared<const State>(s_), "/m");
  for (auto [path, allowed] : std::vector<std::pair<const char*, bool>>{
           {"pkg/sub/x.c", false}, {"pkg/sub/a/b.h", false}, {"pkg/b.h", true}, {"b.ts", true}})
    EXPECT_EQ(index.decide(ids_[0], path, false, MountMode::kEnforce, clock_).allowed, allowed)
        << path;
}

}  // namespace
}  // namespace aio
