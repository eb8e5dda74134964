// FileStore: whole loads and updates, checkpoints and the cache they leave
// (file_store.h). The focused paths are in file_store_focus.cc.
#include "core/file_store.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/fileio.h"
#include "core/text.h"

namespace aio {

FileStore::FileStore(std::string home, FileStoreOptions opts)
    : home_(std::move(home)),
      opts_(opts),
      state_path_(home_ + "/state.json"),
      cache_path_(home_ + "/state.cache"),
      lock_path_(home_ + "/state.lock"),
      journal_(home_ + "/journal.jsonl"),
      notes_log_(home_ + "/context.jsonl", home_ + "/context.lock") {}

Result<State> FileStore::load() {
  used_recalled_ = false;
  auto lock = FileLock::acquire(lock_path_, false);
  if (!lock) return lock.status();
  return load_shared_locked();
}

Result<State> FileStore::load_focused(const FocusPlanner& plan, const InstancePick& pick) {
  used_recalled_ = false;
  auto lock = FileLock::acquire(lock_path_, false);
  if (!lock) return lock.status();
  State s;
  LoadInfo info;
  FocusInfo fi;
  bool focused = false;
  AIO_RETURN_IF_ERROR(load_focused_locked(plan, pick, &s, &info, &fi, &focused));
  if (!focused) {
    spdlog::debug("store: the files are not in the shape a focused load needs; loading all");
    return load_shared_locked();
  }
  keep_entries(&fi);
  return s;
}

Status FileStore::update(const std::function<Status(Txn&)>& fn) {
  used_recalled_ = false;
  auto lock = FileLock::acquire(lock_path_, true);
  if (!lock) return lock.status();
  return update_locked(fn);
}

Status FileStore::add_notes(const std::vector<Note>& notes) {
  if (notes.empty()) return Status::ok();
  AIO_RETURN_IF_ERROR(check_notes_text(notes));
  return notes_log_.append(notes, /*dedupe=*/false);
}

Result<std::vector<Note>> FileStore::notes(const NoteQuery& q) {
  // Only the playbook's notes are wanted from the state, never its claims
  // or its instances.
  InstancePick nobody;
  nobody.every = false;
  auto st = load_focused([](const State&) { return Focus::none(); }, nobody);
  if (!st) return st.status();
  std::vector<Note> out;
  std::unordered_set<std::string> seen;
  for (auto& n : st->legacy_context)
    if (note_selected(q, n) && seen.insert(n.id).second) out.push_back(n);
  AIO_RETURN_IF_ERROR(notes_log_.query(q, &out, &seen));
  return out;
}

Result<size_t> FileStore::prune_notes(int64_t cutoff, int64_t now) {
  // Move any playbook-era notes into the log first so they are pruned too.
  AIO_RETURN_IF_ERROR(update([](Txn&) { return Status::ok(); }));
  return notes_log_.prune(cutoff, now);
}

// load() under the shared lock.
Result<State> FileStore::load_shared_locked() {
  State s;
  LoadInfo info;
  AIO_RETURN_IF_ERROR(load_locked(&s, &info));
  if (!info.cache_valid || info.journal.end - info.cache_offset > opts_.cache_lag_bytes) {
    // Deterministic given the files, which cannot change under our shared
    // lock, so concurrent readers writing it race harmlessly.
    write_cache(s, info.state_id, info.journal_foreign ? 0 : info.journal.end,
                ".tmp." + std::to_string(getpid()));
  }
  return s;
}

Status FileStore::load_locked(State* s, LoadInfo* info) {
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

// update(fn) under the exclusive lock, on the whole state.
Status FileStore::update_locked(const std::function<Status(Txn&)>& fn) {
  State s;
  HandOff spent(&s, opts_.spent);
  LoadInfo info;
  AIO_RETURN_IF_ERROR(load_locked(&s, &info));
  Txn txn(&s);
  AIO_RETURN_IF_ERROR(fn(txn));
  AIO_RETURN_IF_ERROR(check_ops_text(txn.ops()));
  AIO_RETURN_IF_ERROR(check_notes_text(txn.notes()));

  bool migrate = !s.legacy_context.empty();
  if (migrate) {
    AIO_RETURN_IF_ERROR(notes_log_.append(s.legacy_context, /*dedupe=*/true));
    s.legacy_context.clear();
  }
  if (txn.ops().empty() && !migrate && !info.journal_foreign) {
    if (!info.cache_valid) write_cache(s, info.state_id, info.journal.end, ".tmp");
    return add_notes(txn.notes());
  }
  AIO_RETURN_IF_ERROR(commit_locked(&s, info, txn, migrate));
  return add_notes(txn.notes());
}

// Makes txn's ops (already applied to *s) durable: a journal line, or a new
// checkpoint when the state is small, the journal has grown large, or the
// state.json must be rewritten anyway.
Status FileStore::commit_locked(State* s, const LoadInfo& info, const Txn& txn, bool migrate) {
  std::string line;
  if (!txn.ops().empty()) line = encode_journal_line(++s->seq, txn.ops());
  // The first write creates state.json, so a journal always continues a
  // checkpoint that exists.
  bool checkpoint = migrate || info.journal_foreign || info.state_id == FileId{} ||
                    info.state_size < opts_.checkpoint_every_write_bytes ||
                    info.journal.end + line.size() >
                        std::max<uint64_t>(opts_.min_journal_bytes, info.state_size / 2);
  if (checkpoint) {
    AIO_RETURN_IF_ERROR(write_checkpoint(*s));
  } else {
    AIO_RETURN_IF_ERROR(journal_.append(line, info.journal));
    uint64_t end = info.journal.end + line.size();
    if (!info.cache_valid || end - info.cache_offset > opts_.cache_lag_bytes)
      write_cache(*s, info.state_id, end, ".tmp");
  }
  spdlog::debug("store: committed seq {} ({} ops, {})", s->seq, txn.ops().size(),
                checkpoint ? "checkpoint" : "journal");
  return Status::ok();
}

Status FileStore::stat_state(LoadInfo* info, bool* have_state) {
  struct stat st;
  *have_state = stat(state_path_.c_str(), &st) == 0;
  if (!*have_state && errno != ENOENT) return Status::sys("cannot stat " + state_path_, errno);
  if (*have_state) {
    info->state_id = file_id(st);
    info->state_size = static_cast<uint64_t>(st.st_size);
  }
  return Status::ok();
}

Status FileStore::parse_checkpoint(State* s) {
  std::string text;
  AIO_RETURN_IF_ERROR(read_file(state_path_, &text));
  auto parsed = parse_state_json(text);
  if (!parsed) return Status::state(state_path_ + ": " + parsed.status().message());
  *s = std::move(parsed).value();
  return Status::ok();
}

Status FileStore::replay_journal(State* s, LoadInfo* info) {
  info->journal.end = info->cache_offset;
  std::vector<JournalEntry> entries;
  bool cut = false;
  AIO_RETURN_IF_ERROR(journal_.read(&info->journal, &entries, &cut));
  if (cut) {
    // The journal was cut behind the cache's back: fall back to a full load.
    info->cache_valid = false;
    info->cache_offset = 0;
    info->journal.end = 0;
    *s = State{};
    if (file_exists(state_path_)) AIO_RETURN_IF_ERROR(parse_checkpoint(s));
    entries.clear();
    AIO_RETURN_IF_ERROR(journal_.read(&info->journal, &entries, &cut));
  }
  uint64_t seq = s->seq;
  for (const JournalEntry* e : journal_.continuing(entries, &seq, &info->journal_foreign))
    apply_ops(s, e->ops);
  s->seq = seq;
  return Status::ok();
}

bool FileStore::read_cache(const FileId& want, State* s, uint64_t* journal_offset) {
  CacheFile cache;
  if (!cache.open(cache_path_, want) || !cache.image().decode(s)) return false;
  s->seq = cache.header().seq;
  *journal_offset = cache.header().journal_offset;
  return true;
}

// Best effort: a cache that fails to write is rebuilt later.
void FileStore::write_cache(const State& s, const FileId& state_id, uint64_t journal_offset,
                            const std::string& tmp_suffix) {
  write_cache_file(cache_path_, tmp_suffix, encode_cache_payload(s), state_id, s.seq,
                   journal_offset);
}

Status FileStore::write_checkpoint(const State& s) {
  AIO_RETURN_IF_ERROR(write_file_atomic(state_path_, encode_state_json(s), 0600));
  AIO_RETURN_IF_ERROR(journal_.clear());  // its lines are all <= s.seq now
  struct stat st;
  if (stat(state_path_.c_str(), &st) != 0) return Status::sys("cannot stat " + state_path_, errno);
  write_cache(s, file_id(st), 0, ".tmp");
  return Status::ok();
}

Result<std::unique_ptr<Store>> open_file_store(const std::string& home, FileStoreOptions opts) {
  if (home.empty()) return Status::invalid("empty state directory");
  AIO_RETURN_IF_ERROR(make_dirs(home, 0700));
  return std::unique_ptr<Store>(new FileStore(home, opts));
}

}  // namespace aio
