// The etcd client's transport (etcd_client.h): POSTs to etcd's JSON gateway
// over libcurl, with endpoint failover, timeouts, TLS files and TCP
// keepalive. Knows HTTP and endpoints, nothing of etcd's messages.
//
// Failover: a request tries the endpoints in turn, starting with the last
// one that answered. An idempotent request (a read, a lease renewal) moves
// on after any failure; one that writes (txn, lease grant) only when
// nothing was sent (the connection was never made), so a write is never
// applied twice. An answer with HTTP status >= 500 counts as a failure of
// that endpoint (etcd without a leader says 503).
//
// All endpoints failed: kState "etcd at H:P[,H:P] unreachable: <cause>",
// naming the endpoints tried, in order, and the cause (one cause when all
// say the same, else "H:P: cause; H:P: cause").
//
// Thread-safe: each request takes a curl handle from a small pool (kept
// connections are reused).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/etcd_client.h"
#include "core/status.h"

namespace aio::etcd::http {

struct Endpoint {
  std::string url;       // "http://127.0.0.1:2379", no trailing '/'
  std::string hostport;  // "127.0.0.1:2379"
};

// kInvalid "bad etcd endpoint 'x': want http://HOST:PORT or https://HOST:PORT".
Result<std::vector<Endpoint>> parse_endpoints(const std::vector<std::string>& urls);

struct Reply {
  long status = 0;  // HTTP status (< 500)
  std::string body;
};

class Transport {
 public:
  // endpoints: from parse_endpoints(opts.endpoints).
  Transport(ClientOptions opts, std::vector<Endpoint> endpoints);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // POSTs `body` (JSON) to `path` ("/v3/kv/range"), with `token` as the
  // Authorization header when not empty. Any answer below 500 is a Reply.
  Result<Reply> post(const std::string& path, const std::string& body, const std::string& token,
                     bool idempotent) const;

  // A streaming POST: on_bytes gets the body of a 200 answer as it comes,
  // until it returns false (ok), *stop becomes true (ok; checked every
  // 100 ms), or the stream ends or fails (kState ".. unreachable: .."). An
  // answer other than 200 is returned as a Reply without calling on_bytes.
  // Fails over only until the first byte of an answer.
  Result<Reply> stream(const std::string& path, const std::string& body, const std::string& token,
                       const std::function<bool(std::string_view)>& on_bytes,
                       const std::atomic<bool>* stop) const;

  std::string where() const;

 private:
  struct Attempt;
  void* take_handle() const;
  void give_back(void* handle) const;
  void setup(void* handle, const Endpoint& ep, const std::string& path, const std::string& body,
             void* headers, Attempt& a) const;
  Attempt perform(const Endpoint& ep, const std::string& path, const std::string& body,
                  const std::string& token) const;
  Attempt perform_stream(const Endpoint& ep, const std::string& path, const std::string& body,
                         const std::string& token,
                         const std::function<bool(std::string_view)>& on_bytes,
                         const std::atomic<bool>* stop) const;

  ClientOptions opts_;
  std::vector<Endpoint> endpoints_;
  mutable std::atomic<size_t> preferred_{0};  // the last endpoint that answered
  mutable std::mutex pool_mu_;
  mutable std::vector<void*> pool_;
};

}  // namespace aio::etcd::http
