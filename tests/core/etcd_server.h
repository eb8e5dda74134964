// A real etcd for tests: `etcd` started on loopback with free client and
// peer ports and a temporary data directory (--log-level error), ready once
// a range answers; it can be stopped (SIGTERM), killed (SIGKILL) and
// restarted on the same ports and data. Dies with the test process
// (PR_SET_PDEATHSIG) and takes its data directory with it.
//
// shared() is the one server of a test binary, started on first use and
// kept to the end (a test that stops it restarts it). A test that needs a
// server of its own settings (authentication) starts one.
//
//   AIO_NEED_ETCD(server);  // EtcdServer* server, or the test is skipped:
//                           // etcd not installed, or it would not start;
//                           // under CI=true that fails instead (CI runs them).
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/etcd_client.h"
#include "core/status.h"

namespace aio::test {

class EtcdServer {
 public:
  // extra: more flags for etcd ("--auth-token=simple", …). tls: https with
  // a certificate for 127.0.0.1 and client certificates required (the
  // files: tls_files()).
  static Result<std::unique_ptr<EtcdServer>> start(std::vector<std::string> extra = {},
                                                   bool tls = false);
  // The shared server; nullptr with *why when there is none.
  static EtcdServer* shared(std::string* why);
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:PORT" ("https://…" with tls)
  // The CA, and a client certificate and key it signed, for ClientOptions.
  etcd::ClientOptions tls_files() const;
  int client_port() const { return client_port_; }
  bool running() const { return pid_ > 0; }
  Status stop();     // SIGTERM, and wait for it
  Status kill();     // SIGKILL, and wait for it
  Status restart();  // the same ports and data directory; ready when it returns
  // etcdctl against this server (ETCDCTL_API=3): its stdout, or kState
  // with its stderr.
  Result<std::string> etcdctl(const std::vector<std::string>& args) const;

 private:
  EtcdServer() = default;
  Status spawn();
  Status wait_ready();
  Status signal_and_wait(int sig);
  Status make_certificates();

  std::string dir_;  // holds data/ and etcd.log
  std::vector<std::string> extra_;
  bool tls_ = false;
  int client_port_ = 0, peer_port_ = 0;
  pid_t pid_ = -1;
};

// "aio-test/<suite>.<test>/<pid>-<n>/": a key prefix no other test uses.
std::string unique_prefix();

// CI=true: etcd tests fail instead of skipping when there is no etcd.
bool etcd_required_by_ci();

// Options and requests without designated initializers (-Wextra warns on
// the members they leave out).
etcd::ClientOptions client_options(std::vector<std::string> endpoints, std::string user = "",
                                   std::string password = "");
etcd::RangeRequest range_of(std::string key, std::string range_end = "", int64_t revision = 0,
                            int64_t limit = 0, bool keys_only = false);

}  // namespace aio::test

#define AIO_NEED_ETCD(server)                                       \
  std::string aio_etcd_why_;                                        \
  auto* server = ::aio::test::EtcdServer::shared(&aio_etcd_why_);   \
  if (server == nullptr) {                                          \
    if (::aio::test::etcd_required_by_ci()) {                       \
      FAIL() << aio_etcd_why_ << " (CI=true: etcd tests must run)"; \
    }                                                               \
    GTEST_SKIP() << aio_etcd_why_;                                  \
  }

namespace aio::test {

// A test against the shared server (skipped without one, failed under
// CI=true): a client of its own and a key prefix no other test uses.
class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AIO_NEED_ETCD(server);
    server_ = server;
    auto c = etcd::Client::open(client_options({server->endpoint()}));
    ASSERT_TRUE(c) << c.status().message();
    client_ = std::move(*c);
    prefix_ = unique_prefix();
  }

  EtcdServer* server_ = nullptr;
  std::unique_ptr<etcd::Client> client_;
  std::string prefix_;
};

}  // namespace aio::test
