// The payload of state.cache: a binary image of a State, each record laid
// out as its layout says (model.h, record.h), so that a focused load can read
// a record's key and focus fields in place and a focused update can copy the
// records it does not touch as they are.
//
//   payload  := top | notes section | instances section | claims section
//   top      := schemaVersion (i64) | extra (json)
//   section  := records, in id order (where each starts and how many it
//               holds is in the file's header, cache.h)
//   record   := u32 size of the rest | key field | focus fields | the other
//               fields, in layout order | extra (json) | on-demand fields
//   values   := int, time: i64; string: u32 size + bytes; optional: u8 0|1
//               + value; bool, claim type: u8; list: u32 count + strings;
//               object: its fields; json: string ("" for none)
// Integers are little-endian (the cache never leaves the machine). Nothing
// here trusts the bytes: every read is bounds-checked and a damaged image
// reads as false, never as a wrong record.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
  const CacheSection& operator[](Records r) const {
    return r == Records::kNotes ? notes : r == Records::kInstances ? instances : claims;
  }
};

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
  // them): a section that breaks it is damaged.
  template <typename Fn>
  bool for_each(Records which, Fn&& fn) const {
    size_t pos = sections_[which].offset;
    std::string_view prev;
    for (uint64_t k = 0; k < sections_[which].count; ++k) {
      RecordSpan sp;
      if (!span_at(pos, &sp)) return false;
      if (which != Records::kNotes && k > 0 && !(prev < sp.key)) return false;
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
  // decoded and encoded again; the others are copied as they are.
  bool patch(const std::vector<const Op*>& ops, CachePayload* out) const;

 private:
  bool span_at(size_t pos, RecordSpan* sp) const;
  size_t end_of(Records which) const;

  std::string_view bytes_;
  CacheSections sections_;
};

}  // namespace aio
