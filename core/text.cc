#include "core/text.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace aio {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

template <typename R>
Status check_field(const Field<R>& f, std::string_view s) {
  if (valid_utf8(s)) return Status::ok();
  return check_text(std::string(RecordLayout<R>::kName) + " " + std::string(f.key()), s);
}

// Every string of r that `fields` name.
template <typename R>
Status check_fields(std::span<const Field<R>> fields, const R& r) {
  for (const Field<R>& f : fields) {
    switch (f.kind) {
      case FieldKind::kString:
        AIO_RETURN_IF_ERROR(check_field(f, value_of<std::string>(f, r)));
        break;
      case FieldKind::kOptString:
        if (const auto& v = value_of<std::optional<std::string>>(f, r))
          AIO_RETURN_IF_ERROR(check_field(f, *v));
        break;
      case FieldKind::kStringList:
        for (const auto& s : value_of<std::vector<std::string>>(f, r))
          AIO_RETURN_IF_ERROR(check_field(f, s));
        break;
      case FieldKind::kObject:
        AIO_RETURN_IF_ERROR(check_fields(f.sub(), r));
        break;
      default:
        break;
    }
  }
  return Status::ok();
}

}  // namespace

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII eight bytes at a time.
    if (uint64_t w; i + 8 <= s.size() && (memcpy(&w, s.data() + i, 8), (w & kHighBits) == 0)) {
      i += 8;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += n;
  }
  return true;
}

size_t json_plain_end(std::string_view s, size_t pos) {
  constexpr uint64_t kOnes = ~uint64_t{0} / 255;
  // Nonzero when some byte of w is below n (n <= 128); a false alarm is only
  // possible above a byte that is, so the byte-wise loop sorts it out.
  auto has_below = [](uint64_t w, uint64_t n) { return (w - kOnes * n) & ~w & kHighBits; };
  while (pos + 8 <= s.size()) {
    uint64_t w;
    memcpy(&w, s.data() + pos, 8);
    if (has_below(w, 0x20) | has_below(w ^ (kOnes * '"'), 1) | has_below(w ^ (kOnes * '\\'), 1))
      break;
    pos += 8;
  }
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) break;
  }
  return pos;
}

std::string excerpt(std::string_view s, size_t max) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // A whole UTF-8 sequence (at most 4 bytes) when it is well-formed.
    size_t n = c >= 0xc2 && c <= 0xf4 ? (c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4) : 1;
    bool seq = n > 1 && i + n <= s.size() && valid_utf8(s.substr(i, n));
    std::string piece;
    if (seq) {
      piece.assign(s.substr(i, n));
    } else if (c >= 0x20 && c < 0x7f) {
      piece.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof buf, "\\x%02x", c);
      piece = buf;
    }
    if (out.size() + piece.size() > max) return out + "…";
    out += piece;
    i += seq ? n : 1;
  }
  return out;
}

Status check_text(std::string_view what, std::string_view s) {
  if (valid_utf8(s)) return Status::ok();
  return Status::invalid(std::string(what) + " '" + excerpt(s, 120) + "' is not valid UTF-8");
}

Status check_ops_text(const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    AIO_RETURN_IF_ERROR(check_text("id", op.id));
    AIO_RETURN_IF_ERROR(check_text("owner", op.owner));
    if (op.kind == Op::kPutInstance)
      AIO_RETURN_IF_ERROR(check_fields(fields_of<Instance>(), op.instance));
    if (op.kind == Op::kPutClaim) AIO_RETURN_IF_ERROR(check_fields(fields_of<Claim>(), op.claim));
  }
  return Status::ok();
}

Status check_notes_text(const std::vector<Note>& notes) {
  for (const Note& n : notes) AIO_RETURN_IF_ERROR(check_fields(fields_of<Note>(), n));
  return Status::ok();
}

}  // namespace aio
