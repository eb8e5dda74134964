// The binding fields of an instance (DESIGN.md §3: boundPid, boundStartTime,
// machineId) travel through every format the layout derives: state.json,
// journal lines (fast and JSON decoders), the cache (whole and focused
// loads); files written before them load with the defaults.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/cache_image.h"
#include "core/codec.h"
#include "core/store.h"

namespace aio {
namespace {

Instance bound() {
  Instance i;
  i.id = "claude-1795600000-0a1b2c3d";
  i.tool = "claude";
  i.project = "/p";
  i.sid_start = 7;
  i.started_at = 1795600000;
  i.last_heartbeat = 1795600000;
  i.claims = {"c1"};
  i.bound_pid = 4242;
  i.bound_start_time = 123456789;
  i.machine_id = "8f3c0c2e-1b7d-4c55-9a2e-6d1f0e9b7a11";
  return i;
}

void expect_bound(const Instance& i) {
  EXPECT_EQ(i.bound_pid, 4242);
  EXPECT_EQ(i.bound_start_time, 123456789);
  EXPECT_EQ(i.machine_id, "8f3c0c2e-1b7d-4c55-9a2e-6d1f0e9b7a11");
}

TEST(BindingFields, StateJsonWritesThemAfterSidStartAndReadsThemBack) {
  State s;
  s.instances[bound().id] = bound();
  std::string text = encode_state_json(s);
  EXPECT_NE(text.find(R"("sidStart":7,"boundPid":4242,"boundStartTime":123456789,)"
                      R"("machineId":"8f3c0c2e-1b7d-4c55-9a2e-6d1f0e9b7a11",)"),
            std::string::npos)
      << text;
  auto back = parse_state_json(text);
  ASSERT_TRUE(back) << back.status().message();
  expect_bound(back->instances.at(bound().id));
}

TEST(BindingFields, JournalLinesCarryThemThroughBothDecoders) {
  std::vector<Op> ops(1);
  ops[0].kind = Op::kPutInstance;
  ops[0].instance = bound();
  std::string line = encode_journal_line(3, ops);
  line.pop_back();
  uint64_t seq = 0;
  std::vector<Op> fast, slow;
  ASSERT_TRUE(decode_journal_line_fast(line, &seq, &fast));
  ASSERT_TRUE(decode_journal_line_json(line, &seq, &slow));
  expect_bound(fast[0].instance);
  expect_bound(slow[0].instance);
  // A line written before the fields existed: the fast decoder gives up, the
  // JSON one reads the defaults.
  std::string old_line =
      R"({"seq":4,"ops":[{"op":"putInstance","value":{"id":"i","tool":"t","project":"/p",)"
      R"("pid":1,"status":"active","currentTask":null,"beadsIssue":null,)"
      R"("startedAt":"2026-01-01T00:00:00Z","lastHeartbeat":"2026-01-01T00:00:00Z",)"
      R"("claims":[],"sid":0,"sidStart":0}}]})";
  EXPECT_FALSE(decode_journal_line_fast(old_line, &seq, &fast));
  ASSERT_TRUE(decode_journal_line(old_line, &seq, &slow));
  EXPECT_EQ(slow[0].instance.bound_pid, 0);
  EXPECT_EQ(slow[0].instance.bound_start_time, 0);
  EXPECT_EQ(slow[0].instance.machine_id, "");
}

TEST(BindingFields, TheCacheHoldsThem) {
  State s;
  s.instances[bound().id] = bound();
  CachePayload p = encode_cache_payload(s);
  State back;
  ASSERT_TRUE(CacheImage(p.bytes, p.sections).decode(&back));
  expect_bound(back.instances.at(bound().id));

  char tmpl[] = "/tmp/aio-binding-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string home = tmpl;
  FileStoreOptions journaled;
  journaled.checkpoint_every_write_bytes = 0;
  journaled.min_journal_bytes = 1 << 30;
  journaled.cache_lag_bytes = 0;
  auto st = std::move(open_file_store(home, journaled)).value();
  ASSERT_TRUE(st->update([](Txn& t) {
    t.put_instance(bound());
    return Status::ok();
  }));
  ASSERT_TRUE(st->update([](Txn& t) {  // through the journal, then the patched cache
    Instance i = bound();
    i.current_task = "again";
    t.put_instance(i);
    return Status::ok();
  }));
  auto whole = st->load();
  ASSERT_TRUE(whole);
  expect_bound(whole->instances.at(bound().id));
  Status bad = st->update([](Txn& t) {  // the text checks know the new string field too
    Instance i = bound();
    i.machine_id = "boot\xff";
    t.put_instance(i);
    return Status::ok();
  });
  EXPECT_EQ(bad.code(), Code::kInvalid);
  EXPECT_NE(bad.message().find("instance machineId"), std::string::npos) << bad.message();
  for (bool named : {true, false}) {
    auto focused = st->load_focused([&](const State&) {
      Focus f;
      if (named) f.whole_instances = {bound().id};
      return f;
    });
    ASSERT_TRUE(focused);
    expect_bound(focused->instances.at(bound().id));
  }
  std::filesystem::remove_all(home);
}

TEST(BindingFields, AnOldStateJsonLoadsWithTheDefaults) {
  auto s = parse_state_json(R"({"schemaVersion":1,"instances":{"i":{"id":"i","tool":"t",
      "project":"/p","pid":1,"status":"active","startedAt":"2026-01-01T00:00:00Z",
      "lastHeartbeat":"2026-01-01T00:00:00Z","claims":[],"sid":0,"sidStart":0}},
      "claims":{},"context":[]})");
  ASSERT_TRUE(s) << s.status().message();
  const Instance& i = s->instances.at("i");
  EXPECT_EQ(i.bound_pid, 0);
  EXPECT_EQ(i.bound_start_time, 0);
  EXPECT_EQ(i.machine_id, "");
  EXPECT_TRUE(i.extra.is_null());
}

}  // namespace
}  // namespace aio
