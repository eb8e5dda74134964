// core/line_stream: the bytes of one control-file handle, as complete lines,
// whatever the write boundaries; limits; writes taken whole or not at all.
// Also core/text's excerpt(), what a refusal keeps of bad input.
#include "core/line_stream.h"

#include <gtest/gtest.h>

#include "core/text.h"

namespace aio {
namespace {

using Lines = std::vector<std::string>;

// One write and what became of it: the lines it completed ("" when
// refused) and the error's start.
struct Write {
  Write(std::string d, bool o = true, Lines l = {}, bool a = true, std::string e = "")
      : data(std::move(d)), ok(o), lines(std::move(l)), act_ok(a), error(std::move(e)) {}
  std::string data;
  bool ok;  // feed() gives lines
  Lines lines;
  bool act_ok;        // false: the caller could not act on the lines (refuse())
  std::string error;  // start of the message when !ok
};

struct StreamCase {
  const char* name;
  std::vector<Write> writes;
  std::string unfinished;  // at the end
};

class StreamTable : public ::testing::TestWithParam<StreamCase> {};

TEST_P(StreamTable, Writes) {
  const auto& c = GetParam();
  LineStream s(16);
  for (size_t i = 0; i < c.writes.size(); ++i) {
    const Write& w = c.writes[i];
    SCOPED_TRACE("write " + std::to_string(i) + " [" + w.data + "]");
    auto got = s.feed(w.data, 0, true);
    ASSERT_EQ(got.is_ok(), w.ok) << got.status().message();
    if (!got) {
      EXPECT_EQ(got.status().code(), Code::kInvalid);
      EXPECT_EQ(got.status().message().rfind(w.error, 0), 0u) << got.status().message();
      continue;
    }
    EXPECT_EQ(*got, w.lines);
    if (w.act_ok)
      s.accept();
    else
      s.refuse();
  }
  EXPECT_EQ(s.unfinished(), c.unfinished);
}

const std::string k16(16, 'x'), k17(17, 'x');

INSTANTIATE_TEST_SUITE_P(
    Table, StreamTable,
    ::testing::Values(
        StreamCase{"OneLine", {{"file a\n", true, {"file a"}}}, ""},
        StreamCase{
            "SplitOverTwoWrites", {{"file a", true, {}}, {".txt\n", true, {"file a.txt"}}}, ""},
        StreamCase{"SplitOverThree",
                   {{"fi", true, {}}, {"le ", true, {}}, {"b\nfile c", true, {"file b"}}},
                   "file c"},
        StreamCase{"SeveralInOne", {{"a\n\nb\nc", true, {"a", "", "b"}}}, "c"},
        StreamCase{"Unfinished", {{"file a", true, {}}}, "file a"},
        StreamCase{"AtTheLimit", {{k16 + "\n", true, {k16}}}, ""},
        StreamCase{"PastTheLimitInOneWrite",
                   {{k17 + "\n", false, {}, true, "line longer than 16 bytes: 'xxxx"},
                    {"ok\n", true, {"ok"}}},
                   ""},
        // The write that makes the open line too long fails; so do the ones
        // that continue it, up to its newline; after it, lines count again.
        StreamCase{"OverflowWhileOpen",
                   {{"file ", true, {}},
                    {k16, false, {}, true, "line longer than 16 bytes: 'file xxx"},
                    {"more", false, {}, true, "the rest of a refused line"},
                    {"tail\nfile b\n", false, {}, true, "the end of a refused line"},
                    {"file c\n", true, {"file c"}}},
                   ""},
        StreamCase{"GoodLinesBeforeAnOverflowAreNotHandedOut",
                   {{"a\nb\n" + k17, false, {}, true, "line longer"}, {"\nc\n", false}},
                   ""},
        // A write the caller could not act on is dropped, with the line it
        // continued; had it ended inside a line, the rest of that line goes too.
        StreamCase{
            "RefusedWriteDropsItsLine",
            {{"frob ", true, {}}, {"x\n", true, {"frob x"}, false}, {"file a\n", true, {"file a"}}},
            ""},
        StreamCase{"RefusedWriteEndingInsideALine",
                   {{"frob x\nfile ", true, {"frob x"}, false},
                    {"a\n", false, {}, true, "the end of a refused line"},
                    {"file b", true, {}}},
                   "file b"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(LineStream, OffsetsMustFollowWithoutAppend) {
  LineStream s(64);
  ASSERT_TRUE(s.feed("file a", 0, false));
  s.accept();
  EXPECT_EQ(s.position(), 6);
  // A pwrite back over what was taken, or past it: refused, nothing changes.
  for (int64_t off : {0, 3, 7, 100}) {
    auto r = s.feed(".txt\n", off, false);
    ASSERT_FALSE(r) << off;
    EXPECT_NE(r.status().message().find("stands at 6"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(s.unfinished(), "file a");
  auto r = s.feed(".txt\n", 6, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Lines{"file a.txt"});
  s.accept();
  // A refused write does not move the position (the kernel's does not move).
  ASSERT_TRUE(s.feed("frob\n", 11, false));
  s.refuse();
  EXPECT_EQ(s.position(), 11);
  // With O_APPEND the offset is whatever size the kernel believes: ignored.
  r = s.feed("file b\n", 0, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Lines{"file b"});
}

TEST(LineStream, HoldsAtMostTheLimit) {
  LineStream s;  // kMaxControlLine
  std::string chunk(4096, 'y');
  ASSERT_TRUE(s.feed(chunk, 0, true));
  s.accept();
  ASSERT_TRUE(s.feed(chunk, 0, true));
  s.accept();
  EXPECT_EQ(s.unfinished().size(), kMaxControlLine);
  EXPECT_FALSE(s.feed("y", 0, true));  // one byte more
  EXPECT_EQ(s.unfinished(), "");
  // A 1 MiB line in one write: refused, nothing kept.
  LineStream big;
  std::string mib = "file " + std::string(1 << 20, 'z') + "\n";
  auto r = big.feed(mib, 0, true);
  ASSERT_FALSE(r);
  EXPECT_LT(r.status().message().size(), 200u);
  EXPECT_EQ(big.unfinished(), "");
}

struct ExcerptCase {
  std::string in;
  size_t max;
  std::string out;
};

class ExcerptTable : public ::testing::TestWithParam<ExcerptCase> {};

TEST_P(ExcerptTable, Shows) {
  const auto& c = GetParam();
  EXPECT_EQ(excerpt(c.in, c.max), c.out);
  EXPECT_TRUE(valid_utf8(excerpt(c.in, c.max)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExcerptTable,
    ::testing::Values(ExcerptCase{"file a.txt", 40, "file a.txt"},
                      ExcerptCase{"abcdef", 4, "abcd\u2026"},
                      ExcerptCase{"caf\u00e9 \u65e5\u672c", 40, "caf\u00e9 \u65e5\u672c"},
                      ExcerptCase{"\u65e5\u672c", 4, "\u65e5\u2026"},  // never half a character
                      ExcerptCase{"a\x1b[2Jb", 40, "a\\x1b[2Jb"},      // no terminal escapes
                      ExcerptCase{"tab\there\r", 40, "tab\\x09here\\x0d"},
                      ExcerptCase{std::string("\xff\xc3", 2), 40, "\\xff\\xc3"},
                      ExcerptCase{std::string(1 << 20, 'q'), 8, "qqqqqqqq\u2026"}));

}  // namespace
}  // namespace aio
