#include "core/policy.h"

#include <gtest/gtest.h>

namespace aio {
namespace {

constexpr int64_t kNow = 100000;

// A holds file a/f.ts, directory d, pattern **/*.lock; C (stale) holds
// file stale.txt; A's claim on exp.txt has expired; a claim in another
// project covers other.txt there.
std::shared_ptr<const State> make_state() {
  auto s = std::make_shared<State>();
  auto inst = [&](const std::string& id, int64_t hb) {
    Instance i;
    i.id = id;
    i.tool = id;
    i.project = "/p";
    i.last_heartbeat = hb;
    s->instances[id] = i;
  };
  inst("A", kNow);
  inst("B", kNow);
  inst("C", kNow - 1000);
  int n = 0;
  auto claim = [&](const std::string& who, ClaimType t, const std::string& target,
                   const std::string& project = "/p", std::optional<int64_t> exp = {}) {
    Claim c;
    c.id = "c" + std::to_string(++n);
    c.instance_id = who;
    c.type = t;
    c.target = target;
    c.project = project;
    c.expires_at = exp;
    s->claims[c.id] = c;
  };
  claim("A", ClaimType::kFile, "a/f.ts");
  claim("A", ClaimType::kDirectory, "d");
  claim("A", ClaimType::kPattern, "**/*.lock");
  claim("A", ClaimType::kTask, "T-1");
  claim("C", ClaimType::kFile, "stale.txt");
  claim("A", ClaimType::kFile, "exp.txt", "/p", kNow - 1);
  claim("A", ClaimType::kFile, "other.txt", "/q");
  return s;
}

struct PolicyCase {
  const char* who;  // "" = anonymous
  const char* path;
  bool subtree;
  MountMode mode;
  bool allowed;
  bool would_refuse;
  const char* blocking;  // claim id, "" = none
};

class PolicyDecide : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyDecide, Table) {
  const auto& c = GetParam();
  static const PolicyIndex index(make_state(), "/p");
  Clock clock = Clock::at(kNow, 300);
  Decision d = index.decide(c.who, c.path, c.subtree, c.mode, clock);
  std::string what = std::string(c.who) + " " + c.path + " " + std::string(to_string(c.mode));
  EXPECT_EQ(d.allowed, c.allowed) << what << ": " << d.reason;
  EXPECT_EQ(d.would_refuse, c.would_refuse) << what;
  EXPECT_EQ(d.claim ? d.claim->id : std::string(), c.blocking) << what;
  if (!d.allowed || d.would_refuse) {
    EXPECT_FALSE(d.reason.empty());
  }
}

constexpr auto E = MountMode::kEnforce;
constexpr auto S = MountMode::kStrict;
constexpr auto Adv = MountMode::kAdvisory;

INSTANTIATE_TEST_SUITE_P(Table, PolicyDecide,
                         ::testing::Values(
                             // file claim: the holder may, others and anonymous may not
                             PolicyCase{"A", "a/f.ts", false, E, true, false, ""},
                             PolicyCase{"B", "a/f.ts", false, E, false, false, "c1"},
                             PolicyCase{"", "a/f.ts", false, E, false, false, "c1"},
                             PolicyCase{"B", "a/g.ts", false, E, true, false, ""},
                             // directory claim covers itself and everything beneath
                             PolicyCase{"B", "d", false, E, false, false, "c2"},
                             PolicyCase{"B", "d/x/y.c", false, E, false, false, "c2"},
                             PolicyCase{"B", "dx/y.c", false, E, true, false, ""},
                             // pattern claim, at any depth
                             PolicyCase{"B", "deep/er/pkg.lock", false, E, false, false, "c3"},
                             PolicyCase{"B", "pkg.locks", false, E, true, false, ""},
                             // renaming a parent directory moves the claimed file: subtree
                             PolicyCase{"B", "a", false, E, true, false, ""},
                             PolicyCase{"B", "a", true, E, false, false, "c1"},
                             PolicyCase{"B", "", true, E, false, false,
                                        "c1"},  // the root holds everything
                             PolicyCase{"B", "x", true, E, true, false, ""},
                             // stale holders, expired claims and other projects never block
                             PolicyCase{"B", "stale.txt", false, E, true, false, ""},
                             PolicyCase{"B", "exp.txt", false, E, true, false, ""},
                             PolicyCase{"B", "other.txt", false, E, true, false, ""},
                             // tasks are not paths
                             PolicyCase{"B", "T-1", false, E, true, false, ""},
                             // strict: only what you hold
                             PolicyCase{"A", "d/new.c", false, S, true, false, ""},
                             PolicyCase{"A", "free.c", false, S, false, false, ""},
                             PolicyCase{"", "free.c", false, S, false, false, ""},
                             PolicyCase{"B", "d/x", false, S, false, false, "c2"},
                             // advisory: never refuses, but says what enforce would have done
                             PolicyCase{"B", "a/f.ts", false, Adv, true, true, "c1"},
                             PolicyCase{"B", "free.c", false, Adv, true, false, ""}));

// What --auto-claim asks of a decision: does an active claim of the caller
// cover the path, and which instances auto-claim?
TEST(PolicyIndex, SaysWhenTheCallersOwnClaimCoversThePath) {
  PolicyIndex index(make_state(), "/p");
  Clock clock = Clock::at(kNow, 300);
  auto mine = [&](const char* who, const char* path) {
    return index.decide(who, path, false, MountMode::kEnforce, clock).mine;
  };
  EXPECT_TRUE(mine("A", "a/f.ts"));
  EXPECT_TRUE(mine("A", "d/x/y.c"));
  EXPECT_TRUE(mine("A", "x/pkg.lock"));
  EXPECT_FALSE(mine("A", "free.c"));
  EXPECT_FALSE(mine("A", "exp.txt"));  // expired
  EXPECT_FALSE(mine("B", "a/f.ts"));
  EXPECT_FALSE(mine("", "a/f.ts"));
  EXPECT_FALSE(index.auto_claimer("A"));
  auto s = std::make_shared<State>(*make_state());
  s->instances["B"].auto_claim = true;
  s->instances["Q"] = s->instances["B"];
  s->instances["Q"].id = "Q";
  s->instances["Q"].project = "/q";
  PolicyIndex with(s, "/p");
  EXPECT_TRUE(with.auto_claimer("B"));
  EXPECT_FALSE(with.auto_claimer("A"));
  EXPECT_FALSE(with.auto_claimer("Q"));  // another project's
  EXPECT_FALSE(with.auto_claimer(""));
}

TEST(PolicyIndex, PatternsReachInsideDirectoriesOfOthers) {
  PolicyIndex index(make_state(), "/p");
  Clock clock = Clock::at(kNow, 300);
  EXPECT_TRUE(index.patterns_reach_inside("B", "x", clock));  // x/y.lock could exist
  EXPECT_TRUE(index.patterns_reach_inside("", "", clock));
  EXPECT_FALSE(index.patterns_reach_inside("A", "x", clock));  // A's own pattern
}

// A change to paths that could not all be found: refused while another
// instance holds an active claim (stale, expired and other projects' claims
// do not count), in every mode as decide() refuses.
TEST(PolicyIndex, RefusesPathsItCannotSeeWhileOthersHoldClaims) {
  PolicyIndex index(make_state(), "/p");
  Clock clock = Clock::at(kNow, 300);
  auto d = [&](const char* who, MountMode mode) {
    return index.decide_unknown(who, "x (unseen)", mode, clock);
  };
  Decision b = d("B", MountMode::kEnforce);
  EXPECT_FALSE(b.allowed);
  ASSERT_NE(b.claim, nullptr);
  EXPECT_EQ(b.claim->instance_id, "A");
  EXPECT_EQ(b.reason.rfind("x (unseen); ", 0), 0u) << b.reason;
  EXPECT_FALSE(d("", MountMode::kEnforce).allowed);
  EXPECT_TRUE(d("A", MountMode::kEnforce).allowed);  // only its own (and C's stale one)
  EXPECT_FALSE(d("A", MountMode::kStrict).allowed);  // nothing shows it holds the paths
  Decision adv = d("B", MountMode::kAdvisory);
  EXPECT_TRUE(adv.allowed);
  EXPECT_TRUE(adv.would_refuse);
  EXPECT_TRUE(PolicyIndex(make_state(), "/q")
                  .decide_unknown("B", "x", MountMode::kEnforce, clock)
                  .allowed == false);  // A's claim on /q's other.txt
  EXPECT_TRUE(
      PolicyIndex(make_state(), "/r").decide_unknown("B", "x", MountMode::kEnforce, clock).allowed);
}

TEST(PolicyIndex, CountsOnlyThisProjectsPathClaims) {
  PolicyIndex index(make_state(), "/p");
  EXPECT_EQ(index.claim_count(), 5u);  // the task and the /q claim are not indexed
  EXPECT_EQ(PolicyIndex(make_state(), "/q").claim_count(), 1u);
}

TEST(MountModeNames, RoundTrip) {
  for (auto m : {MountMode::kEnforce, MountMode::kStrict, MountMode::kAdvisory})
    EXPECT_EQ(parse_mount_mode(to_string(m)), m);
  EXPECT_FALSE(parse_mount_mode("paranoid"));
}

}  // namespace
}  // namespace aio

namespace aio {
namespace {

// The pattern buckets are only a shortcut: for every pattern and path the
// index must refuse exactly when the glob itself covers the path.
TEST(PolicyIndex, PatternBucketsAgreeWithTheGlobs) {
  const char* patterns[] = {"src/g5/**/*.ts", "**/*.gen5.go", "docs/s3/*.md",    "test/t7/**",
                            "build",          "/build",       "**/node_modules", "*.lock",
                            "src/*",          "[ab]/x",       "*/deep/**",       "a/b/c",
                            "**/x/*.c",       "**/.env",      "*.tar.gz",        "src/**",
                            "**/*",           "?.txt",        "a\\*b/c"};
  const char* paths[] = {"src/g5/a.ts",
                         "src/g5/x/y.ts",
                         "src/g6/a.ts",
                         "x/y.gen5.go",
                         "y.gen5.go",
                         "docs/s3/r.md",
                         "docs/s3/x/r.md",
                         "test/t7/a/b",
                         "test/t7",
                         "build",
                         "x/build/y.o",
                         "node_modules/a/b",
                         "p/node_modules",
                         "yarn.lock",
                         "src/a",
                         "src/a/b",
                         "a/x",
                         "c/x",
                         "q/deep/r",
                         "a/b/c/d",
                         "m/x/f.c",
                         "x/f.c",
                         ".env",
                         "k/.env",
                         "a.tar.gz",
                         "src",
                         "a.txt",
                         "ab.txt",
                         "a*b/c",
                         "aXb/c",
                         ""};
  for (const char* pat : patterns) {
    auto state = std::make_shared<State>();
    Instance i;
    i.id = "A";
    i.project = "/p";
    i.last_heartbeat = kNow;
    state->instances["A"] = i;
    Claim c;
    c.id = "c1";
    c.instance_id = "A";
    c.type = ClaimType::kPattern;
    auto canon = canonical_pattern(pat);
    ASSERT_TRUE(canon) << pat;
    c.target = *canon;
    c.project = "/p";
    state->claims["c1"] = c;
    PolicyIndex index(state, "/p");
    for (const char* path : paths) {
      Decision d = index.decide("B", path, false, MountMode::kEnforce, Clock::at(kNow, 300));
      EXPECT_EQ(!d.allowed, glob_covers(*canon, path)) << *canon << " vs " << path;
    }
  }
}

}  // namespace
}  // namespace aio
