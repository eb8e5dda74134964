// state.cache: the record images derived from the layouts (cache_image.h)
// hold every field, read in part where a focus asks for it, patch in place,
// and a damaged or old-layout cache is never used (the file store rebuilds
// it).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstddef>

#include <filesystem>
#include <fstream>

#include "core/cache.h"
#include "core/codec.h"
#include "core/fileio.h"
#include "core/store.h"

namespace aio {
namespace {

State sample_state() {
  State s;
  s.schema_version = 1;
  s.extra = {{"customTop", {1, 2}}};
  for (int k = 0; k < 3; ++k) {
    Instance i;
    i.id = "i" + std::to_string(k);
    i.tool = "claude";
    i.project = "/p";
    i.pid = 100 + k;
    i.sid = -k;
    i.sid_start = 1LL << 40;
    i.current_task =
        k ? std::optional<std::string>("task \"" + std::to_string(k) + "\"") : std::nullopt;
    i.beads_issue = k == 2 ? std::optional<std::string>("") : std::nullopt;
    i.started_at = 1700000000 + k;
    i.last_heartbeat = 1700000100 + k;
    if (k == 1) i.extra = {{"editor", "vim"}};
    s.instances[i.id] = i;
  }
  for (int k = 0; k < 12; ++k) {
    Claim c;
    c.id = "c" + std::to_string(10 + k);
    c.instance_id = "i" + std::to_string(k % 3);
    c.type = static_cast<ClaimType>(k % 4);
    c.target = (c.type == ClaimType::kPattern ? "**/t" : "t") + std::to_string(k);  // canonical
    c.project = k % 2 ? "/p" : "/q";
    c.exclusive = k % 3 != 0;
    c.claimed_at = 1700000200 + k;
    if (k % 5 == 0) c.expires_at = 1800000000 + k;
    if (k == 7) c.extra = {{"reason", {{"why", "x"}}}};
    s.claims[c.id] = c;
    s.instances[c.instance_id].claims.push_back(c.id);
  }
  Note n;
  n.id = "ctx-1";
  n.project = "/p";
  n.category = "handoff";
  n.content = "line\nline";
  n.source_instance = "i0";
  n.source_tool = "claude";
  n.expires_at = 5;
  n.extra = {{"tags", {"a"}}};
  s.legacy_context.push_back(n);
  return s;
}

TEST(CacheImage, HoldsEveryFieldOfEveryRecord) {
  State s = sample_state();
  CachePayload p = encode_cache_payload(s);
  CacheImage img(p.bytes, p.sections);
  State back;
  ASSERT_TRUE(img.decode(&back));
  back.seq = s.seq;
  EXPECT_EQ(encode_state_json(back), encode_state_json(s));
}

TEST(CacheImage, ReadsRecordsInPart) {
  State s = sample_state();
  s.legacy_context.clear();
  CachePayload p = encode_cache_payload(s);
  CacheImage img(p.bytes, p.sections);
  std::vector<std::string> keys;
  ASSERT_TRUE(img.for_each(Records::kClaims, [&](const RecordSpan& sp) {
    keys.push_back(std::string(sp.key));
    FocusView<Claim> v;
    if (!img.read_focus(sp, &v)) return false;
    const Claim& want = s.claims.at(std::string(sp.key));
    EXPECT_EQ(v.get<&Claim::type>(), want.type);
    EXPECT_EQ(v.get<&Claim::target>(), want.target);
    EXPECT_EQ(v.get<&Claim::project>(), want.project);
    return true;
  }));
  EXPECT_EQ(keys.size(), s.claims.size());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  ASSERT_TRUE(img.for_each(Records::kInstances, [&](const RecordSpan& sp) {
    Instance i;
    if (!img.read(sp, &i, ImagePart::kAllButOnDemand)) return false;
    Instance want = s.instances.at(i.id);
    EXPECT_TRUE(i.claims.empty()) << "claims are read on demand only";
    want.claims.clear();
    std::string a, b;
    append_instance_json(&a, want);
    append_instance_json(&b, i);
    EXPECT_EQ(a, b);
    return true;
  }));
}

// c13's delClaim names no owner (an older journal): the image's claim says
// whose list it leaves (i0, which no other op touches).
TEST(CacheImage, PatchGivesWhatApplyingTheOpsGives) {
  State s = sample_state();
  s.legacy_context.clear();
  CachePayload p = encode_cache_payload(s);
  std::vector<Op> ops(5);
  ops[0].kind = Op::kDelClaim;
  ops[0].id = "c13";
  ops[1].kind = Op::kPutClaim;
  ops[1].claim = s.claims.at("c14");
  ops[1].claim.id = "c00-new-first";
  ops[2].kind = Op::kPutInstance;
  ops[2].instance = s.instances.at("i1");
  ops[2].instance.id = "i9";
  ops[3].kind = Op::kHeartbeat;
  ops[3].id = "i1";
  ops[3].time = 42;
  ops[4].kind = Op::kDelInstance;
  ops[4].id = "i2";
  std::vector<const Op*> ptrs;
  for (const Op& op : ops) ptrs.push_back(&op);
  CachePayload patched;
  ASSERT_TRUE(CacheImage(p.bytes, p.sections).patch(ptrs, &patched));
  apply_ops(&s, ops);
  State back;
  ASSERT_TRUE(CacheImage(patched.bytes, patched.sections).decode(&back));
  EXPECT_EQ(encode_state_json(back), encode_state_json(s));
}

// A patch copies the claim records it does not read with the sums the
// index has for them: a damaged one stays damaged (it is not summed anew),
// and a patch that reads a damaged one fails.
TEST(CacheImage, APatchKeepsADamagedClaimDamaged) {
  State s = sample_state();
  s.legacy_context.clear();
  CachePayload p = encode_cache_payload(s);
  size_t at = p.bytes.find(std::string("\x02\0\0\0t5", 6), p.sections.claims.offset);
  ASSERT_LT(at, p.sections.index.offset);  // claim c15's target
  p.bytes[at + 5] = '6';
  State back;
  ASSERT_FALSE(CacheImage(p.bytes, p.sections).decode(&back));
  for (const char* gone : {"c13", "c15"}) {
    Op del;
    del.kind = Op::kDelClaim;
    del.id = gone;
    std::vector<const Op*> ops{&del};
    CachePayload patched;
    bool ok = CacheImage(p.bytes, p.sections).patch(ops, &patched);
    if (std::string(gone) == "c15") {
      EXPECT_FALSE(ok) << "a patch that reads the damaged claim";
      continue;
    }
    ASSERT_TRUE(ok);
    CacheImage img(patched.bytes, patched.sections);
    EXPECT_FALSE(img.decode(&back)) << "the damaged claim, copied, decodes";
    EXPECT_FALSE(img.check_index());
  }
}

TEST(CacheImage, DamagedBytesNeverDecode) {
  State s = sample_state();
  CachePayload p = encode_cache_payload(s);
  for (size_t n = 0; n < p.bytes.size(); n += 3) {
    std::string cut = p.bytes.substr(0, n);
    State back;
    EXPECT_FALSE(CacheImage(cut, p.sections).decode(&back)) << "cut at " << n;
  }
  std::string bad = p.bytes;
  bad[p.sections.claims.offset + 4] = '\x7f';  // a claim's key claims to be huge
  State back;
  EXPECT_FALSE(CacheImage(bad, p.sections).decode(&back));
}

class StoreCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-cache-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    home_ = tmpl;
    FileStoreOptions o;
    o.checkpoint_every_write_bytes = 0;
    o.min_journal_bytes = 1 << 30;
    o.cache_lag_bytes = 1 << 20;  // the cache stays behind the journal
    opts_ = o;
    state_ = sample_state();
    state_.legacy_context.clear();
    ASSERT_TRUE(open()->update([&](Txn& t) {
      for (const auto& [id, i] : state_.instances) t.put_instance(i);
      for (const auto& [id, c] : state_.claims) t.put_claim(c);
      return Status::ok();
    }));
  }
  void TearDown() override { std::filesystem::remove_all(home_); }
  std::unique_ptr<Store> open() { return std::move(open_file_store(home_, opts_)).value(); }
  std::string home_;
  FileStoreOptions opts_;
  State state_;
};

TEST_F(StoreCacheTest, FocusedLoadReadsOnlyWhatTheFocusKeeps) {
  auto plan = [](const State&) {
    Focus f;
    f.keep = [](std::string_view, ClaimType, std::string_view target) {
      return target == "t4" || target == "t20";
    };
    f.whole_instances = {"i1"};
    return f;
  };
  auto focused = open()->load_focused(plan);
  ASSERT_TRUE(focused);
  ASSERT_EQ(focused->claims.size(), 1u);  // the cache was used, not the whole state
  EXPECT_EQ(focused->claims.begin()->second.target, "t4");
  EXPECT_EQ(focused->instances.at("i1").claims, state_.instances.at("i1").claims);
  EXPECT_TRUE(focused->instances.at("i0").claims.empty());
  // A journal line past the cache is applied on top of it.
  Claim c = state_.claims.at("c10");
  c.id = "c99";
  c.target = "t20";
  ASSERT_TRUE(open()->update_focused(plan, [&](Txn& t) {
    t.put_claim(c);
    return Status::ok();
  }));
  focused = open()->load_focused(plan);
  ASSERT_TRUE(focused);
  EXPECT_EQ(focused->claims.size(), 2u);
  EXPECT_EQ(focused->claims.count("c99"), 1u);
  EXPECT_EQ(open()->load()->claims.size(), state_.claims.size() + 1);
}

// The file's checksum leaves the claim records out (each has its sum in the
// index): a claim record changed on disk is never read as a claim, by a
// focused load that looks at it or by a whole one, and the cache is rebuilt.
TEST_F(StoreCacheTest, AChangedClaimRecordIsNeverRead) {
  auto plan = [](const State&) {
    Focus f;
    f.keep = [](std::string_view, ClaimType, std::string_view target) { return target == "t4"; };
    return f;
  };
  ASSERT_EQ(open()->load_focused(plan)->claims.size(), 1u);
  std::string fresh;
  ASSERT_TRUE(read_file(home_ + "/state.cache", &fresh));
  CacheHeader h;
  memcpy(&h, fresh.data(), sizeof h);
  // The string "t4" in a claim record (t9 is another claim's target).
  const std::string target("\x02\0\0\0t4", 6);
  size_t at = fresh.find(target, sizeof h + h.sections.claims.offset);
  ASSERT_NE(at, std::string::npos);
  ASSERT_LT(at, sizeof h + h.sections.index.offset);
  for (int whole = 0; whole < 2; ++whole) {
    std::string cache = fresh;
    cache[at + 5] = '9';  // t4 reads as t9 unless its sum is checked
    std::ofstream(home_ + "/state.cache", std::ios::binary | std::ios::trunc) << cache;
    if (whole) {
      auto s = open()->load();
      ASSERT_TRUE(s);
      ASSERT_EQ(s->claims.size(), state_.claims.size());
      for (const auto& [id, c] : state_.claims) EXPECT_EQ(s->claims.at(id).target, c.target) << id;
    } else {
      auto s = open()->load_focused(plan);  // (it falls back to the whole state)
      ASSERT_TRUE(s);
      size_t t4 = 0;
      for (const auto& [id, c] : s->claims) {
        EXPECT_EQ(c.target, state_.claims.at(id).target) << id;
        t4 += c.target == "t4";
      }
      EXPECT_EQ(t4, 1u);
    }
    ASSERT_TRUE(read_file(home_ + "/state.cache", &cache));
    EXPECT_EQ(cache, fresh) << "rebuilt as it was";
  }
}

TEST_F(StoreCacheTest, AnOldLayoutIsIgnoredAndRebuilt) {
  std::string fresh;
  ASSERT_TRUE(read_file(home_ + "/state.cache", &fresh));
  ASSERT_EQ(fresh.substr(0, 8), "AIOCACH6");
  // What a cache of the previous file layout, or of records with other
  // fields (another layout fingerprint), says in its header.
  for (size_t at : {size_t{7}, offsetof(CacheHeader, layouts)}) {
    std::string cache = fresh;
    cache[at] ^= 0x01;
    std::ofstream(home_ + "/state.cache", std::ios::binary | std::ios::trunc) << cache;
    auto s = open()->load();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->claims.size(), state_.claims.size());
    ASSERT_TRUE(read_file(home_ + "/state.cache", &cache));
    EXPECT_EQ(cache, fresh) << "rebuilt as it was";
  }
}

TEST(CacheImage, LayoutFingerprintsTellLayoutsApart) {
  EXPECT_NE(layout_fingerprint<Instance>(), layout_fingerprint<Claim>());
  EXPECT_NE(layout_fingerprint<Claim>(), layout_fingerprint<Note>());
}

}  // namespace
}  // namespace aio
