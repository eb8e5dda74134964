// etcd_wire's parsers on answers captured from etcd 3.4.23's gateway (curl
// against a scratch etcd), and on answers that are wrong.
#include <gtest/gtest.h>

#include "core/etcd_wire.h"

namespace aio::etcd::wire {
namespace {

#define HEADER(rev)                                                                      \
  R"("header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)" \
  R"("revision":")" rev R"(","raft_term":"2"})"

TEST(WireParse, RangeWithIntsAsStringsAndMissingFields) {
  auto r = parse_range(
      "{" HEADER("4") R"(,"kvs":[{"key":"Zm9i","create_revision":"4",)"
                      R"("mod_revision":"4","version":"1","lease":"4111120295290310929"}],)"
                      R"("more":true,"count":"2"})");
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->revision, 4);
  EXPECT_TRUE(r->more);
  ASSERT_EQ(r->kvs.size(), 1u);
  EXPECT_EQ(r->kvs[0], (KeyValue{"fob", "", 4, 4, 1, 4111120295290310929}));  // no "value": ""
}

TEST(WireParse, EmptyRangeHasNoKvsAndMoreFalse) {
  auto r = parse_range("{" HEADER("2") "}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, 2);
  EXPECT_TRUE(r->kvs.empty());
  EXPECT_FALSE(r->more);
}

TEST(WireParse, TxnThatSucceededWithPutRangeDelete) {
  auto t = parse_txn("{" HEADER(
      "3") R"(,"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}},)"
           R"({"response_range":{"header":{"revision":"3"},"kvs":[{"key":"Zm9v","create_revision":"2",)"
           R"("mod_revision":"3","version":"2","value":"YmFy"}],"count":"1"}},)"
           R"({"response_delete_range":{"header":{"revision":"3"}}}]})");
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_TRUE(t->succeeded);
  EXPECT_EQ(t->revision, 3);
  ASSERT_EQ(t->ranges.size(), 1u);
  EXPECT_EQ(t->ranges[0].revision, 3);
  ASSERT_EQ(t->ranges[0].kvs.size(), 1u);
  EXPECT_EQ(t->ranges[0].kvs[0], (KeyValue{"foo", "bar", 2, 3, 2, 0}));
}

TEST(WireParse, TxnThatFailedHasNoSucceededField) {
  auto t = parse_txn(
      "{" HEADER("2") R"(,"responses":[{"response_range":{"header":)"
                      R"({"revision":"2"},"kvs":[{"key":"Zm9v","create_revision":"2",)"
                      R"("mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"}}]})");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->succeeded);
  ASSERT_EQ(t->ranges.size(), 1u);
  EXPECT_EQ(t->ranges[0].kvs[0].value, "bar");
  auto bare = parse_txn("{" HEADER("6") "}");  // compare failed, no failure ops
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->succeeded);
  EXPECT_EQ(bare->revision, 6);
}

TEST(WireParse, LeaseAnswers) {
  auto id = parse_lease_grant("{" HEADER("2") R"(,"ID":"4111120295290310922","TTL":"5"})");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 4111120295290310922);
  auto ttl = parse_lease_keepalive(
      R"({"result":{)" HEADER("4") R"(,"ID":"4111120295290310929","TTL":"30"}})");
  ASSERT_TRUE(ttl);
  EXPECT_EQ(*ttl, 30);
  auto gone = parse_lease_keepalive(R"({"result":{)" HEADER("2") R"(,"ID":"1"}})");
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, 0);
  auto left = parse_lease_time_to_live("{" HEADER("4") R"(,"ID":"4111120295290310929",)"
                                                       R"("TTL":"29","grantedTTL":"30"})");
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, 29);
  auto expired = parse_lease_time_to_live("{" HEADER("2") R"(,"ID":"1","TTL":"-1"})");
  ASSERT_TRUE(expired);
  EXPECT_EQ(*expired, -1);
}

TEST(WireParse, AuthenticateGivesTheToken) {
  auto token = parse_authenticate("{" HEADER("10") R"(,"token":"PaKxanbBJFYekwQL.27"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(*token, "PaKxanbBJFYekwQL.27");
  EXPECT_FALSE(parse_authenticate("{" HEADER("10") "}"));
}

TEST(WireParse, ErrorObjectsBecomeEtcdsMessage) {
  const char* not_found = R"({"error":"etcdserver: requested lease not found",)"
                          R"("message":"etcdserver: requested lease not found","code":5})";
  auto e = parse_error(not_found);
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.code, 5);
  EXPECT_EQ(e.message, "etcdserver: requested lease not found");
  auto r = parse_range(R"({"error":"etcdserver: mvcc: required revision is a future revision",)"
                       R"("message":"etcdserver: mvcc: required revision is a future revision",)"
                       R"("code":11})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kState);
  EXPECT_EQ(r.status().message(), "etcdserver: mvcc: required revision is a future revision");
  // Inside a stream the gateway nests it (grpc-gateway's stream error; not captured).
  auto s = parse_error(R"({"error":{"grpc_code":14,"http_code":503,"message":"transport is )"
                       R"(closing","http_status":"Service Unavailable"}})");
  EXPECT_TRUE(s.present);
  EXPECT_EQ(s.code, 14);
  EXPECT_EQ(s.message, "transport is closing");
  EXPECT_FALSE(parse_error("{" HEADER("2") "}").present);
  EXPECT_FALSE(parse_error("not json").present);
}

TEST(WireParse, WrongAnswersAreStateErrors) {
  const char* bad[] = {"",
                       "not json",
                       "[1,2]",
                       R"({"header":{"revision":"x"}})",
                       R"({"header":{"revision":"12x"}})",
                       R"({"header":{"revision":true}})",
                       R"({"header":"no"})",
                       R"({"kvs":{}})",
                       R"({"kvs":[1]})",
                       R"({"kvs":[{"key":"a"}]})",
                       R"({"kvs":[{"key":"YQ==","version":"1.5"}]})",
                       R"({"more":"true"})"};
  for (const char* body : bad) {
    auto r = parse_range(body);
    EXPECT_FALSE(r) << body;
    if (!r) {
      EXPECT_EQ(r.status().code(), Code::kState) << body;
    }
  }
  EXPECT_FALSE(parse_txn(R"({"responses":[{"response_range":[]}]})"));
  EXPECT_FALSE(parse_lease_grant("{" HEADER("2") "}"));  // no ID
}

TEST(WireParse, WatchMessages) {
  auto created = parse_watch_message(R"({"result":{)" HEADER("6") R"(,"created":true}})");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->batch.created);
  EXPECT_EQ(created->batch.revision, 6);
  EXPECT_TRUE(created->batch.events.empty());

  auto puts = parse_watch_message(R"({"result":{)" HEADER(
      "10") R"(,"events":[{"kv":{"key":"dy9i","create_revision":"10",)"
            R"("mod_revision":"10","version":"1"}},{"kv":{"key":"dy9j","create_revision":"10",)"
            R"("mod_revision":"10","version":"1","value":"eA=="}}]}})");
  ASSERT_TRUE(puts) << puts.status().message();
  EXPECT_FALSE(puts->batch.created);
  ASSERT_EQ(puts->batch.events.size(), 2u);
  EXPECT_EQ(puts->batch.events[0].type, WatchEvent::Type::kPut);  // no "type": PUT
  EXPECT_EQ(puts->batch.events[0].kv, (KeyValue{"w/b", "", 10, 10, 1, 0}));
  EXPECT_EQ(puts->batch.events[1].kv.value, "x");

  auto del = parse_watch_message(
      R"({"result":{)" HEADER("9") R"(,"events":[{"type":"DELETE","kv":{"key":"dy9h",)"
                                   R"("mod_revision":"9"}}]}})");
  ASSERT_TRUE(del);
  ASSERT_EQ(del->batch.events.size(), 1u);
  EXPECT_EQ(del->batch.events[0].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(del->batch.events[0].kv, (KeyValue{"w/a", "", 0, 9, 0, 0}));

  // Cancelled for compaction: the header has no revision.
  auto compacted = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"15118495548433857066","member_id":)"
      R"("13668033151171901709","raft_term":"2"},"canceled":true,"compact_revision":"9"}})");
  ASSERT_TRUE(compacted);
  EXPECT_TRUE(compacted->canceled);
  EXPECT_TRUE(compacted->batch.compacted);
  EXPECT_EQ(compacted->batch.compact_revision, 9);
  EXPECT_EQ(compacted->batch.revision, 0);

  auto refused = parse_watch_message(R"({"result":{)" HEADER(
      "10") R"(,"watch_id":"-1","created":true,"canceled":true,)"
            R"("cancel_reason":"rpc error: code = Unauthenticated desc = etcdserver: invalid auth )"
            R"(token"}})");
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->canceled);
  EXPECT_FALSE(refused->batch.compacted);
  EXPECT_NE(refused->cancel_reason.find("invalid auth token"), std::string::npos);

  EXPECT_FALSE(parse_watch_message(R"({"result":{"events":[{"type":"BOGUS","kv":{}}]}})"));
  EXPECT_FALSE(parse_watch_message(R"({"error":{"grpc_code":14,"message":"closing"}})"));
}

TEST(WireSplitter, CutsTheStreamAtAnyByteIntoTheSameMessages) {
  const std::string a = R"({"result":{)" HEADER("6") R"(,"created":true}})";
  const std::string b = R"({"result":{"events":[{"kv":{"key":"e30=","value":"In0ie1si"}}]}})";
  const std::string c = R"({"s":"a \"}{\\ brace"})";
  const std::string stream = a + "\n" + b + "\r\n  " + c + "\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    JsonSplitter splitter;
    std::vector<std::string> out;
    ASSERT_TRUE(splitter.feed(std::string_view(stream).substr(0, cut), out));
    ASSERT_TRUE(splitter.feed(std::string_view(stream).substr(cut), out));
    ASSERT_EQ(out.size(), 3u) << cut;
    EXPECT_EQ(out[0], a);
    EXPECT_EQ(out[1], b);
    EXPECT_EQ(out[2], c);
    EXPECT_FALSE(splitter.in_object());
  }
  JsonSplitter splitter;
  std::vector<std::string> out;
  EXPECT_FALSE(splitter.feed("{}x{}", out));
}

}  // namespace
}  // namespace aio::etcd::wire
