// Shared by the libFuzzer targets (tests/fuzz/*_fuzz.cc): a property check
// that prints what broke and aborts (libFuzzer then saves the input as a
// crash-* file), and the splitting of one input into several strings.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace aio::fuzz {

// Bytes shown with everything outside printable ASCII as \xNN.
inline std::string show(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] inline void fail(const char* what, const char* file, int line,
                              const std::string& detail) {
  fprintf(stderr, "\nPROPERTY FAILED at %s:%d: %s\n%s\n", file, line, what, detail.c_str());
  abort();
}

// The input as a string, and as up to `n` parts split at `sep` (the last part
// keeps the rest, separators and all; missing parts are empty).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
inline std::vector<std::string_view> split(std::string_view s, char sep, size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    size_t at = s.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  parts.push_back(s);
  parts.resize(n);
  return parts;
}

}  // namespace aio::fuzz

// CHECK(cond, detail): detail is a std::string built only when cond fails.
#define FUZZ_CHECK(cond, detail)                                                    \
  do {                                                                              \
    if (!(cond)) ::aio::fuzz::fail(#cond, __FILE__, __LINE__, std::string(detail)); \
  } while (0)
