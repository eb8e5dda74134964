// The playbook's JSON: records as their layouts say (record.h), state.json
// around them, context-log lines.
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "core/codec.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio {
namespace {

const char* const kTopKeys[] = {"schemaVersion", "instances", "claims", "context", "aioSeq"};

void append_int(std::string* out, int64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out->append(buf, n);
}

void append_time(std::string* out, int64_t t) {
  out->push_back('"');
  out->append(format_iso(t));
  out->push_back('"');
}

// `"key":value` for each unknown field, each but a first one after a ','.
void append_extras(std::string* out, const Json& extra, bool first) {
  if (!extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!first) out->push_back(',');
    first = false;
    append_json_string(out, it.key());
    out->push_back(':');
    out->append(it.value().dump());
  }
}

template <typename R>
void append_object(std::string* out, std::span<const Field<R>> fields, const R& r,
                   const Json* extra);

// Inlined where it is called, so that for a field known when compiled (see
// for_each_field) only its own case is left.
template <typename R>
[[gnu::always_inline]] inline void append_value(std::string* out, const Field<R>& f, const R& r) {
  switch (f.kind) {
    case FieldKind::kString:
      append_json_string(out, value_of<std::string>(f, r));
      break;
    case FieldKind::kOptString:
      if (const auto& v = value_of<std::optional<std::string>>(f, r))
        append_json_string(out, *v);
      else
        out->append("null");
      break;
    case FieldKind::kInt:
      append_int(out, value_of<int64_t>(f, r));
      break;
    case FieldKind::kTime:
      append_time(out, value_of<int64_t>(f, r));
      break;
    case FieldKind::kOptTime:
      if (const auto& v = value_of<std::optional<int64_t>>(f, r))
        append_time(out, *v);
      else
        out->append("null");
      break;
    case FieldKind::kBool:
      out->append(value_of<bool>(f, r) ? "true" : "false");
      break;
    case FieldKind::kStringList: {
      out->push_back('[');
      const auto& list = value_of<std::vector<std::string>>(f, r);
      for (size_t k = 0; k < list.size(); ++k) {
        if (k) out->push_back(',');
        append_json_string(out, list[k]);
      }
      out->push_back(']');
      break;
    }
    case FieldKind::kClaimType:
      append_json_string(out, to_string(value_of<ClaimType>(f, r)));
      break;
    case FieldKind::kObject:
      append_object(out, f.sub(), r, nullptr);
      break;
  }
}

// {"key":value,...} in layout order, then the unknown fields.
template <typename R>
void append_object(std::string* out, std::span<const Field<R>> fields, const R& r,
                   const Json* extra) {
  out->push_back('{');
  for (size_t k = 0; k < fields.size(); ++k) {
    out->append(fields[k].fragment().substr(k == 0 ? 1 : 0));
    append_value(out, fields[k], r);
  }
  if (extra) append_extras(out, *extra, fields.empty());
  out->push_back('}');
}

// Notes the first value a field's kind refused, for the record's fix_up().
template <typename R>
void reject(const Field<R>& f, const Json& v, Decoded* d) {
  if (!d->rejected_key.empty()) return;
  d->rejected_key = f.key();
  d->rejected = json_text(v);
  d->rejected_string = v.is_string();
}

template <typename R>
uint64_t decode_object(const Json& j, std::span<const Field<R>> fields, R* r, Decoded* d);

// One value that is there and not null; false when the kind cannot use it.
template <typename R>
bool decode_value(const Json& v, const Field<R>& f, R* r, Decoded* d) {
  switch (f.kind) {
    case FieldKind::kString:
      value_of<std::string>(f, *r) = json_text(v);
      return true;
    case FieldKind::kOptString:
      value_of<std::optional<std::string>>(f, *r) = json_text(v);
      return true;
    case FieldKind::kInt:
    case FieldKind::kTime: {
      auto n = f.kind == FieldKind::kInt ? json_int(v) : json_time(v);
      if (n) value_of<int64_t>(f, *r) = *n;
      return n.has_value();
    }
    case FieldKind::kOptTime:
      value_of<std::optional<int64_t>>(f, *r) = json_time(v);
      return value_of<std::optional<int64_t>>(f, *r).has_value();
    case FieldKind::kBool:
      if (v.is_boolean()) value_of<bool>(f, *r) = v.get<bool>();
      return v.is_boolean();
    case FieldKind::kStringList:
      if (!v.is_array()) return false;
      for (const auto& e : v)
        if (e.is_string())
          value_of<std::vector<std::string>>(f, *r).push_back(e.get<std::string>());
      return true;
    case FieldKind::kClaimType:
      if (auto t = parse_claim_type(json_text(v))) {
        value_of<ClaimType>(f, *r) = *t;
        return true;
      }
      reject(f, v, d);
      return false;
    case FieldKind::kObject:
      if (v.is_object()) return decode_object(v, f.sub(), r, d), true;
      reject(f, v, d);
      return false;
  }
  return false;
}

// The fields of j that `fields` name; returns which of them had a value.
template <typename R>
uint64_t decode_object(const Json& j, std::span<const Field<R>> fields, R* r, Decoded* d) {
  uint64_t present = 0;
  for (size_t k = 0; k < fields.size(); ++k) {
    auto it = j.find(fields[k].key());
    if (it == j.end() || it->is_null()) continue;
    if (decode_value(*it, fields[k], r, d)) present |= uint64_t{1} << k;
  }
  return present;
}

template <typename R>
Json unknown_fields(const Json& j) {
  Json extra;
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const Field<R>& f : fields_of<R>()) known = known || f.key() == it.key();
    if (!known) extra[it.key()] = it.value();
  }
  return extra;
}

int64_t int_field(const Json& j, const char* key, int64_t dflt) {
  auto it = j.find(key);
  return it == j.end() ? dflt : json_int(*it).value_or(dflt);
}

// The records of state.json's "instances" or "claims" object, by key.
template <typename R>
Status parse_records(const Json& j, const char* section, std::map<std::string, R>* out) {
  auto it = j.find(section);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_object()) return Status::state(std::string("\"") + section + "\" is not an object");
  for (auto e = it->begin(); e != it->end(); ++e) {
    R r;
    if (Status st = record_from_json(e.value(), &r); !st)
      return Status::state(std::string(RecordLayout<R>::kName) + " " + e.key() + ": " +
                           st.message());
    if (r.id.empty()) r.id = e.key();
    std::string key = r.id;
    out->emplace(std::move(key), std::move(r));
  }
  return Status::ok();
}

// ,\n  "section": {\n    "id": {...},\n ...  }
template <typename R>
void append_records(std::string* out, const char* section, const std::map<std::string, R>& recs) {
  *out += ",\n  \"";
  *out += section;
  *out += "\": {";
  bool first = true;
  for (const auto& [id, r] : recs) {
    *out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(out, id);
    *out += ": ";
    append_record_json(out, r);
  }
  *out += first ? "}" : "\n  }";
}

}  // namespace

template <typename R>
void append_record_json(std::string* out, const R& r) {
  out->push_back('{');
  for_each_field<R>([&](auto k) {
    constexpr const Field<R>& f = fields_of<R>()[k];
    out->append(f.fragment().substr(k == 0 ? 1 : 0));
    append_value(out, f, r);
  });
  append_extras(out, r.extra, false);
  out->push_back('}');
}

template <typename R>
Status record_from_json(const Json& j, R* out) {
  if (!j.is_object())
    return Status::state(std::string(RecordLayout<R>::kName) + " record is not an object");
  R r;
  Decoded d;
  d.present = decode_object(j, fields_of<R>(), &r, &d);
  r.extra = unknown_fields<R>(j);
  AIO_RETURN_IF_ERROR(fix_up(&r, d));
  *out = std::move(r);
  return Status::ok();
}

template void append_record_json(std::string*, const Instance&);
template void append_record_json(std::string*, const Claim&);
template void append_record_json(std::string*, const Note&);
template Status record_from_json(const Json&, Instance*);
template Status record_from_json(const Json&, Claim*);
template Status record_from_json(const Json&, Note*);

void append_json_string(std::string* out, std::string_view s) {
  // The short escapes; every other byte below 0x20 is written \u00XX.
  static constexpr std::string_view kEscaped = "\"\\\n\t\r", kAs = "\"\\ntr";
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i; (i = json_plain_end(s, run)) < s.size(); run = i + 1) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out->append(s.data() + run, i - run);
    out->push_back('\\');
    if (size_t k = kEscaped.find(static_cast<char>(c)); k != std::string_view::npos) {
      out->push_back(kAs[k]);
    } else {
      out->append("u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

std::string json_text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

namespace {
// d truncated, when int64_t holds it (converting one it does not is undefined).
std::optional<int64_t> truncated(double d) {
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  return static_cast<int64_t>(d);
}
}  // namespace

std::optional<int64_t> json_int(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return truncated(v.get<double>());
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    long long n = strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && !s.empty()) return n;
  }
  return std::nullopt;
}

namespace {
std::optional<int64_t> in_range(std::optional<int64_t> t) {
  if (t && !time_in_range(*t)) return std::nullopt;
  return t;
}
}  // namespace

std::optional<int64_t> json_time(const Json& v) {
  if (v.is_number()) {
    double d = v.get<double>();
    if (d > 1e11) d /= 1000;  // milliseconds
    return in_range(truncated(d));
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (auto t = parse_iso(s)) return t;
    char* end = nullptr;
    errno = 0;
    long long n = strtoll(s.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0' && !s.empty())
      return in_range(n > 100000000000LL ? n / 1000 : n);
  }
  return std::nullopt;
}

Status instance_from_json(const Json& j, Instance* out) {
  return record_from_json(j, out);
}
Status claim_from_json(const Json& j, Claim* out) {
  return record_from_json(j, out);
}
Status note_from_json(const Json& j, Note* out) {
  return record_from_json(j, out);
}
void append_instance_json(std::string* out, const Instance& i) {
  append_record_json(out, i);
}
void append_claim_json(std::string* out, const Claim& c) {
  append_record_json(out, c);
}

std::string encode_note_line(const Note& n) {
  std::string out;
  out.reserve(128 + n.content.size());
  append_record_json(&out, n);
  out.push_back('\n');
  return out;
}

Result<State> parse_state_json(std::string_view text) {
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for "1e999"
    return Status::state(e.what());
  }
  if (!j.is_object()) return Status::state("top level is not an object");
  State s;
  s.schema_version = int_field(j, "schemaVersion", 1);
  s.seq = static_cast<uint64_t>(int_field(j, "aioSeq", 0));
  AIO_RETURN_IF_ERROR(parse_records(j, "instances", &s.instances));
  AIO_RETURN_IF_ERROR(parse_records(j, "claims", &s.claims));
  if (auto it = j.find("context"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::state("\"context\" is not an array");
    for (const auto& e : *it) {
      Note n;
      AIO_RETURN_IF_ERROR(note_from_json(e, &n));
      s.legacy_context.push_back(std::move(n));
    }
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* key : kTopKeys) known = known || it.key() == key;
    if (!known) s.extra[it.key()] = it.value();
  }
  return s;
}

std::string encode_state_json(const State& s) {
  std::string out;
  out.reserve(512 + s.instances.size() * 400 + s.claims.size() * 280);
  out += "{\n  \"schemaVersion\": ";
  append_int(&out, s.schema_version);
  append_records(&out, "instances", s.instances);
  append_records(&out, "claims", s.claims);
  out += ",\n  \"context\": [";
  bool first = true;
  for (const auto& n : s.legacy_context) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_record_json(&out, n);
  }
  out += first ? "]" : "\n  ]";
  out += ",\n  \"aioSeq\": ";
  append_int(&out, static_cast<int64_t>(s.seq));
  if (s.extra.is_object()) {
    for (auto it = s.extra.begin(); it != s.extra.end(); ++it) {
      out += ",\n  ";
      append_json_string(&out, it.key());
      out += ": ";
      out += it.value().dump();
    }
  }
  out += "\n}\n";
  return out;
}

}  // namespace aio
