// What the fuzzers (tests/fuzz) found, one table per target; each row failed
// before the fix beside it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/cache_image.h"
#include "core/codec.h"
#include "core/timeutil.h"

namespace aio {
namespace {

// ---- cache_image: records out of id order ----
// An image whose instances or claims are not in strictly increasing id order
// (a record moved, or one id twice) decoded as if whole, but patch() and the
// focused loads find records by bisection, so a patch kept a deleted claim
// beside its replacement. Such an image is damaged: it must read as false.

State two_of_each() {
  State s;
  for (const char* id : {"i-a", "i-b"}) {
    Instance i;
    i.id = id;
    i.tool = "claude";
    i.project = "/p";
    s.instances[id] = i;
  }
  for (const char* id : {"c-a", "c-b"}) {
    Claim c;
    c.id = id;
    c.instance_id = "i-a";
    c.target = std::string("t/") + id;
    c.project = "/p";
    s.claims[id] = c;
  }
  return s;
}

enum class Reorder { kNone, kSwap, kFirstTwice };
struct OrderCase {
  const char* name;
  Records section;
  Reorder reorder;
  bool decodes;
};

// The payload of two_of_each() with the records of `section` reordered.
CachePayload reordered(Records section, Reorder how) {
  CachePayload p = encode_cache_payload(two_of_each());
  CacheImage img(p.bytes, p.sections);
  std::vector<std::string> recs;
  img.for_each(section, [&](const RecordSpan& sp) {
    recs.push_back(p.bytes.substr(sp.begin, sp.end - sp.begin));
    return true;
  });
  EXPECT_EQ(recs.size(), 2u);
  if (how == Reorder::kSwap) std::swap(recs[0], recs[1]);
  if (how == Reorder::kFirstTwice) recs[1] = recs[0];
  size_t begin = p.sections[section].offset;
  size_t end = section == Records::kInstances ? p.sections.claims.offset : p.sections.index.offset;
  CachePayload out = p;
  out.bytes = p.bytes.substr(0, begin) + recs[0] + recs[1] + p.bytes.substr(end);
  size_t shift = recs[0].size() + recs[1].size() - (end - begin);
  if (section == Records::kInstances) out.sections.claims.offset += shift;
  out.sections.index.offset += shift;
  return out;
}

class CacheOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(CacheOrder, OnlyIdOrderedSectionsRead) {
  const OrderCase& c = GetParam();
  CachePayload p = reordered(c.section, c.reorder);
  CacheImage img(p.bytes, p.sections);
  State s;
  EXPECT_EQ(img.decode(&s), c.decodes) << c.name;
  Op del;
  del.kind = c.section == Records::kClaims ? Op::kDelClaim : Op::kDelInstance;
  del.id = c.section == Records::kClaims ? "c-a" : "i-a";
  CachePayload patched;
  ASSERT_EQ(img.patch({&del}, &patched), c.decodes) << c.name;
  if (!c.decodes) return;
  State want = two_of_each(), got;
  apply_op(&want, del);
  ASSERT_TRUE(CacheImage(patched.bytes, patched.sections).decode(&got));
  EXPECT_EQ(encode_state_json(got), encode_state_json(want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CacheOrder,
    ::testing::Values(OrderCase{"claims in order", Records::kClaims, Reorder::kNone, true},
                      OrderCase{"claims swapped", Records::kClaims, Reorder::kSwap, false},
                      OrderCase{"a claim twice", Records::kClaims, Reorder::kFirstTwice, false},
                      OrderCase{"instances swapped", Records::kInstances, Reorder::kSwap, false},
                      OrderCase{"an instance twice", Records::kInstances, Reorder::kFirstTwice,
                                false}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n)
        if (ch == ' ') ch = '_';
      return n;
    });

// ---- journal_line: the fast decoder read what JSON refuses ----
// decode_journal_line's fast path must give up wherever the JSON decoder
// would not read the line as it does (journal_codec.h: "both always
// agree"). It read numbers with leading zeros or "-0", which JSON refuses,
// and strings that are not UTF-8, which JSON refuses and the store never
// holds.
struct JournalCase {
  const char* name;
  std::string line;
};

class JournalAgree : public ::testing::TestWithParam<JournalCase> {};

TEST_P(JournalAgree, FastDecoderGivesUpWhereJsonDisagrees) {
  const std::string& line = GetParam().line;
  uint64_t seq = 0;
  std::vector<Op> ops;
  EXPECT_FALSE(decode_journal_line_fast(line, &seq, &ops)) << line;
  EXPECT_FALSE(decode_journal_line_json(line, &seq, &ops).is_ok()) << line;
  EXPECT_FALSE(decode_journal_line(line, &seq, &ops).is_ok()) << line;
}

const std::string kClaimHead =
    R"({"seq":3,"ops":[{"op":"putClaim","value":{"id":"c","instanceId":"i","type":"file","target":")";
const std::string kClaimTail =
    R"(","project":"/p","exclusive":true,"claimedAt":"2026-01-01T00:00:00Z","expiresAt":null,"autoClaimed":false}}]})";

INSTANTIATE_TEST_SUITE_P(
    Table, JournalAgree,
    ::testing::Values(JournalCase{"seq_with_a_leading_zero", R"({"seq":01,"ops":[]})"},
                      JournalCase{"seq_minus_zero", R"({"seq":-0,"ops":[]})"},
                      JournalCase{"heartbeat_at_with_leading_zeros",
                                  R"({"seq":2,"ops":[{"op":"heartbeat","id":"i","at":007}]})"},
                      JournalCase{"id_not_utf8",
                                  "{\"seq\":3,\"ops\":[{\"op\":\"delClaim\",\"id\":\"\xff\"}]}"},
                      JournalCase{"target_cut_utf8", kClaimHead + "a\xc3" + kClaimTail},
                      JournalCase{"target_overlong_slash", kClaimHead + "a\xc0\xaf" + kClaimTail}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- journal_line, state_json: a number too large for a double ----
// nlohmann's parser throws out_of_range (not parse_error) on "1e999"; the
// decoders caught only parse_error, so one such number in a journal line or
// in state.json ended every aio command, and the mount daemon, in
// std::terminate. Now it is a state error like any other unreadable text.
struct TextCase {
  const char* name;
  const char* text;
};

class HugeNumbers : public ::testing::TestWithParam<TextCase> {};

TEST_P(HugeNumbers, AreAStateErrorNotACrash) {
  const std::string text = GetParam().text;
  if (text.starts_with("{\"seq\"")) {
    uint64_t seq = 0;
    std::vector<Op> ops;
    Status st = decode_journal_line(text, &seq, &ops);
    EXPECT_EQ(st.code(), Code::kState) << st.message();
  } else {
    auto s = parse_state_json(text);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.status().code(), Code::kState) << s.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, HugeNumbers,
    ::testing::Values(
        TextCase{"journal_heartbeat_at",
                 R"({"seq":9,"ops":[{"op":"heartbeat","id":"i","at":179560e0615}]})"},
        TextCase{"journal_seq", R"({"seq":1e999,"ops":[]})"},
        TextCase{"state_schema_version", R"({"schemaVersion":1e999})"},
        TextCase{
            "state_instance_pid",
            R"({"schemaVersion":1,"instances":{"i":{"id":"i","tool":"t","project":"/p","pid":-1e400}}})"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- journal_line: a number past int64 ----
// json_int and json_time converted any double to int64_t, which is undefined
// behaviour past ±2^63 (UBSan: "1e+74 is outside the range of representable
// values"). Such a number is no integer and no time: nullopt.
struct NumberCase {
  const char* name;
  Json value;
  std::optional<int64_t> as_int, as_time;
};

class JsonNumbers : public ::testing::TestWithParam<NumberCase> {};

TEST_P(JsonNumbers, ConvertOnlyWhatFits) {
  const NumberCase& c = GetParam();
  EXPECT_EQ(json_int(c.value), c.as_int) << c.value.dump();
  EXPECT_EQ(json_time(c.value), c.as_time) << c.value.dump();
}

INSTANTIATE_TEST_SUITE_P(
    Table, JsonNumbers,
    ::testing::Values(NumberCase{"huge", Json(1e74), std::nullopt, std::nullopt},
                      NumberCase{"huge_negative", Json(-1e19), std::nullopt, std::nullopt},
                      NumberCase{"two_to_the_63", Json(9223372036854775808.0), std::nullopt,
                                 std::nullopt},  // as ms: past year 9999
                      NumberCase{"time_in_ms_past_int64", Json(1e24), std::nullopt, std::nullopt},
                      NumberCase{"fraction", Json(1500.75), 1500, 1500},
                      NumberCase{"ms", Json(1.7e12), 1700000000000, 1700000000}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- state_json: a year of fewer than four digits ----
// "0388-11-24T10:00:00Z" parsed, and format_iso wrote it back as
// "388-11-24T10:00:00Z" (strftime's %Y has no padding), which no longer
// parsed: the second decode read 1970. Years are written with four digits,
// and a time outside years 0000-9999 (by an offset, or as a number) is no
// time.
struct TimeCase {
  const char* name;
  Json value;
  std::optional<std::string> written;  // format_iso(json_time(value)); nullopt: no time
};

class Times : public ::testing::TestWithParam<TimeCase> {};

TEST_P(Times, ReadBackAsWritten) {
  const TimeCase& c = GetParam();
  auto t = json_time(c.value);
  ASSERT_EQ(t.has_value(), c.written.has_value()) << c.value.dump();
  if (!t) return;
  EXPECT_EQ(format_iso(*t), *c.written);
  EXPECT_EQ(parse_iso(format_iso(*t)), t);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Times,
    ::testing::Values(TimeCase{"year_388", Json("0388-11-24T10:00:00Z"), "0388-11-24T10:00:00Z"},
                      TimeCase{"year_0", Json("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00Z"},
                      TimeCase{"year_9999", Json("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59Z"},
                      TimeCase{"offset_before_year_0", Json("0000-01-01T00:30:00+01:00"),
                               std::nullopt},
                      TimeCase{"offset_past_9999", Json("9999-12-31T23:59:59-00:01"), std::nullopt},
                      TimeCase{"ms_past_9999", Json(2.6e17), std::nullopt},
                      TimeCase{"seconds_before_year_0", Json(-62167219201.0), std::nullopt},
                      TimeCase{"digits_past_9999", Json("999999999999999999"), std::nullopt},
                      TimeCase{"digits_past_int64", Json("99999999999999999999"), std::nullopt},
                      TimeCase{"epoch", Json(0), "1970-01-01T00:00:00Z"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace aio
