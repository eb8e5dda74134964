// fs/denial_log: the record of refusals behind .aio/denials stays bounded in
// bytes, counts repeats instead of storing them, never lets one writer's
// flood push out another's refusals, and budgets what goes to mount.log.
// No mount needed.
#include "fs/denial_log.h"

#include <gtest/gtest.h>

namespace aio::fs {
namespace {

Denial refusal(const std::string& instance, const std::string& reason, int64_t t = 1000,
               pid_t pid = 42) {
  Denial d;
  d.time = t;
  d.op = "append";
  d.path = ".aio/claims";
  d.pid = pid;
  d.comm = "sh";
  d.instance = instance;
  d.as = instance.empty() ? "anonymous (no AIO_INSTANCE)" : instance + " (via AIO_INSTANCE)";
  d.reason = reason;
  return d;
}

bool listed(const DenialLog& log, const std::string& instance, const std::string& reason) {
  for (const auto& d : log.list())
    if (d.instance == instance && d.reason == reason) return true;
  return false;
}

TEST(DenialLog, KeepsOnlyAnExcerptOfBadInput) {
  DenialLog log;
  Denial d = refusal("a", "unknown claim type '" + std::string(1 << 20, 'x') + "'");
  d.path = std::string(70000, 'p');
  d.comm = "\x1b[31mred";
  log.record(&d);
  auto all = log.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_LE(all[0].reason.size(), 250u);
  EXPECT_LE(all[0].path.size(), 170u);
  EXPECT_EQ(all[0].comm, "\\x1b[31mred");
  EXPECT_EQ(d.reason, all[0].reason);  // what the caller logs is what was kept
  EXPECT_LT(log.bytes(), 1024u);
}

TEST(DenialLog, RepeatsAreCountedNotStored) {
  DenialLog log;
  Denial first = refusal("b", "claimed by a");
  first.op = "open-for-write";
  first.path = "a.txt";
  log.record(&first);
  for (int i = 0; i < 10000; ++i) {
    Denial d = refusal("a", "line longer than 8192 bytes", 1000 + i, 100 + i);
    log.record(&d);
  }
  auto all = log.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].path, "a.txt");
  EXPECT_EQ(all[1].count, 10000u);
  EXPECT_EQ(all[1].first, 1000);
  EXPECT_EQ(all[1].time, 1000 + 9999);
  EXPECT_EQ(all[1].pid, 100 + 9999);  // the latest writer
}

// A flood of distinct refusals (each quoting different input) from one
// writer stays within the byte bound and pushes out only that writer's
// older records; anonymous writers count as one writer.
TEST(DenialLog, AFloodPushesOutOnlyItsOwnWritersRecords) {
  DenialLog log;
  Denial b = refusal("b", "claimed by a");
  log.record(&b);
  Denial anon = refusal("", "the writer is not a registered instance");
  log.record(&anon);
  for (int i = 0; i < 5000; ++i) {
    Denial d = refusal("a", "unknown claim type 'x" + std::to_string(i) + std::string(300, 'y'));
    log.record(&d);
    ASSERT_LE(log.bytes(), DenialLog::kMaxBytes);
    ASSERT_LE(log.list().size(), DenialLog::kMaxRecords);
  }
  EXPECT_TRUE(listed(log, "b", "claimed by a"));
  EXPECT_TRUE(listed(log, "", "the writer is not a registered instance"));
  auto all = log.list();
  EXPECT_NE(all.back().reason.find("'x4999"), std::string::npos) << all.back().reason;
  // Then an anonymous flood: b's record still stands.
  for (int i = 0; i < 5000; ++i) {
    Denial d = refusal("", "anon " + std::to_string(i) + std::string(200, 'z'), 2000, 7000 + i);
    log.record(&d);
  }
  EXPECT_TRUE(listed(log, "b", "claimed by a"));
  EXPECT_LE(log.bytes(), DenialLog::kMaxBytes);
}

// The log budget: a burst, then one line a second; repeats only at powers of
// ten; what was not logged is counted on the next line that is.
TEST(DenialLog, LogsWithinABudget) {
  DenialLog log;
  size_t logged = 0;
  for (int i = 0; i < 1000; ++i) {  // all in the same second, all distinct
    Denial d = refusal("a", "bad " + std::to_string(i));
    logged += log.record(&d).log;
  }
  EXPECT_EQ(logged, DenialLog::kLogBurst);
  Denial later = refusal("a", "bad later", 1002);
  LogVerdict v = log.record(&later);
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.unlogged, 1000 - DenialLog::kLogBurst);
  EXPECT_NE(log_tail(v).find("950 refusal(s) not logged"), std::string::npos) << log_tail(v);

  DenialLog rep;
  std::vector<uint64_t> at;
  for (int i = 0; i < 1000; ++i) {
    Denial d = refusal("a", "same", 5000 + i);
    LogVerdict r = rep.record(&d);
    if (r.log) at.push_back(r.count);
  }
  EXPECT_EQ(at, (std::vector<uint64_t>{1, 10, 100, 1000}));
}

}  // namespace
}  // namespace aio::fs
