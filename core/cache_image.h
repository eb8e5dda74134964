// The payload of state.cache: a binary image of a State, each record laid
// out as its layout says (model.h, record.h), so that a focused load can read
// a record's key and focus fields in place and a focused update can copy the
// records it does not touch as they are.
//
//   payload  := top | notes section | instances section | claims section
//               | claim index
//   top      := schemaVersion (i64) | extra (json)
//   section  := records, in id order (where each starts and how many it
//               holds is in the file's header, cache.h)
//   index    := u64 offset of each claim record, in id order
//               | u64 id-order rank of each claim, in key order (the order
//               of claim_range.h: project, group, target, id)
//               | u64 sum of each claim record's bytes, in id order
//   record   := u32 size of the rest | key field | focus fields | the other
//               fields, in layout order | extra (json) | on-demand fields
//   values   := int, time: i64; string: u32 size + bytes; optional: u8 0|1
//               + value; bool, claim type: u8; list: u32 count + strings;
//               object: its fields; json: string ("" for none)
// Integers are little-endian (the cache never leaves the machine). Nothing
// here trusts the bytes: every read is bounds-checked and a damaged image
// reads as false, never as a wrong record. The index is the exception: a
// lookup checks each entry it follows, but not that the whole index is in
// order (that costs a pass over every claim); a load trusts it because the
// file's checksum holds (cache.h), and check_index() verifies it all.
// That checksum covers everything but the claim records: a command reads a
// few hundred of 10,000 claims, so each claim record is checked against its
// sum in the index where it is read (claim_at, for_each), and a record whose
// bytes do not match reads as false like any damage.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/claim_range.h"
#include "core/journal_codec.h"
#include "core/model.h"

namespace aio {

struct CacheSection {
  uint64_t offset = 0;  // in the payload
  uint64_t count = 0;   // records
};
enum class Records { kNotes, kInstances, kClaims };
struct CacheSections {
  CacheSection notes, instances, claims;  // in this order, back to back
  CacheSection index;                     // then the claim index (count: claims')
  const CacheSection& operator[](Records r) const {
    return r == Records::kNotes ? notes : r == Records::kInstances ? instances : claims;
  }
};

// The sum of a claim record's bytes the index holds (kept apart from the
// file's checksum, cache.h: it is checked one record at a time).
uint64_t record_sum(std::string_view bytes);
// For the image's own writers (encoding, cache_patch.cc): one record's image
// appended to *buf; the claim index appended to *buf right after the claim
// records it indexes (their sums given, or summed here: cache_index.cc).
template <typename R>
void append_record(std::string* buf, const R& r);
CacheSection put_claim_index(std::string* buf, const std::vector<uint64_t>& offsets,
                             const std::vector<uint64_t>& by_key,
                             const std::vector<uint64_t>* sums = nullptr);

struct CachePayload {
  std::string bytes;
  CacheSections sections;
};

// The image of s (all but s.seq, which the header holds).
CachePayload encode_cache_payload(const State& s);

// Where one record lies in a payload.
struct RecordSpan {
  std::string_view key;
  size_t begin = 0, end = 0;
  size_t fields = 0;  // where the fields after the key begin
};

// What a read of a record fills in.
enum class ImagePart {
  kAllButOnDemand,  // everything but the on-demand fields (Instance::claims)
  kWhole,
};

// A record's focus fields (field::kFocus), read in place: strings point into
// the image, so testing a record against a Focus copies nothing.
// get<&Claim::project>() is that field's value.
template <typename R>
struct FocusView {
  static constexpr size_t kCount = count_flagged<R>(field::kFocus);
  template <auto kMember>
  auto get() const {
    constexpr size_t k = flagged_rank<R>(kMember, field::kFocus);
    using T = std::remove_cvref_t<decltype(std::declval<const R&>().*kMember)>;
    if constexpr (std::is_same_v<T, std::string>)
      return text[k];
    else
      return static_cast<T>(number[k]);
  }
  std::array<std::string_view, kCount> text{};  // of string fields
  std::array<int64_t, kCount> number{};         // of the others
};

// A payload read in place (the bytes must outlive it).
class CacheImage {
 public:
  CacheImage() = default;
  CacheImage(std::string_view bytes, const CacheSections& sections)
      : bytes_(bytes), sections_(sections) {}
  const CacheSections& sections() const { return sections_; }
  std::string_view bytes() const { return bytes_; }

  // schemaVersion and extra of the state.
  bool read_top(State* s) const;
  // Calls fn(const RecordSpan&) for each record of a section, in order, as
  // long as it returns true; false when fn did or the section is damaged.
  // Instances and claims lie in strictly increasing id order (lookups bisect
  // them): a section that breaks it is damaged, and so is a claim record
  // whose sum in the index does not hold (unless check_sums is false: a
  // patch copies records with their sums, checking only those it reads).
  template <typename Fn>
  bool for_each(Records which, Fn&& fn, bool check_sums = true) const {
    size_t pos = sections_[which].offset;
    std::string_view prev;
    for (uint64_t k = 0; k < sections_[which].count; ++k) {
      RecordSpan sp;
      if (!span_at(pos, &sp)) return false;
      if (which != Records::kNotes && k > 0 && !(prev < sp.key)) return false;
      if (which == Records::kClaims && check_sums && !claim_sum_holds(k, sp)) return false;
      if (!fn(sp)) return false;
      prev = sp.key;
      pos = sp.end;
    }
    return pos == end_of(which);
  }
  // The record at sp: the fields `part` names (the others keep their values).
  template <typename R>
  bool read(const RecordSpan& sp, R* out, ImagePart part) const;
  // The focus fields of the record at sp, in place.
  template <typename R>
  bool read_focus(const RecordSpan& sp, FocusView<R>* out) const;
  // The whole state (its seq is 0: the file's header holds it).
  bool decode(State* out) const;
  // This image with ops applied in order. Only the records the ops touch are
  // decoded and encoded again; the others are copied as they are, and the
  // claim index is merged, not sorted again.
  bool patch(const std::vector<const Op*>& ops, CachePayload* out) const;

  // ---- the claim index ----
  // *found: a claim with this id is in the image (bisects the id order).
  bool find_claim(std::string_view id, bool* found) const;
  // Calls fn(const RecordSpan&, const FocusView<Claim>&) for each claim in
  // r, in key order, as long as it returns true; false when fn did or an
  // entry followed is damaged.
  template <typename Fn>
  bool for_each_claim_in(const ClaimRange& r, Fn&& fn) const {
    uint64_t rank = 0;
    if (!lower_rank(r.lo, &rank)) return false;
    for (; rank < sections_.claims.count; ++rank) {
      RecordSpan sp;
      FocusView<Claim> v;
      if (!key_at(rank, &sp, &v)) return false;
      if (r.hi && !below(key_of(sp, v), *r.hi)) break;
      if (!fn(sp, v)) return false;
    }
    return true;
  }
  // The whole index against the records: every claim once, offsets in id
  // order, keys strictly increasing, every sum holding (tests and fuzzing).
  bool check_index() const;

  static ClaimKey key_of(const RecordSpan& sp, const FocusView<Claim>& v) {
    return {v.get<&Claim::project>(), claim_group(v.get<&Claim::type>()), v.get<&Claim::target>(),
            sp.key};
  }
  // The index's size agrees with the sections.
  bool index_fits() const;
  // The claim at rank k of the id order (its sum holding); at `rank` of the
  // key order, with its key; that claim's rank in the id order (the claim
  // count: none).
  bool claim_at(uint64_t k, RecordSpan* sp) const;
  bool key_at(uint64_t rank, RecordSpan* sp, FocusView<Claim>* v) const;
  uint64_t id_rank_at(uint64_t rank) const;
  // The bytes of the claim at rank k of the id order, sp, match its sum;
  // that sum (index_fits() and k below the claim count first).
  bool claim_sum_holds(uint64_t k, const RecordSpan& sp) const;
  uint64_t claim_sum(uint64_t k) const;
  // For patch(): the key order of the patched claims, given the new id
  // rank of each claim of this image in id order (kGone: replaced or
  // dropped), the claims written afresh (new id rank, key) and how many
  // the patched image holds.
  static constexpr uint64_t kGone = ~uint64_t{0};
  bool merged_key_order(const std::vector<uint64_t>& of_old,
                        std::vector<std::pair<uint64_t, ClaimKey>> fresh, uint64_t count,
                        std::vector<uint64_t>* by_key) const;

 private:
  bool span_at(size_t pos, RecordSpan* sp) const;
  size_t end_of(Records which) const;
  uint64_t index_word(uint64_t k) const;  // index_fits() first
  // The first rank of the key order not below b.
  bool lower_rank(const ClaimBound& b, uint64_t* rank) const;
  template <typename Before>
  bool partition_rank(Before before, uint64_t* rank) const;  // cache_index.cc

  std::string_view bytes_;
  CacheSections sections_;
};

}  // namespace aio
