// Request bodies, base64 and prefix_end (etcd_wire.h). Every field name the
// client sends is one of the constants below.
#include "core/etcd_wire.h"

#include "core/codec.h"

namespace aio::etcd {

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return "";
}

RequestOp RequestOp::put(std::string k, std::string v, int64_t lease) {
  RequestOp op;
  op.kind = Kind::kPut;
  op.key = std::move(k);
  op.value = std::move(v);
  op.lease = lease;
  return op;
}

RequestOp RequestOp::del(std::string k, std::string range_end) {
  RequestOp op;
  op.kind = Kind::kDelete;
  op.key = std::move(k);
  op.range_end = std::move(range_end);
  return op;
}

RequestOp RequestOp::get(std::string k, std::string range_end) {
  RequestOp op;
  op.kind = Kind::kRange;
  op.key = std::move(k);
  op.range_end = std::move(range_end);
  return op;
}

}  // namespace aio::etcd

namespace aio::etcd::wire {
namespace {

// The field names of rpc.proto, as etcd 3.4's gateway spells them.
constexpr const char* kKey = "key";
constexpr const char* kRangeEnd = "range_end";
constexpr const char* kValue = "value";
constexpr const char* kLease = "lease";
constexpr const char* kLimit = "limit";
constexpr const char* kRevision = "revision";
constexpr const char* kKeysOnly = "keys_only";
constexpr const char* kCompare = "compare";
constexpr const char* kSuccess = "success";
constexpr const char* kFailure = "failure";
constexpr const char* kResult = "result";
constexpr const char* kTarget = "target";
constexpr const char* kRequestPut = "request_put";
constexpr const char* kRequestDeleteRange = "request_delete_range";
constexpr const char* kRequestRange = "request_range";
constexpr const char* kId = "ID";
constexpr const char* kTtl = "TTL";
constexpr const char* kName = "name";
constexpr const char* kPassword = "password";
constexpr const char* kCreateRequest = "create_request";
constexpr const char* kStartRevision = "start_revision";
constexpr const char* kProgressNotify = "progress_notify";

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// A JSON string of arbitrary bytes: quotes, backslashes and control
// characters escaped, everything else as it is.
std::string as_json_string(std::string_view s) {
  std::string out;
  append_json_string(&out, s);
  return out;
}

std::string b64(std::string_view bytes) {
  return as_json_string(base64_encode(bytes));
}
std::string num(int64_t v) {
  return as_json_string(std::to_string(v));
}

// Appends "name":value to the object being written in `out`.
void field(std::string& out, const char* name, const std::string& json_value) {
  if (out.back() != '{') out += ',';
  out += as_json_string(name);
  out += ':';
  out += json_value;
}

std::string range_object(const std::string& key, const std::string& range_end, int64_t limit,
                         int64_t revision, bool keys_only) {
  std::string o = "{";
  field(o, kKey, b64(key));
  if (!range_end.empty()) field(o, kRangeEnd, b64(range_end));
  if (limit != 0) field(o, kLimit, num(limit));
  if (revision != 0) field(o, kRevision, num(revision));
  if (keys_only) field(o, kKeysOnly, "true");
  return o + "}";
}

std::string compare_object(const Compare& c) {
  std::string o = "{";
  field(o, kResult, as_json_string(result_name(c.result)));
  field(o, kTarget, as_json_string(target_name(c.target)));
  field(o, kKey, b64(c.key));
  field(o, target_field(c.target),
        c.target == CompareTarget::kValue ? b64(c.value) : num(c.number));
  if (!c.range_end.empty()) field(o, kRangeEnd, b64(c.range_end));
  return o + "}";
}

std::string op_object(const RequestOp& op) {
  std::string inner = "{";
  const char* name = kRequestPut;
  switch (op.kind) {
    case RequestOp::Kind::kPut:
      field(inner, kKey, b64(op.key));
      field(inner, kValue, b64(op.value));
      if (op.lease != 0) field(inner, kLease, num(op.lease));
      inner += "}";
      break;
    case RequestOp::Kind::kDelete:
      name = kRequestDeleteRange;
      field(inner, kKey, b64(op.key));
      if (!op.range_end.empty()) field(inner, kRangeEnd, b64(op.range_end));
      inner += "}";
      break;
    case RequestOp::Kind::kRange:
      name = kRequestRange;
      inner = range_object(op.key, op.range_end, 0, 0, false);
      break;
  }
  std::string o = "{";
  field(o, name, inner);
  return o + "}";
}

template <typename T, typename F>
std::string array(const std::vector<T>& items, F each) {
  std::string a = "[";
  for (const auto& item : items) {
    if (a.size() > 1) a += ',';
    a += each(item);
  }
  return a + "]";
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
  if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
  out += kAlphabet[(n >> 18) & 63];
  out += kAlphabet[(n >> 12) & 63];
  out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
  out += '=';
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  auto bad = [&] {
    return Status::state("bad base64 in etcd's answer: '" + std::string(text) + "'");
  };
  if (text.size() % 4 != 0) return bad();
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t n = 0;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    size_t v = kAlphabet.find(text[i]);
    if (v == std::string_view::npos) return bad();
    n = (n << 6) | static_cast<uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>(n >> 16);
      out += static_cast<char>(n >> 8);
      out += static_cast<char>(n);
      n = 0;
    }
  }
  if (pad == 2) {  // xx==: one byte, the last 4 bits must be 0
    if (n & 0xf) return bad();
    out += static_cast<char>(n >> 4);
  } else if (pad == 1) {  // xxx=: two bytes, the last 2 bits must be 0
    if (n & 0x3) return bad();
    out += static_cast<char>(n >> 10);
    out += static_cast<char>(n >> 2);
  }
  return out;
}

const char* target_name(CompareTarget t) {
  switch (t) {
    case CompareTarget::kVersion:
      return "VERSION";
    case CompareTarget::kCreateRevision:
      return "CREATE";
    case CompareTarget::kModRevision:
      return "MOD";
    case CompareTarget::kValue:
      return "VALUE";
    case CompareTarget::kLease:
      return "LEASE";
  }
  return "?";  // unreachable: -Wswitch keeps the switch exhaustive
}

const char* target_field(CompareTarget t) {
  switch (t) {
    case CompareTarget::kVersion:
      return "version";
    case CompareTarget::kCreateRevision:
      return "create_revision";
    case CompareTarget::kModRevision:
      return "mod_revision";
    case CompareTarget::kValue:
      return "value";
    case CompareTarget::kLease:
      return "lease";
  }
  return "?";
}

const char* result_name(CompareResult r) {
  switch (r) {
    case CompareResult::kEqual:
      return "EQUAL";
    case CompareResult::kGreater:
      return "GREATER";
    case CompareResult::kLess:
      return "LESS";
    case CompareResult::kNotEqual:
      return "NOT_EQUAL";
  }
  return "?";
}

std::string range_body(const RangeRequest& r) {
  return range_object(r.key, r.range_end, r.limit, r.revision, r.keys_only);
}

std::string txn_body(const TxnRequest& t) {
  std::string o = "{";
  field(o, kCompare, array(t.compare, compare_object));
  field(o, kSuccess, array(t.success, op_object));
  field(o, kFailure, array(t.failure, op_object));
  return o + "}";
}

std::string lease_grant_body(int64_t ttl_seconds) {
  std::string o = "{";
  field(o, kTtl, num(ttl_seconds));
  return o + "}";
}

std::string lease_id_body(int64_t id) {
  std::string o = "{";
  field(o, kId, num(id));
  return o + "}";
}

std::string authenticate_body(const std::string& user, const std::string& password) {
  std::string o = "{";
  field(o, kName, as_json_string(user));
  field(o, kPassword, as_json_string(password));
  return o + "}";
}

std::string watch_create_body(const std::string& key, const std::string& range_end,
                              int64_t start_revision, bool progress_notify) {
  std::string inner = "{";
  field(inner, kKey, b64(key));
  if (!range_end.empty()) field(inner, kRangeEnd, b64(range_end));
  if (start_revision != 0) field(inner, kStartRevision, num(start_revision));
  if (progress_notify) field(inner, kProgressNotify, "true");
  std::string o = "{";
  field(o, kCreateRequest, inner + "}");
  return o + "}";
}

}  // namespace aio::etcd::wire
