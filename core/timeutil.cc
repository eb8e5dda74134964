#include "core/timeutil.h"

#include <time.h>

#include <cstdio>

namespace aio {

int64_t now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date, and back (after
// Howard Hinnant's algorithms). Linear in d, so a day past the month's end
// rolls over as timegm() rolls it. No time zone is read: gmtime_r and timegm
// load /etc/localtime on their first call, a cost every command paid.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365] for real dates
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

}  // namespace

std::string format_iso(int64_t t) {
  t = t < kMinTime ? kMinTime : t > kMaxTime ? kMaxTime : t;
  int64_t days = floor_div(t, 86400), secs = t - days * 86400, y = 0;
  int m = 0, d = 0;
  civil_from_days(days, &y, &m, &d);
  char buf[48];
  snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
           static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
           static_cast<int>(secs % 60));
  return buf;
}

std::string format_iso_ms(int64_t unix_ms) {
  int64_t secs = floor_div(unix_ms, 1000);
  char frac[8];
  snprintf(frac, sizeof frac, ".%03d", static_cast<int>(unix_ms - secs * 1000));
  std::string s = format_iso(secs);
  s.insert(s.size() - 1, frac);
  return s;
}

std::optional<int64_t> parse_iso(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int Y, M, D, h, m, sec;
  if (!digits(0, 4, &Y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, &M) || s[7] != '-' ||
      !digits(8, 2, &D) || (s[10] != 'T' && s[10] != ' ') || !digits(11, 2, &h) || s[13] != ':' ||
      !digits(14, 2, &m) || s[16] != ':' || !digits(17, 2, &sec))
    return std::nullopt;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!digits(pos + 1, 2, &oh)) return std::nullopt;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!digits(mpos, 2, &om)) return std::nullopt;
      offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
      pos = mpos + 2;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - offset;
  if (!time_in_range(t)) return std::nullopt;  // an offset pushed it past year 0 or 9999
  return t;
}

std::string format_age(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s < 120) {
    snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 7200) {
    snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(s / 60));
  } else if (s < 172800) {
    snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(s / 3600));
  } else {
    snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(s / 86400));
  }
  return buf;
}

}  // namespace aio
