// Who is calling: the order of the rules, process bindings (nearest
// ancestor wins, only while the process runs and only on its own machine),
// and the reason given when nobody is found.
#include "core/identity.h"
#include "tests/core/fake_processes.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace aio {
namespace {

using test::FakeProcesses;

Caller lineage(std::vector<ProcRef> refs, int64_t sid = 0) {
  Caller c;
  c.lineage = std::move(refs);
  c.sid = sid;
  c.sid_start = 7;
  return c;
}

class IdentityTest : public ::testing::Test {
 protected:
  IdentityTest() {
    clock_ = Clock::at(10000);
    clock_.machine_id = "m1";
    clock_.procs = &procs_;
  }
  // An instance; bound to (pid, start) on `machine` when pid > 0.
  std::string add(const std::string& id, int64_t pid = 0, int64_t start = 0,
                  const std::string& machine = "m1", int64_t sid = 0, int64_t heartbeat = 10000) {
    Instance i;
    i.id = id;
    i.tool = "t";
    i.project = "/p";
    i.bound_pid = pid;
    i.bound_start_time = start;
    i.machine_id = pid > 0 ? machine : "";
    i.sid = sid;
    i.sid_start = sid > 0 ? 7 : 0;
    i.started_at = heartbeat;
    i.last_heartbeat = heartbeat;
    s_.instances[id] = i;
    return id;
  }
  // A random state in s_ and procs_ (bound, session and plain instances,
  // alive or not, on this machine or another, equal start times so the
  // tie-break by id decides) and a random caller's lineage and session.
  Caller random_round(std::mt19937& rng) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    s_ = State{};
    procs_.alive.clear();
    int n = 1 + pick(12);
    for (int k = 0; k < n; ++k) {
      int64_t pid = pick(3) == 0 ? 0 : 10 + pick(6);
      int64_t start = 1 + pick(2);
      std::string machine = pick(5) == 0 ? "m2" : "m1";
      int64_t sid = pick(2) == 0 ? 0 : 40 + pick(3);
      int64_t beat = pick(3) == 0 ? 1000 : 9990 + pick(3);  // stale or not
      add("i" + std::to_string(k), pid, start, machine, sid, beat);
      if (pid > 0 && pick(3) != 0) procs_.alive.insert({pid, start});
    }
    std::vector<ProcRef> refs;
    for (int d = pick(5); d > 0; --d) refs.push_back({10 + pick(6), 1 + pick(2)});
    Caller c = lineage(refs, pick(3) == 0 ? 0 : 40 + pick(3));
    if (pick(4) == 0) c.sid_start = 8;  // a reused session id
    return c;
  }
  std::string who(const Caller& c) {
    Identity id = resolve_identity(s_, c, clock_);
    return id.instance ? id.instance->id + " via " + id.source : "anonymous: " + id.problem;
  }

  State s_;
  FakeProcesses procs_;
  Clock clock_;
};

TEST_F(IdentityTest, TheNearestBoundAncestorWins) {
  add("agent", 100, 5);
  add("outer", 50, 2);
  procs_.alive = {{100, 5}, {50, 2}};
  struct Row {
    std::vector<ProcRef> lineage;
    std::string want;
  } rows[] = {
      {{{300, 9}, {200, 8}, {100, 5}, {50, 2}}, "agent via process 100"},  // a shell command
      {{{100, 5}, {50, 2}}, "agent via process 100"},                      // the agent itself
      {{{60, 3}, {50, 2}}, "outer via process 50"},
      {{{300, 9}, {100, 6}, {50, 2}}, "outer via process 50"},  // pid 100 reused: not the agent
  };
  for (const auto& r : rows) EXPECT_EQ(who(lineage(r.lineage)), r.want);
}

TEST_F(IdentityTest, ABindingCountsOnlyWhileItsProcessRunsAndOnItsMachine) {
  add("dead", 100, 5);
  add("elsewhere", 200, 8, "m2");
  procs_.alive = {{200, 8}};  // 100 has ended
  EXPECT_EQ(who(lineage({{300, 9}, {100, 5}})).rfind("anonymous: ", 0), 0u);
  // A binding made on another machine is never judged here.
  EXPECT_EQ(who(lineage({{200, 8}})).rfind("anonymous: ", 0), 0u);
  Caller c;
  c.env_id = "dead";
  EXPECT_NE(who(c).find("is stale (its process 100 has ended)"), std::string::npos) << who(c);
}

TEST_F(IdentityTest, RulesInOrder) {
  add("flag");
  add("env");
  add("bound", 100, 5);
  add("session", 0, 0, "", 555);
  procs_.alive = {{100, 5}};
  Caller c = lineage({{300, 9}, {100, 5}}, 555);
  EXPECT_EQ(who(c), "bound via process 100");
  c.env_id = "env";
  EXPECT_EQ(who(c), "env via AIO_INSTANCE");
  c.flag_id = "flag";
  EXPECT_EQ(who(c), "flag via --instance");
  // An unusable explicit id is anonymous; it does not fall through.
  c.flag_id = "ghost";
  EXPECT_NE(who(c).find("ghost (from --instance) is not registered"), std::string::npos);
  c = lineage({{300, 9}}, 555);
  EXPECT_EQ(who(c), "session via session 555");
}

TEST_F(IdentityTest, ABoundInstanceIsNotItsTerminalSessions) {
  // `aio exec` in a terminal binds the instance to its child: other commands
  // typed in that terminal are not the agent.
  add("exec", 100, 5, "m1", 555);
  procs_.alive = {{100, 5}};
  EXPECT_EQ(who(lineage({{300, 9}}, 555)).rfind("anonymous: ", 0), 0u);
  EXPECT_EQ(who(lineage({{300, 9}, {100, 5}}, 555)), "exec via process 100");
}

TEST_F(IdentityTest, AnonymousSaysWhy) {
  add("old", 0, 0, "", 555, 10000 - 400);
  struct Row {
    Caller caller;
    std::string says;
  } rows[] = {
      {lineage({{300, 9}, {200, 8}}), "no live instance is bound to this process or an ancestor"},
      {lineage({{300, 9}}), "it has no terminal session"},
      {lineage({{300, 9}}, 556), "none was registered from its terminal session (sid 556)"},
      {lineage({{300, 9}}, 555), "the instance registered from its session (old) is stale"},
  };
  for (const auto& r : rows) {
    std::string got = who(r.caller);
    EXPECT_NE(got.find(r.says), std::string::npos) << got;
  }
  auto req = require_identity(s_, lineage({{300, 9}}), clock_);
  ASSERT_FALSE(req);
  EXPECT_EQ(req.status().code(), Code::kRefused);
  EXPECT_NE(req.status().message().find("you are anonymous (AIO_INSTANCE is not set"),
            std::string::npos);
}

TEST_F(IdentityTest, BoundInstancesNeedNoHeartbeat) {
  add("bound", 100, 5, "m1", 0, 10000 - 3 * 300);
  add("unbound", 0, 0, "", 0, 10000 - 3 * 300);
  procs_.alive = {{100, 5}};
  EXPECT_TRUE(is_live(s_.instances["bound"], clock_));
  EXPECT_FALSE(is_live(s_.instances["unbound"], clock_));
  procs_.alive.clear();  // SIGKILL: stale at once, whatever the heartbeat says
  add("fresh", 100, 5, "m1", 0, 10000);
  EXPECT_FALSE(is_live(s_.instances["fresh"], clock_));
  // Without a process oracle (e.g. the playbook's view) the heartbeat rule applies.
  Clock plain = Clock::at(10000);
  EXPECT_TRUE(is_live(s_.instances["fresh"], plain));
}

TEST_F(IdentityTest, LiveBySaysWhatLivenessRestsOn) {
  add("here", 100, 5, "m1", 0, 10000 - 40);
  add("there", 200, 8, "m2", 0, 10000 - 5);
  add("unbound", 0, 0, "", 0, 10000 - 300);
  add("gone", 300, 9, "m1", 0, 10000);
  procs_.alive = {{100, 5}};
  Clock plain = Clock::at(10000);
  plain.machine_id = "m1";  // no process oracle: bindings cannot be judged
  struct Row {
    std::string id;
    const Clock* clock;
    std::string want;
  } rows[] = {
      {"here", &clock_, "process 100"},
      {"here", &plain, "process 100, beat 40s ago"},
      {"there", &clock_, "process 200 on another machine, beat 5s ago"},
      {"unbound", &clock_, "beat 5m ago"},
      {"gone", &clock_, "process 300 (ended)"},
  };
  for (const auto& r : rows) EXPECT_EQ(live_by(s_.instances[r.id], *r.clock), r.want) << r.id;
}

// resolve_identity (one pass, no index) and IdentityIndex::resolve answer
// every question alike: seeded random states of bound, session and plain
// instances (alive or not, on this machine or another, with equal start
// times so the tie-break by id decides), random lineages and sessions.
TEST_F(IdentityTest, OnePassAndTheIndexAgree) {
  std::mt19937 rng(20261129);
  std::set<std::string> answers;
  for (int round = 0; round < 300; ++round) {
    Caller c = random_round(rng);
    Identity one = resolve_identity(s_, c, clock_);
    Identity idx = IdentityIndex(s_).resolve(c, clock_);
    ASSERT_EQ(one.instance, idx.instance) << "round " << round;
    EXPECT_EQ(one.source, idx.source) << "round " << round;
    EXPECT_EQ(one.problem, idx.problem) << "round " << round;
    answers.insert(one.instance ? one.source.substr(0, 7) : one.problem.substr(80, 20));
  }
  // The rounds reached every rule: a process, a session, and anonymous
  // answers of each kind.
  EXPECT_GE(answers.size(), 4u);
}

// identity_pick: a state holding only the instances it wants (a partial
// focused load, State::partial) resolves every caller as the whole one does.
// (resolve_identity finds its candidates with the same pick, so a wrong
// pick rule shows in OnePassAndTheIndexAgree, against IdentityIndex.)
TEST_F(IdentityTest, ThePickHoldsWhatResolvingReads) {
  std::mt19937 rng(20261130);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::set<std::string> answers;
  size_t left_out = 0;
  for (int round = 0; round < 400; ++round) {
    Caller c = random_round(rng);
    int n = static_cast<int>(s_.instances.size());
    int named = pick(6);  // now and then an explicit id, known or not
    if (named == 0) c.env_id = "i" + std::to_string(pick(n + 2));
    if (named == 1) c.flag_id = "i" + std::to_string(pick(n + 2));
    if (named == 2) c.env_id = "";  // set but empty: as unset
    InstancePick p = identity_pick(c);
    State part;
    part.partial = true;
    for (const auto& [id, i] : s_.instances)
      if (p.wants(id, i.bound_pid, i.sid)) part.instances.emplace(id, i);
    left_out += s_.instances.size() - part.instances.size();
    Identity whole = resolve_identity(s_, c, clock_);
    Identity got = resolve_identity(part, c, clock_);
    ASSERT_EQ(got.instance ? got.instance->id : "-", whole.instance ? whole.instance->id : "-")
        << "round " << round;
    EXPECT_EQ(got.source, whole.source) << "round " << round;
    EXPECT_EQ(got.problem, whole.problem) << "round " << round;
    EXPECT_EQ(got.explicit_rejected, whole.explicit_rejected) << "round " << round;
    answers.insert(whole.instance ? whole.source.substr(0, 7) : whole.problem.substr(0, 20));
  }
  // The rounds reached every rule and the picks left instances out.
  EXPECT_GE(answers.size(), 6u);
  EXPECT_GT(left_out, 400u);
}

}  // namespace
}  // namespace aio
