// Who is calling (DESIGN.md §2, "Who is calling"), in this order:
//   1. --instance ID (the CLI's flag),
//   2. AIO_INSTANCE in the process's environment,
//   3. the nearest process in its lineage (itself, its parent, ...) that a
//      live instance is bound to: an agent's shell commands, detached shells
//      and PTYs act as the agent while it lives,
//   4. the newest live unbound instance registered from its terminal session,
//   5. anonymous, with the reason none of the above applied.
// An explicit id (1 or 2) that is unknown or stale is anonymous with that
// reason: it never falls through to the later rules.
//
// Pure over a State and a Clock; IdentityIndex is built once per state
// snapshot (the mount resolves on every write-class operation).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/engine.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

struct Caller {
  std::optional<std::string> flag_id;  // --instance
  std::optional<std::string> env_id;   // AIO_INSTANCE
  std::vector<ProcRef> lineage;        // the caller's process (or parent) and its ancestors
  int64_t sid = 0;                     // session id of the calling process
  int64_t sid_start = 0;               // start time of the session leader
};

struct Identity {
  const Instance* instance = nullptr;  // null: anonymous
  // The rule that named the instance: "--instance", "AIO_INSTANCE",
  // "process <pid>" (bound to that process of the lineage), "session <sid>".
  std::string source;
  // Why the caller is anonymous: an explicit id's problem, or what was
  // looked at and not found. Empty when an instance was found.
  std::string problem;
  bool explicit_rejected = false;  // the problem is an unusable --instance / AIO_INSTANCE
};

class IdentityIndex {
 public:
  explicit IdentityIndex(const State& s);
  // Resolves over the state the index was built from (which must outlive it).
  Identity resolve(const Caller& caller, const Clock& c) const;

 private:
  const State& state_;
  std::unordered_multimap<int64_t, const Instance*> by_bound_pid_;
  std::unordered_multimap<int64_t, const Instance*> by_sid_;
};

// IdentityIndex(s).resolve(caller, c)'s answer, for one question: one pass
// over the instances, no index built.
Identity resolve_identity(const State& s, const Caller& caller, const Clock& c);
// Every instance resolve_identity can look at for this caller: a state
// holding at least these (State::partial) resolves it as the whole one does.
InstancePick identity_pick(const Caller& caller);
// resolve_identity, but anonymous is refused with a message saying why and
// what to do.
Result<const Instance*> require_identity(const State& s, const Caller& caller, const Clock& c);

}  // namespace aio
