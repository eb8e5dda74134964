#include "core/codec.h"

#include <cstdio>

#include "core/glob.h"
#include "core/path.h"
#include "core/timeutil.h"

namespace aio {
namespace {

const char* const kInstanceKeys[] = {
    "id",         "tool",      "project",       "pid",    "status", "currentTask",
    "beadsIssue", "startedAt", "lastHeartbeat", "claims", "sid",    "sidStart"};
const char* const kClaimKeys[] = {"id",      "instanceId", "type",      "target",
                                  "project", "exclusive",  "claimedAt", "expiresAt"};
const char* const kNoteKeys[] = {"id",     "project",   "category", "content",
                                 "source", "createdAt", "expiresAt"};
const char* const kTopKeys[] = {"schemaVersion", "instances", "claims", "context", "aioSeq"};

template <size_t N>
bool known(const char* const (&keys)[N], const std::string& k) {
  for (const char* key : keys)
    if (k == key) return true;
  return false;
}

template <size_t N>
Json extras_of(const Json& j, const char* const (&keys)[N]) {
  Json extra;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known(keys, it.key())) extra[it.key()] = it.value();
  return extra;
}

std::string str_or(const Json& j, const char* key, std::string dflt = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return dflt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<std::string> opt_str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<int64_t> time_of(const Json& v) {
  if (v.is_number()) {
    double d = v.get<double>();
    if (d > 1e11) d /= 1000;  // milliseconds
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (auto t = parse_iso(s)) return t;
    char* end = nullptr;
    long long n = strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && !s.empty()) return n > 100000000000LL ? n / 1000 : n;
  }
  return std::nullopt;
}

std::optional<int64_t> opt_time(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return time_of(*it);
}

int64_t int_or(const Json& j, const char* key, int64_t dflt = 0) {
  auto it = j.find(key);
  if (it == j.end()) return dflt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number()) return static_cast<int64_t>(it->get<double>());
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    long long n = strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && !s.empty()) return n;
  }
  return dflt;
}

void append_raw(std::string* out, std::string_view s) {
  out->append(s.data(), s.size());
}

void append_int(std::string* out, int64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out->append(buf, n);
}

void append_time(std::string* out, int64_t t) {
  out->push_back('"');
  append_raw(out, format_iso(t));
  out->push_back('"');
}

void append_opt_string(std::string* out, const std::optional<std::string>& s) {
  if (s)
    append_json_string(out, *s);
  else
    append_raw(out, "null");
}

void append_key(std::string* out, const char* key, bool* first) {
  if (!*first) out->push_back(',');
  *first = false;
  out->push_back('"');
  out->append(key);
  append_raw(out, "\":");
}

void append_extras(std::string* out, const Json& extra, bool* first) {
  if (!extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!*first) out->push_back(',');
    *first = false;
    append_json_string(out, it.key());
    out->push_back(':');
    out->append(it.value().dump());
  }
}

// Canonical spelling of a loaded claim target (the playbook stored what the
// user typed: "src/auth/", "./x", absolute paths).
std::string canonical_target(ClaimType type, const std::string& target,
                             const std::string& project) {
  if (type == ClaimType::kTask) return target;
  if (type == ClaimType::kPattern) {
    std::string p = target;
    if (!project.empty() && project != "/" && p.size() > project.size() &&
        p.compare(0, project.size(), project) == 0 && p[project.size()] == '/')
      p = p.substr(project.size());
    auto c = canonical_pattern(p);
    return c ? *c : target;
  }
  std::string root = project.empty() ? "/" : project;
  auto rel = project_relative(root, root, target.empty() ? "." : target);
  return rel ? *rel : target;
}

}  // namespace

std::string_view to_string(ClaimType t) {
  switch (t) {
    case ClaimType::kFile:
      return "file";
    case ClaimType::kDirectory:
      return "directory";
    case ClaimType::kPattern:
      return "pattern";
    case ClaimType::kTask:
      return "task";
  }
  return "file";
}

std::optional<ClaimType> parse_claim_type(std::string_view s) {
  if (s == "file") return ClaimType::kFile;
  if (s == "directory" || s == "dir") return ClaimType::kDirectory;
  if (s == "pattern" || s == "glob") return ClaimType::kPattern;
  if (s == "task") return ClaimType::kTask;
  return std::nullopt;
}

bool is_category(std::string_view s) {
  for (auto c : kCategories)
    if (c == s) return true;
  return false;
}

void append_json_string(std::string* out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        append_raw(out, "\\\"");
        break;
      case '\\':
        append_raw(out, "\\\\");
        break;
      case '\n':
        append_raw(out, "\\n");
        break;
      case '\t':
        append_raw(out, "\\t");
        break;
      case '\r':
        append_raw(out, "\\r");
        break;
      default:
        append_raw(out, "\\u00");
        out->push_back(hex[c >> 4]);
        out->push_back(hex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

Status instance_from_json(const Json& j, Instance* out) {
  if (!j.is_object()) return Status::state("instance record is not an object");
  Instance i;
  i.id = str_or(j, "id");
  i.tool = str_or(j, "tool");
  i.project = str_or(j, "project");
  if (!i.project.empty() && i.project.front() == '/') i.project = normalize_absolute(i.project);
  i.pid = int_or(j, "pid");
  i.sid = int_or(j, "sid");
  i.sid_start = int_or(j, "sidStart");
  i.status = str_or(j, "status", "active");
  i.current_task = opt_str(j, "currentTask");
  i.beads_issue = opt_str(j, "beadsIssue");
  i.started_at = opt_time(j, "startedAt").value_or(0);
  i.last_heartbeat = opt_time(j, "lastHeartbeat").value_or(i.started_at);
  if (auto it = j.find("claims"); it != j.end() && it->is_array())
    for (const auto& c : *it)
      if (c.is_string()) i.claims.push_back(c.get<std::string>());
  i.extra = extras_of(j, kInstanceKeys);
  *out = std::move(i);
  return Status::ok();
}

Status claim_from_json(const Json& j, Claim* out) {
  if (!j.is_object()) return Status::state("claim record is not an object");
  Claim c;
  c.id = str_or(j, "id");
  c.instance_id = str_or(j, "instanceId");
  std::string type = str_or(j, "type", "file");
  auto t = parse_claim_type(type);
  if (!t) return Status::state("claim " + c.id + " has unknown type '" + type + "'");
  c.type = *t;
  c.project = str_or(j, "project");
  if (!c.project.empty() && c.project.front() == '/') c.project = normalize_absolute(c.project);
  c.target = canonical_target(c.type, str_or(j, "target"), c.project);
  if (auto it = j.find("exclusive"); it != j.end() && it->is_boolean())
    c.exclusive = it->get<bool>();
  c.claimed_at = opt_time(j, "claimedAt").value_or(0);
  c.expires_at = opt_time(j, "expiresAt");
  c.extra = extras_of(j, kClaimKeys);
  *out = std::move(c);
  return Status::ok();
}

Status note_from_json(const Json& j, Note* out) {
  if (!j.is_object()) return Status::state("context entry is not an object");
  Note n;
  n.id = str_or(j, "id");
  n.project = str_or(j, "project");
  n.category = str_or(j, "category");
  n.content = str_or(j, "content");
  if (auto it = j.find("source"); it != j.end()) {
    if (it->is_object()) {
      n.source_instance = str_or(*it, "instanceId");
      n.source_tool = str_or(*it, "tool");
    } else if (it->is_string()) {
      n.source_instance = it->get<std::string>();
      auto dash = n.source_instance.find('-');
      n.source_tool = n.source_instance.substr(0, dash);
    }
  }
  n.created_at = opt_time(j, "createdAt").value_or(0);
  n.expires_at = opt_time(j, "expiresAt");
  n.extra = extras_of(j, kNoteKeys);
  *out = std::move(n);
  return Status::ok();
}

void append_instance_json(std::string* out, const Instance& i) {
  bool first = true;
  out->push_back('{');
  append_key(out, "id", &first);
  append_json_string(out, i.id);
  append_key(out, "tool", &first);
  append_json_string(out, i.tool);
  append_key(out, "project", &first);
  append_json_string(out, i.project);
  append_key(out, "pid", &first);
  append_int(out, i.pid);
  append_key(out, "status", &first);
  append_json_string(out, i.status);
  append_key(out, "currentTask", &first);
  append_opt_string(out, i.current_task);
  append_key(out, "beadsIssue", &first);
  append_opt_string(out, i.beads_issue);
  append_key(out, "startedAt", &first);
  append_time(out, i.started_at);
  append_key(out, "lastHeartbeat", &first);
  append_time(out, i.last_heartbeat);
  append_key(out, "claims", &first);
  out->push_back('[');
  for (size_t k = 0; k < i.claims.size(); ++k) {
    if (k) out->push_back(',');
    append_json_string(out, i.claims[k]);
  }
  out->push_back(']');
  append_key(out, "sid", &first);
  append_int(out, i.sid);
  append_key(out, "sidStart", &first);
  append_int(out, i.sid_start);
  append_extras(out, i.extra, &first);
  out->push_back('}');
}

void append_claim_json(std::string* out, const Claim& c) {
  bool first = true;
  out->push_back('{');
  append_key(out, "id", &first);
  append_json_string(out, c.id);
  append_key(out, "instanceId", &first);
  append_json_string(out, c.instance_id);
  append_key(out, "type", &first);
  append_json_string(out, to_string(c.type));
  append_key(out, "target", &first);
  append_json_string(out, c.target);
  append_key(out, "project", &first);
  append_json_string(out, c.project);
  append_key(out, "exclusive", &first);
  append_raw(out, c.exclusive ? "true" : "false");
  append_key(out, "claimedAt", &first);
  append_time(out, c.claimed_at);
  append_key(out, "expiresAt", &first);
  if (c.expires_at)
    append_time(out, *c.expires_at);
  else
    append_raw(out, "null");
  append_extras(out, c.extra, &first);
  out->push_back('}');
}

static void append_note_json(std::string* out, const Note& n) {
  bool first = true;
  out->push_back('{');
  append_key(out, "id", &first);
  append_json_string(out, n.id);
  append_key(out, "project", &first);
  append_json_string(out, n.project);
  append_key(out, "category", &first);
  append_json_string(out, n.category);
  append_key(out, "content", &first);
  append_json_string(out, n.content);
  append_key(out, "source", &first);
  append_raw(out, "{\"instanceId\":");
  append_json_string(out, n.source_instance);
  append_raw(out, ",\"tool\":");
  append_json_string(out, n.source_tool);
  out->push_back('}');
  append_key(out, "createdAt", &first);
  append_time(out, n.created_at);
  append_key(out, "expiresAt", &first);
  if (n.expires_at)
    append_time(out, *n.expires_at);
  else
    append_raw(out, "null");
  append_extras(out, n.extra, &first);
  out->push_back('}');
}

std::string encode_note_line(const Note& n) {
  std::string out;
  out.reserve(128 + n.content.size());
  append_note_json(&out, n);
  out.push_back('\n');
  return out;
}

Result<State> parse_state_json(std::string_view text) {
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Status::state(e.what());
  }
  if (!j.is_object()) return Status::state("top level is not an object");
  State s;
  s.schema_version = int_or(j, "schemaVersion", 1);
  s.seq = static_cast<uint64_t>(int_or(j, "aioSeq", 0));
  if (auto it = j.find("instances"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Status::state("\"instances\" is not an object");
    for (auto e = it->begin(); e != it->end(); ++e) {
      Instance i;
      if (Status st = instance_from_json(e.value(), &i); !st)
        return Status::state("instance " + e.key() + ": " + st.message());
      if (i.id.empty()) i.id = e.key();
      std::string key = i.id;
      s.instances.emplace(std::move(key), std::move(i));
    }
  }
  if (auto it = j.find("claims"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Status::state("\"claims\" is not an object");
    for (auto e = it->begin(); e != it->end(); ++e) {
      Claim c;
      if (Status st = claim_from_json(e.value(), &c); !st)
        return Status::state("claim " + e.key() + ": " + st.message());
      if (c.id.empty()) c.id = e.key();
      std::string key = c.id;
      s.claims.emplace(std::move(key), std::move(c));
    }
  }
  if (auto it = j.find("context"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::state("\"context\" is not an array");
    for (const auto& e : *it) {
      Note n;
      if (Status st = note_from_json(e, &n); !st) return st;
      s.legacy_context.push_back(std::move(n));
    }
  }
  s.extra = extras_of(j, kTopKeys);
  return s;
}

std::string encode_state_json(const State& s) {
  std::string out;
  out.reserve(512 + s.instances.size() * 400 + s.claims.size() * 280);
  out += "{\n  \"schemaVersion\": ";
  append_int(&out, s.schema_version);
  out += ",\n  \"instances\": {";
  bool first = true;
  for (const auto& [id, i] : s.instances) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(&out, id);
    out += ": ";
    append_instance_json(&out, i);
  }
  out += first ? "}" : "\n  }";
  out += ",\n  \"claims\": {";
  first = true;
  for (const auto& [id, c] : s.claims) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(&out, id);
    out += ": ";
    append_claim_json(&out, c);
  }
  out += first ? "}" : "\n  }";
  out += ",\n  \"context\": [";
  first = true;
  for (const auto& n : s.legacy_context) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_note_json(&out, n);
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

std::string encode_journal_line(uint64_t seq, const std::vector<Op>& ops) {
  std::string out = "{\"seq\":";
  append_int(&out, static_cast<int64_t>(seq));
  out += ",\"ops\":[";
  for (size_t k = 0; k < ops.size(); ++k) {
    const Op& op = ops[k];
    if (k) out.push_back(',');
    switch (op.kind) {
      case Op::kPutInstance:
        out += "{\"op\":\"putInstance\",\"value\":";
        append_instance_json(&out, op.instance);
        break;
      case Op::kDelInstance:
        out += "{\"op\":\"delInstance\",\"id\":";
        append_json_string(&out, op.id);
        break;
      case Op::kPutClaim:
        out += "{\"op\":\"putClaim\",\"value\":";
        append_claim_json(&out, op.claim);
        break;
      case Op::kDelClaim:
        out += "{\"op\":\"delClaim\",\"id\":";
        append_json_string(&out, op.id);
        break;
      case Op::kHeartbeat:
        out += "{\"op\":\"heartbeat\",\"id\":";
        append_json_string(&out, op.id);
        out += ",\"at\":";
        append_int(&out, op.time);
        break;
    }
    out.push_back('}');
  }
  out += "]}\n";
  return out;
}

namespace {

// The fast path of decode_journal_line: a cursor over exactly what
// encode_journal_line writes (keys in its order, no unknown fields, plain
// escapes). Anything else makes it give up, and the JSON parser decides.
class LineCursor {
 public:
  explicit LineCursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  bool lit(std::string_view t) {
    if (s_.substr(pos_, t.size()) != t) return false;
    pos_ += t.size();
    return true;
  }
  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool str(std::string* out) {
    if (!lit("\"")) return false;
    out->clear();
    size_t run = pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '"') {
        out->append(s_.data() + run, pos_ - run);
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        ++pos_;
        continue;
      }
      out->append(s_.data() + run, pos_ - run);
      if (pos_ + 1 >= s_.size()) return false;
      char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {  // only what append_json_string writes: \u00XX below 0x80
          if (pos_ + 4 > s_.size() || s_.substr(pos_, 2) != "00") return false;
          int v = 0;
          for (size_t k = pos_ + 2; k < pos_ + 4; ++k) {
            char h = s_[k];
            int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0) return false;
            v = v * 16 + d;
          }
          if (v >= 0x80) return false;
          out->push_back(static_cast<char>(v));
          pos_ += 4;
          break;
        }
        default:
          return false;
      }
      run = pos_;
    }
    return false;
  }
  bool opt_str(std::optional<std::string>* out) {
    if (lit("null")) {
      out->reset();
      return true;
    }
    std::string v;
    if (!str(&v)) return false;
    *out = std::move(v);
    return true;
  }
  bool integer(int64_t* out) {
    size_t start = pos_;
    if (peek('-')) ++pos_;
    size_t digits = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == digits || pos_ - digits > 18) return false;
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) return false;
    *out = strtoll(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr, 10);
    return true;
  }
  bool time(int64_t* out) {
    std::string v;
    if (!str(&v)) return false;
    auto t = parse_iso(v);
    if (!t) return false;
    *out = *t;
    return true;
  }
  bool opt_time(std::optional<int64_t>* out) {
    if (lit("null")) {
      out->reset();
      return true;
    }
    int64_t t;
    if (!time(&t)) return false;
    *out = t;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool fast_instance(LineCursor& c, Instance* i) {
  if (!(c.lit("{\"id\":") && c.str(&i->id) && c.lit(",\"tool\":") && c.str(&i->tool) &&
        c.lit(",\"project\":") && c.str(&i->project) && c.lit(",\"pid\":") && c.integer(&i->pid) &&
        c.lit(",\"status\":") && c.str(&i->status) && c.lit(",\"currentTask\":") &&
        c.opt_str(&i->current_task) && c.lit(",\"beadsIssue\":") && c.opt_str(&i->beads_issue) &&
        c.lit(",\"startedAt\":") && c.time(&i->started_at) && c.lit(",\"lastHeartbeat\":") &&
        c.time(&i->last_heartbeat) && c.lit(",\"claims\":[")))
    return false;
  if (!c.lit("]")) {
    do {
      std::string id;
      if (!c.str(&id)) return false;
      i->claims.push_back(std::move(id));
    } while (c.lit(","));
    if (!c.lit("]")) return false;
  }
  if (!(c.lit(",\"sid\":") && c.integer(&i->sid) && c.lit(",\"sidStart\":") &&
        c.integer(&i->sid_start) && c.lit("}")))
    return false;
  // What instance_from_json does to the same record.
  if (!i->project.empty() && i->project.front() == '/') i->project = normalize_absolute(i->project);
  return true;
}

bool fast_claim(LineCursor& c, Claim* cl) {
  std::string type;
  std::string target;
  if (!(c.lit("{\"id\":") && c.str(&cl->id) && c.lit(",\"instanceId\":") &&
        c.str(&cl->instance_id) && c.lit(",\"type\":") && c.str(&type) && c.lit(",\"target\":") &&
        c.str(&target) && c.lit(",\"project\":") && c.str(&cl->project) &&
        c.lit(",\"exclusive\":")))
    return false;
  if (c.lit("true"))
    cl->exclusive = true;
  else if (c.lit("false"))
    cl->exclusive = false;
  else
    return false;
  if (!(c.lit(",\"claimedAt\":") && c.time(&cl->claimed_at) && c.lit(",\"expiresAt\":") &&
        c.opt_time(&cl->expires_at) && c.lit("}")))
    return false;
  auto t = parse_claim_type(type);
  if (!t || type != to_string(*t)) return false;
  cl->type = *t;
  // What claim_from_json does to the same record.
  if (!cl->project.empty() && cl->project.front() == '/')
    cl->project = normalize_absolute(cl->project);
  cl->target = canonical_target(cl->type, target, cl->project);
  return true;
}

}  // namespace

bool decode_journal_line_fast(std::string_view line, uint64_t* seq, std::vector<Op>* ops) {
  LineCursor c(line);
  int64_t n = 0;
  if (!c.lit("{\"seq\":") || !c.integer(&n) || n < 0 || !c.lit(",\"ops\":[")) return false;
  std::vector<Op> out;
  if (!c.lit("]")) {
    do {
      Op op;
      if (c.lit("{\"op\":\"putInstance\",\"value\":")) {
        op.kind = Op::kPutInstance;
        if (!fast_instance(c, &op.instance)) return false;
      } else if (c.lit("{\"op\":\"delInstance\",\"id\":")) {
        op.kind = Op::kDelInstance;
        if (!c.str(&op.id)) return false;
      } else if (c.lit("{\"op\":\"putClaim\",\"value\":")) {
        op.kind = Op::kPutClaim;
        if (!fast_claim(c, &op.claim)) return false;
      } else if (c.lit("{\"op\":\"delClaim\",\"id\":")) {
        op.kind = Op::kDelClaim;
        if (!c.str(&op.id)) return false;
      } else if (c.lit("{\"op\":\"heartbeat\",\"id\":")) {
        op.kind = Op::kHeartbeat;
        if (!c.str(&op.id) || !c.lit(",\"at\":") || !c.integer(&op.time)) return false;
      } else {
        return false;
      }
      if (!c.lit("}")) return false;
      out.push_back(std::move(op));
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
  } catch (const Json::parse_error& e) {
    return Status::state(e.what());
  }
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
      !j.contains("ops") || !j["ops"].is_array())
    return Status::state("not a journal record");
  *seq = j["seq"].get<uint64_t>();
  ops->clear();
  for (const auto& o : j["ops"]) {
    Op op;
    std::string kind = str_or(o, "op");
    if (kind == "putInstance") {
      op.kind = Op::kPutInstance;
      AIO_RETURN_IF_ERROR(instance_from_json(o.value("value", Json()), &op.instance));
    } else if (kind == "delInstance") {
      op.kind = Op::kDelInstance;
      op.id = str_or(o, "id");
    } else if (kind == "putClaim") {
      op.kind = Op::kPutClaim;
      AIO_RETURN_IF_ERROR(claim_from_json(o.value("value", Json()), &op.claim));
    } else if (kind == "delClaim") {
      op.kind = Op::kDelClaim;
      op.id = str_or(o, "id");
    } else if (kind == "heartbeat") {
      op.kind = Op::kHeartbeat;
      op.id = str_or(o, "id");
      op.time = int_or(o, "at");
    } else {
      return Status::state("unknown journal op '" + kind + "'");
    }
    ops->push_back(std::move(op));
  }
  return Status::ok();
}

void apply_op(State* s, const Op& op) {
  switch (op.kind) {
    case Op::kPutInstance:
      s->instances[op.instance.id] = op.instance;
      break;
    case Op::kDelInstance:
      s->instances.erase(op.id);
      break;
    case Op::kPutClaim:
      s->claims[op.claim.id] = op.claim;
      break;
    case Op::kDelClaim:
      s->claims.erase(op.id);
      break;
    case Op::kHeartbeat:
      if (auto it = s->instances.find(op.id); it != s->instances.end())
        it->second.last_heartbeat = op.time;
      break;
  }
}

void apply_ops(State* s, const std::vector<Op>& ops) {
  for (const Op& op : ops) apply_op(s, op);
}

}  // namespace aio
