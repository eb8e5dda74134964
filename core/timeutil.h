// Wall-clock helpers. Times are unix seconds; JSON carries them as ISO 8601
// UTC strings ("2026-11-24T02:34:14Z"). Parsing also accepts numbers (seconds,
// or milliseconds when > 1e11) and ISO strings with fractions or offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aio {

int64_t now_seconds();
std::string format_iso(int64_t unix_seconds);
std::optional<int64_t> parse_iso(std::string_view s);
// "3s", "5m", "2h", "4d" style age for humans.
std::string format_age(int64_t seconds);

}  // namespace aio
