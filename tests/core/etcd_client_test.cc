// The etcd client against a real etcd (tests/core/etcd_server.h): reads and
// writes through txn, compares that really guard, leases, failover,
// unreachable endpoints and a restart. The watch and authentication are in
// etcd_client_watch_test.cc.
#include "core/etcd_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/core/etcd_server.h"

namespace aio::etcd {
namespace {

// A loopback port nobody listens on.
int dead_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class EtcdClient : public test::EtcdTest {
 protected:
  std::string key(const std::string& k) const { return prefix_ + k; }

  int64_t put(const std::string& k, const std::string& v, int64_t lease = 0) {
    auto t = client_->txn({{}, {RequestOp::put(key(k), v, lease)}, {}});
    EXPECT_TRUE(t) << t.status().message();
    return t ? t->revision : 0;
  }

  std::optional<KeyValue> get(const std::string& k) {
    auto r = client_->range(test::range_of(key(k)));
    EXPECT_TRUE(r) << r.status().message();
    if (!r || r->kvs.empty()) return std::nullopt;
    return r->kvs[0];
  }
};

TEST_F(EtcdClient, PutRangeAndDeleteThroughTxn) {
  int64_t rev = put("a", std::string("bin\0\xff", 5));
  auto kv = get("a");
  ASSERT_TRUE(kv);
  EXPECT_EQ(*kv, (KeyValue{key("a"), std::string("bin\0\xff", 5), rev, rev, 1, 0}));
  auto del = client_->txn({{}, {RequestOp::del(key("a"))}, {}});
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->succeeded);
  EXPECT_GT(del->revision, rev);
  EXPECT_FALSE(get("a"));
}

TEST_F(EtcdClient, FailedModRevisionCompareDoesNotWrite) {
  int64_t rev = put("a", "old");
  Compare stale{CompareResult::kEqual, CompareTarget::kModRevision, key("a"), "", rev + 100, ""};
  auto t = client_->txn({{stale}, {RequestOp::put(key("a"), "new")}, {RequestOp::get(key("a"))}});
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_FALSE(t->succeeded);
  ASSERT_EQ(t->ranges.size(), 1u);
  ASSERT_EQ(t->ranges[0].kvs.size(), 1u);
  EXPECT_EQ(t->ranges[0].kvs[0].value, "old");
  EXPECT_EQ(get("a")->value, "old");
}

// Each target against the real server: the true compare passes, the
// false one fails. A field etcd did not read would be compared as 0/"",
// so the true compares (never 0) would fail.
TEST_F(EtcdClient, EveryCompareTargetIsReadByEtcd) {
  auto lease = client_->lease_grant(60);
  ASSERT_TRUE(lease);
  put("a", "one", *lease);
  int64_t rev = put("a", "two", *lease);
  auto kv = get("a");
  ASSERT_TRUE(kv);
  ASSERT_EQ(kv->version, 2);
  struct Row {
    CompareTarget target;
    int64_t number;
    std::string value;
    int64_t wrong;
  };
  const Row rows[] = {{CompareTarget::kVersion, 2, "", 3},
                      {CompareTarget::kCreateRevision, kv->create_revision, "", rev},
                      {CompareTarget::kModRevision, rev, "", rev - 1},
                      {CompareTarget::kValue, 0, "two", 0},
                      {CompareTarget::kLease, *lease, "", *lease + 1}};
  for (const auto& r : rows) {
    Compare right{CompareResult::kEqual, r.target, key("a"), "", r.number, r.value};
    Compare wrong = right;
    wrong.number = r.wrong;
    if (r.target == CompareTarget::kValue) wrong.value = "one";
    auto yes = client_->txn({{right}, {}, {}});
    auto no = client_->txn({{wrong}, {}, {}});
    ASSERT_TRUE(yes && no);
    EXPECT_TRUE(yes->succeeded) << static_cast<int>(r.target);
    EXPECT_FALSE(no->succeeded) << static_cast<int>(r.target);
    Compare greater = wrong;
    greater.result = CompareResult::kNotEqual;
    auto ne = client_->txn({{greater}, {}, {}});
    ASSERT_TRUE(ne);
    EXPECT_TRUE(ne->succeeded) << static_cast<int>(r.target);
  }
  EXPECT_TRUE(client_->lease_revoke(*lease));
}

// Two writers race on the same mod_revision: exactly one wins each round.
TEST_F(EtcdClient, ModRevisionCompareGuardsRacingTxns) {
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    int64_t rev = put("race", "start");
    Compare guard{CompareResult::kEqual, CompareTarget::kModRevision, key("race"), "", rev, ""};
    bool won[2] = {false, false};
    auto writer = [&](int i) {
      auto t = client_->txn({{guard}, {RequestOp::put(key("race"), "w" + std::to_string(i))}, {}});
      won[i] = t && t->succeeded;
    };
    std::thread a(writer, 0), b(writer, 1);
    a.join();
    b.join();
    ASSERT_NE(won[0], won[1]) << "round " << round;
    EXPECT_EQ(get("race")->value, won[0] ? "w0" : "w1");
  }
}

TEST_F(EtcdClient, RangeOverAPrefix) {
  put("d/1", "x");
  put("d/2", "y");
  int64_t rev = put("d/3", "z");
  put("e", "outside");
  put("d/3", "z2");
  auto all = client_->range(test::range_of(key("d/"), prefix_end(key("d/"))));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->kvs.size(), 3u);
  EXPECT_EQ(all->kvs[0].key, key("d/1"));
  EXPECT_EQ(all->kvs[2].value, "z2");
  EXPECT_FALSE(all->more);
  auto two = client_->range(test::range_of(key("d/"), prefix_end(key("d/")), 0, 2));
  ASSERT_TRUE(two);
  EXPECT_EQ(two->kvs.size(), 2u);
  EXPECT_TRUE(two->more);
  auto keys = client_->range(test::range_of(key("d/"), prefix_end(key("d/")), 0, 0, true));
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->kvs.size(), 3u);
  EXPECT_EQ(keys->kvs[0].value, "");
  auto then = client_->range(test::range_of(key("d/3"), "", rev));
  ASSERT_TRUE(then);
  ASSERT_EQ(then->kvs.size(), 1u);
  EXPECT_EQ(then->kvs[0].value, "z");
}

TEST_F(EtcdClient, Leases) {
  auto id = client_->lease_grant(30);
  ASSERT_TRUE(id) << id.status().message();
  auto ttl = client_->lease_keepalive(*id);
  ASSERT_TRUE(ttl) << ttl.status().message();
  EXPECT_EQ(*ttl, 30);
  auto left = client_->lease_time_to_live(*id);
  ASSERT_TRUE(left);
  EXPECT_GT(*left, 0);
  EXPECT_LE(*left, 30);
  put("leased", "v", *id);
  EXPECT_EQ(get("leased")->lease, *id);
  ASSERT_TRUE(client_->lease_revoke(*id));
  EXPECT_FALSE(get("leased"));  // revoking deleted the attached key
  auto gone = client_->lease_time_to_live(*id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, -1);
  auto renewed = client_->lease_keepalive(*id);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(*renewed, 0);
  EXPECT_TRUE(client_->lease_revoke(*id));  // ok when already gone
  auto put_on_gone = client_->txn({{}, {RequestOp::put(key("x"), "v", *id)}, {}});
  ASSERT_FALSE(put_on_gone);
  EXPECT_EQ(put_on_gone.status().code(), Code::kState);
  EXPECT_NE(put_on_gone.status().message().find("lease not found"), std::string::npos);
}

TEST_F(EtcdClient, AnExpiredLeasesKeyDisappears) {
  auto id = client_->lease_grant(1);  // etcd raises it to its minimum (2 s here)
  ASSERT_TRUE(id);
  put("short", "v", *id);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (get("short") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_FALSE(get("short"));
  EXPECT_EQ(*client_->lease_time_to_live(*id), -1);
}

TEST(EtcdClientOpen, RefusesBadOptions) {
  const std::vector<std::vector<std::string>> bad = {{},
                                                     {"127.0.0.1:2379"},
                                                     {"http://host"},
                                                     {"ftp://h:1"},
                                                     {"http://h:1/path"},
                                                     {"http://h:x"},
                                                     {"http://u@h:1"}};
  for (const auto& eps : bad) {
    auto c = Client::open(test::client_options(eps));
    ASSERT_FALSE(c) << (eps.empty() ? "(none)" : eps[0]);
    EXPECT_EQ(c.status().code(), Code::kInvalid);
  }
  auto c = Client::open(test::client_options({"http://127.0.0.1:1/", "https://[::1]:2379"}));
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->where(), "127.0.0.1:1,[::1]:2379");
}

TEST(EtcdClientUnreachable, SaysWhichEndpointsAndWhy) {
  std::string a = "127.0.0.1:" + std::to_string(dead_port());
  std::string b = a;
  while (b == a) b = "127.0.0.1:" + std::to_string(dead_port());
  auto one = Client::open(test::client_options({"http://" + a}));
  ASSERT_TRUE(one);
  auto r = (*one)->range(test::range_of("k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kState);
  EXPECT_EQ(r.status().message(), "etcd at " + a + " unreachable: Connection refused");
  auto two = Client::open(test::client_options({"http://" + a, "http://" + b}));
  ASSERT_TRUE(two);
  auto t = (*two)->txn({{}, {RequestOp::put("k", "v")}, {}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().message(), "etcd at " + a + "," + b + " unreachable: Connection refused");
  std::atomic<bool> stop{false};
  Status w = (*two)->watch(
      "k", "", 0, [](const WatchBatch&) { return true; }, &stop);
  EXPECT_EQ(w.message(), "etcd at " + a + "," + b + " unreachable: Connection refused");
}

TEST_F(EtcdClient, FailsOverFromADeadFirstEndpoint) {
  std::string dead = "http://127.0.0.1:" + std::to_string(dead_port());
  auto c = Client::open(test::client_options({dead, server_->endpoint()}));
  ASSERT_TRUE(c);
  auto t = (*c)->txn({{}, {RequestOp::put(key("f"), "v")}, {}});  // nothing sent to the dead one
  ASSERT_TRUE(t) << t.status().message();
  auto r = (*c)->range(test::range_of(key("f")));
  ASSERT_TRUE(r) << r.status().message();
  ASSERT_EQ(r->kvs.size(), 1u);
  auto lease = (*c)->lease_grant(10);
  ASSERT_TRUE(lease) << lease.status().message();
}

TEST_F(EtcdClient, RestartedEtcdFailsCleanlyThenAnswersAgain) {
  put("kept", "v");  // acknowledged: survives a SIGKILL
  ASSERT_TRUE(server_->kill());
  auto r = client_->range(test::range_of(key("kept")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), Code::kState);
  EXPECT_NE(r.status().message().find("unreachable"), std::string::npos) << r.status().message();
  auto t = client_->txn({{}, {RequestOp::put(key("lost"), "v")}, {}});
  ASSERT_FALSE(t);
  EXPECT_NE(t.status().message().find("unreachable"), std::string::npos);
  ASSERT_TRUE(server_->restart());
  auto kept = get("kept");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->value, "v");
  EXPECT_FALSE(get("lost"));
  put("after", "w");
  EXPECT_EQ(get("after")->value, "w");
  ASSERT_TRUE(server_->stop());  // SIGTERM this time
  EXPECT_FALSE(client_->lease_grant(10));
  ASSERT_TRUE(server_->restart());
  EXPECT_TRUE(client_->lease_grant(10));
}

}  // namespace
}  // namespace aio::etcd
