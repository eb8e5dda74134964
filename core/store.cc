#include "core/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "core/fileio.h"

namespace aio {

// ---------------------------------------------------------------- Txn

void Txn::put_instance(const Instance& i) {
  s_->instances[i.id] = i;
  Op op;
  op.kind = Op::kPutInstance;
  op.instance = i;
  ops_.push_back(std::move(op));
}

void Txn::del_instance(const std::string& id) {
  s_->instances.erase(id);
  Op op;
  op.kind = Op::kDelInstance;
  op.id = id;
  ops_.push_back(std::move(op));
}

void Txn::put_claim(const Claim& c) {
  s_->claims[c.id] = c;
  Op op;
  op.kind = Op::kPutClaim;
  op.claim = c;
  ops_.push_back(std::move(op));
}

void Txn::del_claim(const std::string& id) {
  s_->claims.erase(id);
  Op op;
  op.kind = Op::kDelClaim;
  op.id = id;
  ops_.push_back(std::move(op));
}

void Txn::heartbeat(const std::string& id, int64_t at) {
  auto it = s_->instances.find(id);
  if (it == s_->instances.end()) return;
  it->second.last_heartbeat = at;
  Op op;
  op.kind = Op::kHeartbeat;
  op.id = id;
  op.time = at;
  ops_.push_back(std::move(op));
}

namespace {

// ---------------------------------------------------------------- cache codec
// A binary image of the state; fixed-width little-endian integers and
// length-prefixed strings. Guarded by a header naming the state.json it was
// built from and a checksum, so a stale or torn cache is simply ignored.
//
// Payload: schemaVersion, seq, extra, playbook notes; then (at instances_at)
// the instances, each ending with its claim-id list behind a byte count so a
// focused load can skip it; then (at claims_at) the claims in id order, each
// starting with project, type and target so a focused load can test it in
// place and materialise only what it keeps.

constexpr char kCacheMagic[8] = {'A', 'I', 'O', 'C', 'A', 'C', 'H', '3'};

struct FileId {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};

struct CacheHeader {
  char magic[8];
  FileId state;
  uint64_t seq;
  uint64_t journal_offset;
  uint64_t payload_size;
  uint64_t checksum;
  uint64_t instances_at;  // payload offsets of the sections
  uint64_t claims_at;
};

// A Fletcher-style sum over 64-bit words in four lanes (a running sum and a
// sum of running sums, so both content and position count): not a defence
// against malice, only against a torn or stale file, and cheap enough to run
// over a few MB on every load.
uint64_t checksum(const char* p, size_t n) {
  typedef uint64_t Lanes __attribute__((vector_size(16)));  // SIMD where there is some
  Lanes a0 = {0x9e3779b97f4a7c15ULL ^ n, 0xc2b2ae3d27d4eb4fULL};
  Lanes a1 = {0x165667b19e3779f9ULL, 0x27d4eb2f165667c5ULL};
  Lanes b0 = {0, 0}, b1 = {0, 0};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    Lanes w0, w1;
    memcpy(&w0, p + i, 16);
    memcpy(&w1, p + i + 16, 16);
    a0 += w0;
    a1 += w1;
    b0 += a0;
    b1 += a1;
  }
  uint64_t a[4] = {a0[0], a0[1], a1[0], a1[1]}, b[4] = {b0[0], b0[1], b1[0], b1[1]};
  constexpr uint64_t kMul = 0xff51afd7ed558ccdULL;
  uint64_t r = n;
  for (int k = 0; k < 4; ++k) {
    r = (r ^ a[k]) * kMul;
    r ^= r >> 29;
    r = (r ^ b[k]) * kMul;
    r ^= r >> 29;
  }
  for (; i < n; ++i) r = (r ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
  return r;
}

class Writer {
 public:
  void u64(uint64_t v) { buf.append(reinterpret_cast<const char*>(&v), 8); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void u8(uint8_t v) { buf.push_back(static_cast<char>(v)); }
  void str(std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    buf.append(reinterpret_cast<const char*>(&n), 4);
    buf.append(s.data(), s.size());
  }
  void opt_str(const std::optional<std::string>& s) {
    u8(s ? 1 : 0);
    if (s) str(*s);
  }
  void json(const Json& j) { str(j.is_null() || (j.is_object() && j.empty()) ? "" : j.dump()); }
  std::string buf;
};

class Reader {
 public:
  Reader(const char* p, size_t n) : begin_(p), p_(p), end_(p + n) {}
  bool ok() const { return ok_; }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  void seek(size_t off) {
    if (off > static_cast<size_t>(end_ - begin_))
      ok_ = false;
    else
      p_ = begin_ + off;
  }
  uint64_t u64() {
    uint64_t v = 0;
    if (need(8)) memcpy(&v, p_, 8), p_ += 8;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  uint8_t u8() { return need(1) ? static_cast<uint8_t>(*p_++) : 0; }
  std::string_view view() {
    uint32_t n = 0;
    if (!need(4)) return {};
    memcpy(&n, p_, 4);
    p_ += 4;
    if (!need(n)) return {};
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string str() { return std::string(view()); }
  void skip(size_t n) {
    if (need(n)) p_ += n;
  }
  std::optional<std::string> opt_str() {
    if (u8() == 0) return std::nullopt;
    return str();
  }
  Json json() {
    std::string_view s = view();
    if (s.empty()) return Json();
    Json j = Json::parse(s, nullptr, false);
    if (j.is_discarded()) ok_ = false;
    return j;
  }

 private:
  bool need(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) ok_ = false;
    return ok_;
  }
  const char* begin_;
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

struct EncodedCache {
  std::string payload;
  uint64_t instances_at = 0, claims_at = 0;
};

void encode_instance_record(Writer& w, const Instance& i) {
  w.str(i.id);
  w.str(i.tool);
  w.str(i.project);
  w.i64(i.pid);
  w.i64(i.sid);
  w.i64(i.sid_start);
  w.str(i.status);
  w.opt_str(i.current_task);
  w.opt_str(i.beads_issue);
  w.i64(i.started_at);
  w.i64(i.last_heartbeat);
  w.json(i.extra);
  size_t bytes_at = w.buf.size();
  w.u64(0);  // byte count of the list, patched below
  w.u64(i.claims.size());
  for (const auto& c : i.claims) w.str(c);
  uint64_t bytes = w.buf.size() - bytes_at - 8;
  memcpy(w.buf.data() + bytes_at, &bytes, 8);
}

void encode_claim_record(Writer& w, const Claim& c) {
  w.str(c.project);
  w.u8(static_cast<uint8_t>(c.type));
  w.str(c.target);
  w.str(c.id);
  w.str(c.instance_id);
  w.u8(c.exclusive ? 1 : 0);
  w.i64(c.claimed_at);
  w.u8(c.expires_at ? 1 : 0);
  w.i64(c.expires_at.value_or(0));
  w.json(c.extra);
}

EncodedCache encode_cache_payload(const State& s) {
  Writer w;
  w.buf.reserve(64 + s.instances.size() * 200 + s.claims.size() * 140);
  w.i64(s.schema_version);
  w.u64(s.seq);
  w.json(s.extra);
  w.u64(s.legacy_context.size());
  for (const auto& n : s.legacy_context) w.str(encode_note_line(n));
  EncodedCache out;
  out.instances_at = w.buf.size();
  w.u64(s.instances.size());
  for (const auto& [id, i] : s.instances) encode_instance_record(w, i);
  out.claims_at = w.buf.size();
  w.u64(s.claims.size());
  for (const auto& [id, c] : s.claims) encode_claim_record(w, c);
  out.payload = std::move(w.buf);
  return out;
}

// One instance record; without `whole` the claim-id list is skipped.
bool decode_instance(Reader& r, Instance* i, bool whole, size_t payload_size) {
  i->id = r.str();
  i->tool = r.str();
  i->project = r.str();
  i->pid = r.i64();
  i->sid = r.i64();
  i->sid_start = r.i64();
  i->status = r.str();
  i->current_task = r.opt_str();
  i->beads_issue = r.opt_str();
  i->started_at = r.i64();
  i->last_heartbeat = r.i64();
  i->extra = r.json();
  uint64_t bytes = r.u64();
  if (!whole) {
    r.skip(bytes);
    return r.ok();
  }
  uint64_t nc = r.u64();
  if (nc > payload_size) return false;
  i->claims.reserve(nc);
  for (uint64_t m = 0; m < nc && r.ok(); ++m) i->claims.push_back(r.str());
  return r.ok();
}

// The claim-id list of an instance record, read from its start.
bool decode_instance_claims(Reader& r, std::vector<std::string>* out, size_t payload_size) {
  Instance scratch;
  if (!decode_instance(r, &scratch, true, payload_size)) return false;
  *out = std::move(scratch.claims);
  return true;
}

// The head of a claim record: what a focus tests.
struct ClaimHead {
  std::string_view project;
  ClaimType type = ClaimType::kFile;
  std::string_view target;
};

bool read_claim_head(Reader& r, ClaimHead* h) {
  h->project = r.view();
  uint8_t t = r.u8();
  if (t > 3) return false;
  h->type = static_cast<ClaimType>(t);
  h->target = r.view();
  return r.ok();
}

// The rest of a claim record: materialised into *c, or just skipped.
bool read_claim_rest(Reader& r, const ClaimHead& h, Claim* c) {
  if (!c) {
    r.view();  // id
    r.view();  // instance id
    r.skip(1 + 8 + 1 + 8);
    r.view();  // extra
    return r.ok();
  }
  c->project = std::string(h.project);
  c->type = h.type;
  c->target = std::string(h.target);
  c->id = r.str();
  c->instance_id = r.str();
  c->exclusive = r.u8() != 0;
  c->claimed_at = r.i64();
  bool has_exp = r.u8() != 0;
  int64_t exp = r.i64();
  if (has_exp) c->expires_at = exp;
  c->extra = r.json();
  return r.ok();
}

bool decode_cache_payload(const char* p, size_t n, State* out) {
  Reader r(p, n);
  State s;
  s.schema_version = r.i64();
  s.seq = r.u64();
  s.extra = r.json();
  uint64_t nl = r.u64();
  for (uint64_t k = 0; k < nl && r.ok(); ++k) {
    Json j = Json::parse(r.view(), nullptr, false);
    Note note;
    if (j.is_discarded() || !note_from_json(j, &note)) return false;
    s.legacy_context.push_back(std::move(note));
  }
  uint64_t ni = r.u64();
  for (uint64_t k = 0; k < ni && r.ok(); ++k) {
    Instance i;
    if (!decode_instance(r, &i, true, n)) return false;
    std::string key = i.id;
    s.instances.emplace_hint(s.instances.end(), std::move(key), std::move(i));
  }
  uint64_t nc = r.u64();
  for (uint64_t k = 0; k < nc && r.ok(); ++k) {
    ClaimHead h;
    Claim c;
    if (!read_claim_head(r, &h) || !read_claim_rest(r, h, &c)) return false;
    std::string key = c.id;
    s.claims.emplace_hint(s.claims.end(), std::move(key), std::move(c));
  }
  if (!r.ok()) return false;
  *out = std::move(s);
  return true;
}

// A read-only mapping of a whole file (state.cache is only ever replaced by
// rename, never rewritten in place, so the mapping stays valid).
class Mapping {
 public:
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (p_) munmap(p_, n_);
  }
  bool open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    Fd f(fd);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0) return false;
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return false;
    p_ = p;
    n_ = static_cast<size_t>(st.st_size);
    return true;
  }
  const char* data() const { return static_cast<const char*>(p_); }
  size_t size() const { return n_; }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

// A state.cache that matches a state.json: header checked, payload verified.
struct CacheView {
  Mapping map;
  CacheHeader h{};
  const char* payload = nullptr;
};

bool open_cache(const std::string& path, const FileId& want, CacheView* v) {
  if (!v->map.open(path) || v->map.size() < sizeof(CacheHeader)) return false;
  memcpy(&v->h, v->map.data(), sizeof v->h);
  const CacheHeader& h = v->h;
  if (memcmp(h.magic, kCacheMagic, 8) != 0 || !(h.state == want) ||
      h.payload_size != v->map.size() - sizeof h || h.instances_at > h.payload_size ||
      h.claims_at > h.payload_size || h.instances_at > h.claims_at)
    return false;
  v->payload = v->map.data() + sizeof h;
  return checksum(v->payload, h.payload_size) == h.checksum;
}

// Where one record of a cache section lies.
struct RecordSpan {
  std::string_view id;
  size_t begin = 0, end = 0;
};

// The instance records of a cache, in id order, without decoding them.
bool index_instances(const CacheView& v, std::vector<RecordSpan>* out) {
  Reader r(v.payload, v.h.payload_size);
  r.seek(v.h.instances_at);
  uint64_t n = r.u64();
  out->reserve(std::min<uint64_t>(n, v.h.payload_size));
  for (uint64_t k = 0; k < n && r.ok(); ++k) {
    RecordSpan sp;
    sp.begin = r.offset();
    sp.id = r.view();
    r.view();  // tool
    r.view();  // project
    r.skip(3 * 8);
    r.view();  // status
    for (int opt = 0; opt < 2; ++opt)
      if (r.u8()) r.view();
    r.skip(2 * 8);
    r.view();  // extra
    r.skip(r.u64());
    sp.end = r.offset();
    out->push_back(sp);
  }
  return r.ok() && r.offset() == v.h.claims_at;
}

// The claim records of a cache, in id order, without decoding them.
bool index_claims(const CacheView& v, std::vector<RecordSpan>* out) {
  Reader r(v.payload, v.h.payload_size);
  r.seek(v.h.claims_at);
  uint64_t n = r.u64();
  out->reserve(std::min<uint64_t>(n, v.h.payload_size));
  for (uint64_t k = 0; k < n && r.ok(); ++k) {
    RecordSpan sp;
    sp.begin = r.offset();
    ClaimHead head;
    if (!read_claim_head(r, &head)) return false;
    Reader peek = r;
    sp.id = peek.view();
    if (!read_claim_rest(r, head, nullptr)) return false;
    sp.end = r.offset();
    out->push_back(sp);
  }
  return r.ok() && r.offset() == v.h.payload_size;
}

const RecordSpan* find_span(const std::vector<RecordSpan>& spans, std::string_view id) {
  auto it = std::lower_bound(spans.begin(), spans.end(), id,
                             [](const RecordSpan& sp, std::string_view v) { return sp.id < v; });
  return it != spans.end() && it->id == id ? &*it : nullptr;
}

// Copies a section's records into w, replacing the ones in `touched` by
// their value in `now` (or dropping them when `now` lacks them) and adding
// the touched ids the section did not have, all in id order. Returns the
// number of records written.
template <typename T, typename Encode>
uint64_t merge_section(const CacheView& v, const std::vector<RecordSpan>& spans,
                       const std::set<std::string>& touched, const std::map<std::string, T>& now,
                       Writer& w, Encode encode) {
  uint64_t count = 0;
  auto emit = [&](const std::string& id) {
    auto it = now.find(id);
    if (it == now.end()) return;
    encode(w, it->second);
    ++count;
  };
  auto t = touched.begin();
  for (const RecordSpan& sp : spans) {
    for (; t != touched.end() && std::string_view(*t) < sp.id; ++t) emit(*t);
    if (t != touched.end() && *t == sp.id) {
      emit(*t++);
      continue;
    }
    w.buf.append(v.payload + sp.begin, sp.end - sp.begin);
    ++count;
  }
  for (; t != touched.end(); ++t) emit(*t);
  return count;
}

// The cache `v` with `ops` applied in order, as a new payload at `seq`.
// Only the records the ops touch are decoded and encoded again; the rest is
// copied as it is, so this costs little more than writing the file.
bool patch_cache_payload(const CacheView& v, const std::vector<const Op*>& ops, uint64_t seq,
                         EncodedCache* out) {
  std::vector<RecordSpan> inst, claims;
  if (!index_instances(v, &inst) || !index_claims(v, &claims)) return false;
  std::set<std::string> touched_inst, touched_claims;
  for (const Op* op : ops) {
    switch (op->kind) {
      case Op::kPutInstance:
        touched_inst.insert(op->instance.id);
        break;
      case Op::kDelInstance:
      case Op::kHeartbeat:
        touched_inst.insert(op->id);
        break;
      case Op::kPutClaim:
        touched_claims.insert(op->claim.id);
        break;
      case Op::kDelClaim:
        touched_claims.insert(op->id);
        break;
    }
  }
  // The touched records as they are in the cache, then as the ops leave them.
  State now;
  for (const auto& id : touched_inst) {
    const RecordSpan* sp = find_span(inst, id);
    if (!sp) continue;
    Reader r(v.payload, v.h.payload_size);
    r.seek(sp->begin);
    Instance i;
    if (!decode_instance(r, &i, true, v.h.payload_size)) return false;
    now.instances.emplace(id, std::move(i));
  }
  for (const auto& id : touched_claims) {
    const RecordSpan* sp = find_span(claims, id);
    if (!sp) continue;
    Reader r(v.payload, v.h.payload_size);
    r.seek(sp->begin);
    ClaimHead head;
    Claim c;
    if (!read_claim_head(r, &head) || !read_claim_rest(r, head, &c)) return false;
    now.claims.emplace(id, std::move(c));
  }
  for (const Op* op : ops) apply_op(&now, *op);

  Writer w;
  w.buf.reserve(v.h.payload_size + 4096);
  w.buf.append(v.payload, v.h.instances_at);  // schemaVersion, seq, extra, no notes
  memcpy(w.buf.data() + 8, &seq, 8);
  out->instances_at = w.buf.size();
  w.u64(0);
  uint64_t ni = merge_section(v, inst, touched_inst, now.instances, w, encode_instance_record);
  memcpy(w.buf.data() + out->instances_at, &ni, 8);
  out->claims_at = w.buf.size();
  w.u64(0);
  uint64_t nc = merge_section(v, claims, touched_claims, now.claims, w, encode_claim_record);
  memcpy(w.buf.data() + out->claims_at, &nc, 8);
  out->payload = std::move(w.buf);
  return true;
}

// ---------------------------------------------------------------- text
// JSON holds text, not bytes: a string that is not UTF-8 would be written as
// it is and then refused by every parser, making state.json (or the log)
// unreadable. So no such string is ever stored.

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += n;
  }
  return true;
}

Status check_text(std::string_view what, std::string_view s) {
  if (valid_utf8(s)) return Status::ok();
  std::string shown;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      shown.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      snprintf(buf, sizeof buf, "\\x%02x", c);
      shown += buf;
    }
  }
  return Status::invalid(std::string(what) + " '" + shown + "' is not valid UTF-8");
}

Status check_ops_text(const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    AIO_RETURN_IF_ERROR(check_text("id", op.id));
    const Instance& i = op.instance;
    for (const std::string* f : {&i.id, &i.tool, &i.project, &i.status})
      AIO_RETURN_IF_ERROR(check_text("instance field", *f));
    for (const auto* f : {&i.current_task, &i.beads_issue})
      if (*f) AIO_RETURN_IF_ERROR(check_text("task", **f));
    for (const auto& c : i.claims) AIO_RETURN_IF_ERROR(check_text("claim id", c));
    const Claim& c = op.claim;
    AIO_RETURN_IF_ERROR(check_text("claim id", c.id));
    AIO_RETURN_IF_ERROR(check_text("instance id", c.instance_id));
    AIO_RETURN_IF_ERROR(check_text("target", c.target));
    AIO_RETURN_IF_ERROR(check_text("project", c.project));
  }
  return Status::ok();
}

Status check_notes_text(const std::vector<Note>& notes) {
  for (const Note& n : notes)
    for (const std::string* f :
         {&n.id, &n.project, &n.category, &n.content, &n.source_instance, &n.source_tool})
      AIO_RETURN_IF_ERROR(check_text("note text", *f));
  return Status::ok();
}

FileId file_id(const struct stat& st) {
  FileId id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

// What load_locked() learnt besides the state.
struct LoadInfo {
  FileId state_id;            // identity of state.json (zeros when missing)
  uint64_t state_size = 0;    // bytes of the checkpoint
  uint64_t journal_end = 0;   // offset just past the last complete journal line
  uint64_t journal_size = 0;  // current size including any torn tail
  uint64_t cache_offset = 0;  // journal offset the cache already covers
  bool cache_valid = false;
  bool journal_foreign = false;  // journal belongs to another checkpoint
};

// One journal line: the ops that turn state seq-1 into seq.
struct JournalEntry {
  uint64_t seq = 0;
  std::vector<Op> ops;
};

// What a focused load learnt besides LoadInfo, for a focused commit.
struct FocusInfo {
  CacheView cache;
  Focus focus;
  std::unordered_set<std::string> whole;     // instances loaded with their claims list
  std::vector<JournalEntry> entries;         // the journal past the cache
  std::vector<const JournalEntry*> applied;  // the entries that continue it
};

bool focus_keeps(const Focus& f, const ClaimHead& h) {
  return !f.keep || f.keep(h.project, h.type, h.target);
}

class FileStore final : public Store {
 public:
  FileStore(std::string home, FileStoreOptions opts)
      : home_(std::move(home)),
        opts_(opts),
        state_path_(home_ + "/state.json"),
        journal_path_(home_ + "/journal.jsonl"),
        cache_path_(home_ + "/state.cache"),
        context_path_(home_ + "/context.jsonl") {}

  std::string where() const override { return home_; }

  Result<State> load() override {
    auto lock = FileLock::acquire(home_ + "/state.lock", false);
    if (!lock) return lock.status();
    return load_shared_locked();
  }

  Result<State> load_focused(const FocusPlanner& plan) override {
    auto lock = FileLock::acquire(home_ + "/state.lock", false);
    if (!lock) return lock.status();
    State s;
    LoadInfo info;
    FocusInfo fi;
    bool focused = false;
    AIO_RETURN_IF_ERROR(load_focused_locked(plan, &s, &info, &fi, &focused));
    if (focused) return s;
    return load_shared_locked();
  }

  Status update(const std::function<Status(Txn&)>& fn) override {
    auto lock = FileLock::acquire(home_ + "/state.lock", true);
    if (!lock) return lock.status();
    return update_locked(fn);
  }

  Status update_focused(const FocusPlanner& plan, const std::function<Status(Txn&)>& fn) override {
    auto lock = FileLock::acquire(home_ + "/state.lock", true);
    if (!lock) return lock.status();
    // Only a journal append can commit a focused transaction: small states
    // are checkpointed on every write, which needs the whole state.
    State s;
    LoadInfo info;
    bool have_state = false;
    AIO_RETURN_IF_ERROR(stat_state(&info, &have_state));
    if (!have_state || info.state_size < opts_.checkpoint_every_write_bytes)
      return update_locked(fn);
    FocusInfo fi;
    bool focused = false;
    AIO_RETURN_IF_ERROR(load_focused_locked(plan, &s, &info, &fi, &focused));
    if (!focused) return update_locked(fn);
    Txn txn(&s);
    AIO_RETURN_IF_ERROR(fn(txn));  // a refusal on the focused state is the same refusal
    AIO_RETURN_IF_ERROR(check_ops_text(txn.ops()));
    AIO_RETURN_IF_ERROR(check_notes_text(txn.notes()));
    if (txn.ops().empty()) return add_notes(txn.notes());
    std::string line = encode_journal_line(s.seq + 1, txn.ops());
    if (!focused_commit_ok(txn, fi) ||
        info.journal_end + line.size() >
            std::max<uint64_t>(opts_.min_journal_bytes, info.state_size / 2)) {
      spdlog::debug("store: focused transaction needs the whole state; running it again");
      return update_locked(fn);
    }
    s.seq += 1;
    AIO_RETURN_IF_ERROR(append_journal(line, info));
    uint64_t end = info.journal_end + line.size();
    if (end - info.cache_offset > opts_.cache_lag_bytes) {
      // Bring the cache up to this line by patching in the journal's ops and
      // ours (best effort, like every cache write).
      std::vector<const Op*> ops;
      for (const JournalEntry* e : fi.applied)
        for (const Op& op : e->ops) ops.push_back(&op);
      for (const Op& op : txn.ops()) ops.push_back(&op);
      EncodedCache enc;
      if (patch_cache_payload(fi.cache, ops, s.seq, &enc)) {
        write_cache_payload(enc, info.state_id, s.seq, end, ".tmp");
        spdlog::debug("store: cache patched to seq {} ({} ops)", s.seq, ops.size());
      }
    }
    spdlog::debug("store: committed seq {} ({} ops, focused journal)", s.seq, txn.ops().size());
    return add_notes(txn.notes());
  }

  Status add_notes(const std::vector<Note>& notes) override {
    if (notes.empty()) return Status::ok();
    AIO_RETURN_IF_ERROR(check_notes_text(notes));
    return add_notes_locked(notes, false);
  }

  Result<std::vector<Note>> notes(const NoteQuery& q) override {
    // Only the playbook's notes are wanted from the state, never its claims.
    auto st = load_focused([](const State&) {
      Focus none;
      none.keep = [](std::string_view, ClaimType, std::string_view) { return false; };
      return none;
    });
    if (!st) return st.status();
    std::vector<Note> out;
    std::unordered_set<std::string> seen;
    auto keep = [&](const Note& n) {
      if (!q.project.empty() && n.project != q.project) return false;
      if (!q.category.empty() && n.category != q.category) return false;
      if (n.expires_at && *n.expires_at <= q.now) return false;
      return true;
    };
    for (auto& n : st->legacy_context)
      if (keep(n) && seen.insert(n.id).second) out.push_back(n);

    auto lock = FileLock::acquire(home_ + "/context.lock", false);
    if (!lock) return lock.status();
    std::string data;
    Status rs = read_file(context_path_, &data);
    if (!rs) {
      if (rs.code() == Code::kInvalid) return out;  // no log yet
      return rs;
    }
    std::string needle;
    if (!q.project.empty()) {
      needle = "\"project\":";
      append_json_string(&needle, q.project);
    }
    size_t pos = 0, lineno = 0;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;  // torn tail: never acknowledged
      ++lineno;
      std::string_view line(data.data() + pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      if (!needle.empty() && line.find(needle) == std::string_view::npos) continue;
      Json j = Json::parse(line, nullptr, false);
      Note n;
      if (j.is_discarded() || !note_from_json(j, &n))
        return Status::state(context_path_ + ":" + std::to_string(lineno) + ": not a note");
      if (keep(n) && seen.insert(n.id).second) out.push_back(std::move(n));
    }
    return out;
  }

  Result<size_t> prune_notes(int64_t cutoff, int64_t now) override {
    // Move any playbook-era notes into the log first so they are pruned too.
    AIO_RETURN_IF_ERROR(update([](Txn&) { return Status::ok(); }));
    auto lock = FileLock::acquire(home_ + "/context.lock", true);
    if (!lock) return lock.status();
    std::string data;
    Status rs = read_file(context_path_, &data);
    if (!rs) return rs.code() == Code::kInvalid ? Result<size_t>(size_t{0}) : rs;
    std::string kept;
    size_t removed = 0, pos = 0, lineno = 0;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;
      ++lineno;
      std::string_view line(data.data() + pos, nl - pos + 1);
      pos = nl + 1;
      if (line.size() == 1) continue;
      Json j = Json::parse(line, nullptr, false);
      Note n;
      if (j.is_discarded() || !note_from_json(j, &n))
        return Status::state(context_path_ + ":" + std::to_string(lineno) + ": not a note");
      if (n.created_at < cutoff || (n.expires_at && *n.expires_at <= now)) {
        ++removed;
        continue;
      }
      kept.append(line);
    }
    if (removed > 0) AIO_RETURN_IF_ERROR(write_file_atomic(context_path_, kept, 0600));
    return removed;
  }

 private:
  // load() under the shared lock.
  Result<State> load_shared_locked() {
    State s;
    LoadInfo info;
    AIO_RETURN_IF_ERROR(load_locked(&s, &info));
    if (!info.cache_valid || info.journal_end - info.cache_offset > opts_.cache_lag_bytes) {
      // Deterministic given the files, which cannot change under our shared
      // lock, so concurrent readers writing it race harmlessly.
      write_cache(s, info, info.journal_foreign ? 0 : info.journal_end,
                  ".tmp." + std::to_string(getpid()));
    }
    return s;
  }

  // update(fn) under the exclusive lock, on the whole state.
  Status update_locked(const std::function<Status(Txn&)>& fn) {
    State s;
    LoadInfo info;
    AIO_RETURN_IF_ERROR(load_locked(&s, &info));
    Txn txn(&s);
    AIO_RETURN_IF_ERROR(fn(txn));
    AIO_RETURN_IF_ERROR(check_ops_text(txn.ops()));
    AIO_RETURN_IF_ERROR(check_notes_text(txn.notes()));

    bool migrate = !s.legacy_context.empty();
    if (migrate) {
      AIO_RETURN_IF_ERROR(add_notes_locked(s.legacy_context, /*dedupe=*/true));
      s.legacy_context.clear();
    }
    if (txn.ops().empty() && !migrate && !info.journal_foreign) {
      if (!info.cache_valid) write_cache(s, info, info.journal_end, ".tmp");
      return add_notes(txn.notes());
    }
    if (!txn.ops().empty()) s.seq += 1;

    uint64_t line_bytes = 0;
    std::string line;
    if (!txn.ops().empty()) {
      line = encode_journal_line(s.seq, txn.ops());
      line_bytes = line.size();
    }
    // The first write creates state.json, so a journal always continues a
    // checkpoint that exists.
    bool checkpoint = migrate || info.journal_foreign || info.state_id == FileId{} ||
                      info.state_size < opts_.checkpoint_every_write_bytes ||
                      info.journal_end + line_bytes >
                          std::max<uint64_t>(opts_.min_journal_bytes, info.state_size / 2);
    if (checkpoint) {
      AIO_RETURN_IF_ERROR(write_checkpoint(s));
    } else {
      AIO_RETURN_IF_ERROR(append_journal(line, info));
      uint64_t end = info.journal_end + line_bytes;
      if (!info.cache_valid || end - info.cache_offset > opts_.cache_lag_bytes)
        write_cache(s, info, end, ".tmp");
    }
    spdlog::debug("store: committed seq {} ({} ops, {})", s.seq, txn.ops().size(),
                  checkpoint ? "checkpoint" : "journal");
    return add_notes(txn.notes());
  }

  Status stat_state(LoadInfo* info, bool* have_state) {
    struct stat st;
    *have_state = stat(state_path_.c_str(), &st) == 0;
    if (!*have_state && errno != ENOENT) return Status::sys("cannot stat " + state_path_, errno);
    if (*have_state) {
      info->state_id = file_id(st);
      info->state_size = static_cast<uint64_t>(st.st_size);
    }
    return Status::ok();
  }

  Status parse_checkpoint(State* s) {
    std::string text;
    AIO_RETURN_IF_ERROR(read_file(state_path_, &text));
    auto parsed = parse_state_json(text);
    if (!parsed) return Status::state(state_path_ + ": " + parsed.status().message());
    *s = std::move(parsed).value();
    return Status::ok();
  }

  Status load_locked(State* s, LoadInfo* info) {
    bool have_state = false;
    AIO_RETURN_IF_ERROR(stat_state(info, &have_state));
    info->cache_valid = read_cache(info->state_id, s, &info->cache_offset);
    if (!info->cache_valid) {
      info->cache_offset = 0;
      if (have_state) {
        AIO_RETURN_IF_ERROR(parse_checkpoint(s));
      } else {
        *s = State{};
      }
    }
    return replay_journal(s, info);
  }

  // The complete journal lines from info->journal_end on (info->journal_end
  // is advanced past them, info->journal_size set). *cut: the journal is
  // shorter than that offset (it was cut behind the cache's back).
  Status read_journal(LoadInfo* info, std::vector<JournalEntry>* out, bool* cut) {
    *cut = false;
    int fd = open(journal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      info->journal_size = 0;
      if (errno == ENOENT) {
        *cut = info->journal_end > 0;
        return Status::ok();
      }
      return Status::sys("cannot open " + journal_path_, errno);
    }
    Fd f(fd);
    struct stat st;
    if (fstat(fd, &st) != 0) return Status::sys("cannot stat " + journal_path_, errno);
    info->journal_size = static_cast<uint64_t>(st.st_size);
    uint64_t from = info->journal_end;
    if (from > info->journal_size) {
      *cut = true;
      return Status::ok();
    }
    if (from == info->journal_size) return Status::ok();
    std::string data(info->journal_size - from, '\0');
    size_t got = 0;
    while (got < data.size()) {
      ssize_t n = pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(from + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::sys("cannot read " + journal_path_, errno);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    data.resize(got);
    size_t pos = 0;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;  // torn tail: not acknowledged
      std::string_view line(data.data() + pos, nl - pos);
      uint64_t line_start = from + pos;
      pos = nl + 1;
      if (line.empty()) {
        info->journal_end = from + pos;
        continue;
      }
      JournalEntry e;
      if (Status d = decode_journal_line(line, &e.seq, &e.ops); !d)
        return Status::state(journal_path_ + " at byte " + std::to_string(line_start) + ": " +
                             d.message());
      info->journal_end = from + pos;
      out->push_back(std::move(e));
    }
    return Status::ok();
  }

  // The entries that continue a state at *seq, in order (advancing *seq).
  // A line that does not continue it was written against another checkpoint
  // (state.json was replaced by hand): the checkpoint wins, as its author
  // intended, and the rest of the journal is ignored.
  std::vector<const JournalEntry*> continuing(const std::vector<JournalEntry>& entries,
                                              uint64_t* seq, LoadInfo* info) {
    std::vector<const JournalEntry*> out;
    for (const auto& e : entries) {
      if (info->journal_foreign || e.seq <= *seq) continue;
      if (e.seq != *seq + 1) {
        spdlog::warn("store: {} does not continue {} (seq {} after {}); ignoring it", journal_path_,
                     state_path_, e.seq, *seq);
        info->journal_foreign = true;
        continue;
      }
      out.push_back(&e);
      *seq = e.seq;
    }
    return out;
  }

  Status replay_journal(State* s, LoadInfo* info) {
    info->journal_end = info->cache_offset;
    std::vector<JournalEntry> entries;
    bool cut = false;
    AIO_RETURN_IF_ERROR(read_journal(info, &entries, &cut));
    if (cut) {
      // The journal was cut behind the cache's back: fall back to a full load.
      info->cache_valid = false;
      info->cache_offset = 0;
      info->journal_end = 0;
      *s = State{};
      if (file_exists(state_path_)) AIO_RETURN_IF_ERROR(parse_checkpoint(s));
      entries.clear();
      AIO_RETURN_IF_ERROR(read_journal(info, &entries, &cut));
    }
    uint64_t seq = s->seq;
    for (const JournalEntry* e : continuing(entries, &seq, info)) apply_ops(s, e->ops);
    s->seq = seq;
    return Status::ok();
  }

  // The focused load: instances from the mapped cache (claim lists only for
  // the instances the focus names), the journal's instance changes, then
  // only the claims the focus keeps, then the journal's claim changes
  // (instance and claim ops touch different maps, so this order gives what
  // applying each line in turn gives). *focused is false when the files are
  // not in the shape it needs (no valid cache, a journal far ahead of it or
  // foreign, playbook notes to migrate): the caller then loads it all.
  Status load_focused_locked(const FocusPlanner& plan, State* s, LoadInfo* info, FocusInfo* fi,
                             bool* focused) {
    *focused = false;
    bool have_state = false;
    AIO_RETURN_IF_ERROR(stat_state(info, &have_state));
    if (!have_state || !open_cache(cache_path_, info->state_id, &fi->cache)) return Status::ok();
    const CacheHeader& h = fi->cache.h;
    const char* payload = fi->cache.payload;
    info->cache_valid = true;
    info->cache_offset = h.journal_offset;
    info->journal_end = h.journal_offset;
    std::vector<JournalEntry>& entries = fi->entries;
    bool cut = false;
    AIO_RETURN_IF_ERROR(read_journal(info, &entries, &cut));
    if (cut || info->journal_end - info->cache_offset > opts_.cache_lag_bytes) return Status::ok();

    Reader r(payload, h.payload_size);
    State st;
    st.schema_version = r.i64();
    st.seq = r.u64();
    st.extra = r.json();
    if (r.u64() != 0 || !r.ok() || st.seq != h.seq) return Status::ok();  // playbook notes
    uint64_t seq = st.seq;
    fi->applied = continuing(entries, &seq, info);
    const auto& applied = fi->applied;
    if (info->journal_foreign) return Status::ok();

    r.seek(h.instances_at);
    uint64_t ni = r.u64();
    std::vector<std::pair<std::string_view, size_t>> where;  // id -> record offset, id order
    where.reserve(std::min<uint64_t>(ni, h.payload_size));
    for (uint64_t k = 0; k < ni && r.ok(); ++k) {
      size_t at = r.offset();
      Instance i;
      if (!decode_instance(r, &i, false, h.payload_size)) return Status::ok();
      where.emplace_back(std::string_view(payload + at + 4, i.id.size()), at);
      std::string key = i.id;
      st.instances.emplace_hint(st.instances.end(), std::move(key), std::move(i));
    }
    if (!r.ok() || r.offset() != h.claims_at) return Status::ok();
    for (const JournalEntry* e : applied)
      for (const Op& op : e->ops)
        if (op.kind == Op::kPutInstance || op.kind == Op::kDelInstance ||
            op.kind == Op::kHeartbeat) {
          apply_op(&st, op);
          if (op.kind == Op::kPutInstance) fi->whole.insert(op.instance.id);
          if (op.kind == Op::kDelInstance) fi->whole.erase(op.id);
        }

    fi->focus = plan(st);
    for (const auto& id : fi->focus.whole_instances) {
      auto inst = st.instances.find(id);
      if (fi->whole.count(id) || inst == st.instances.end()) continue;
      auto it = std::lower_bound(where.begin(), where.end(), std::string_view(id),
                                 [](const auto& e, std::string_view v) { return e.first < v; });
      if (it == where.end() || it->first != id) continue;  // put by the journal, then deleted
      Reader again(payload, h.payload_size);
      again.seek(it->second);
      if (!decode_instance_claims(again, &inst->second.claims, h.payload_size)) return Status::ok();
      fi->whole.insert(id);
    }

    r.seek(h.claims_at);
    uint64_t nc = r.u64();
    for (uint64_t k = 0; k < nc && r.ok(); ++k) {
      ClaimHead head;
      if (!read_claim_head(r, &head)) return Status::ok();
      if (!focus_keeps(fi->focus, head)) {
        if (!read_claim_rest(r, head, nullptr)) return Status::ok();
        continue;
      }
      Claim c;
      if (!read_claim_rest(r, head, &c)) return Status::ok();
      std::string key = c.id;
      st.claims.emplace_hint(st.claims.end(), std::move(key), std::move(c));
    }
    if (!r.ok()) return Status::ok();
    for (const JournalEntry* e : applied)
      for (const Op& op : e->ops)
        if (op.kind == Op::kPutClaim || op.kind == Op::kDelClaim) apply_op(&st, op);
    st.seq = seq;
    *s = std::move(st);
    *focused = true;
    return Status::ok();
  }

  // Can txn's ops be committed on top of the focused state they were made
  // on? Claims and heartbeats are self-contained; an instance only when it
  // was loaded whole; a new claim id must not belong to a claim left out.
  bool focused_commit_ok(const Txn& txn, const FocusInfo& fi) {
    std::vector<std::string_view> new_ids;
    for (const Op& op : txn.ops()) {
      switch (op.kind) {
        case Op::kPutClaim:
          new_ids.push_back(op.claim.id);
          break;
        case Op::kDelClaim:
        case Op::kHeartbeat:
          break;
        case Op::kPutInstance:
          if (!fi.whole.count(op.instance.id)) return false;
          break;
        case Op::kDelInstance:
          return false;
      }
    }
    if (new_ids.empty()) return true;
    const CacheHeader& h = fi.cache.h;
    Reader r(fi.cache.payload, h.payload_size);
    r.seek(h.claims_at);
    uint64_t nc = r.u64();
    for (uint64_t k = 0; k < nc && r.ok(); ++k) {
      ClaimHead head;
      if (!read_claim_head(r, &head)) return false;
      Reader peek = r;
      std::string_view id = peek.view();
      if (!read_claim_rest(r, head, nullptr)) return false;
      if (std::find(new_ids.begin(), new_ids.end(), id) != new_ids.end() &&
          !focus_keeps(fi.focus, head))
        return false;
    }
    return r.ok();
  }

  bool read_cache(const FileId& want, State* s, uint64_t* journal_offset) {
    CacheView v;
    if (!open_cache(cache_path_, want, &v)) return false;
    if (!decode_cache_payload(v.payload, v.h.payload_size, s)) return false;
    if (s->seq != v.h.seq) return false;
    *journal_offset = v.h.journal_offset;
    return true;
  }

  // Best effort: a cache that fails to write is rebuilt later.
  void write_cache(const State& s, const LoadInfo& info, uint64_t journal_offset,
                   const std::string& tmp_suffix) {
    write_cache_payload(encode_cache_payload(s), info.state_id, s.seq, journal_offset, tmp_suffix);
  }

  void write_cache_payload(const EncodedCache& enc, const FileId& state_id, uint64_t seq,
                           uint64_t journal_offset, const std::string& tmp_suffix) {
    const std::string& payload = enc.payload;
    CacheHeader h;
    memcpy(h.magic, kCacheMagic, 8);
    h.state = state_id;
    h.seq = seq;
    h.journal_offset = journal_offset;
    h.payload_size = payload.size();
    h.checksum = checksum(payload.data(), payload.size());
    h.instances_at = enc.instances_at;
    h.claims_at = enc.claims_at;
    std::string tmp = cache_path_ + tmp_suffix;
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    Fd f(fd);
    if (!write_all(fd, reinterpret_cast<const char*>(&h), sizeof h, tmp) ||
        !write_all(fd, payload.data(), payload.size(), tmp)) {
      unlink(tmp.c_str());
      return;
    }
    if (rename(tmp.c_str(), cache_path_.c_str()) != 0) unlink(tmp.c_str());
  }

  Status write_checkpoint(const State& s) {
    AIO_RETURN_IF_ERROR(write_file_atomic(state_path_, encode_state_json(s), 0600));
    // The journal's lines are all <= s.seq now; cut it.
    if (truncate(journal_path_.c_str(), 0) != 0 && errno != ENOENT)
      return Status::sys("cannot truncate " + journal_path_, errno);
    struct stat st;
    if (stat(state_path_.c_str(), &st) != 0)
      return Status::sys("cannot stat " + state_path_, errno);
    LoadInfo fresh;
    fresh.state_id = file_id(st);
    write_cache(s, fresh, 0, ".tmp");
    return Status::ok();
  }

  Status append_journal(const std::string& line, const LoadInfo& info) {
    int fd = open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::sys("cannot open " + journal_path_, errno);
    Fd f(fd);
    if (info.journal_size > info.journal_end) {
      // A torn line from a writer that died mid-append: it was never
      // acknowledged, so drop it before appending.
      if (ftruncate(fd, static_cast<off_t>(info.journal_end)) != 0)
        return Status::sys("cannot repair " + journal_path_, errno);
    }
    if (lseek(fd, static_cast<off_t>(info.journal_end), SEEK_SET) < 0)
      return Status::sys("cannot seek " + journal_path_, errno);
    AIO_RETURN_IF_ERROR(write_all(fd, line.data(), line.size(), journal_path_));
    if (fdatasync(fd) != 0) return Status::sys("cannot fsync " + journal_path_, errno);
    if (info.journal_size == 0) AIO_RETURN_IF_ERROR(fsync_dir_of(journal_path_));
    return Status::ok();
  }

  Status add_notes_locked(const std::vector<Note>& notes, bool dedupe) {
    auto lock = FileLock::acquire(home_ + "/context.lock", true);
    if (!lock) return lock.status();
    int fd = open(context_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::sys("cannot open " + context_path_, errno);
    Fd f(fd);
    struct stat st;
    if (fstat(fd, &st) != 0) return Status::sys("cannot stat " + context_path_, errno);
    off_t end = st.st_size;
    std::unordered_set<std::string> existing;
    if (end > 0) {
      // Drop a torn tail (a note whose writer died before acknowledging it).
      char last = 0;
      if (pread(fd, &last, 1, end - 1) != 1)
        return Status::sys("cannot read " + context_path_, errno);
      if (last != '\n' || dedupe) {
        std::string data;
        AIO_RETURN_IF_ERROR(read_file(context_path_, &data));
        size_t cut = data.rfind('\n');
        end = cut == std::string::npos ? 0 : static_cast<off_t>(cut + 1);
        if (dedupe) {
          for (size_t pos = 0; pos < static_cast<size_t>(end);) {
            size_t nl = data.find('\n', pos);
            Json j = Json::parse(std::string_view(data).substr(pos, nl - pos), nullptr, false);
            if (j.is_object() && j.contains("id") && j["id"].is_string())
              existing.insert(j["id"].get<std::string>());
            pos = nl + 1;
          }
        }
        if (end != st.st_size && ftruncate(fd, end) != 0)
          return Status::sys("cannot repair " + context_path_, errno);
      }
    }
    std::string buf;
    for (const auto& n : notes)
      if (!dedupe || !existing.count(n.id)) buf += encode_note_line(n);
    if (lseek(fd, end, SEEK_SET) < 0) return Status::sys("cannot seek " + context_path_, errno);
    AIO_RETURN_IF_ERROR(write_all(fd, buf.data(), buf.size(), context_path_));
    if (fdatasync(fd) != 0) return Status::sys("cannot fsync " + context_path_, errno);
    if (st.st_size == 0) AIO_RETURN_IF_ERROR(fsync_dir_of(context_path_));
    return Status::ok();
  }

  std::string home_;
  FileStoreOptions opts_;
  std::string state_path_, journal_path_, cache_path_, context_path_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_file_store(const std::string& home, FileStoreOptions opts) {
  if (home.empty()) return Status::invalid("empty state directory");
  AIO_RETURN_IF_ERROR(make_dirs(home, 0700));
  return std::unique_ptr<Store>(new FileStore(home, opts));
}

}  // namespace aio
