// state.cache's claim index (cache_image.h): lookups by id and by key
// range, each entry bounds-checked and each record read checked against its
// sum where it is followed; check_index() verifies the whole index against
// the records.
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "core/cache_image.h"

namespace aio {

bool CacheImage::index_fits() const {
  const CacheSection& ix = sections_.index;
  return sections_.claims.offset <= ix.offset && ix.offset <= bytes_.size() &&
         ix.count == sections_.claims.count && (bytes_.size() - ix.offset) % 24 == 0 &&
         (bytes_.size() - ix.offset) / 24 == ix.count;
}

// Two running sums of 64-bit words and two sums of those (Fletcher-style:
// content and position both count), mixed at the end. A record is 100 to
// 300 bytes, read one at a time: the file checksum's wide lanes and byte
// tail would cost more than the record. The last word is the record's last
// 8 bytes (a record has at least 8: its size and its key's), overlapping
// the one before it when the size is not a multiple of 8.
uint64_t record_sum(std::string_view bytes) {
  const char* p = bytes.data();
  const size_t n = bytes.size();
  auto word = [p](size_t at) {
    uint64_t w;
    memcpy(&w, p + at, sizeof w);
    return w;
  };
  uint64_t a0 = 0x9e3779b97f4a7c15ULL ^ n, a1 = 0xc2b2ae3d27d4eb4fULL, b0 = 0, b1 = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 += word(i);
    a1 += word(i + 8);
    b0 += a0;
    b1 += a1;
  }
  if (i + 8 <= n) {
    a0 += word(i);
    b0 += a0;
  }
  if (n >= 8) {
    a1 += word(n - 8);
    b1 += a1;
  } else {
    for (size_t k = 0; k < n; ++k) a1 = (a1 << 8 | (a1 >> 56)) ^ static_cast<unsigned char>(p[k]);
    b1 += a1;
  }
  constexpr uint64_t kMul = 0xff51afd7ed558ccdULL;
  uint64_t r = n;
  for (uint64_t v : {a0, b0, a1, b1}) {
    r = (r ^ v) * kMul;
    r ^= r >> 29;
  }
  return r;
}

CacheSection put_claim_index(std::string* buf, const std::vector<uint64_t>& offsets,
                             const std::vector<uint64_t>& by_key,
                             const std::vector<uint64_t>* sums) {
  const size_t end = buf->size();  // of the last claim record
  CacheSection sec{end, offsets.size()};
  buf->reserve(end + 24 * offsets.size());
  auto num = [buf](uint64_t v) { buf->append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (uint64_t o : offsets) num(o);
  for (uint64_t r : by_key) num(r);
  for (size_t k = 0; k < offsets.size(); ++k) {
    size_t to = k + 1 < offsets.size() ? offsets[k + 1] : end;
    num(sums ? (*sums)[k] : record_sum(std::string_view(*buf).substr(offsets[k], to - offsets[k])));
  }
  return sec;
}

bool CacheImage::claim_sum_holds(uint64_t k, const RecordSpan& sp) const {
  return index_fits() && k < sections_.claims.count && sp.begin <= sp.end &&
         sp.end <= bytes_.size() &&
         claim_sum(k) == record_sum(bytes_.substr(sp.begin, sp.end - sp.begin));
}

uint64_t CacheImage::claim_sum(uint64_t k) const {
  return index_word(2 * sections_.claims.count + k);
}

uint64_t CacheImage::index_word(uint64_t k) const {
  uint64_t v;
  memcpy(&v, bytes_.data() + sections_.index.offset + 8 * k, sizeof v);
  return v;
}

bool CacheImage::claim_at(uint64_t k, RecordSpan* sp) const {
  if (!index_fits() || k >= sections_.claims.count) return false;
  uint64_t off = index_word(k);
  return off >= sections_.claims.offset && off < sections_.index.offset && span_at(off, sp) &&
         sp->end <= sections_.index.offset && claim_sum_holds(k, *sp);
}

uint64_t CacheImage::id_rank_at(uint64_t rank) const {
  const uint64_t n = sections_.claims.count;
  if (!index_fits() || rank >= n) return n;
  return index_word(n + rank);
}

bool CacheImage::key_at(uint64_t rank, RecordSpan* sp, FocusView<Claim>* v) const {
  return claim_at(id_rank_at(rank), sp) && read_focus(*sp, v);
}

// The first rank of the key order whose key is not before(key): the keys
// before it are exactly those, the index being in order.
template <typename Before>
bool CacheImage::partition_rank(Before before, uint64_t* rank) const {
  uint64_t lo = 0, hi = sections_.claims.count;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    RecordSpan sp;
    FocusView<Claim> v;
    if (!key_at(mid, &sp, &v)) return false;
    if (before(key_of(sp, v)))
      lo = mid + 1;
    else
      hi = mid;
  }
  *rank = lo;
  return true;
}

bool CacheImage::lower_rank(const ClaimBound& b, uint64_t* rank) const {
  return partition_rank([&](const ClaimKey& k) { return below(k, b); }, rank);
}

bool CacheImage::find_claim(std::string_view id, bool* found) const {
  uint64_t lo = 0, hi = sections_.claims.count;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    RecordSpan sp;
    if (!claim_at(mid, &sp)) return false;
    if (sp.key == id) {
      *found = true;
      return true;
    }
    if (sp.key < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = false;
  return true;
}

bool CacheImage::check_index() const {
  if (!index_fits()) return false;
  const uint64_t n = sections_.claims.count;
  uint64_t k = 0;
  bool walked = for_each(
      Records::kClaims, [&](const RecordSpan& sp) { return k < n && index_word(k++) == sp.begin; });
  if (!walked || k != n) return false;
  std::vector<bool> seen(n);
  std::optional<ClaimKey> prev;
  for (uint64_t rank = 0; rank < n; ++rank) {
    uint64_t r = index_word(n + rank);
    RecordSpan sp;
    FocusView<Claim> v;
    if (r >= n || seen[r] || !key_at(rank, &sp, &v)) return false;
    seen[r] = true;
    ClaimKey key = key_of(sp, v);
    if (prev && !(*prev < key)) return false;
    prev = key;
  }
  return true;
}

// The image's key order without the claims replaced or dropped, and each
// claim written afresh inserted where its key falls (found by bisecting the
// old order): a patch reads the keys of the claims it touched and a few
// dozen others, and sorts nothing but those.
bool CacheImage::merged_key_order(const std::vector<uint64_t>& of_old,
                                  std::vector<std::pair<uint64_t, ClaimKey>> fresh, uint64_t count,
                                  std::vector<uint64_t>* by_key) const {
  const uint64_t n = sections_.claims.count;
  if (!index_fits() || of_old.size() != n) return false;
  struct Placing {
    uint64_t at;  // old ranks before it
    ClaimKey key;
    uint64_t rank;  // in the new id order
  };
  std::vector<Placing> placing;
  placing.reserve(fresh.size());
  for (const auto& one : fresh) {  // (no structured binding: clang 14 cannot capture one)
    const ClaimKey& key = one.second;
    uint64_t at = 0;
    if (!partition_rank([&](const ClaimKey& k) { return k < key; }, &at)) return false;
    placing.push_back({at, key, one.first});
  }
  std::sort(placing.begin(), placing.end(), [](const Placing& a, const Placing& b) {
    return a.at != b.at ? a.at < b.at : a.key < b.key;
  });
  by_key->clear();
  by_key->reserve(count);
  auto f = placing.begin();
  for (uint64_t at = 0; at < n; ++at) {
    for (; f != placing.end() && f->at == at; ++f) by_key->push_back(f->rank);
    uint64_t old = id_rank_at(at);
    if (old >= n) return false;
    if (of_old[old] != kGone) by_key->push_back(of_old[old]);
  }
  for (; f != placing.end(); ++f) by_key->push_back(f->rank);
  return by_key->size() == count;
}

}  // namespace aio
