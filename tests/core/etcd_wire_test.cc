// etcd_wire: every request body byte for byte, base64, and the parsers on
// answers captured from etcd 3.4.23's gateway (curl against a scratch
// etcd; cluster and member ids kept as etcd sent them).
#include "core/etcd_wire.h"

#include <gtest/gtest.h>

#include <set>

namespace aio::etcd::wire {
namespace {

struct BodyCase {
  const char* what;
  std::string body;
  const char* want;
  friend void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.what; }
};

class WireBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(WireBody, IsExactly) {
  EXPECT_EQ(GetParam().body, GetParam().want);
}

Compare cmp(CompareTarget t, CompareResult r, std::string key, int64_t number,
            std::string value = "", std::string range_end = "") {
  Compare c;
  c.target = t;
  c.result = r;
  c.key = std::move(key);
  c.number = number;
  c.value = std::move(value);
  c.range_end = std::move(range_end);
  return c;
}

TxnRequest one_compare(Compare c) {
  return TxnRequest{{std::move(c)}, {}, {}};
}

using CT = CompareTarget;
using CR = CompareResult;

INSTANTIATE_TEST_SUITE_P(
    Compares, WireBody,
    ::testing::Values(
        BodyCase{
            "mod equal", txn_body(one_compare(cmp(CT::kModRevision, CR::kEqual, "k", 5))),
            R"({"compare":[{"result":"EQUAL","target":"MOD","key":"aw==","mod_revision":"5"}],)"
            R"("success":[],"failure":[]})"},
        BodyCase{
            "version greater", txn_body(one_compare(cmp(CT::kVersion, CR::kGreater, "k", 0))),
            R"({"compare":[{"result":"GREATER","target":"VERSION","key":"aw==","version":"0"}],)"
            R"("success":[],"failure":[]})"},
        BodyCase{"create less", txn_body(one_compare(cmp(CT::kCreateRevision, CR::kLess, "k", 9))),
                 R"({"compare":[{"result":"LESS","target":"CREATE","key":"aw==",)"
                 R"("create_revision":"9"}],"success":[],"failure":[]})"},
        BodyCase{"value not equal",
                 txn_body(one_compare(cmp(CT::kValue, CR::kNotEqual, "k", 0, "val"))),
                 R"({"compare":[{"result":"NOT_EQUAL","target":"VALUE","key":"aw==",)"
                 R"("value":"dmFs"}],"success":[],"failure":[]})"},
        BodyCase{"lease equal, a large id",
                 txn_body(one_compare(cmp(CT::kLease, CR::kEqual, "k", 4111120295290310929))),
                 R"({"compare":[{"result":"EQUAL","target":"LEASE","key":"aw==",)"
                 R"("lease":"4111120295290310929"}],"success":[],"failure":[]})"},
        BodyCase{"compare over a range",
                 txn_body(one_compare(cmp(CT::kCreateRevision, CR::kEqual, "a/", 0, "", "a0"))),
                 R"({"compare":[{"result":"EQUAL","target":"CREATE","key":"YS8=",)"
                 R"("create_revision":"0","range_end":"YTA="}],"success":[],"failure":[]})"},
        BodyCase{"value compare with an empty value",
                 txn_body(one_compare(cmp(CT::kValue, CR::kEqual, "k", 7))),
                 R"({"compare":[{"result":"EQUAL","target":"VALUE","key":"aw==","value":""}],)"
                 R"("success":[],"failure":[]})"}));

INSTANTIATE_TEST_SUITE_P(
    Ops, WireBody,
    ::testing::Values(
        BodyCase{"empty txn", txn_body({}), R"({"compare":[],"success":[],"failure":[]})"},
        BodyCase{
            "every op kind",
            txn_body({{cmp(CT::kModRevision, CR::kEqual, "k", 5)},
                      {RequestOp::put("k", "v", 7), RequestOp::del("a/", "a0"),
                       RequestOp::get("k")},
                      {RequestOp::get("a/", "a0")}}),
            R"({"compare":[{"result":"EQUAL","target":"MOD","key":"aw==","mod_revision":"5"}],)"
            R"("success":[{"request_put":{"key":"aw==","value":"dg==","lease":"7"}},)"
            R"({"request_delete_range":{"key":"YS8=","range_end":"YTA="}},)"
            R"({"request_range":{"key":"aw=="}}],)"
            R"("failure":[{"request_range":{"key":"YS8=","range_end":"YTA="}}]})"},
        BodyCase{"put: empty value, no lease, binary key",
                 txn_body({{}, {RequestOp::put(std::string("\0\xff", 2), "")}, {}}),
                 R"({"compare":[],"success":[{"request_put":{"key":"AP8=","value":""}}],)"
                 R"("failure":[]})"},
        BodyCase{"delete of one key", txn_body({{}, {RequestOp::del("key")}, {}}),
                 R"({"compare":[],"success":[{"request_delete_range":{"key":"a2V5"}}],)"
                 R"("failure":[]})"}));

INSTANTIATE_TEST_SUITE_P(
    Others, WireBody,
    ::testing::Values(
        BodyCase{"range of one key", range_body(RangeRequest{"k", "", 0, 0, false}),
                 R"({"key":"aw=="})"},
        BodyCase{
            "range with everything", range_body(RangeRequest{"a/", "a0", 42, 10, true}),
            R"({"key":"YS8=","range_end":"YTA=","limit":"10","revision":"42","keys_only":true})"},
        BodyCase{"lease grant", lease_grant_body(30), R"({"TTL":"30"})"},
        BodyCase{"lease id", lease_id_body(4111120295290310929), R"({"ID":"4111120295290310929"})"},
        BodyCase{"authenticate", authenticate_body("root", "rootpw"),
                 R"({"name":"root","password":"rootpw"})"},
        BodyCase{"authenticate: quotes, backslash, control character",
                 authenticate_body("r\"t", "a\\b\nc\x01\xc3\xa9"),
                 "{\"name\":\"r\\\"t\",\"password\":\"a\\\\b\\nc\\u0001\xc3\xa9\"}"},
        BodyCase{"watch from now", watch_create_body("w/", "", 0, false),
                 R"({"create_request":{"key":"dy8="}})"},
        BodyCase{"watch with everything", watch_create_body("w/", "w0", 12, true),
                 R"({"create_request":{"key":"dy8=","range_end":"dzA=","start_revision":"12",)"
                 R"("progress_notify":true}})"}));

// The mapping a misspelling would break, checked exhaustively against
// rpc.proto's Compare (enum CompareTarget and oneof target_union).
TEST(WireCompare, EveryTargetHasItsProtoNameAndField) {
  struct Row {
    CompareTarget target;
    const char* name;
    const char* field;
  };
  const Row rows[] = {{CT::kVersion, "VERSION", "version"},
                      {CT::kCreateRevision, "CREATE", "create_revision"},
                      {CT::kModRevision, "MOD", "mod_revision"},
                      {CT::kValue, "VALUE", "value"},
                      {CT::kLease, "LEASE", "lease"}};
  std::set<std::string> names, fields;
  for (const auto& r : rows) {
    EXPECT_STREQ(target_name(r.target), r.name);
    EXPECT_STREQ(target_field(r.target), r.field);
    names.insert(target_name(r.target));
    fields.insert(target_field(r.target));
  }
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(fields.size(), 5u);
  EXPECT_STREQ(result_name(CR::kEqual), "EQUAL");
  EXPECT_STREQ(result_name(CR::kGreater), "GREATER");
  EXPECT_STREQ(result_name(CR::kLess), "LESS");
  EXPECT_STREQ(result_name(CR::kNotEqual), "NOT_EQUAL");
}

struct B64Case {
  std::string bytes;
  const char* text;
};

TEST(WireBase64, EncodesAndDecodesBackEveryLength) {
  const B64Case cases[] = {{"", ""},
                           {"a", "YQ=="},
                           {"ab", "YWI="},
                           {"abc", "YWJj"},
                           {"abcd", "YWJjZA=="},
                           {std::string("\0", 1), "AA=="},
                           {"\xff\xfe", "//4="},
                           {"\xfb\xff\xbf", "+/+/"}};
  for (const auto& c : cases) {
    EXPECT_EQ(base64_encode(c.bytes), c.text);
    auto back = base64_decode(c.text);
    ASSERT_TRUE(back) << c.text << ": " << back.status().message();
    EXPECT_EQ(*back, c.bytes) << c.text;
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto back = base64_decode(base64_encode(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(WireBase64, RefusesAnythingButCanonicalPaddedBase64) {
  for (const char* bad : {"A", "AA", "AAA", "AA=", "A===", "====", "=AAA", "AA=A", "YW*=", "YW J",
                          "-_8=", "AB==", "YWJ=", "YWI"}) {
    auto r = base64_decode(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.status().code(), Code::kState) << bad;
    }
  }
}

TEST(WirePrefixEnd, IsTheSmallestKeyAfterThePrefix) {
  EXPECT_EQ(prefix_end("a/"), "a0");
  EXPECT_EQ(prefix_end("ab"), "ac");
  EXPECT_EQ(prefix_end("a\xff"), "b");
  EXPECT_EQ(prefix_end("a\xff\xff"), "b");
  EXPECT_EQ(prefix_end("\xff\xff"), "");
  EXPECT_EQ(prefix_end(""), "");
}

}  // namespace
}  // namespace aio::etcd::wire
