// Wall-clock helpers. Times are unix seconds; JSON carries them as ISO 8601
// UTC strings ("2026-11-24T02:34:14Z"). Parsing also accepts numbers (seconds,
// or milliseconds when > 1e11) and ISO strings with fractions or offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aio {

// The times a state may hold: years 0000 to 9999, which ISO 8601's four
// year digits can write (format_iso(t) reads back as t exactly in this
// range; parse_iso and the JSON decoders refuse any other time).
inline constexpr int64_t kMinTime = -62167219200;  // 0000-01-01T00:00:00Z
inline constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z
inline constexpr bool time_in_range(int64_t t) {
  return t >= kMinTime && t <= kMaxTime;
}

int64_t now_seconds();
// Four-digit year always; a time out of range is written as the nearest end.
std::string format_iso(int64_t unix_seconds);
// The same with milliseconds ("2026-11-24T02:34:14.042Z"), for logs.
std::string format_iso_ms(int64_t unix_ms);
std::optional<int64_t> parse_iso(std::string_view s);
// "3s", "5m", "2h", "4d" style age for humans.
std::string format_age(int64_t seconds);

}  // namespace aio
