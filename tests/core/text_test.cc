// valid_utf8 and json_plain_end read eight bytes at a time: every case is
// tried at every offset around an 8-byte word, against a byte-wise reading.
#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace aio {
namespace {

size_t plain_end_bytewise(std::string_view s, size_t pos) {
  for (; pos < s.size(); ++pos)
    if (s[pos] == '"' || s[pos] == '\\' || static_cast<unsigned char>(s[pos]) < 0x20) break;
  return pos;
}

struct Utf8Case {
  std::string bytes;
  bool valid;
};

TEST(ValidUtf8, AtEveryOffsetOfAWord) {
  const Utf8Case cases[] = {
      {"", true},
      {"plain ascii", true},
      {"\xc3\xa9", true},           // é
      {"\xe2\x82\xac", true},       // €
      {"\xf0\x9f\x98\x80", true},   // an emoji
      {"\x7f", true},               // DEL is ASCII
      {"\x80", false},              // a lone continuation byte
      {"\xc3", false},              // cut short
      {"\xc3\x28", false},          // a bad continuation
      {"\xc0\xaf", false},          // overlong
      {"\xe0\x80\xaf", false},      // overlong
      {"\xed\xa0\x80", false},      // a surrogate
      {"\xf4\x90\x80\x80", false},  // past U+10FFFF
      {"\xff", false},
      {"\xf0\x9f\x98", false},  // cut short
  };
  for (const auto& c : cases)
    for (size_t before = 0; before <= 17; ++before)
      for (size_t after : {0, 1, 7, 8, 9}) {
        std::string s = std::string(before, 'a') + c.bytes + std::string(after, 'z');
        EXPECT_EQ(valid_utf8(s), c.valid) << before << " bytes before, " << after << " after";
      }
}

TEST(JsonPlainEnd, FindsTheFirstQuoteBackslashOrControlCharacter) {
  const char specials[] = {'"', '\\', '\n', '\0', '\x1f', '\t'};
  const char plains[] = {' ', '!', '#', '[', ']', '\x7f', '\x80', '\xff', 'a'};
  for (size_t len = 0; len <= 20; ++len) {
    for (char fill : plains) {
      std::string s(len, fill);
      for (size_t from = 0; from <= len; ++from)
        EXPECT_EQ(json_plain_end(s, from), len) << "all plain, fill " << int(fill);
    }
    for (size_t at = 0; at < len; ++at)
      for (char sp : specials) {
        std::string s(len, 'x');
        s[at] = sp;
        if (at + 1 < len) s[at + 1] = '"';  // what comes after must not matter
        for (size_t from = 0; from <= len; ++from) {
          EXPECT_EQ(json_plain_end(s, from), plain_end_bytewise(s, from))
              << "len " << len << ", special " << int(sp) << " at " << at << ", from " << from;
        }
      }
  }
  // Bytes just above a special one (0x20, 0x21, 0x23, 0x5d) are plain.
  std::string near = "\x20\x21\x23\x5d\x5b\x20\x21\x23\x5d\x5b\x20\x21\x23";
  EXPECT_EQ(json_plain_end(near, 0), near.size());
}

}  // namespace
}  // namespace aio
