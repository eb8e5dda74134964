#include "core/journal_codec.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>

#include "core/codec.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio {
namespace {

// How each op starts, by Op::Kind: the encoder writes it, the fast decoder
// expects it, the JSON decoder knows the op by its name.
constexpr std::string_view kOpName[] = {"putInstance", "delInstance", "putClaim", "delClaim",
                                        "heartbeat"};
constexpr std::string_view kOpHead[] = {
    R"({"op":"putInstance","value":)", R"({"op":"delInstance","id":)",
    R"({"op":"putClaim","value":)",    R"({"op":"delClaim","id":)",
    R"({"op":"heartbeat","id":)",
};
static_assert(Op::kHeartbeat + 1 == std::size(kOpName) && std::size(kOpName) == std::size(kOpHead));

// A cursor over exactly what encode_journal_line writes: every method
// consumes one expected token or returns false (the caller gives up).
class LineCursor {
 public:
  explicit LineCursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  bool lit(std::string_view t) {
    if (s_.substr(pos_, t.size()) != t) return false;
    pos_ += t.size();
    return true;
  }
  // A string without escapes, in place.
  bool view(std::string_view* out) {
    if (!lit("\"")) return false;
    size_t start = pos_;
    pos_ = json_plain_end(s_, pos_);
    if (pos_ == s_.size() || s_[pos_] != '"') return false;
    *out = s_.substr(start, pos_++ - start);
    return true;
  }
  bool str(std::string* out) {
    if (!lit("\"")) return false;
    out->clear();
    size_t run = pos_;
    while ((pos_ = json_plain_end(s_, pos_)) < s_.size()) {
      char c = s_[pos_];
      if (c == '"') {
        out->append(s_.data() + run, pos_ - run);
        ++pos_;
        return valid_utf8(*out);  // JSON refuses the rest
      }
      if (c != '\\') return false;  // a control character
      out->append(s_.data() + run, pos_ - run);
      if (!escape(out)) return false;
      run = pos_;
    }
    return false;
  }
  bool opt_str(std::optional<std::string>* out) {
    if (lit("null")) {
      out->reset();
      return true;
    }
    return str(&out->emplace());
  }
  bool str_list(std::vector<std::string>* out) {
    if (!lit("[")) return false;
    if (lit("]")) return true;
    do {
      if (!str(&out->emplace_back())) return false;
    } while (lit(","));
    return lit("]");
  }
  bool integer(int64_t* out) {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    size_t digits = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == digits || pos_ - digits > 18) return false;
    // JSON has no leading zeros; "-0" is no unsigned seq. The encoder writes neither.
    if (s_[digits] == '0' && (pos_ - digits > 1 || digits > start)) return false;
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) return false;
    std::from_chars(s_.data() + start, s_.data() + pos_, *out);
    return true;
  }
  bool time(int64_t* out) {
    std::string_view v;
    if (!view(&v)) return false;
    auto t = parse_iso(v);
    if (t) *out = *t;
    return t.has_value();
  }
  bool opt_time(std::optional<int64_t>* out) {
    if (lit("null")) {
      out->reset();
      return true;
    }
    return time(&out->emplace());
  }

 private:
  // The escape at pos_ (a backslash), appended to *out.
  bool escape(std::string* out) {
    if (pos_ + 1 >= s_.size()) return false;
    char e = s_[pos_ + 1];
    pos_ += 2;
    static constexpr std::string_view kFrom = "\"\\/ntrbf", kTo = "\"\\/\n\t\r\b\f";
    if (size_t k = kFrom.find(e); k != std::string_view::npos) {
      out->push_back(kTo[k]);
      return true;
    }
    // \u00XX below 0x80: the only other escape append_json_string writes.
    if (e != 'u' || pos_ + 4 > s_.size() || s_.substr(pos_, 2) != "00") return false;
    unsigned v = 0;  // unsigned: from_chars takes no '-'
    auto [end, ec] = std::from_chars(s_.data() + pos_ + 2, s_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || end != s_.data() + pos_ + 4 || v >= 0x80) return false;
    out->push_back(static_cast<char>(v));
    pos_ += 4;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

template <typename R>
bool fast_object(LineCursor& c, std::span<const Field<R>> fields, R* r);

// Inlined where it is called, so that for a field known when compiled (see
// for_each_field) only its own case is left.
template <typename R>
[[gnu::always_inline]] inline bool fast_value(LineCursor& c, const Field<R>& f, R* r) {
  switch (f.kind) {
    case FieldKind::kString:
      return c.str(&value_of<std::string>(f, *r));
    case FieldKind::kOptString:
      return c.opt_str(&value_of<std::optional<std::string>>(f, *r));
    case FieldKind::kInt:
      return c.integer(&value_of<int64_t>(f, *r));
    case FieldKind::kTime:
      return c.time(&value_of<int64_t>(f, *r));
    case FieldKind::kOptTime:
      return c.opt_time(&value_of<std::optional<int64_t>>(f, *r));
    case FieldKind::kBool: {
      bool& b = value_of<bool>(f, *r);
      if (c.lit("true"))
        b = true;
      else if (c.lit("false"))
        b = false;
      else
        return false;
      return true;
    }
    case FieldKind::kStringList:
      return c.str_list(&value_of<std::vector<std::string>>(f, *r));
    case FieldKind::kClaimType: {
      std::string_view s;
      auto t = c.view(&s) ? parse_claim_type(s) : std::nullopt;
      if (!t || to_string(*t) != s) return false;  // "dir": not what the encoder writes
      value_of<ClaimType>(f, *r) = *t;
      return true;
    }
    case FieldKind::kObject:
      return fast_object(c, f.sub(), r);
  }
  return false;
}

// {"key":value,...}: every field of `fields` in its order, nothing else.
template <typename R>
bool fast_object(LineCursor& c, std::span<const Field<R>> fields, R* r) {
  if (!c.lit("{")) return false;
  for (size_t k = 0; k < fields.size(); ++k)
    if (!c.lit(fields[k].fragment().substr(k == 0 ? 1 : 0)) || !fast_value(c, fields[k], r))
      return false;
  return c.lit("}");
}

// fast_object of the whole record (unrolled), then its fix_up().
template <typename R>
bool fast_record(LineCursor& c, R* r) {
  return c.lit("{") && all_fields<R>([&](auto k) {
           constexpr const Field<R>& f = fields_of<R>()[k];
           return c.lit(f.fragment().substr(k == 0 ? 1 : 0)) && fast_value(c, f, r);
         }) &&
         c.lit("}") && fix_up(r, Decoded{}).is_ok();
}

bool fast_op(LineCursor& c, Op* op) {
  for (size_t k = 0; k < std::size(kOpHead); ++k) {
    if (!c.lit(kOpHead[k])) continue;
    op->kind = static_cast<Op::Kind>(k);
    switch (op->kind) {
      case Op::kPutInstance:
        return fast_record(c, &op->instance);
      case Op::kPutClaim:
        return fast_record(c, &op->claim);
      case Op::kHeartbeat:
        return c.str(&op->id) && c.lit(",\"at\":") && c.integer(&op->time);
      case Op::kDelClaim:
        return c.str(&op->id) && (!c.lit(",\"of\":") || c.str(&op->owner));
      default:
        return c.str(&op->id);
    }
  }
  return false;
}

std::string text_at(const Json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? "" : json_text(*it);
}

}  // namespace

std::string encode_journal_line(uint64_t seq, const std::vector<Op>& ops) {
  std::string out = "{\"seq\":" + std::to_string(seq) + ",\"ops\":[";
  for (size_t k = 0; k < ops.size(); ++k) {
    const Op& op = ops[k];
    if (k) out.push_back(',');
    out += kOpHead[op.kind];
    if (op.kind == Op::kPutInstance)
      append_instance_json(&out, op.instance);
    else if (op.kind == Op::kPutClaim)
      append_claim_json(&out, op.claim);
    else
      append_json_string(&out, op.id);
    if (op.kind == Op::kHeartbeat) out += ",\"at\":" + std::to_string(op.time);
    if (op.kind == Op::kDelClaim && !op.owner.empty()) {
      out += ",\"of\":";
      append_json_string(&out, op.owner);
    }
    out.push_back('}');
  }
  out += "]}\n";
  return out;
}

bool decode_journal_line_fast(std::string_view line, uint64_t* seq, std::vector<Op>* ops) {
  LineCursor c(line);
  int64_t n = 0;
  if (!c.lit("{\"seq\":") || !c.integer(&n) || n < 0 || !c.lit(",\"ops\":[")) return false;
  std::vector<Op> out;
  if (!c.lit("]")) {
    do {
      if (!fast_op(c, &out.emplace_back()) || !c.lit("}")) return false;
    } while (c.lit(","));
    if (!c.lit("]")) return false;
  }
  if (!c.lit("}")) return false;
  c.lit("\n");
  if (!c.done()) return false;
  *seq = static_cast<uint64_t>(n);
  *ops = std::move(out);
  return true;
}

Status decode_journal_line(std::string_view line, uint64_t* seq, std::vector<Op>* ops) {
  if (decode_journal_line_fast(line, seq, ops)) return Status::ok();
  return decode_journal_line_json(line, seq, ops);
}

Status decode_journal_line_json(std::string_view line, uint64_t* seq, std::vector<Op>* ops) {
  Json j;
  try {
    j = Json::parse(line.begin(), line.end());
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for "1e999"
    return Status::state(e.what());
  }
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
      !j.contains("ops") || !j["ops"].is_array())
    return Status::state("not a journal record");
  *seq = j["seq"].get<uint64_t>();
  ops->clear();
  for (const auto& o : j["ops"]) {
    std::string name = text_at(o, "op");
    size_t kind = std::find(std::begin(kOpName), std::end(kOpName), name) - std::begin(kOpName);
    if (kind == std::size(kOpName)) return Status::state("unknown journal op '" + name + "'");
    Op op;
    op.kind = static_cast<Op::Kind>(kind);
    if (op.kind == Op::kPutInstance)
      AIO_RETURN_IF_ERROR(instance_from_json(o.value("value", Json()), &op.instance));
    else if (op.kind == Op::kPutClaim)
      AIO_RETURN_IF_ERROR(claim_from_json(o.value("value", Json()), &op.claim));
    else
      op.id = text_at(o, "id");
    if (op.kind == Op::kDelClaim) op.owner = text_at(o, "of");
    if (auto at = o.find("at"); op.kind == Op::kHeartbeat && at != o.end())
      op.time = json_int(*at).value_or(0);
    ops->push_back(std::move(op));
  }
  return Status::ok();
}

namespace {

// Where `id` is in `ids`, searched from the end (a claim just put is there);
// ids.size() when it is not. A new claim is looked for in the whole list,
// which may hold thousands: ids of one length differ mostly at their end
// (claim-<time>-<random>), so the last eight bytes are compared first.
size_t find_id(const std::vector<std::string>& ids, std::string_view id) {
  const size_t n = id.size();
  uint64_t tail = 0;
  if (n >= 8) std::memcpy(&tail, id.data() + n - 8, 8);
  for (size_t k = ids.size(); k-- > 0;) {
    const std::string& x = ids[k];
    if (x.size() != n) continue;
    if (n >= 8) {
      uint64_t t;
      std::memcpy(&t, x.data() + n - 8, 8);
      if (t != tail) continue;
    }
    if (std::memcmp(x.data(), id.data(), n) == 0) return k;
  }
  return ids.size();
}

// The `claims` list of instance `of` (when lists lets it follow) gains or
// loses claim `id`.
void relist(State* s, const std::string& of, const std::string& id, bool add,
            const std::unordered_set<std::string>* lists) {
  auto it = s->instances.find(of);
  if (it == s->instances.end() || (lists && !lists->count(of))) return;
  auto& ids = it->second.claims;
  size_t at = find_id(ids, id);
  if (add && at == ids.size()) ids.push_back(id);
  if (!add && at != ids.size()) ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace

void apply_op(State* s, const Op& op, const std::unordered_set<std::string>* lists) {
  switch (op.kind) {
    case Op::kPutInstance:
      s->instances[op.instance.id] = op.instance;
      break;
    case Op::kDelInstance:
      s->instances.erase(op.id);
      break;
    case Op::kPutClaim: {
      auto [it, fresh] = s->claims.try_emplace(op.claim.id);
      if (!fresh && it->second.instance_id != op.claim.instance_id)
        relist(s, it->second.instance_id, op.claim.id, false, lists);
      it->second = op.claim;
      relist(s, op.claim.instance_id, op.claim.id, true, lists);
      break;
    }
    case Op::kDelClaim: {
      auto it = s->claims.find(op.id);
      const std::string* owner = &op.owner;
      if (owner->empty() && it != s->claims.end()) owner = &it->second.instance_id;
      if (!owner->empty()) relist(s, *owner, op.id, false, lists);
      if (it != s->claims.end()) s->claims.erase(it);
      break;
    }
    case Op::kHeartbeat:
      if (auto it = s->instances.find(op.id); it != s->instances.end())
        it->second.last_heartbeat = op.time;
      break;
  }
}

void Touched::add(const Op& op) {
  switch (op.kind) {
    case Op::kPutInstance:
      instances.insert(op.instance.id);
      break;
    case Op::kDelInstance:
    case Op::kHeartbeat:
      instances.insert(op.id);
      break;
    case Op::kPutClaim:
      claims.insert(op.claim.id);
      owners.insert(op.claim.instance_id);
      break;
    case Op::kDelClaim:
      claims.insert(op.id);
      if (!op.owner.empty()) owners.insert(op.owner);
      break;
  }
}

void apply_ops(State* s, const std::vector<Op>& ops) {
  for (const Op& op : ops) apply_op(s, op);
}

}  // namespace aio
