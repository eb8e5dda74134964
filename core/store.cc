#include "core/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
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

constexpr char kCacheMagic[8] = {'A', 'I', 'O', 'C', 'A', 'C', 'H', '2'};

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
};

uint64_t checksum(const char* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
  return h;
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
  Reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  bool ok() const { return ok_; }
  uint64_t u64() {
    uint64_t v = 0;
    if (need(8)) memcpy(&v, p_, 8), p_ += 8;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  uint8_t u8() { return need(1) ? static_cast<uint8_t>(*p_++) : 0; }
  std::string str() {
    uint32_t n = 0;
    if (!need(4)) return {};
    memcpy(&n, p_, 4);
    p_ += 4;
    if (!need(n)) return {};
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  std::optional<std::string> opt_str() {
    if (u8() == 0) return std::nullopt;
    return str();
  }
  Json json() {
    std::string s = str();
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
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

std::string encode_cache_payload(const State& s) {
  Writer w;
  w.buf.reserve(64 + s.instances.size() * 200 + s.claims.size() * 140);
  w.i64(s.schema_version);
  w.u64(s.seq);
  w.json(s.extra);
  w.u64(s.legacy_context.size());
  for (const auto& n : s.legacy_context) w.str(encode_note_line(n));
  w.u64(s.instances.size());
  for (const auto& [id, i] : s.instances) {
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
    w.u64(i.claims.size());
    for (const auto& c : i.claims) w.str(c);
    w.json(i.extra);
  }
  w.u64(s.claims.size());
  for (const auto& [id, c] : s.claims) {
    w.str(c.id);
    w.str(c.instance_id);
    w.u8(static_cast<uint8_t>(c.type));
    w.str(c.target);
    w.str(c.project);
    w.u8(c.exclusive ? 1 : 0);
    w.i64(c.claimed_at);
    w.u8(c.expires_at ? 1 : 0);
    w.i64(c.expires_at.value_or(0));
    w.json(c.extra);
  }
  return std::move(w.buf);
}

bool decode_cache_payload(const char* p, size_t n, State* out) {
  Reader r(p, n);
  State s;
  s.schema_version = r.i64();
  s.seq = r.u64();
  s.extra = r.json();
  uint64_t nl = r.u64();
  for (uint64_t k = 0; k < nl && r.ok(); ++k) {
    Json j = Json::parse(r.str(), nullptr, false);
    Note note;
    if (j.is_discarded() || !note_from_json(j, &note)) return false;
    s.legacy_context.push_back(std::move(note));
  }
  uint64_t ni = r.u64();
  for (uint64_t k = 0; k < ni && r.ok(); ++k) {
    Instance i;
    i.id = r.str();
    i.tool = r.str();
    i.project = r.str();
    i.pid = r.i64();
    i.sid = r.i64();
    i.sid_start = r.i64();
    i.status = r.str();
    i.current_task = r.opt_str();
    i.beads_issue = r.opt_str();
    i.started_at = r.i64();
    i.last_heartbeat = r.i64();
    uint64_t nc = r.u64();
    if (nc > n) return false;
    i.claims.reserve(nc);
    for (uint64_t m = 0; m < nc && r.ok(); ++m) i.claims.push_back(r.str());
    i.extra = r.json();
    std::string key = i.id;
    s.instances.emplace_hint(s.instances.end(), std::move(key), std::move(i));
  }
  uint64_t nc = r.u64();
  for (uint64_t k = 0; k < nc && r.ok(); ++k) {
    Claim c;
    c.id = r.str();
    c.instance_id = r.str();
    uint8_t t = r.u8();
    if (t > 3) return false;
    c.type = static_cast<ClaimType>(t);
    c.target = r.str();
    c.project = r.str();
    c.exclusive = r.u8() != 0;
    c.claimed_at = r.i64();
    bool has_exp = r.u8() != 0;
    int64_t exp = r.i64();
    if (has_exp) c.expires_at = exp;
    c.extra = r.json();
    std::string key = c.id;
    s.claims.emplace_hint(s.claims.end(), std::move(key), std::move(c));
  }
  if (!r.ok()) return false;
  *out = std::move(s);
  return true;
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

  Status update(const std::function<Status(Txn&)>& fn) override {
    auto lock = FileLock::acquire(home_ + "/state.lock", true);
    if (!lock) return lock.status();
    State s;
    LoadInfo info;
    AIO_RETURN_IF_ERROR(load_locked(&s, &info));
    Txn txn(&s);
    AIO_RETURN_IF_ERROR(fn(txn));

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

  Status add_notes(const std::vector<Note>& notes) override {
    if (notes.empty()) return Status::ok();
    return add_notes_locked(notes, false);
  }

  Result<std::vector<Note>> notes(const NoteQuery& q) override {
    auto st = load();
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
  Status load_locked(State* s, LoadInfo* info) {
    struct stat st;
    bool have_state = stat(state_path_.c_str(), &st) == 0;
    if (!have_state && errno != ENOENT) return Status::sys("cannot stat " + state_path_, errno);
    if (have_state) {
      info->state_id = file_id(st);
      info->state_size = static_cast<uint64_t>(st.st_size);
    }
    info->cache_valid = read_cache(info->state_id, s, &info->cache_offset);
    if (!info->cache_valid) {
      info->cache_offset = 0;
      if (have_state) {
        std::string text;
        AIO_RETURN_IF_ERROR(read_file(state_path_, &text));
        auto parsed = parse_state_json(text);
        if (!parsed) return Status::state(state_path_ + ": " + parsed.status().message());
        *s = std::move(parsed).value();
      } else {
        *s = State{};
      }
    }
    return replay_journal(s, info);
  }

  Status replay_journal(State* s, LoadInfo* info) {
    int fd = open(journal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::ok();
      return Status::sys("cannot open " + journal_path_, errno);
    }
    Fd f(fd);
    struct stat st;
    if (fstat(fd, &st) != 0) return Status::sys("cannot stat " + journal_path_, errno);
    info->journal_size = static_cast<uint64_t>(st.st_size);
    uint64_t from = info->cache_offset;
    if (from > info->journal_size) {
      // The journal was cut behind the cache's back: fall back to a full load.
      info->cache_valid = false;
      info->cache_offset = 0;
      std::string text;
      *s = State{};
      if (file_exists(state_path_)) {
        AIO_RETURN_IF_ERROR(read_file(state_path_, &text));
        auto parsed = parse_state_json(text);
        if (!parsed) return Status::state(state_path_ + ": " + parsed.status().message());
        *s = std::move(parsed).value();
      }
      from = 0;
    }
    info->journal_end = from;
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
    std::vector<Op> ops;
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
      uint64_t seq = 0;
      if (Status d = decode_journal_line(line, &seq, &ops); !d)
        return Status::state(journal_path_ + " at byte " + std::to_string(line_start) + ": " +
                             d.message());
      info->journal_end = from + pos;
      if (info->journal_foreign || seq <= s->seq) continue;
      if (seq != s->seq + 1) {
        // Written against another checkpoint (state.json was replaced by
        // hand): the checkpoint wins, as its author intended.
        spdlog::warn("store: {} does not continue {} (seq {} after {}); ignoring it",
                     journal_path_, state_path_, seq, s->seq);
        info->journal_foreign = true;
        continue;
      }
      apply_ops(s, ops);
      s->seq = seq;
    }
    return Status::ok();
  }

  bool read_cache(const FileId& want, State* s, uint64_t* journal_offset) {
    std::string data;
    if (!read_file(cache_path_, &data)) return false;
    if (data.size() < sizeof(CacheHeader)) return false;
    CacheHeader h;
    memcpy(&h, data.data(), sizeof h);
    if (memcmp(h.magic, kCacheMagic, 8) != 0 || !(h.state == want) ||
        h.payload_size != data.size() - sizeof h)
      return false;
    const char* payload = data.data() + sizeof h;
    if (checksum(payload, h.payload_size) != h.checksum) return false;
    if (!decode_cache_payload(payload, h.payload_size, s)) return false;
    if (s->seq != h.seq) return false;
    *journal_offset = h.journal_offset;
    return true;
  }

  // Best effort: a cache that fails to write is rebuilt later.
  void write_cache(const State& s, const LoadInfo& info, uint64_t journal_offset,
                   const std::string& tmp_suffix) {
    std::string payload = encode_cache_payload(s);
    CacheHeader h;
    memcpy(h.magic, kCacheMagic, 8);
    h.state = info.state_id;
    h.seq = s.seq;
    h.journal_offset = journal_offset;
    h.payload_size = payload.size();
    h.checksum = checksum(payload.data(), payload.size());
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
    if (stat(state_path_.c_str(), &st) != 0) return Status::sys("cannot stat " + state_path_, errno);
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
      if (pread(fd, &last, 1, end - 1) != 1) return Status::sys("cannot read " + context_path_, errno);
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
