// The lease keeper's round (core/keeper.h): what a machine keeps, what it
// removes, what it leaves to other machines; the per-machine keeper lock.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "core/keeper.h"
#include "core/store.h"
#include "tests/core/fake_processes.h"

namespace aio {
namespace {

using test::FakeProcesses;

struct Row {
  const char* id;
  const char* machine;
  int64_t bound_pid;  // 0: unbound
  int64_t beat;       // last heartbeat
  bool process_runs;
  bool kept;  // still registered after the round
};

TEST(Keeper, KeepsWhatLivesHereRemovesWhatDoesNotLeavesOtherMachinesAlone) {
  const Row rows[] = {
      {"bound-live", "here", 10, 0, true, true},
      {"bound-dead", "here", 11, 990, false, false},
      {"unbound-fresh", "here", 0, 950, false, true},
      {"unbound-stale", "here", 0, 100, false, false},
      {"elsewhere-bound", "there", 12, 0, false, true},  // judged on its own machine
      {"elsewhere-stale", "there", 0, 100, false, true},
  };
  char tmpl[] = "/tmp/aio-keeper-XXXXXX";
  std::string home = mkdtemp(tmpl);
  auto store = open_file_store(home);
  ASSERT_TRUE(store);
  FakeProcesses procs;
  ASSERT_TRUE((*store)->update([&](Txn& t) {
    for (const auto& r : rows) {
      Instance i;
      i.id = r.id;
      i.tool = "t";
      i.project = "/p";
      i.machine_id = r.machine;
      i.bound_pid = r.bound_pid;
      i.bound_start_time = r.bound_pid ? 7 : 0;
      i.started_at = i.last_heartbeat = r.beat;
      i.claims = {std::string("c-") + r.id};
      t.put_instance(i);
      Claim c;
      c.id = i.claims[0];
      c.instance_id = r.id;
      c.target = std::string("f-") + r.id;
      c.project = "/p";
      t.put_claim(c);
      if (r.process_runs) procs.alive.insert({r.bound_pid, 7});
    }
    return Status::ok();
  }));
  Clock c = Clock::at(1000, 300);
  c.machine_id = "here";
  c.procs = &procs;
  auto round = keep_leases(**store, c);
  ASSERT_TRUE(round) << round.status().message();
  EXPECT_EQ(round->mine, 4u);
  EXPECT_EQ(round->renewed, 2u);
  std::set<std::string> ended, released;
  for (const auto& i : round->ended) ended.insert(i.id);
  for (const auto& cl : round->released) released.insert(cl.instance_id);
  auto after = (*store)->load();
  ASSERT_TRUE(after);
  for (const auto& r : rows) {
    SCOPED_TRACE(r.id);
    EXPECT_EQ(after->instances.count(r.id), r.kept ? 1u : 0u);
    EXPECT_EQ(after->claims.count(std::string("c-") + r.id), r.kept ? 1u : 0u);
    EXPECT_EQ(ended.count(r.id), r.kept ? 0u : 1u);
    EXPECT_EQ(released.count(r.id), r.kept ? 0u : 1u);
  }
  std::filesystem::remove_all(home);
}

TEST(Keeper, OneLockPerMachineAndStore) {
  char tmpl[] = "/tmp/aio-keeper-XXXXXX";
  std::string home = mkdtemp(tmpl);
  EXPECT_FALSE(KeeperLock::held(home, "etcd://a/x"));
  {
    auto first = KeeperLock::try_take(home, "etcd://a/x");
    ASSERT_TRUE(first);
    EXPECT_FALSE(KeeperLock::try_take(home, "etcd://a/x"));
    EXPECT_TRUE(KeeperLock::held(home, "etcd://a/x"));
    EXPECT_TRUE(KeeperLock::try_take(home, "etcd://a/y")) << "another store, another keeper";
  }
  EXPECT_FALSE(KeeperLock::held(home, "etcd://a/x")) << "released when its holder goes";
  std::filesystem::remove_all(home);
}

TEST(Keeper, IntervalIsAThirdOfTheLease) {
  EXPECT_EQ(keeper_interval_ms(30), 10000);
  EXPECT_EQ(keeper_interval_ms(3), 1000);
  EXPECT_EQ(keeper_interval_ms(1), 500);
}

}  // namespace
}  // namespace aio
