// The parsers of etcd's answers and the stream splitter (etcd_wire.h).
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/etcd_wire.h"

namespace aio::etcd::wire {
namespace {

using json = nlohmann::json;

Status bad(const std::string& what) {
  return Status::state("etcd's answer " + what);
}

// An int64 field: a JSON string ("42", as the gateway sends int64s) or a
// number; missing or null is 0.
Status get_int(const json& o, const char* name, int64_t& out) {
  out = 0;
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return Status::ok();
  if (it->is_number_integer()) {
    out = it->get<int64_t>();
    return Status::ok();
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return Status::ok();
  }
  return bad(std::string("has a bad \"") + name + "\": " + it->dump());
}

Status get_bool(const json& o, const char* name, bool& out) {
  out = false;
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return Status::ok();
  if (!it->is_boolean()) return bad(std::string("has a bad \"") + name + "\": " + it->dump());
  out = it->get<bool>();
  return Status::ok();
}

Status get_string(const json& o, const char* name, std::string& out) {
  out.clear();
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return bad(std::string("has a bad \"") + name + "\": " + it->dump());
  out = it->get<std::string>();
  return Status::ok();
}

Status get_bytes(const json& o, const char* name, std::string& out) {
  std::string text;
  AIO_RETURN_IF_ERROR(get_string(o, name, text));
  auto decoded = base64_decode(text);
  if (!decoded) return decoded.status();
  out = std::move(*decoded);
  return Status::ok();
}

// The member `name` when it is an object; an empty object when missing.
Result<json> get_object(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return json::object();
  if (!it->is_object()) return bad(std::string("has a bad \"") + name + "\": " + it->dump());
  return *it;
}

Result<json> get_array(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return json::array();
  if (!it->is_array()) return bad(std::string("has a bad \"") + name + "\": " + it->dump());
  return *it;
}

GatewayError error_of(const json& o) {
  GatewayError e;
  auto it = o.find("error");
  if (it == o.end()) return e;
  if (it->is_object()) {  // inside a stream: {"error":{"grpc_code":N,"message":…}}
    e.present = true;
    int64_t code = 0;
    (void)get_int(*it, "grpc_code", code);
    e.code = static_cast<int>(code);
    (void)get_string(*it, "message", e.message);
  } else if (it->is_string() && !it->get_ref<const std::string&>().empty()) {
    e.present = true;  // {"error":"…","code":N,"message":"…"} (or a LeaseGrant's error)
    int64_t code = 0;
    (void)get_int(o, "code", code);
    e.code = static_cast<int>(code);
    (void)get_string(o, "message", e.message);
    if (e.message.empty()) e.message = it->get<std::string>();
  }
  return e;
}

// The body as a JSON object that is not an error object.
Result<json> parse_object(std::string_view body) {
  json o = json::parse(body.begin(), body.end(), nullptr, false);
  if (o.is_discarded() || !o.is_object()) {
    constexpr size_t kShown = 120;
    std::string shown(body.substr(0, kShown));
    return bad("is not a JSON object: '" + shown + (body.size() > kShown ? "…'" : "'"));
  }
  GatewayError e = error_of(o);
  if (e.present) return Status::state(e.message);
  return o;
}

Status header_revision(const json& o, int64_t& revision) {
  auto header = get_object(o, "header");
  if (!header) return header.status();
  return get_int(*header, "revision", revision);
}

Status parse_kv(const json& o, KeyValue& kv) {
  if (!o.is_object()) return bad("has a kv that is not an object: " + o.dump());
  AIO_RETURN_IF_ERROR(get_bytes(o, "key", kv.key));
  AIO_RETURN_IF_ERROR(get_bytes(o, "value", kv.value));
  AIO_RETURN_IF_ERROR(get_int(o, "create_revision", kv.create_revision));
  AIO_RETURN_IF_ERROR(get_int(o, "mod_revision", kv.mod_revision));
  AIO_RETURN_IF_ERROR(get_int(o, "version", kv.version));
  return get_int(o, "lease", kv.lease);
}

// A RangeResponse; `revision` when its header has none (inside a txn).
Result<RangeResult> range_of(const json& o, int64_t revision) {
  RangeResult r;
  AIO_RETURN_IF_ERROR(header_revision(o, r.revision));
  if (r.revision == 0) r.revision = revision;
  AIO_RETURN_IF_ERROR(get_bool(o, "more", r.more));
  auto kvs = get_array(o, "kvs");
  if (!kvs) return kvs.status();
  for (const auto& item : *kvs) {
    AIO_RETURN_IF_ERROR(parse_kv(item, r.kvs.emplace_back()));
  }
  return r;
}

Status parse_event(const json& o, WatchEvent& ev) {
  if (!o.is_object()) return bad("has an event that is not an object: " + o.dump());
  std::string type;
  AIO_RETURN_IF_ERROR(get_string(o, "type", type));
  if (type.empty() || type == "PUT") {
    ev.type = WatchEvent::Type::kPut;
  } else if (type == "DELETE") {
    ev.type = WatchEvent::Type::kDelete;
  } else {
    return bad("has an event of unknown type '" + type + "'");
  }
  auto kv = get_object(o, "kv");
  if (!kv) return kv.status();
  return parse_kv(*kv, ev.kv);
}

}  // namespace

GatewayError parse_error(std::string_view body) {
  json o = json::parse(body.begin(), body.end(), nullptr, false);
  if (o.is_discarded() || !o.is_object()) return {};
  return error_of(o);
}

Result<RangeResult> parse_range(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  return range_of(*o, 0);
}

Result<TxnResult> parse_txn(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  TxnResult t;
  AIO_RETURN_IF_ERROR(header_revision(*o, t.revision));
  AIO_RETURN_IF_ERROR(get_bool(*o, "succeeded", t.succeeded));
  auto responses = get_array(*o, "responses");
  if (!responses) return responses.status();
  for (const auto& r : *responses) {
    if (!r.is_object()) return bad("has a txn response that is not an object: " + r.dump());
    auto it = r.find("response_range");
    if (it == r.end()) continue;  // response_put, response_delete_range
    if (!it->is_object()) return bad("has a bad \"response_range\": " + it->dump());
    auto range = range_of(*it, t.revision);
    if (!range) return range.status();
    t.ranges.push_back(std::move(*range));
  }
  return t;
}

Result<int64_t> parse_lease_grant(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  int64_t id = 0;
  AIO_RETURN_IF_ERROR(get_int(*o, "ID", id));
  if (id == 0) return bad("grants no lease: '" + std::string(body) + "'");
  return id;
}

Result<int64_t> parse_lease_keepalive(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  auto result = get_object(*o, "result");  // a stream of one message
  if (!result) return result.status();
  int64_t ttl = 0;
  AIO_RETURN_IF_ERROR(get_int(*result, "TTL", ttl));
  return ttl;
}

Result<int64_t> parse_lease_time_to_live(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  int64_t ttl = 0;
  AIO_RETURN_IF_ERROR(get_int(*o, "TTL", ttl));
  return ttl;
}

Result<std::string> parse_authenticate(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  std::string token;
  AIO_RETURN_IF_ERROR(get_string(*o, "token", token));
  if (token.empty()) return bad("has no token (is authentication enabled?)");
  return token;
}

Result<WatchMessage> parse_watch_message(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.status();
  auto result = get_object(*o, "result");
  if (!result) return result.status();
  WatchMessage m;
  const json& r = *result;
  AIO_RETURN_IF_ERROR(header_revision(r, m.batch.revision));
  AIO_RETURN_IF_ERROR(get_bool(r, "created", m.batch.created));
  AIO_RETURN_IF_ERROR(get_bool(r, "canceled", m.canceled));
  AIO_RETURN_IF_ERROR(get_string(r, "cancel_reason", m.cancel_reason));
  AIO_RETURN_IF_ERROR(get_int(r, "compact_revision", m.batch.compact_revision));
  m.batch.compacted = m.canceled && m.batch.compact_revision != 0;
  auto events = get_array(r, "events");
  if (!events) return events.status();
  for (const auto& e : *events) {
    AIO_RETURN_IF_ERROR(parse_event(e, m.batch.events.emplace_back()));
  }
  return m;
}

Status JsonSplitter::feed(std::string_view data, std::vector<std::string>& out) {
  for (char c : data) {
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (c != '{') return bad("stream has '" + std::string(1, c) + "' between messages");
    }
    partial_ += c;
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      out.push_back(std::move(partial_));
      partial_.clear();
    }
  }
  return Status::ok();
}

}  // namespace aio::etcd::wire
