// JSON holds text: a string that is not UTF-8 must never reach state.json,
// the journal or the context log, or every later parse of them fails.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/store.h"

namespace aio {
namespace {

class StoreTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-text-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    home_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::unique_ptr<Store> open(FileStoreOptions o = {}) {
    auto s = open_file_store(home_, o);
    EXPECT_TRUE(s);
    return std::move(s).value();
  }
  std::string home_;
};

Claim claim_on(const std::string& target) {
  Claim c;
  c.id = "c-" + std::to_string(target.size());
  c.instance_id = "i1";
  c.target = target;
  c.project = "/p";
  return c;
}

TEST_F(StoreTextTest, NonUtf8IsRefusedAndNothingChanges) {
  for (bool large : {false, true}) {
    FileStoreOptions o;
    if (large) o.checkpoint_every_write_bytes = 0;  // journal path
    auto st = open(o);
    ASSERT_TRUE(st->update([](Txn& t) {
      t.put_claim(claim_on("ok/é/日本"));
      return Status::ok();
    }));
    for (const std::string& bad : {std::string("bad\xff"), std::string("\xc3"),
                                   std::string("\xed\xa0\x80"), std::string("\xc0\xaf")}) {
      Status s = st->update([&](Txn& t) {
        t.put_claim(claim_on(bad));
        return Status::ok();
      });
      EXPECT_EQ(s.code(), Code::kInvalid) << s.message();
      EXPECT_NE(s.message().find("not valid UTF-8"), std::string::npos) << s.message();
      Status f = st->update_focused([](const State&) { return Focus{}; },
                                    [&](Txn& t) {
                                      t.put_claim(claim_on(bad));
                                      return Status::ok();
                                    });
      EXPECT_EQ(f.code(), Code::kInvalid);
      Note n;
      n.id = "n1";
      n.project = "/p";
      n.category = "decision";
      n.content = bad;
      EXPECT_EQ(st->add_notes({n}).code(), Code::kInvalid);
    }
    // Everything still loads, from the files alone too.
    std::filesystem::remove(home_ + "/state.cache");
    auto s = open(o)->load();
    ASSERT_TRUE(s) << s.status().message();
    EXPECT_EQ(s->claims.size(), 1u);
    auto notes = open(o)->notes({});
    ASSERT_TRUE(notes);
    EXPECT_TRUE(notes->empty());
    std::filesystem::remove_all(home_);
    std::filesystem::create_directory(home_);
  }
}

}  // namespace
}  // namespace aio
