// Record layouts: every stored record (Instance, Claim, Note in model.h) is
// described once, by a table of its fields placed beside its struct
// (RecordLayout<R>), and every format derives from that table:
//   - compact JSON (codec.h): known keys in table order, then the unknown
//     ones kept in `extra`; decoding is tolerant (see FieldKind);
//   - journal lines (journal_codec.h): a fast decoder of exactly what the
//     encoder writes, which gives up on anything else;
//   - the record images of state.cache (cache_image.h);
//   - the UTF-8 checks before anything is stored (text.h).
// After any decode of text the record's fix_up() (model.h) does what a table
// cannot say (a normalised project, a claim's canonical target, ...).
// So adding a field is one edit: the member and its table line (and a test).
//
// Every record type R has a `Json extra` member (its unknown JSON fields).
// Tables are checked when compiled: each kind agrees with its member, one
// string field is the key, keys are unique, at most one level of nesting.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace aio {

enum class ClaimType;  // model.h

// What a field holds and how it is written. JSON decoding treats a missing
// key and null alike (the member keeps its default) and otherwise:
enum class FieldKind : uint8_t {
  kString,      // std::string. "text"; reads any other value as its JSON text
  kOptString,   // std::optional<std::string>. "text" or null; as kString
  kInt,         // int64_t. 123; reads doubles (truncated) and numeric strings
  kTime,        // int64_t unix seconds. "2026-11-24T02:34:14Z"; reads ISO
                // strings, numbers and numeric strings (ms when > 1e11)
  kOptTime,     // std::optional<int64_t>. As kTime, or null
  kBool,        // bool. true / false; other values keep the default
  kStringList,  // std::vector<std::string>. ["a","b"]; non-strings are skipped
  kClaimType,   // ClaimType. "file"...; reads "dir", "glob"; rejects others
  kObject,      // no member: a nested object of `sub` fields; rejects others
};

// Where a field sits in a cache image (cache_image.h). JSON ignores them.
namespace field {
inline constexpr uint8_t kKey = 1;       // the record's id, first: readable in place
inline constexpr uint8_t kFocus = 2;     // next: testable against a Focus in place
inline constexpr uint8_t kOnDemand = 4;  // last: skipped unless the record is wanted whole
}  // namespace field

template <typename R>
class Field {
 public:
  using Member = std::variant<std::monostate, std::string R::*, std::optional<std::string> R::*,
                              int64_t R::*, std::optional<int64_t> R::*, bool R::*,
                              std::vector<std::string> R::*, ClaimType R::*>;

  consteval Field(std::string_view key, FieldKind kind, Member member, uint8_t flags = 0)
      : kind(kind), flags(flags), member_(member) {
    set_key(key);
    if (kind == FieldKind::kObject || member_.index() != member_index(kind))
      throw "the field's kind does not match its member";
  }
  // A nested object (kObject) holding the fields `sub` of the same record.
  template <size_t N>
  consteval Field(std::string_view key, const Field (&sub)[N])
      : kind(FieldKind::kObject), flags(0), sub_(sub), sub_count_(N) {
    set_key(key);
  }

  FieldKind kind;
  uint8_t flags;

  constexpr std::string_view key() const { return {frag_ + 2, key_size_}; }
  // `,"key":`, what precedes the value in compact JSON (the first field of
  // an object has '{' in place of the ',').
  constexpr std::string_view fragment() const { return {frag_, key_size_ + 4u}; }
  constexpr std::span<const Field> sub() const { return {sub_, sub_count_}; }
  constexpr const Member& member() const { return member_; }

 private:
  static consteval size_t member_index(FieldKind k) {
    switch (k) {
      case FieldKind::kString:
        return 1;
      case FieldKind::kOptString:
        return 2;
      case FieldKind::kInt:
      case FieldKind::kTime:
        return 3;
      case FieldKind::kOptTime:
        return 4;
      case FieldKind::kBool:
        return 5;
      case FieldKind::kStringList:
        return 6;
      case FieldKind::kClaimType:
        return 7;
      case FieldKind::kObject:
        return 0;
    }
    return 0;
  }
  consteval void set_key(std::string_view key) {
    if (key.empty() || key.size() + 4 > sizeof frag_) throw "field keys are 1 to 36 characters";
    size_t n = 0;
    frag_[n++] = ',';
    frag_[n++] = '"';
    for (char c : key) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
        throw "field keys need no JSON escapes";
      frag_[n++] = c;
    }
    frag_[n++] = '"';
    frag_[n++] = ':';
    key_size_ = static_cast<uint8_t>(key.size());
  }

  Member member_;
  const Field* sub_ = nullptr;
  size_t sub_count_ = 0;
  char frag_[40] = {};
  uint8_t key_size_ = 0;
};

// The member field f names, in r (T is the member's type, as f's kind says).
template <typename T, typename R>
T& value_of(const Field<R>& f, R& r) {
  return r.*std::get<T R::*>(f.member());
}
template <typename T, typename R>
const T& value_of(const Field<R>& f, const R& r) {
  return r.*std::get<T R::*>(f.member());
}

// Specialised beside each record (model.h) with
//   static constexpr std::string_view kName;   // "claim", for messages
//   static constexpr Field<R> kFields[];       // the layout, in JSON order
template <typename R>
struct RecordLayout;

template <typename R>
constexpr std::span<const Field<R>> fields_of() {
  return RecordLayout<R>::kFields;
}

// Calls fn(std::integral_constant<size_t, K>{}) for each field K of R's
// layout in order, so that `constexpr const Field<R>& f = fields_of<R>()[K]`
// is a constant there and the code for each field compiles as if written out
// by hand (no dispatch on the kind at run time). all_fields stops at the
// first fn that returns false and says whether every one returned true.
template <typename R, typename Fn>
[[gnu::always_inline]] inline void for_each_field(Fn&& fn) {
  [&]<size_t... K>(std::index_sequence<K...>) {
    (fn(std::integral_constant<size_t, K>{}), ...);
  }
  (std::make_index_sequence<fields_of<R>().size()>{});
}
template <typename R, typename Fn>
[[gnu::always_inline]] inline bool all_fields(Fn&& fn) {
  return [&]<size_t... K>(std::index_sequence<K...>) {
    return (fn(std::integral_constant<size_t, K>{}) && ...);
  }
  (std::make_index_sequence<fields_of<R>().size()>{});
}

// The compile-time check of a layout (see the top of this file).
template <typename R>
consteval bool valid_layout() {
  auto fields = fields_of<R>();
  int keys = 0;
  if (fields.size() > 64) throw "at most 64 fields (Decoded::present)";
  for (size_t k = 0; k < fields.size(); ++k) {
    const Field<R>& f = fields[k];
    if (f.flags & field::kKey) {
      ++keys;
      if (f.kind != FieldKind::kString || f.flags != field::kKey)
        throw "the key is a plain string field";
    }
    if ((f.flags & field::kFocus) && (f.flags & field::kOnDemand))
      throw "a field is read in place or on demand, not both";
    if ((f.flags & field::kFocus) &&
        (f.kind == FieldKind::kOptString || f.kind == FieldKind::kOptTime ||
         f.kind == FieldKind::kStringList || f.kind == FieldKind::kObject))
      throw "focus fields are single strings, numbers, bools or claim types";
    for (size_t j = 0; j < k; ++j)
      if (fields[j].key() == f.key()) throw "duplicate key";
    for (const Field<R>& s : f.sub())
      if (s.kind == FieldKind::kObject || s.flags != 0)
        throw "nested fields are plain and not nested again";
  }
  if (keys != 1) throw "exactly one key field";
  return true;
}

// A fingerprint of R's layout (keys, kinds, flags and nesting, in order):
// what a binary image of R (cache_image.h) depends on, so that an image
// written under another layout is never read as this one.
template <typename R>
consteval uint64_t layout_fingerprint() {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001b3ULL; };
  auto mix_fields = [&mix](std::span<const Field<R>> fields, auto& self) -> void {
    mix(fields.size());
    for (const Field<R>& f : fields) {
      for (char c : f.key()) mix(static_cast<unsigned char>(c));
      mix(static_cast<uint64_t>(f.kind) << 8 | f.flags);
      if (f.kind == FieldKind::kObject) self(f.sub(), self);
    }
  };
  mix_fields(fields_of<R>(), mix_fields);
  return h;
}

// Field f names member m. (Not std::get_if: it compares the field's address
// with null, which GCC cannot evaluate at compile time under
// -fsanitize=undefined, AIO_SANITIZE.)
template <typename R, typename T>
constexpr bool names_member(const Field<R>& f, T R::*m) {
  return std::holds_alternative<T R::*>(f.member()) && std::get<T R::*>(f.member()) == m;
}

// The position of the field naming member `m` in R's layout.
template <typename R, typename T>
constexpr size_t field_index(T R::*m) {
  auto fields = fields_of<R>();
  for (size_t k = 0; k < fields.size(); ++k)
    if (names_member(fields[k], m)) return k;
  return fields.size();
}

// How many fields of R's layout carry `flag`, and the rank among them (in
// layout order) of the field naming member m.
template <typename R>
consteval size_t count_flagged(uint8_t flag) {
  size_t n = 0;
  for (const Field<R>& f : fields_of<R>()) n += (f.flags & flag) != 0;
  return n;
}
template <typename R, typename T>
consteval size_t flagged_rank(T R::*m, uint8_t flag) {
  size_t n = 0;
  for (const Field<R>& f : fields_of<R>()) {
    if (names_member(f, m)) {
      if (!(f.flags & flag)) throw "the member's field does not carry the flag";
      return n;
    }
    n += (f.flags & flag) != 0;
  }
  throw "no field names the member";
}

// What decoding text learnt beyond the record, for the record's fix_up().
// The fast journal decoder and the cache read complete records: all present.
struct Decoded {
  uint64_t present = ~uint64_t{0};  // bit k: field k had a usable value
  std::string_view rejected_key;    // a field whose value its kind refused ("": none)
  std::string rejected;             // that value: a string's text, else its JSON
  bool rejected_string = false;     // ... and whether it was a JSON string

  template <typename R, typename T>
  bool has(T R::*m) const {
    size_t k = field_index(m);
    return k < 64 && (present >> k & 1);
  }
};

}  // namespace aio
