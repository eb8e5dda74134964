// A small etcd v3 client over the JSON gateway (HTTP/1.1 + libcurl): the
// calls the etcd store (etcd_store.h) needs and nothing else.
//
// Request bodies are built in one place (etcd_wire.h) from typed values:
// the gateway ignores unknown JSON fields silently, so a misspelled compare
// field would turn a conditional write into an unconditional one; the enums
// below make such a body impossible to build, and etcd_wire_test checks each
// body byte for byte. Keys and values are raw bytes here; base64 is the
// wire's business.
//
// Errors: every failure is a Status. etcd unreachable (connect, timeout, a
// 5xx, a cluster without a leader) is kState naming the endpoints tried and
// the cause ("etcd at 127.0.0.1:2379 unreachable: Connection refused"), so a
// command exits 3; an answer etcd gives (a lease not found, a compacted
// revision, permission denied) is kState with etcd's own message. Each call
// tries the endpoints in turn, starting with the last one that answered; a
// write (txn, lease_grant) moves on only when nothing reached the endpoint,
// so it is never applied twice (etcd_http.h).
//
// Thread safety: one Client may be used by several threads at once (each
// call uses its own curl handle); watch() blocks its thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio::etcd {

struct ClientOptions {
  // "http://host:port" or "https://host:port", tried in this order.
  std::vector<std::string> endpoints;
  // TLS (https endpoints): CA bundle, client certificate and key (PEM paths).
  std::string cacert, cert, key;
  // Authentication: when user is set, a token is fetched from
  // /v3/auth/authenticate and sent as the Authorization header (fetched
  // again when etcd says it expired).
  std::string user, password;
  int connect_timeout_ms = 2000;
  int request_timeout_ms = 5000;
};

struct KeyValue {
  std::string key, value;
  int64_t create_revision = 0, mod_revision = 0, version = 0;
  int64_t lease = 0;
  bool operator==(const KeyValue&) const = default;
};

struct RangeRequest {
  std::string key;
  std::string range_end;  // "" = just key; prefix_end(p) = every key under p
  int64_t revision = 0;   // 0 = latest
  int64_t limit = 0;      // 0 = no limit
  bool keys_only = false;
};

struct RangeResult {
  int64_t revision = 0;  // the store's revision the answer was read at
  std::vector<KeyValue> kvs;
  bool more = false;
};

enum class CompareTarget { kVersion, kCreateRevision, kModRevision, kValue, kLease };
enum class CompareResult { kEqual, kGreater, kLess, kNotEqual };

struct Compare {
  CompareResult result = CompareResult::kEqual;
  CompareTarget target = CompareTarget::kModRevision;
  std::string key;
  std::string range_end;  // "" = just key (etcd >= 3.3 compares every key in a range)
  int64_t number = 0;     // version / create / mod revision / lease
  std::string value;      // kValue
};

struct RequestOp {
  enum class Kind { kPut, kDelete, kRange };
  Kind kind = Kind::kPut;
  std::string key, value;
  std::string range_end;  // kDelete / kRange
  int64_t lease = 0;      // kPut: 0 = no lease
  static RequestOp put(std::string k, std::string v, int64_t lease = 0);
  static RequestOp del(std::string k, std::string range_end = "");
  static RequestOp get(std::string k, std::string range_end = "");
};

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success, failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;
  // The answers of kRange ops, in order (empty for puts and deletes).
  std::vector<RangeResult> ranges;
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key and mod_revision only
};

// What watch() reports: events in revision order, or that the watch was
// cancelled because start_revision has been compacted (the caller reads
// everything again, then watches from the revision it read at + 1).
struct WatchBatch {
  int64_t revision = 0;  // header revision of this answer
  std::vector<WatchEvent> events;
  bool compacted = false;
  int64_t compact_revision = 0;
  bool created = false;  // the first answer: the watch is in place
};

// The smallest key greater than every key starting with `prefix` (etcd's
// range_end for a prefix): "a/" -> "a0"; "" for a prefix of 0xff bytes only.
std::string prefix_end(const std::string& prefix);

class Client {
 public:
  virtual ~Client() = default;
  static Result<std::unique_ptr<Client>> open(ClientOptions opts);

  virtual Result<RangeResult> range(const RangeRequest& r) = 0;
  virtual Result<TxnResult> txn(const TxnRequest& t) = 0;
  // A lease of `ttl_seconds`; its id.
  virtual Result<int64_t> lease_grant(int64_t ttl_seconds) = 0;
  // Renews a lease; the TTL it now has, 0 when the lease no longer exists.
  virtual Result<int64_t> lease_keepalive(int64_t id) = 0;
  // Seconds a lease has left, -1 when it no longer exists.
  virtual Result<int64_t> lease_time_to_live(int64_t id) = 0;
  // Revokes a lease (deleting every key attached to it); ok when it was gone.
  virtual Status lease_revoke(int64_t id) = 0;
  // Watches [key, range_end) from start_revision (0: now), calling on_batch
  // for each answer until it returns false, *stop becomes true (checked at
  // least every 200 ms), or the connection fails (the error is returned;
  // the caller reconnects). Returns ok when stopped.
  virtual Status watch(const std::string& key, const std::string& range_end, int64_t start_revision,
                       const std::function<bool(const WatchBatch&)>& on_batch,
                       const std::atomic<bool>* stop) = 0;
  // "127.0.0.1:2379,127.0.0.1:22379", for messages.
  virtual std::string where() const = 0;
};

}  // namespace aio::etcd
