// CacheImage::patch (cache_image.h): the image with ops applied, the records
// the ops touch decoded and encoded again, the others copied as they are
// (claims with the sums the index has for them), the claim index merged.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/cache_image.h"

namespace aio {
namespace {

const RecordSpan* find_span(const std::vector<RecordSpan>& spans, std::string_view id) {
  auto it = std::lower_bound(spans.begin(), spans.end(), id,
                             [](const RecordSpan& sp, std::string_view v) { return sp.key < v; });
  return it != spans.end() && it->key == id ? &*it : nullptr;
}

// The records of `spans` named in `touched`, as the image holds them (a
// claim's checked against its sum: spans of claims are all of them, in id
// order, found without checking).
template <typename R>
bool read_touched(const CacheImage& img, const std::vector<RecordSpan>& spans,
                  const std::set<std::string>& touched, std::map<std::string, R>* out) {
  for (const auto& id : touched) {
    const RecordSpan* sp = find_span(spans, id);
    if (!sp) continue;
    if constexpr (std::is_same_v<R, Claim>)
      if (!img.claim_sum_holds(static_cast<uint64_t>(sp - spans.data()), *sp)) return false;
    if (!img.read(*sp, &(*out)[id], ImagePart::kWhole)) return false;
  }
  return true;
}

// Where merge_section put the records: the offset of each, in order; the
// new rank of each record copied from the image (kGone for the ones
// replaced or dropped); the records written from `now` (new rank, record);
// the sum of each (claims: copied from the image's index, unchecked, for
// the records copied as they are, so a damaged one stays damaged).
template <typename R>
struct Placed {
  static constexpr uint64_t kGone = CacheImage::kGone;
  std::vector<uint64_t> offsets;
  std::vector<uint64_t> of_old;
  std::vector<std::pair<uint64_t, const R*>> fresh;
  std::vector<uint64_t> sums;
};

// A section's records copied from the image, but the ones in `touched`
// replaced by their value in `now` (dropped when `now` lacks them) and the
// touched ids the section did not have added, all in id order.
template <typename R>
CacheSection merge_section(const CacheImage& img, const std::vector<RecordSpan>& spans,
                           const std::set<std::string>& touched,
                           const std::map<std::string, R>& now, std::string& w,
                           Placed<R>* placed = nullptr) {
  const std::string_view bytes = img.bytes();
  CacheSection sec{w.size(), 0};
  auto place = [&]() {
    if (placed) placed->offsets.push_back(w.size());
    return sec.count++;
  };
  auto emit = [&](const std::string& id) {
    auto it = now.find(id);
    if (it == now.end()) return;
    uint64_t rank = place();
    size_t at = w.size();
    append_record(&w, it->second);
    if (placed) {
      placed->fresh.emplace_back(rank, &it->second);
      placed->sums.push_back(record_sum(std::string_view(w).substr(at)));
    }
  };
  auto t = touched.begin();
  for (size_t k = 0; k < spans.size(); ++k) {
    const RecordSpan& sp = spans[k];
    for (; t != touched.end() && std::string_view(*t) < sp.key; ++t) emit(*t);
    if (t != touched.end() && *t == sp.key) {
      if (placed) placed->of_old.push_back(Placed<R>::kGone);
      emit(*t++);
      continue;
    }
    uint64_t rank = place();
    if (placed) {
      placed->of_old.push_back(rank);
      placed->sums.push_back(img.claim_sum(k));
    }
    w.append(bytes.substr(sp.begin, sp.end - sp.begin));
  }
  for (; t != touched.end(); ++t) emit(*t);
  return sec;
}

// The claim index of a patched image (see merged_key_order).
bool merge_index(const CacheImage& img, const Placed<Claim>& placed, std::string& w,
                 CacheSection* out) {
  std::vector<std::pair<uint64_t, ClaimKey>> fresh;
  fresh.reserve(placed.fresh.size());
  for (const auto& [rank, c] : placed.fresh) fresh.emplace_back(rank, key_of(*c));
  std::vector<uint64_t> by_key;
  if (!img.merged_key_order(placed.of_old, std::move(fresh), placed.offsets.size(), &by_key))
    return false;
  *out = put_claim_index(&w, placed.offsets, by_key, &placed.sums);
  return true;
}

}  // namespace

bool CacheImage::patch(const std::vector<const Op*>& ops, CachePayload* out) const {
  std::vector<RecordSpan> inst, claims;
  // (The claims' sums are checked only for the claims read: the others are
  // copied with their sums.)
  auto index = [&](Records which, std::vector<RecordSpan>* spans) {
    spans->reserve(std::min<size_t>(sections_[which].count, bytes_.size() / 8));
    return for_each(
        which,
        [&](const RecordSpan& sp) {
          spans->push_back(sp);
          return true;
        },
        /*check_sums=*/false);
  };
  if (!index_fits() || !index(Records::kInstances, &inst) || !index(Records::kClaims, &claims))
    return false;
  Touched touched;
  for (const Op* op : ops) touched.add(*op);
  // The touched records as the image holds them, then as the ops leave them.
  // A claim op changes its instances' `claims` lists: they are touched too
  // (the owners the ops name, and those of the claims as the image holds them).
  std::set<std::string>&touched_inst = touched.instances, &touched_claims = touched.claims;
  State now;
  if (!read_touched(*this, claims, touched_claims, &now.claims)) return false;
  for (const auto& [id, c] : now.claims) touched_inst.insert(c.instance_id);
  touched_inst.insert(touched.owners.begin(), touched.owners.end());
  if (!read_touched(*this, inst, touched_inst, &now.instances)) return false;
  for (const Op* op : ops) apply_op(&now, *op);

  std::string w;
  w.reserve(bytes_.size() + 4096);
  w.append(bytes_.substr(0, sections_.instances.offset));  // top and notes as they are
  out->sections.notes = sections_.notes;
  out->sections.instances = merge_section(*this, inst, touched_inst, now.instances, w);
  Placed<Claim> placed;
  placed.offsets.reserve(claims.size() + touched_claims.size());
  placed.sums.reserve(claims.size() + touched_claims.size());
  placed.of_old.reserve(claims.size());
  out->sections.claims = merge_section(*this, claims, touched_claims, now.claims, w, &placed);
  if (!merge_index(*this, placed, w, &out->sections.index)) return false;
  out->bytes = std::move(w);
  return true;
}

}  // namespace aio
