#include "core/store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/fileio.h"

namespace aio {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    home_ = tmpl;
  }
  void TearDown() override { fs::remove_all(home_); }

  std::unique_ptr<Store> open(FileStoreOptions o = {}) {
    auto s = open_file_store(home_, o);
    EXPECT_TRUE(s) << s.status().message();
    return std::move(s).value();
  }
  static FileStoreOptions journaled() {
    FileStoreOptions o;
    o.checkpoint_every_write_bytes = 0;
    o.min_journal_bytes = 1 << 30;
    o.cache_lag_bytes = 0;
    return o;
  }
  std::string slurp(const std::string& name) {
    std::string s;
    Status st = read_file(home_ + "/" + name, &s);
    return st ? s : "";
  }
  void spit(const std::string& name, const std::string& text) {
    std::ofstream(home_ + "/" + name, std::ios::binary | std::ios::trunc) << text;
  }
  static Status add_claim(Store& st, const std::string& id, const std::string& target) {
    return st.update([&](Txn& t) {
      Claim c;
      c.id = id;
      c.instance_id = "i1";
      c.target = target;
      c.project = "/p";
      t.put_claim(c);
      return Status::ok();
    });
  }
  std::string home_;
};

TEST_F(StoreTest, EmptyHomeLoadsEmptyState) {
  auto st = open();
  auto s = st->load();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->instances.empty());
  EXPECT_TRUE(s->claims.empty());
}

TEST_F(StoreTest, UpdateIsDurableAndVisibleToNewStores) {
  {
    auto st = open();
    ASSERT_TRUE(add_claim(*st, "c1", "a/b"));
  }
  auto s = open()->load();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->claims.at("c1").target, "a/b");
  EXPECT_EQ(s->seq, 1u);
  Json j = Json::parse(slurp("state.json"));  // small state: checkpointed at once
  EXPECT_EQ(j["claims"]["c1"]["target"], "a/b");
  EXPECT_EQ(j["aioSeq"], 1);
}

TEST_F(StoreTest, FailedTransactionChangesNothing) {
  auto st = open();
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  std::string before = slurp("state.json");
  Status s = st->update([](Txn& t) {
    t.del_claim("c1");
    return Status::refused("no");
  });
  EXPECT_EQ(s.code(), Code::kRefused);
  EXPECT_EQ(slurp("state.json"), before);
  EXPECT_EQ(st->load()->claims.count("c1"), 1u);
}

TEST_F(StoreTest, CorruptStateIsNeverOverwritten) {
  spit("state.json", "{\"schemaVersion\":1, \"instances\": {");
  auto st = open();
  auto s = st->load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kState);
  EXPECT_NE(s.status().message().find(home_ + "/state.json"), std::string::npos);
  Status u = add_claim(*st, "c1", "a");
  EXPECT_EQ(u.code(), Code::kState);
  EXPECT_EQ(slurp("state.json"), "{\"schemaVersion\":1, \"instances\": {");
}

TEST_F(StoreTest, JournalCarriesWritesBetweenCheckpoints) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));  // first write: no state.json yet -> checkpoint
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  ASSERT_TRUE(add_claim(*st, "c3", "c"));
  EXPECT_FALSE(slurp("journal.jsonl").empty());
  Json j = Json::parse(slurp("state.json"));
  EXPECT_FALSE(j["claims"].contains("c3"));  // checkpoint lags, journal has it
  for (bool drop_cache : {false, true}) {
    if (drop_cache) unlink((home_ + "/state.cache").c_str());
    auto s = open(journaled())->load();
    ASSERT_TRUE(s) << s.status().message();
    EXPECT_EQ(s->claims.size(), 3u);
    EXPECT_EQ(s->seq, 3u);
  }
}

TEST_F(StoreTest, CompactionRewritesCheckpointAndCutsJournal) {
  FileStoreOptions o = journaled();
  o.min_journal_bytes = 600;
  auto st = open(o);
  for (int k = 0; k < 20; ++k) ASSERT_TRUE(add_claim(*st, "c" + std::to_string(k), "f"));
  EXPECT_LT(slurp("journal.jsonl").size(), 1000u);
  Json j = Json::parse(slurp("state.json"));
  auto s = st->load();
  EXPECT_EQ(s->claims.size(), 20u);
  EXPECT_GE(j["claims"].size(), 10u);
}

TEST_F(StoreTest, HandEditOfCheckpointIsHonouredAndJournalReplayed) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));  // in the journal only
  Json j = Json::parse(slurp("state.json"));
  j["claims"]["c1"]["target"] = "edited";
  j["note"] = "by hand";
  spit("state.json", j.dump(2));
  auto s = open(journaled())->load();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->claims.at("c1").target, "edited");
  EXPECT_EQ(s->claims.at("c2").target, "b");
  EXPECT_EQ(s->extra["note"], "by hand");
}

TEST_F(StoreTest, ResetCheckpointWinsOverOldJournal) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  ASSERT_TRUE(add_claim(*st, "c3", "c"));
  // The playbook's documented emergency reset.
  spit("state.json", R"({"schemaVersion":1,"instances":{},"claims":{},"context":[]})");
  auto s = open(journaled())->load();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->claims.empty());
  ASSERT_TRUE(add_claim(*st, "c4", "d"));
  s = open(journaled())->load();
  EXPECT_EQ(s->claims.size(), 1u);
  EXPECT_EQ(s->claims.count("c4"), 1u);
}

TEST_F(StoreTest, TornJournalTailIsIgnoredThenRepaired) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  std::string journal = slurp("journal.jsonl");
  spit("journal.jsonl", journal + "{\"seq\":3,\"ops\":[{\"op\":\"putCl");
  auto s = open(journaled())->load();
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->claims.size(), 2u);
  ASSERT_TRUE(add_claim(*st, "c3", "c"));
  s = open(journaled())->load();
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->claims.size(), 3u);
  std::string j2 = slurp("journal.jsonl");
  EXPECT_EQ(j2.find("putCl\""), std::string::npos);
}

TEST_F(StoreTest, CorruptJournalLineIsAStateError) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  spit("journal.jsonl", "garbage\n" + slurp("journal.jsonl"));
  unlink((home_ + "/state.cache").c_str());
  auto s = open(journaled())->load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), Code::kState);
  EXPECT_NE(s.status().message().find("journal.jsonl"), std::string::npos);
}

TEST_F(StoreTest, DamagedCacheIsIgnored) {
  auto st = open(journaled());
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  std::string cache = slurp("state.cache");
  ASSERT_GT(cache.size(), 100u);
  cache[cache.size() - 5] ^= 0x55;
  spit("state.cache", cache);
  auto s = open(journaled())->load();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->claims.size(), 2u);
  EXPECT_EQ(s->claims.at("c2").target, "b");
}

Note make_note(const std::string& id, const std::string& project, const std::string& cat,
               int64_t at) {
  Note n;
  n.id = id;
  n.project = project;
  n.category = cat;
  n.content = "note " + id;
  n.source_instance = "claude-1-aaaaaaaa";
  n.source_tool = "claude";
  n.created_at = at;
  return n;
}

TEST_F(StoreTest, NotesFilterExpireAndPrune) {
  auto st = open();
  Note expiring = make_note("n4", "/p", "warning", 1000);
  expiring.expires_at = 1500;
  ASSERT_TRUE(st->add_notes({make_note("n1", "/p", "handoff", 1000),
                             make_note("n2", "/p", "decision", 2000),
                             make_note("n3", "/q", "handoff", 3000), expiring}));
  NoteQuery q;
  q.project = "/p";
  q.now = 1200;
  auto all = st->notes(q);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
  q.category = "handoff";
  EXPECT_EQ(st->notes(q)->size(), 1u);
  q.category = "";
  q.now = 1600;
  EXPECT_EQ(st->notes(q)->size(), 2u);  // n4 expired
  auto removed = st->prune_notes(1500, 1600);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2u);  // n1 (old) and n4 (expired)
  q.project = "";
  EXPECT_EQ(st->notes(q)->size(), 2u);
}

TEST_F(StoreTest, TornNoteTailIsDroppedBeforeAppend) {
  auto st = open();
  ASSERT_TRUE(st->add_notes({make_note("n1", "/p", "handoff", 1)}));
  spit("context.jsonl", slurp("context.jsonl") + "{\"id\":\"n2\",\"proj");
  NoteQuery q;
  EXPECT_EQ(st->notes(q)->size(), 1u);
  ASSERT_TRUE(st->add_notes({make_note("n3", "/p", "handoff", 3)}));
  auto n = st->notes(q);
  ASSERT_TRUE(n) << n.status().message();
  ASSERT_EQ(n->size(), 2u);
  EXPECT_EQ((*n)[1].id, "n3");
}

TEST_F(StoreTest, PlaybookContextMovesToTheLogOnce) {
  spit("state.json", R"({"schemaVersion":1,"instances":{},"claims":{},"context":[
    {"id":"old1","project":"/p","category":"handoff","content":"from bash",
     "source":"claude-1-x","createdAt":"2024-01-01T00:00:00Z","expiresAt":null}]})");
  auto st = open();
  NoteQuery q;
  q.project = "/p";
  auto before = st->notes(q);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 1u);
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  ASSERT_TRUE(add_claim(*st, "c2", "b"));
  Json j = Json::parse(slurp("state.json"));
  EXPECT_TRUE(j["context"].empty());
  auto after = st->notes(q);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].content, "from bash");
  std::string log = slurp("context.jsonl");
  EXPECT_EQ(log.find("old1"), log.rfind("old1"));  // exactly once
}

TEST_F(StoreTest, StateFilesArePrivate) {
  auto st = open();
  ASSERT_TRUE(add_claim(*st, "c1", "a"));
  struct stat sb;
  ASSERT_EQ(stat((home_ + "/state.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 077, 0u);
}

}  // namespace
}  // namespace aio
