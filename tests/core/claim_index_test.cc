// The claim index of state.cache (cache_image.h): a range lookup finds
// exactly the claims a scan finds, in key order; a patch merges the index
// into the order a fresh encoding has; damaged entries read as false.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cache_image.h"
#include "core/claim_range.h"
#include "core/engine.h"

namespace aio {
namespace {

const std::vector<std::string> kProjects = {"/", "/p", "/p/q", "/pq", "/p-", "/a/b"};
const std::vector<std::string> kTargets = {
    "",         "a",     "a/b",  "a/b/c",   "a-b",    "a.b",  "ab",   "b",      "src",
    "src/x.ts", "src/x", "src0", "**/*.md", "src/**", "*.ts", "AI-1", "AI-1/x", "z/y/x/w"};

Claim random_claim(std::mt19937& rng, const std::string& id) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  Claim c;
  c.id = id;
  c.instance_id = "i" + std::to_string(pick(3));
  c.type = static_cast<ClaimType>(pick(4));
  c.target = kTargets[pick(kTargets.size())];
  c.project = kProjects[pick(kProjects.size())];
  c.claimed_at = 7;
  return c;
}

State random_state(std::mt19937& rng, int claims) {
  State s;
  for (int k = 0; k < claims; ++k) {
    std::string id = "c" + std::to_string(rng() % 100000);
    s.claims[id] = random_claim(rng, id);
  }
  return s;
}

// The ids of the claims in r, by a lookup and by a scan of the state.
std::vector<std::string> looked_up(const CacheImage& img, const ClaimRange& r) {
  std::vector<std::string> ids;
  EXPECT_TRUE(img.for_each_claim_in(r, [&](const RecordSpan& sp, const FocusView<Claim>&) {
    ids.emplace_back(sp.key);
    return true;
  }));
  return ids;
}
std::vector<std::string> scanned(const State& s, const ClaimRange& r) {
  std::vector<const Claim*> in;
  for (const auto& [id, c] : s.claims)
    if (r.contains(key_of(c))) in.push_back(&c);
  std::sort(in.begin(), in.end(),
            [](const Claim* a, const Claim* b) { return key_of(*a) < key_of(*b); });
  std::vector<std::string> ids;
  for (const Claim* c : in) ids.push_back(c->id);
  return ids;
}

const ClaimRange kEverything{{"", 0, ""}, std::nullopt};

TEST(ClaimIndex, ALookupFindsWhatAScanFinds) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    State s = random_state(rng, round * 10);
    CachePayload p = encode_cache_payload(s);
    CacheImage img(p.bytes, p.sections);
    ASSERT_TRUE(img.check_index());
    EXPECT_EQ(looked_up(img, kEverything), scanned(s, kEverything));
    for (int k = 0; k < 30; ++k) {
      Claim probe = random_claim(rng, "probe");
      for (const ClaimRange& r : claim_ranges(probe))
        ASSERT_EQ(looked_up(img, r), scanned(s, r)) << probe.target << " in " << probe.project;
    }
    for (const auto& [id, c] : s.claims) {
      bool found = false;
      ASSERT_TRUE(img.find_claim(id, &found));
      EXPECT_TRUE(found) << id;
      ASSERT_TRUE(img.find_claim(id + "x", &found));
      EXPECT_FALSE(found) << id << "x";
    }
  }
}

TEST(ClaimIndex, APatchMergesTheOrderAFreshImageHas) {
  std::mt19937 rng(11);
  State s = random_state(rng, 60);
  CachePayload p = encode_cache_payload(s);
  for (int round = 0; round < 40; ++round) {
    // Some claims put anew, some replaced (moved in the key order, or not),
    // some deleted, an id that is not there deleted.
    std::vector<Op> ops;
    for (int k = 0; k < 1 + round % 5; ++k) {
      Op& op = ops.emplace_back();
      int what = static_cast<int>(rng() % 3);
      if (what == 0 || s.claims.empty()) {
        op.kind = Op::kPutClaim;
        op.claim = random_claim(rng, "c" + std::to_string(rng() % 100000));
      } else {
        auto it = std::next(s.claims.begin(), static_cast<long>(rng() % s.claims.size()));
        if (what == 1) {
          op.kind = Op::kPutClaim;
          op.claim = rng() % 2 ? random_claim(rng, it->first) : it->second;
        } else {
          op.kind = Op::kDelClaim;
          op.id = it->first;
        }
      }
      apply_op(&s, op);
    }
    Op& none = ops.emplace_back();
    none.kind = Op::kDelClaim;
    none.id = "not-there";
    std::vector<const Op*> refs;
    for (const Op& op : ops) refs.push_back(&op);
    CachePayload patched;
    ASSERT_TRUE(CacheImage(p.bytes, p.sections).patch(refs, &patched)) << round;
    p = std::move(patched);
    CacheImage img(p.bytes, p.sections);
    ASSERT_TRUE(img.check_index()) << round;
    ASSERT_EQ(looked_up(img, kEverything), scanned(s, kEverything)) << round;
    CachePayload fresh = encode_cache_payload(s);
    EXPECT_EQ(p.bytes, fresh.bytes) << "round " << round << ": not the image a fresh encoding has";
  }
}

// What a damaged index entry does: lookups that follow it fail, no read
// leaves the image, and check_index() finds it.
TEST(ClaimIndex, DamagedEntriesReadAsFalse) {
  std::mt19937 rng(3);
  State s = random_state(rng, 40);
  const CachePayload good = encode_cache_payload(s);
  const uint64_t n = good.sections.claims.count;
  struct Damage {
    const char* name;
    uint64_t word;  // which index word
    uint64_t value;
    bool caught;  // by the lookup that follows it (else only by check_index)
  };
  // A rank given twice reads as a claim in the wrong place: only a pass over
  // every claim tells (check_index; a load trusts the file's checksum
  // instead). An offset into the middle of a record, or a record's sum
  // changed, fails the sum where it is followed. Either way no read leaves
  // the image.
  const Damage cases[] = {
      {"an offset past the end", 0, uint64_t{1} << 40, true},
      {"an offset before the claims", n / 2, 0, true},
      {"an offset into the index itself", n - 1, good.sections.index.offset, true},
      {"a rank past the claims", n + n / 2, n, true},
      {"an offset inside a record", n / 2, good.sections.claims.offset + 3, true},
      {"a record's sum", 2 * n + n / 2, 12345, true},
      {"a rank twice", n + 1, 0, false},
  };
  for (const Damage& d : cases) {
    CachePayload p = good;
    memcpy(p.bytes.data() + p.sections.index.offset + 8 * d.word, &d.value, 8);
    CacheImage img(p.bytes, p.sections);
    EXPECT_FALSE(img.check_index()) << d.name;
    size_t seen = 0;
    bool ok = img.for_each_claim_in(kEverything, [&](const RecordSpan&, const FocusView<Claim>&) {
      ++seen;
      return true;
    });
    if (d.caught) {
      EXPECT_FALSE(ok) << d.name;
    }
    EXPECT_LE(seen, n) << d.name;
  }
  // An index whose size does not match the claims is no index at all.
  CachePayload p = good;
  p.sections.index.count -= 1;
  CacheImage img(p.bytes, p.sections);
  EXPECT_FALSE(img.check_index());
  EXPECT_FALSE(img.for_each_claim_in(kEverything, [](const auto&, const auto&) { return true; }));
  bool found = false;
  EXPECT_FALSE(img.find_claim(s.claims.begin()->first, &found));
  State back;
  EXPECT_FALSE(img.decode(&back));
}

}  // namespace
}  // namespace aio
