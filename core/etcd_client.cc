// Client::open and the client over the gateway (etcd_client.h): the calls,
// authentication and the watch stream; HTTP is etcd_http.h's, bodies and
// answers etcd_wire.h's.
#include "core/etcd_client.h"

#include <curl/curl.h>

#include <mutex>

#include "core/etcd_http.h"
#include "core/etcd_wire.h"

namespace aio::etcd {
namespace {

constexpr bool kIdempotent = true;
constexpr int kGrpcNotFound = 5, kGrpcUnauthenticated = 16;

bool invalid_token(const wire::GatewayError& e) {
  return e.present && (e.code == kGrpcUnauthenticated ||
                       e.message.find("invalid auth token") != std::string::npos);
}

class GatewayClient final : public Client {
 public:
  GatewayClient(ClientOptions opts, std::vector<http::Endpoint> endpoints)
      : user_(opts.user), password_(opts.password), http_(std::move(opts), std::move(endpoints)) {}

  Result<RangeResult> range(const RangeRequest& r) override {
    auto body = call("/v3/kv/range", wire::range_body(r), kIdempotent);
    if (!body) return body.status();
    return wire::parse_range(*body);
  }

  Result<TxnResult> txn(const TxnRequest& t) override {
    auto body = call("/v3/kv/txn", wire::txn_body(t), !kIdempotent);
    if (!body) return body.status();
    return wire::parse_txn(*body);
  }

  Result<int64_t> lease_grant(int64_t ttl_seconds) override {
    auto body = call("/v3/lease/grant", wire::lease_grant_body(ttl_seconds), !kIdempotent);
    if (!body) return body.status();
    return wire::parse_lease_grant(*body);
  }

  Result<int64_t> lease_keepalive(int64_t id) override {
    auto body = call("/v3/lease/keepalive", wire::lease_id_body(id), kIdempotent);
    if (!body) return body.status();
    return wire::parse_lease_keepalive(*body);
  }

  Result<int64_t> lease_time_to_live(int64_t id) override {
    auto body = call("/v3/lease/timetolive", wire::lease_id_body(id), kIdempotent);
    if (!body) return body.status();
    return wire::parse_lease_time_to_live(*body);
  }

  Status lease_revoke(int64_t id) override {
    wire::GatewayError e;
    auto body = call("/v3/lease/revoke", wire::lease_id_body(id), kIdempotent, &e);
    if (!body && e.present && e.code == kGrpcNotFound) return Status::ok();  // gone already
    return body.status();
  }

  Status watch(const std::string& key, const std::string& range_end, int64_t start_revision,
               const std::function<bool(const WatchBatch&)>& on_batch,
               const std::atomic<bool>* stop) override;

  std::string where() const override { return http_.where(); }

 private:
  // POSTs body to path: the answer's body when etcd says 200, else kState
  // with etcd's message (*error: the error object, when there was one).
  // Authenticates first when a user is set, once more when the token
  // expired.
  Result<std::string> call(const char* path, const std::string& body, bool idempotent,
                           wire::GatewayError* error = nullptr);
  // One watch stream; *expired when etcd refused the token.
  Status watch_once(const std::string& body, const std::string& token,
                    const std::function<bool(const WatchBatch&)>& on_batch,
                    const std::atomic<bool>* stop, bool* expired);
  Result<std::string> token();
  void drop_token(const std::string& stale);

  std::string user_, password_;
  http::Transport http_;
  std::mutex token_mu_;  // held while authenticating: one request for a new token
  std::string token_;
};

Result<std::string> GatewayClient::token() {
  if (user_.empty()) return std::string();
  std::lock_guard lock(token_mu_);
  if (!token_.empty()) return token_;
  auto reply = http_.post("/v3/auth/authenticate", wire::authenticate_body(user_, password_), "",
                          kIdempotent);
  if (!reply) return reply.status();
  auto token = reply->status == 200
                   ? wire::parse_authenticate(reply->body)
                   : Result<std::string>(Status::state(wire::parse_error(reply->body).message));
  if (!token) {
    return Status::state("etcd at " + where() + " refused user '" + user_ +
                         "': " + token.status().message());
  }
  token_ = *token;
  return token_;
}

void GatewayClient::drop_token(const std::string& stale) {
  std::lock_guard lock(token_mu_);
  if (token_ == stale) token_.clear();
}

Result<std::string> GatewayClient::call(const char* path, const std::string& body, bool idempotent,
                                        wire::GatewayError* error) {
  for (int attempt = 0;; ++attempt) {
    auto token = this->token();
    if (!token) return token.status();
    auto reply = http_.post(path, body, *token, idempotent);
    if (!reply) return reply.status();
    if (reply->status == 200) return std::move(reply->body);
    wire::GatewayError e = wire::parse_error(reply->body);
    if (invalid_token(e) && !user_.empty() && attempt == 0) {
      drop_token(*token);
      continue;
    }
    if (error != nullptr) *error = e;
    if (e.present) return Status::state(e.message);
    return Status::state("etcd at " + where() + " answered HTTP " + std::to_string(reply->status) +
                         " to " + path);
  }
}

Status GatewayClient::watch_once(const std::string& body, const std::string& token,
                                 const std::function<bool(const WatchBatch&)>& on_batch,
                                 const std::atomic<bool>* stop, bool* expired) {
  wire::JsonSplitter splitter;
  std::vector<std::string> messages;
  Status outcome;  // why the stream was left (ok: on_batch said no more, or compacted)
  auto on_bytes = [&](std::string_view data) {
    messages.clear();
    outcome = splitter.feed(data, messages);
    for (const auto& text : messages) {
      if (!outcome) break;
      auto m = wire::parse_watch_message(text);
      if (!m) {
        outcome = m.status();
      } else if (m->canceled && !m->batch.compacted) {
        *expired = m->cancel_reason.find("invalid auth token") != std::string::npos;
        outcome = Status::state("etcd cancelled the watch: " + m->cancel_reason);
      } else if (!on_batch(m->batch) || m->canceled) {
        return false;  // done (a compacted watch ends after its one answer)
      }
    }
    return outcome.is_ok();
  };
  auto reply = http_.stream("/v3/watch", body, token, on_bytes, stop);
  if (!outcome) return outcome;
  if (!reply) return reply.status();
  if (reply->status == 200) return Status::ok();  // stopped
  wire::GatewayError e = wire::parse_error(reply->body);
  *expired = invalid_token(e);
  return Status::state(e.present
                           ? e.message
                           : "etcd answered HTTP " + std::to_string(reply->status) + " to a watch");
}

Status GatewayClient::watch(const std::string& key, const std::string& range_end,
                            int64_t start_revision,
                            const std::function<bool(const WatchBatch&)>& on_batch,
                            const std::atomic<bool>* stop) {
  std::string body = wire::watch_create_body(key, range_end, start_revision, false);
  for (int attempt = 0;; ++attempt) {
    auto token = this->token();
    if (!token) return token.status();
    bool expired = false;
    Status s = watch_once(body, *token, on_batch, stop, &expired);
    if (s || !expired || user_.empty() || attempt > 0) return s;
    drop_token(*token);
  }
}

}  // namespace

Result<std::unique_ptr<Client>> Client::open(ClientOptions opts) {
  auto endpoints = http::parse_endpoints(opts.endpoints);
  if (!endpoints) return endpoints.status();
  if (opts.connect_timeout_ms <= 0 || opts.request_timeout_ms <= 0) {
    return Status::invalid("etcd timeouts must be positive");
  }
  static std::once_flag curl_ready;
  static CURLcode curl_init = CURLE_OK;
  std::call_once(curl_ready, [] { curl_init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (curl_init != CURLE_OK) {
    return Status::state(std::string("cannot start libcurl: ") + curl_easy_strerror(curl_init));
  }
  return std::unique_ptr<Client>(new GatewayClient(std::move(opts), std::move(*endpoints)));
}

}  // namespace aio::etcd
