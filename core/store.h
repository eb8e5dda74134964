// The state store: where instances, claims and context notes live.
//
// Store is the interface the engine uses; FileStore (open_file_store,
// file_store.h) is the embedded default and a networked backend fits behind
// the same interface. tests/core/store_conformance.h checks the contract for
// every backend.
//
// Guarantees every backend gives:
//  - load() returns a consistent snapshot (never half of a transaction);
//  - update(fn) runs fn against the current state under an exclusive lock and,
//    when fn returns ok, makes its ops durable before returning (so
//    check-and-grant is one atomic step); when fn fails nothing changes;
//  - a state that cannot be parsed is never overwritten: every call fails
//    with kState naming the file and the parse error;
//  - notes are appended durably and never rewrite the hot state.
//
// What callers must not do: look at a project's files (stat, realpath, open)
// inside a planner or a transaction, that is with the store's lock held.
// Through an aio mount such a lookup can wait for a directory the kernel
// holds locked while the mount's daemon serves a create, a rename or an
// unlink there, and the daemon may be waiting for this very lock (to
// auto-claim the file, or to load a changed state): neither would ever go
// on. Look before, and run the transaction again when it needs more.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/claim_range.h"
#include "core/codec.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

// A transaction under construction: mutations apply to the state at once
// (so later checks in the same transaction see them) and are recorded as ops.
// Putting or deleting a claim also keeps its instance's `claims` list
// (apply_op): nobody puts the instance for that.
class Txn {
 public:
  explicit Txn(State* s) : s_(s) {}
  const State& state() const { return *s_; }
  void put_instance(const Instance& i);
  void del_instance(const std::string& id);
  void put_claim(const Claim& c);
  void del_claim(const std::string& id);
  void heartbeat(const std::string& id, int64_t at);
  // Notes written after the hot state commits (e.g. a forced release's warning).
  void add_note(Note n) { notes_.push_back(std::move(n)); }

  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<Note>& notes() const { return notes_; }

 private:
  State* s_;
  std::vector<Op> ops_;
  std::vector<Note> notes_;
};

// What one command is about, so that a store may load only the records the
// answer can depend on (Store::load_focused, Store::update_focused).
struct Focus {
  // Claims for which keep() is false may be left out. It must be true for
  // every claim the command's answer can depend on (a superset is fine);
  // empty keeps every claim.
  std::function<bool(std::string_view project, ClaimType type, std::string_view target)> keep;
  // When not empty, every claim keep() accepts lies in one of these ranges
  // of the claim order (claim_range.h), so a store that keeps its claims in
  // that order may look only there (and still asks keep()). Empty: anywhere.
  std::vector<ClaimRange> ranges;
  // Instances whose `claims` list is loaded (the ones the command may put
  // back); the other instances come with every field but an empty list.
  std::vector<std::string> whole_instances;
  // No claim is needed at all: a store may skip looking at them (keep() is
  // false for every claim too, for a store that looks anyway).
  bool no_claims = false;
  static Focus none();
};
// Chooses the focus given every instance (whole but for the `claims` lists),
// e.g. by resolving the caller and canonicalising the target first.
using FocusPlanner = std::function<Focus(const State& instances)>;

// What the mount follows to learn that the state changed (Store::watch).
// The file store watches $AIO_HOME with inotify (a command that returned has
// queued its event before its caller goes on); a networked store follows its
// change stream, so a change made elsewhere arrives within about a second.
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // May the state have changed since the last drain()? Cheap: called on
  // every request the mount judges.
  virtual bool pending() = 0;
  // Consumes what is pending; true when the state may have changed (also
  // when the feed lost track and everything must be read again).
  virtual bool drain() = 0;
  // "" while the feed follows the store, else why it does not ("etcd at
  // 127.0.0.1:2379 unreachable since 12:00:01: ..."): the mount goes on
  // deciding on what it last read and says so.
  virtual std::string trouble() const = 0;
};

struct NoteQuery {
  std::string project;   // "" = every project
  std::string category;  // "" = every category
  int64_t now = 0;       // notes with expiresAt <= now are hidden
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<State> load() = 0;
  virtual Status update(const std::function<Status(Txn&)>& fn) = 0;
  // load() for a command about one target (aio check): the state may lack
  // the claims the planned focus does not keep and the `claims` lists of
  // instances it does not name. What it holds is current and consistent.
  // With a pick that is not `every`, it may also lack the instances the
  // pick does not want, but never one the focus names whole or the holder
  // of a claim it holds; it then says so (State::partial, which carries the
  // registered projects). The planner sees the same instances.
  virtual Result<State> load_focused(const FocusPlanner& plan, const InstancePick& pick = {}) {
    (void)plan;
    (void)pick;
    return load();
  }
  // update(fn) for a command about one target (aio claim), with the same
  // guarantees and the same outcome as update(fn): fn runs against a focused
  // state (a partial one as load_focused's, given a pick), and when its ops
  // need more than that state (anything but putting or deleting claims,
  // heartbeats and putting an instance named whole) the store runs fn again
  // against the whole state.
  virtual Status update_focused(const FocusPlanner& plan, const std::function<Status(Txn&)>& fn,
                                const InstancePick& pick = {}) {
    (void)plan;
    (void)pick;
    return update(fn);
  }
  // Hands back the state this store's last focused load returned, once the
  // command is done with it (aio check and aio claim load the instances,
  // look at files unlocked, then load or update with a focus): the next
  // focused load or update may start from it when nothing changed in
  // between, with the same outcome as without it. `first` must be as that
  // load returned it; a store that cannot use it drops it.
  virtual void recall(State first) { (void)first; }
  // Did the last load or update (of any kind) start from the recalled
  // state, nothing having changed since it was loaded? Its instances are
  // then exactly that state's. False when it cannot tell.
  virtual bool used_recalled() const { return false; }
  virtual Status add_notes(const std::vector<Note>& notes) = 0;
  virtual Result<std::vector<Note>> notes(const NoteQuery& q) = 0;
  // Removes notes created before `cutoff` and notes expired at `now`.
  virtual Result<size_t> prune_notes(int64_t cutoff, int64_t now) = 0;
  // Describes where the state lives, for messages ("/home/u/.ai-orchestrator").
  virtual std::string where() const = 0;
  // The change feed of this store (one per caller; it runs until destroyed).
  virtual Result<std::unique_ptr<ChangeFeed>> watch() = 0;

  // ---- leases (stores shared by several machines) ----
  // The TTL of the leases instances live under, 0 when the store has none
  // (liveness is then the machine's own business: processes, heartbeats).
  virtual int64_t lease_seconds() const { return 0; }
  // Renews the leases of these instances (one keeper per machine does it,
  // core/keeper.h); those whose lease is already gone are named in the
  // answer (they are no longer registered anywhere).
  virtual Result<std::vector<std::string>> renew_leases(const std::vector<std::string>& ids) {
    (void)ids;
    return std::vector<std::string>{};
  }
  // Seconds each instance's lease has left (absent: no lease), for status.
  virtual Result<std::map<std::string, int64_t>> lease_left(const std::vector<std::string>& ids) {
    (void)ids;
    return std::map<std::string, int64_t>{};
  }
};

struct FileStoreOptions {
  size_t checkpoint_every_write_bytes = 256 * 1024;
  size_t min_journal_bytes = 1024 * 1024;
  size_t cache_lag_bytes = 16 * 1024;
  // Takes each state a transaction is done with (the CLI keeps it until the
  // process exits, which costs less than freeing it); empty: freed there.
  std::function<void(State)> spent;
};

// Opens (creating the directory, mode 0700, if needed) the store in `home`.
Result<std::unique_ptr<Store>> open_file_store(const std::string& home, FileStoreOptions opts = {});

}  // namespace aio
