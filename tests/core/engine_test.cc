#include "core/engine.h"
#include "core/identity.h"
#include "tests/core/claims.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aio {
namespace {

using test::D;
using test::F;
using test::mk;
using test::P;
using test::T;

struct ConflictCase {
  ClaimType new_type;
  const char* new_target;
  ClaimType held_type;
  const char* held_target;
  bool conflict;
};

class EngineConflict : public ::testing::TestWithParam<ConflictCase> {};

TEST_P(EngineConflict, MatchesDesignTable) {
  const auto& c = GetParam();
  Claim a = mk(c.new_type, c.new_target), b = mk(c.held_type, c.held_target);
  EXPECT_EQ(claims_conflict(a, b), c.conflict)
      << to_string(c.new_type) << " " << c.new_target << " vs " << to_string(c.held_type) << " "
      << c.held_target;
  EXPECT_EQ(claims_conflict(b, a), c.conflict) << "not symmetric";
}

// Every cell of DESIGN.md §2's table, each with a yes and a no.
INSTANTIATE_TEST_SUITE_P(
    Table, EngineConflict,
    ::testing::Values(
        // file vs file: f = F
        ConflictCase{F, "src/a.ts", F, "src/a.ts", true},
        ConflictCase{F, "src/a.ts", F, "src/b.ts", false},
        // file vs directory: f inside D
        ConflictCase{F, "src/auth/x.ts", D, "src/auth", true},
        ConflictCase{F, "src/auth/deep/x.ts", D, "src", true},
        ConflictCase{F, "src/authx.ts", D, "src/auth", false},
        ConflictCase{F, "src", D, "src", true},    // the directory entry itself
        ConflictCase{F, "anything", D, "", true},  // directory claim on the project root
        // file vs pattern: P matches f
        ConflictCase{F, "src/a.test.ts", P, "**/*.test.ts", true},
        ConflictCase{F, "src/a.ts", P, "**/*.test.ts", false},
        ConflictCase{F, "build/x/y.o", P, "**/build", true},  // matched ancestor covers
        ConflictCase{F, "src/sub/a.ts", P, "src/*.ts", false},
        // directory vs file: F inside d
        ConflictCase{D, "src", F, "src/a.ts", true}, ConflictCase{D, "lib", F, "src/a.ts", false},
        // directory vs directory: nested either way
        ConflictCase{D, "src/auth", D, "src", true}, ConflictCase{D, "src", D, "src/auth", true},
        ConflictCase{D, "src/auth", D, "src/auth", true},
        ConflictCase{D, "src/auth", D, "src/api", false},
        ConflictCase{D, "src/a", D, "src/ab", false},
        // directory vs pattern: P can match something inside d
        ConflictCase{D, "docs", P, "**/*.md", true}, ConflictCase{D, "src", P, "src/*.ts", true},
        ConflictCase{D, "lib", P, "src/*.ts", false},
        ConflictCase{D, "src/gen/deep", P, "src/gen", true},  // pattern covers an ancestor
        ConflictCase{D, "src", P, "lib/**", false},
        // pattern vs pattern: a common path exists (decided on automata)
        ConflictCase{P, "**/*.ts", P, "src/*.ts", true},
        ConflictCase{P, "src/*.ts", P, "lib/*.ts", false},
        ConflictCase{P, "src/**", P, "**/*.c", true},
        ConflictCase{P, "**/test/**", P, "src/*.c", false},
        ConflictCase{P, "a/*/c", P, "a/b/*", true},
        ConflictCase{P, "**/[ab]x", P, "**/[cd]x", false},
        ConflictCase{P, "**/*.test.ts", P, "**/*.ts", true},
        ConflictCase{P, "**/*.ts", P, "**/*.js", false},
        // tasks conflict on equal ids only, never with paths
        ConflictCase{T, "AI-1", T, "AI-1", true}, ConflictCase{T, "AI-1", T, "AI-2", false},
        ConflictCase{T, "src", F, "src", false}, ConflictCase{T, "src", D, "src", false},
        ConflictCase{T, "src", P, "**", false}));

TEST(EngineConflict, DifferentProjectsNeverConflict) {
  EXPECT_FALSE(claims_conflict(mk(F, "a"), mk(F, "a", "/other")));
  EXPECT_FALSE(claims_conflict(mk(D, ""), mk(F, "a", "/other")));
}

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.now = 10000;
    clock_.stale_seconds = 300;
    a_ = add("claude", 10000);
    b_ = add("codex", 10000);
  }
  std::string add(const std::string& tool, int64_t heartbeat, int64_t sid = 0) {
    Txn t(&s_);
    RegisterRequest r;
    r.tool = tool;
    r.project = "/p";
    r.pid = 1;
    r.sid = sid;
    r.sid_start = 7;
    Clock c = clock_;
    c.now = heartbeat;
    auto i = register_instance(t, r, c);
    EXPECT_TRUE(i);
    return i->id;
  }
  Result<ClaimOutcome> claim(const std::string& who, ClaimType t, const std::string& target) {
    Txn txn(&s_);
    return grant_claim(txn, s_.instances.at(who), t, target, clock_);
  }
  State s_;
  Clock clock_;
  std::string a_, b_;
};

TEST_F(EngineFixture, GrantRefuseAndIdempotentReclaim) {
  auto c1 = claim(a_, D, "src/auth");
  ASSERT_TRUE(c1);
  EXPECT_FALSE(c1->existed);
  auto again = claim(a_, D, "src/auth");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(again->claim.id, c1->claim.id);
  auto refused = claim(b_, F, "src/auth/login.ts");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Code::kRefused);
  EXPECT_NE(refused.status().message().find(a_), std::string::npos);
  EXPECT_NE(refused.status().message().find("claude"), std::string::npos);
  EXPECT_EQ(s_.claims.size(), 1u);
  EXPECT_EQ(s_.instances.at(a_).claims.size(), 1u);
  // An instance never conflicts with itself.
  EXPECT_TRUE(claim(a_, F, "src/auth/login.ts"));
}

// A claim's transaction is the claim and a heartbeat: its journal line does
// not grow with the claims its instance holds, and the instance's `claims`
// list still follows (Txn keeps it as every reader of the journal does).
TEST_F(EngineFixture, AClaimsOpsDoNotCarryItsInstance) {
  size_t first = 0, last = 0;
  std::string seventh;
  for (int k = 0; k < 200; ++k) {
    Txn t(&s_);
    auto c = grant_claim(t, s_.instances.at(a_), F, "src/f" + std::to_string(k), clock_);
    ASSERT_TRUE(c) << c.status().message();
    ASSERT_EQ(t.ops().size(), 2u);
    EXPECT_EQ(t.ops()[0].kind, Op::kPutClaim);
    EXPECT_EQ(t.ops()[1].kind, Op::kHeartbeat);
    last = encode_journal_line(1, t.ops()).size();
    if (k == 0) first = last;
    if (k == 7) seventh = c->claim.id;
  }
  EXPECT_LT(last, first + 8);
  const auto& list = s_.instances.at(a_).claims;
  ASSERT_EQ(list.size(), 200u);
  EXPECT_EQ(list[7], seventh);
  Instance me = s_.instances.at(a_);
  Txn t(&s_);
  ASSERT_TRUE(release(t, &me, "src/f7", false, "/p", "/p", clock_));
  ASSERT_EQ(t.ops().size(), 2u);
  EXPECT_EQ(t.ops()[0].kind, Op::kDelClaim);
  EXPECT_EQ(t.ops()[0].owner, a_);
  EXPECT_EQ(t.ops()[1].kind, Op::kHeartbeat);
  EXPECT_EQ(s_.instances.at(a_).claims.size(), 199u);
  EXPECT_EQ(std::count(list.begin(), list.end(), seventh), 0);
}

// An expired claim of a live instance leaves its list at cleanup.
TEST_F(EngineFixture, CleanupTakesExpiredClaimsOffTheLists) {
  ASSERT_TRUE(claim(a_, F, "kept"));
  Claim c = mk(F, "expiring");
  c.id = "c-expired";
  c.instance_id = a_;
  c.expires_at = clock_.now - 1;
  Txn t0(&s_);
  t0.put_claim(c);
  ASSERT_EQ(s_.instances.at(a_).claims.size(), 2u);
  Txn t(&s_);
  CleanupReport rep = cleanup(t, clock_);
  ASSERT_EQ(rep.claims.size(), 1u);
  EXPECT_EQ(s_.instances.at(a_).claims.size(), 1u);
  EXPECT_EQ(s_.instances.at(a_).claims[0], s_.claims.begin()->first);
}

TEST_F(EngineFixture, StaleInstancesNeverBlock) {
  std::string old = add("gemini", clock_.now - 301);
  // grant directly against the stale instance's record
  Claim c = mk(F, "x");
  c.id = "claim-old";
  c.instance_id = old;
  s_.claims[c.id] = c;
  EXPECT_FALSE(is_live(s_.instances.at(old), clock_));
  EXPECT_FALSE(claim_active(s_, c, clock_));
  EXPECT_TRUE(claim(a_, F, "x"));
  // exactly at the limit it is still live
  s_.instances.at(old).last_heartbeat = clock_.now - 300;
  EXPECT_TRUE(is_live(s_.instances.at(old), clock_));
}

TEST_F(EngineFixture, ExpiredAndOrphanClaimsNeverBlock) {
  Claim expired = mk(F, "e");
  expired.id = "c-exp";
  expired.instance_id = b_;
  expired.expires_at = clock_.now;
  s_.claims[expired.id] = expired;
  Claim orphan = mk(F, "o");
  orphan.id = "c-orphan";
  orphan.instance_id = "gone-1-00000000";
  s_.claims[orphan.id] = orphan;
  EXPECT_TRUE(claim(a_, F, "e"));
  EXPECT_TRUE(claim(a_, F, "o"));
}

TEST_F(EngineFixture, CleanupRemovesStaleInstancesTheirClaimsAndOrphans) {
  std::string old = add("amp", clock_.now - 1000);
  Txn t0(&s_);
  Claim c = mk(F, "x");
  c.id = "c-stale";
  c.instance_id = old;
  t0.put_claim(c);
  c.id = "c-orphan";
  c.instance_id = "nobody";
  t0.put_claim(c);
  ASSERT_TRUE(claim(a_, F, "mine"));
  Txn t(&s_);
  CleanupReport rep = cleanup(t, clock_);
  ASSERT_EQ(rep.instances.size(), 1u);
  EXPECT_EQ(rep.instances[0].id, old);
  EXPECT_EQ(rep.claims.size(), 2u);
  EXPECT_EQ(s_.instances.count(old), 0u);
  EXPECT_EQ(s_.claims.size(), 1u);
  EXPECT_EQ(s_.instances.count(a_), 1u);
}

// A record deleted by its own key (a reference into the state, as a loop
// over the state's entries passes it) is recorded under that key (found by
// AddressSanitizer: the key was read after the entry was freed).
TEST_F(EngineFixture, TxnDeletesByTheKeyOfTheEntryItself) {
  ASSERT_TRUE(claim(a_, F, "k.ts"));
  Txn t(&s_);
  const std::string& cid = s_.claims.begin()->first;
  const std::string want = cid;
  t.del_claim(cid);
  const std::string& iid = s_.instances.find(b_)->first;
  t.del_instance(iid);
  ASSERT_EQ(t.ops().size(), 2u);
  EXPECT_EQ(t.ops()[0].id, want);
  EXPECT_EQ(t.ops()[1].id, b_);
  EXPECT_EQ(s_.claims.count(want), 0u);
  EXPECT_EQ(s_.instances.count(b_), 0u);
}

// Writes through the mount are heartbeats, written a few seconds later by the
// daemon's janitor: only for instances still live then.
TEST_F(EngineFixture, WriteHeartbeatsNeverReviveAStaleInstance) {
  struct Row {
    const char* what;
    int64_t last_beat_age;  // seconds before clock_.now
    bool exists;
    bool beats;
  };
  const Row rows[] = {
      {"fresh", 0, true, true},
      {"old but live", 299, true, true},
      {"exactly at the limit", 300, true, true},
      {"stale by one second", 301, true, false},
      {"long stale", 5000, true, false},
      {"unregistered since", 0, false, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.what);
    std::string id = add("amp", clock_.now - r.last_beat_age);
    if (!r.exists) {
      Txn t(&s_);
      unregister_instance(t, id);
    }
    Txn t(&s_);
    EXPECT_EQ(heartbeat_writers(t, {id}, clock_), r.beats ? 1u : 0u);
    if (!r.exists) {
      EXPECT_EQ(s_.instances.count(id), 0u);
      continue;
    }
    EXPECT_EQ(s_.instances.at(id).last_heartbeat,
              r.beats ? clock_.now : clock_.now - r.last_beat_age);
    EXPECT_EQ(is_live(s_.instances.at(id), clock_), r.beats);
  }
}

// The bug this guards against: B claims what stale A held; A's late write
// heartbeat must not make A live again beside B's overlapping claim.
TEST_F(EngineFixture, LateWriteHeartbeatLeavesNoTwoLiveHolders) {
  std::string old = add("gemini", clock_.now - 400);
  {
    Txn t(&s_);
    Claim c = mk(F, "x");
    c.id = "c-old";
    c.instance_id = old;
    t.put_claim(c);
  }
  ASSERT_TRUE(claim(a_, F, "x"));
  Txn t(&s_);
  heartbeat_writers(t, {old, a_}, clock_);
  EXPECT_FALSE(claim_active(s_, s_.claims.at("c-old"), clock_));
  EXPECT_TRUE(is_live(s_.instances.at(a_), clock_));
}

TEST_F(EngineFixture, IdentityOrder) {
  Caller c;
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance, nullptr);
  c.env_id = b_;
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance->id, b_);
  c.flag_id = a_;
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance->id, a_);
  c.flag_id = "ghost-1-00000000";
  Identity bad = resolve_identity(s_, c, clock_);
  EXPECT_EQ(bad.instance, nullptr);
  EXPECT_NE(bad.problem.find("not registered"), std::string::npos);
  auto req = require_identity(s_, c, clock_);
  ASSERT_FALSE(req);
  EXPECT_EQ(req.status().code(), Code::kRefused);
}

TEST_F(EngineFixture, SessionIdentityNeedsTheSameSessionLeader) {
  std::string t1 = add("claude", clock_.now, 555);
  Caller c;
  c.sid = 555;
  c.sid_start = 7;
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance->id, t1);
  EXPECT_EQ(resolve_identity(s_, c, clock_).source, "session 555");
  c.sid_start = 8;  // a reused session id
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance, nullptr);
  c.sid_start = 7;
  c.sid = 556;  // another terminal
  EXPECT_EQ(resolve_identity(s_, c, clock_).instance, nullptr);
}

TEST_F(EngineFixture, StaleExplicitIdIsRefusedWithReason) {
  std::string old = add("amp", clock_.now - 1000);
  Caller c;
  c.env_id = old;
  auto r = require_identity(s_, c, clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("stale"), std::string::npos);
}

TEST_F(EngineFixture, ReleaseOnlyYoursUnlessForced) {
  auto ca = claim(a_, F, "src/a.ts");
  ASSERT_TRUE(ca);
  const Instance& me_b = s_.instances.at(b_);
  {
    Txn t(&s_);
    auto r = release(t, &me_b, ca->claim.id, false, "/p", "/p", clock_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.status().code(), Code::kRefused);
    EXPECT_TRUE(t.ops().empty());
  }
  {
    Txn t(&s_);
    auto r = release(t, &me_b, "./src//a.ts", false, "/p", "/p", clock_);
    ASSERT_FALSE(r);
  }
  {
    Txn t(&s_);
    auto r = release(t, &me_b, "/p/src/a.ts", true, "/p", "/p", clock_);
    ASSERT_TRUE(r) << r.status().message();
    EXPECT_EQ(r->size(), 1u);
    ASSERT_EQ(t.notes().size(), 1u);
    EXPECT_EQ(t.notes()[0].category, "warning");
    EXPECT_NE(t.notes()[0].content.find(a_), std::string::npos);
  }
  EXPECT_TRUE(s_.claims.empty());
  EXPECT_TRUE(s_.instances.at(a_).claims.empty());
}

TEST_F(EngineFixture, ReleaseAllAndByPathForOwner) {
  ASSERT_TRUE(claim(a_, F, "x"));
  ASSERT_TRUE(claim(a_, D, "dir"));
  ASSERT_TRUE(claim(a_, P, "**/*.md"));
  ASSERT_TRUE(claim(b_, F, "y"));
  const Instance me = s_.instances.at(a_);
  {
    Txn t(&s_);
    auto r = release(t, &me, "dir/", false, "/p", "/p", clock_);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size(), 1u);
    EXPECT_TRUE(t.notes().empty());
  }
  {
    Txn t(&s_);
    auto r = release(t, &me, "*.md", false, "/p", "/p", clock_);
    ASSERT_TRUE(r) << r.status().message();
    EXPECT_EQ(r->size(), 1u);
  }
  {
    Txn t(&s_);
    auto r = release(t, &me, "all", false, "/p", "/p", clock_);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size(), 1u);
  }
  EXPECT_EQ(s_.claims.size(), 1u);
  Txn t(&s_);
  auto none = release(t, &me, "nothing-here", false, "/p", "/p", clock_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.status().code(), Code::kRefused);
}

struct TargetCase {
  ClaimType type;
  const char* input;
  const char* cwd;
  const char* want;  // nullptr: invalid
};

class EngineTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(EngineTarget, Canonicalises) {
  const auto& c = GetParam();
  auto r = canonical_target(c.type, c.input, "/p", c.cwd);
  if (!c.want) {
    ASSERT_FALSE(r) << *r;
    EXPECT_EQ(r.status().code(), Code::kInvalid);
  } else {
    ASSERT_TRUE(r) << r.status().message();
    EXPECT_EQ(*r, c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, EngineTarget,
    ::testing::Values(
        TargetCase{F, "src/a.ts", "/p", "src/a.ts"}, TargetCase{F, "./src//a.ts", "/p", "src/a.ts"},
        TargetCase{F, "/p/src/a.ts", "/elsewhere", "src/a.ts"},
        TargetCase{F, "a.ts", "/p/src", "src/a.ts"},
        TargetCase{F, "src/a.ts", "/elsewhere", "src/a.ts"},  // cwd outside
        TargetCase{D, "src/auth/", "/p", "src/auth"}, TargetCase{D, ".", "/p", ""},
        TargetCase{F, "../x", "/p", nullptr}, TargetCase{F, "/etc/passwd", "/p", nullptr},
        TargetCase{P, "*.test.ts", "/p", "**/*.test.ts"},
        TargetCase{P, "/p/src/*.ts", "/p", "src/*.ts"},
        TargetCase{P, "/src/*.ts", "/p", "src/*.ts"}, TargetCase{P, "src/*.ts", "/p", "src/*.ts"},
        TargetCase{P, "!x", "/p", nullptr}, TargetCase{P, "", "/p", nullptr},
        TargetCase{T, "AI-Tools-abc", "/p", "AI-Tools-abc"},
        TargetCase{T, "has space", "/p", nullptr}, TargetCase{T, "", "/p", nullptr}));

TEST(EngineIds, Format) {
  std::string id = new_id("claude", 1707084123);
  ASSERT_EQ(id.size(), std::string("claude-1707084123-").size() + 8);
  EXPECT_EQ(id.rfind("claude-1707084123-", 0), 0u);
  EXPECT_NE(new_id("x", 1), new_id("x", 1));
  EXPECT_TRUE(validate_tool("claude"));
  EXPECT_FALSE(validate_tool(""));
  EXPECT_FALSE(validate_tool("bad tool"));
  EXPECT_FALSE(validate_tool("x/y"));
}

struct KindCase {
  ClaimType type;
  std::optional<bool> is_dir;
  bool ok;
};

class EngineTargetKind : public ::testing::TestWithParam<KindCase> {};

TEST_P(EngineTargetKind, RefusesTheWrongKindWithAHint) {
  const auto& c = GetParam();
  Status s = check_target_kind(c.type, "src", c.is_dir);
  EXPECT_EQ(s.is_ok(), c.ok) << to_string(c.type) << " " << s.message();
  if (!s.is_ok()) {
    EXPECT_EQ(s.code(), Code::kInvalid);
    EXPECT_NE(s.message().find("aio claim"), std::string::npos) << s.message();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, EngineTargetKind,
                         ::testing::Values(KindCase{F, true, false}, KindCase{F, false, true},
                                           KindCase{F, std::nullopt, true},
                                           KindCase{D, false, false}, KindCase{D, true, true},
                                           KindCase{D, std::nullopt, true}, KindCase{P, true, true},
                                           KindCase{T, false, true}));

}  // namespace
}  // namespace aio
