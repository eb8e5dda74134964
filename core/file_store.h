// FileStore: the embedded Store (store.h, open_file_store), in files under
// $AIO_HOME (lock order: state.lock before context.lock):
//   state.json     checkpoint in the original playbook's schema (codec.h;
//                  human-editable)
//   journal.jsonl  transactions since the checkpoint (journal.h)
//   state.cache    image of checkpoint + journal prefix (cache.h; a cache: it
//                  is rebuilt whenever it does not match state.json)
//   context.jsonl  the notes (notes_log.h)
//   state.lock, context.lock   flock(2) targets (released by the kernel on death)
// Readers hold state.lock shared, writers exclusive. Small states are
// checkpointed on every write so state.json is always current; once
// state.json exceeds checkpoint_every_write_bytes, writes go to the journal
// and the checkpoint is rewritten when the journal has grown to half its
// size (at least min_journal_bytes), which keeps claims O(1) in the size of
// the state.
// Focused loads (file_store_focus.cc) map state.cache and materialise only
// what the focus keeps (a claim's type, target and project are read in
// place; with the focus's ranges, only the claims the cache's claim index
// finds there are looked at); a focused update appends its journal line without decoding the
// rest, and patches the cache only when the journal has run cache_lag_bytes
// ahead of it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/cache.h"
#include "core/journal.h"
#include "core/notes_log.h"
#include "core/store.h"

namespace aio {

class FileStore final : public Store {
 public:
  FileStore(std::string home, FileStoreOptions opts);

  std::string where() const override { return home_; }
  Result<State> load() override;
  Result<State> load_focused(const FocusPlanner& plan, const InstancePick& pick = {}) override;
  Status update(const std::function<Status(Txn&)>& fn) override;
  Status update_focused(const FocusPlanner& plan, const std::function<Status(Txn&)>& fn,
                        const InstancePick& pick = {}) override;
  void recall(State first) override;
  bool used_recalled() const override { return used_recalled_; }
  Status add_notes(const std::vector<Note>& notes) override;
  Result<std::vector<Note>> notes(const NoteQuery& q) override;
  Result<size_t> prune_notes(int64_t cutoff, int64_t now) override;
  // file_store_feed.cc: inotify on the home directory.
  Result<std::unique_ptr<ChangeFeed>> watch() override;

 private:
  // What a load learnt besides the state.
  struct LoadInfo {
    FileId state_id;            // identity of state.json (zeros when missing)
    uint64_t state_size = 0;    // bytes of the checkpoint
    JournalPos journal;         // how far the journal was read
    uint64_t cache_offset = 0;  // journal offset the cache already covers
    bool cache_valid = false;
    bool journal_foreign = false;  // the journal belongs to another checkpoint
  };
  // What a focused load learnt besides LoadInfo, for a focused commit.
  struct FocusInfo {
    std::shared_ptr<const CacheFile> cache;
    Focus focus;
    std::unordered_set<std::string> whole;     // instances loaded with their claims list
    std::vector<JournalEntry> entries;         // the journal past the cache
    std::vector<const JournalEntry*> applied;  // the entries that continue it
    std::vector<std::string_view> kept;        // ids of the image's claims kept, in order
  };

  // file_store.cc: whole loads and updates.
  Result<State> load_shared_locked();
  Status load_locked(State* s, LoadInfo* info);
  Status update_locked(const std::function<Status(Txn&)>& fn);
  Status commit_locked(State* s, const LoadInfo& info, const Txn& txn, bool migrate);
  Status stat_state(LoadInfo* info, bool* have_state);
  Status parse_checkpoint(State* s);
  Status replay_journal(State* s, LoadInfo* info);
  bool read_cache(const FileId& want, State* s, uint64_t* journal_offset);
  void write_cache(const State& s, const FileId& state_id, uint64_t journal_offset,
                   const std::string& tmp_suffix);
  Status write_checkpoint(const State& s);

  // file_store_focus.cc: focused loads and updates.
  Status load_focused_locked(const FocusPlanner& plan, const InstancePick& pick, State* s,
                             LoadInfo* info, FocusInfo* fi, bool* focused);
  bool focused_commit_ok(const Txn& txn, const FocusInfo& fi);
  void patch_cache(const FocusInfo& fi, const Txn& txn, const LoadInfo& info, uint64_t seq,
                   uint64_t journal_end);

  // The last focused load, which a recalled state came from: a load that
  // finds the same checkpoint, cache file and journal starts from that state
  // instead of decoding every instance again, and maps no cache again.
  struct LastFocused {
    std::shared_ptr<const CacheFile> cache;  // null: none
    FileId state_id;
    uint64_t journal_end = 0;
    uint64_t seq = 0;
    size_t instances = 0;
    InstancePick pick;              // what it was asked for
    std::vector<RecordSpan> spans;  // every instance's record in cache->image()
    std::unordered_set<std::string> whole;
    std::optional<State> state;  // given back by recall()
    // The journal from the cache's offset to journal_end, decoded (handed
    // over by the caller of load_focused_locked once done with it): the
    // next focused load of the same checkpoint and cache reads only past it.
    std::vector<JournalEntry> entries;
  };
  bool reuse_cache(const LoadInfo& info, const LastFocused& last) const;
  // Hands *s to `to` (FileStoreOptions::spent) when it goes out of scope.
  struct HandOff {
    State* s;
    const std::function<void(State)>& to;
    HandOff(State* state, const std::function<void(State)>& sink) : s(state), to(sink) {}
    HandOff(const HandOff&) = delete;
    HandOff& operator=(const HandOff&) = delete;
    ~HandOff() {
      if (!to) return;
      try {
        to(std::move(*s));
      } catch (...) {  // not taken: freed here after all
      }
    }
  };
  // Hands fi's decoded journal to last_ when last_ describes the load that
  // made fi (see LastFocused::entries).
  void keep_entries(FocusInfo* fi);

  std::string home_;
  FileStoreOptions opts_;
  LastFocused last_;
  // used_recalled(): reset by every load and update, set by a focused one.
  bool used_recalled_ = false;
  std::string state_path_, cache_path_, lock_path_;
  Journal journal_;
  NotesLog notes_log_;
};

}  // namespace aio
