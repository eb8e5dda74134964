// etcd v3's JSON gateway on the wire: every request body the client sends,
// built in this one place from the typed values of etcd_client.h, and the
// parsers of every answer. Pure (no I/O); etcd_wire_test checks each body
// byte for byte and each parser on answers captured from etcd 3.4.23.
//
// Spelling: etcd 3.4's gateway emits the proto's original field names
// (snake_case: "mod_revision", "range_end", "request_put", "response_range",
// "compact_revision"; and "ID", "TTL", "grantedTTL" as rpc.proto spells
// them) and accepts those or lowerCamel. We send the original names, so a
// request reads like the answers. Unknown fields are ignored by the
// gateway, which is why no field name is ever typed twice: each one is a
// constant of etcd_wire.cc, and the compare fields come from an exhaustive
// switch over CompareTarget (target_field).
//
// Bytes are base64 (standard alphabet, padded), int64s are JSON strings
// ("42"); the parsers take strings or numbers, and a missing field is 0,
// false or "" (proto3 leaves defaults out: a kv without "value", a txn
// answer without "succeeded", a watch event without "type" is a PUT).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/etcd_client.h"
#include "core/status.h"

namespace aio::etcd::wire {

std::string base64_encode(std::string_view bytes);
// kState "bad base64 in etcd's answer" for anything but canonical padded base64.
Result<std::string> base64_decode(std::string_view text);

// Compare's enums as the gateway spells them, and the target_union field
// each target is compared with ("MOD" -> "mod_revision").
const char* target_name(CompareTarget t);
const char* target_field(CompareTarget t);
const char* result_name(CompareResult r);

// Request bodies (POST /v3/...).
std::string range_body(const RangeRequest& r);      // kv/range
std::string txn_body(const TxnRequest& t);          // kv/txn
std::string lease_grant_body(int64_t ttl_seconds);  // lease/grant
std::string lease_id_body(int64_t id);  // lease/keepalive, lease/timetolive, lease/revoke
std::string authenticate_body(const std::string& user, const std::string& password);
std::string watch_create_body(const std::string& key, const std::string& range_end,
                              int64_t start_revision, bool progress_notify);  // watch

// An error object of the gateway: {"error":"…","code":N,"message":"…"}, or
// inside a stream {"error":{"grpc_code":N,"message":"…",…}}. code is the
// gRPC code (14 unavailable, 16 unauthenticated, 5 not found, …).
struct GatewayError {
  bool present = false;
  int code = 0;
  std::string message;
};
GatewayError parse_error(std::string_view body);

// Answers. An error object, a body that is not JSON or a field of the
// wrong type is kState with etcd's message (or what is wrong).
Result<RangeResult> parse_range(std::string_view body);
Result<TxnResult> parse_txn(std::string_view body);
Result<int64_t> parse_lease_grant(std::string_view body);         // the lease's ID
Result<int64_t> parse_lease_keepalive(std::string_view body);     // TTL, 0 = gone
Result<int64_t> parse_lease_time_to_live(std::string_view body);  // TTL, -1 = gone
Result<std::string> parse_authenticate(std::string_view body);    // the token

// One message of a watch stream ({"result":{…}}).
struct WatchMessage {
  WatchBatch batch;           // compacted set when cancelled for compaction
  bool canceled = false;      // no more answers will come for this watch
  std::string cancel_reason;  // etcd's, when it gave one
};
Result<WatchMessage> parse_watch_message(std::string_view body);

// Cuts a stream of concatenated JSON objects (whitespace between them, as
// the gateway sends one per message) into whole objects; bytes may arrive
// cut anywhere. A byte outside any object that is not whitespace is an
// error (the stream is not the gateway's).
class JsonSplitter {
 public:
  // Appends each object completed by `data` to `out`.
  Status feed(std::string_view data, std::vector<std::string>& out);
  bool in_object() const { return depth_ > 0; }

 private:
  std::string partial_;
  int depth_ = 0;
  bool in_string_ = false, escaped_ = false;
};

}  // namespace aio::etcd::wire
