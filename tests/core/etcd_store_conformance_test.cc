// The etcd store passes the Store contract (store_conformance.h) against a
// real etcd started on loopback for this test binary (etcd_server.h): each
// test gets a fresh key prefix, so tests never see each other's keys.
#include <string>

#include "core/etcd_store.h"
#include "tests/core/etcd_server.h"
#include "tests/core/store_conformance.h"

namespace aio::test {
namespace {

EtcdServer* server() {
  std::string why;
  return EtcdServer::shared(&why);
}

std::unique_ptr<etcd::Client> client() {
  auto c = etcd::Client::open(client_options({server()->endpoint()}));
  return c ? std::move(c).value() : nullptr;
}

StoreKit etcd_store_kit() {
  StoreKit k;
  k.name = "Etcd";
  k.unavailable = [] {
    std::string why;
    return EtcdServer::shared(&why) ? std::string() : why;
  };
  k.make_location = [] {
    std::string p = unique_prefix();
    while (!p.empty() && p.back() == '/') p.pop_back();
    return p;
  };
  k.remove_location = [](const std::string& loc) {
    if (auto c = client()) {
      etcd::TxnRequest t;
      t.success.push_back(etcd::RequestOp::del(loc + "/", etcd::prefix_end(loc + "/")));
      (void)c->txn(t);
    }
  };
  k.open = [](const std::string& loc) -> Result<std::unique_ptr<Store>> {
    auto c = client();
    if (!c) return Status::state("cannot open an etcd client");
    EtcdStoreOptions o;
    o.prefix = loc;
    o.describe = "etcd://" + server()->endpoint().substr(7) + "/" + loc;
    o.setup.machine_id = "conformance";
    o.setup.lease_seconds = 600;  // no keeper here: leases must outlast the test
    return open_etcd_store(std::move(c), o);
  };
  k.corrupt = [](const std::string& loc) {
    etcd::TxnRequest t;  // a hand edit gone wrong: a claim that is no JSON
    t.success.push_back(etcd::RequestOp::put(loc + "/c/c1", "{\"id\":\"c1\",\"instanceId\":"));
    ASSERT_TRUE(client()->txn(t));
  };
  k.raw = [](const std::string& loc) {
    etcd::RangeRequest r;
    r.key = loc + "/";
    r.range_end = etcd::prefix_end(r.key);
    auto got = client()->range(r);
    std::string out;
    if (!got) return "error: " + got.status().message();
    for (const auto& kv : got->kvs) out += kv.key + "\n" + kv.value + "\n";
    return out;
  };
  return k;
}

INSTANTIATE_TEST_SUITE_P(EtcdStore, StoreConformance, ::testing::Values(etcd_store_kit()),
                         StoreKitName);

}  // namespace
}  // namespace aio::test
