// The rules: identity, liveness, the claim conflict table (DESIGN.md §2),
// claiming, releasing, registration and cleanup.
//
// Policy functions are pure over a State snapshot. Mutating functions take a
// Txn (see store.h) so that check-and-grant runs inside one store
// transaction; they validate everything before the first mutation, so a
// refused or invalid request changes nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "core/store.h"

namespace aio {

// Whether the process an instance is bound to still runs (pid plus start
// time, so a reused pid is never taken for it). procinfo.h has the /proc
// one; the mount daemon keeps pidfds; tests use fakes.
// One process, named so that a reused pid can never be taken for it.
struct ProcRef {
  int64_t pid = 0;
  int64_t start = 0;  // start time in clock ticks since boot (field 22 of stat)
  bool operator==(const ProcRef&) const = default;
};

class ProcessOracle {
 public:
  virtual ~ProcessOracle() = default;
  virtual bool running(int64_t pid, int64_t start) const = 0;
};

// What liveness is judged against: the time, the heartbeat rule, and this
// machine's processes.
struct Clock {
  int64_t now = 0;
  int64_t stale_seconds = 300;
  std::string machine_id;                // this machine (boot id or AIO_MACHINE_ID)
  const ProcessOracle* procs = nullptr;  // null: bound instances fall back to heartbeats

  static Clock at(int64_t now, int64_t stale_seconds = 300) {
    Clock c;
    c.now = now;
    c.stale_seconds = stale_seconds;
    return c;
  }
};

// A bound instance (bound_pid set, made on this machine) is live exactly
// while its process runs; an instance of another machine held in a shared
// store under a lease (Instance::lease) while the lease lasts, that is while
// it is in the store (its machine's keeper judges it there, core/keeper.h);
// any other instance while its last heartbeat is at most stale_seconds old
// (the playbook's rule).
bool is_live(const Instance& i, const Clock& c);
// Made on another machine and kept there under a store's lease.
bool leased_elsewhere(const Instance& i, const Clock& c);
// Judged by its process rather than by heartbeats.
bool bound_here(const Instance& i, const Clock& c);
// What its liveness rests on, for humans: "process 4242" (bound here;
// "process 4242 (ended)" once it has gone),
// "process 4242 on another machine, beat 5s ago" (judged by heartbeats
// here), or "beat 5s ago".
std::string live_by(const Instance& i, const Clock& c);
// A claim blocks others only while its instance exists and is live and the
// claim has not expired.
bool claim_active(const State& s, const Claim& claim, const Clock& c);

// Two claims (of different instances) cover a common path or the same task.
// Both must hold canonical targets. Claims of one project compare targets;
// claims of nested projects (/mono and /mono/pkg) compare the paths they
// name (the inner one's target rebased: "a.ts" in /mono/pkg is "pkg/a.ts" in
// /mono, a pattern "*.ts" there is "pkg/**/*.ts"); task claims conflict only
// within one project; other projects never conflict.
bool claims_conflict(const Claim& a, const Claim& b);
// The projects are the same or one holds the other (absolute, normalised).
bool projects_overlap(std::string_view a, std::string_view b);

// ---- registration ----
struct RegisterRequest {
  std::string tool;
  std::string project;  // absolute, normalised
  int64_t pid = 0;
  int64_t sid = 0;
  int64_t sid_start = 0;
  ProcRef bind;            // the process it is bound to (pid 0: unbound, heartbeats keep it live)
  std::string machine_id;  // where it runs (and `bind` with it)
  std::optional<std::string> task;
  bool auto_claim = false;
  std::string hook;  // the agent tool whose session hook registers it ("": none)
};
Status validate_tool(std::string_view tool);
std::string new_id(std::string_view prefix, int64_t now);  // prefix-<secs>-<8 hex>
Result<Instance> register_instance(Txn& t, const RegisterRequest& r, const Clock& c);
// Removes the instance and its claims; returns the claims released.
std::vector<Claim> unregister_instance(Txn& t, const std::string& id);

struct CleanupReport {
  std::vector<Instance> instances;  // stale instances removed
  std::vector<Claim> claims;        // their claims, orphans and expired claims
};
CleanupReport cleanup(Txn& t, const Clock& c);
// The heartbeats that writes through the mount earned: each instance named
// that still exists and is live at c.now beats at c.now. One that went stale
// since its write is not revived (its claims may already be another's);
// returns how many beat.
size_t heartbeat_writers(Txn& t, const std::vector<std::string>& ids, const Clock& c);

// ---- claims ----
// Turns what the user typed into the stored target: a canonical relative path
// for file/directory (relative input is taken from `cwd` when cwd is inside
// the project, else from the project root), a canonical pattern, or a task id.
Result<std::string> canonical_target(ClaimType type, std::string_view input,
                                     const std::string& project, const std::string& cwd);

// A file claim on what is a directory (or the reverse) is refused with a
// hint. `is_dir` is what exists at the target (nullopt: nothing yet); the
// caller looks, so this stays free of I/O.
Status check_target_kind(ClaimType type, std::string_view target, std::optional<bool> is_dir);

struct ClaimOutcome {
  Claim claim;
  bool existed = false;  // re-claim of something already held
};
// Grants the claim or refuses (kRefused) naming the blocking claim and holder.
// `auto_claimed`: made by the mount's --auto-claim on a first write.
Result<ClaimOutcome> grant_claim(Txn& t, const Instance& me, ClaimType type,
                                 const std::string& target, const Clock& c,
                                 bool auto_claimed = false);

struct Blocker {
  const Claim* claim = nullptr;
  const Instance* holder = nullptr;
};
// Live claims of other instances that conflict with a hypothetical claim
// `probe` made by `me_id` ("" for anonymous).
std::vector<Blocker> blockers(const State& s, const Claim& probe, const std::string& me_id,
                              const Clock& c);
// A cheap superset of claims_conflict(probe, claim) over the claim's project,
// type and target (patterns are judged on their literal prefix and suffix,
// never compiled; the exact test runs later; a nested project's target is
// rebased first): true for every claim blockers(), own_covering() and
// grant_claim() can look at for `probe`.
bool may_conflict(const Claim& probe, std::string_view project, ClaimType type,
                  std::string_view target);
// Ranges of the claim order (claim_range.h) that hold every claim for which
// may_conflict(probe, ...) can be true: the paths at, above and beneath a
// path probe's target and the patterns of its project, a task's own id, and
// the path and pattern claims of every project nested with the probe's.
std::vector<ClaimRange> claim_ranges(const Claim& probe);
// The claims of `project` of type's group with exactly this target.
ClaimRange exact_claim_range(std::string_view project, ClaimType type, std::string_view target);
// The focus (Store::load_focused) for questions about `probe`: the claims
// that may conflict with it, and `whole_instance` (the caller, when it will
// put itself back, as grant_claim does) loaded whole.
Focus focus_on(const Claim& probe, const std::string& whole_instance = "");
// The focus for questions about each of `probes` (a hook judging the paths
// one call writes): the claims that may conflict with any of them.
Focus focus_on_any(const std::vector<Claim>& probes);
// Claims of `me_id` that cover the probe (for "yours").
std::vector<const Claim*> own_covering(const State& s, const Claim& probe, const std::string& me_id,
                                       const Clock& c);

// Releases `what` ("all", a claim id, or a target). Only the caller's claims
// unless `force`; a forced release of another's claim adds a warning note.
Result<std::vector<Claim>> release(Txn& t, const Instance* me, std::string_view what, bool force,
                                   const std::string& project, const std::string& cwd,
                                   const Clock& c);

// ---- notes ----
// A new context note of `project` made at `now` by `source` (null: an
// unregistered user, whose tool shows as "user"); `ttl` seconds, if given,
// until it expires.
Note make_note(const std::string& project, std::string_view category, std::string content,
               const Instance* source, int64_t now, std::optional<int64_t> ttl = std::nullopt);

// Human description of a claim holder for messages; seen from another
// project than the claim's (a nested one), it names the claim's project.
std::string describe_holder(const Blocker& b, std::string_view seen_from = "");

}  // namespace aio
