#include "core/identity.h"

#include "core/timeutil.h"

namespace aio {
namespace {

Identity explicit_id(const State& s, const std::string& id, const char* source, const Clock& c) {
  Identity r;
  auto it = s.instances.find(id);
  const Instance* found = it == s.instances.end() ? nullptr : &it->second;
  if (!found) {
    r.problem =
        "instance " + id + " (from " + source + ") is not registered; run `aio register <tool>`";
  } else if (!is_live(*found, c)) {
    const Instance& i = *found;
    std::string why = bound_here(i, c) ? "its process " + std::to_string(i.bound_pid) + " has ended"
                                       : "no heartbeat for " + format_age(c.now - i.last_heartbeat);
    r.problem = "instance " + id + " (from " + source + ") is stale (" + why +
                "); run `aio register <tool>`";
  } else {
    r.instance = found;
    r.source = source;
  }
  r.explicit_rejected = !r.instance;
  return r;
}

// The caller's --instance, else its AIO_INSTANCE; none when it gives neither.
std::optional<Identity> explicit_caller(const State& s, const Caller& caller, const Clock& c) {
  if (caller.flag_id && !caller.flag_id->empty())
    return explicit_id(s, *caller.flag_id, "--instance", c);
  if (caller.env_id && !caller.env_id->empty())
    return explicit_id(s, *caller.env_id, "AIO_INSTANCE", c);
  return std::nullopt;
}

// Newest first: the later registration wins, then the larger id.
bool newer(const Instance& a, const Instance* b) {
  return !b || a.started_at > b->started_at || (a.started_at == b->started_at && a.id > b->id);
}

// The rules after an explicit id, over any way of finding the instances
// bound to a pid (each_bound(pid, fn)) and the unbound ones registered from
// a session (each_in_session(sid, fn)).
template <typename EachBound, typename EachInSession>
Identity resolve_by(const Caller& caller, const Clock& c, const EachBound& each_bound,
                    const EachInSession& each_in_session) {
  Identity r;
  for (const ProcRef& p : caller.lineage) {
    const Instance* best = nullptr;
    each_bound(p.pid, [&](const Instance& i) {
      if (i.bound_start_time == p.start && bound_here(i, c) && is_live(i, c) && newer(i, best))
        best = &i;
    });
    if (best) {
      r.instance = best;
      r.source = "process " + std::to_string(p.pid);
      return r;
    }
  }
  const Instance *best = nullptr, *stale = nullptr;
  if (caller.sid > 0) {
    each_in_session(caller.sid, [&](const Instance& i) {
      if (i.sid_start != caller.sid_start) return;
      if (!is_live(i, c)) {
        if (newer(i, stale)) stale = &i;
      } else if (newer(i, best)) {
        best = &i;
      }
    });
  }
  if (best) {
    r.instance = best;
    r.source = "session " + std::to_string(caller.sid);
    return r;
  }
  r.problem =
      "AIO_INSTANCE is not set, no live instance is bound to this process or an ancestor, "
      "and ";
  if (caller.sid <= 0)
    r.problem += "it has no terminal session";
  else if (stale)
    r.problem += "the instance registered from its session (" + stale->id + ") is stale (no " +
                 "heartbeat for " + format_age(c.now - stale->last_heartbeat) + ")";
  else
    r.problem +=
        "none was registered from its terminal session (sid " + std::to_string(caller.sid) + ")";
  return r;
}

// The session rule is the playbook's, for unbound instances: a bound one is
// its process's, not its terminal's.
bool in_session_rule(const Instance& i) {
  return i.sid > 0 && i.bound_pid <= 0;
}

}  // namespace

IdentityIndex::IdentityIndex(const State& s) : state_(s) {
  for (const auto& [id, inst] : s.instances) {
    if (inst.bound_pid > 0) by_bound_pid_.emplace(inst.bound_pid, &inst);
    if (in_session_rule(inst)) by_sid_.emplace(inst.sid, &inst);
  }
}

Identity IdentityIndex::resolve(const Caller& caller, const Clock& c) const {
  if (auto named = explicit_caller(state_, caller, c)) return std::move(*named);
  auto each = [](const std::unordered_multimap<int64_t, const Instance*>& m) {
    return [&m](int64_t key, const auto& fn) {
      auto [lo, hi] = m.equal_range(key);
      for (auto it = lo; it != hi; ++it) fn(*it->second);
    };
  };
  return resolve_by(caller, c, each(by_bound_pid_), each(by_sid_));
}

Identity resolve_identity(const State& s, const Caller& caller, const Clock& c) {
  // A caller that names its instance needs no index, and one question needs
  // none either: one pass keeps the instances bound to the caller's lineage
  // and those of its session (building the index hashes every bound one).
  if (auto named = explicit_caller(s, caller, c)) return std::move(*named);
  // The candidates are what the caller's pick wants (one rule for both:
  // a partial state holds exactly these), bound or of the session.
  InstancePick pick = identity_pick(caller);
  std::vector<const Instance*> bound, session;
  for (const auto& [id, inst] : s.instances) {
    if (!pick.wants(id, inst.bound_pid, inst.sid)) continue;
    (inst.bound_pid > 0 ? bound : session).push_back(&inst);
  }
  auto each_bound = [&](int64_t pid, const auto& fn) {
    for (const Instance* i : bound)
      if (i->bound_pid == pid) fn(*i);
  };
  auto each_in_session = [&](int64_t, const auto& fn) {
    for (const Instance* i : session) fn(*i);
  };
  return resolve_by(caller, c, each_bound, each_in_session);
}

InstancePick identity_pick(const Caller& caller) {
  InstancePick p;
  p.every = false;
  // As explicit_caller: a named instance is the answer, whatever it is.
  if (caller.flag_id && !caller.flag_id->empty()) {
    p.id = *caller.flag_id;
  } else if (caller.env_id && !caller.env_id->empty()) {
    p.id = *caller.env_id;
  } else {
    for (const ProcRef& r : caller.lineage) p.bound_pids.push_back(r.pid);
    p.sid = caller.sid;
  }
  return p;
}

Result<const Instance*> require_identity(const State& s, const Caller& caller, const Clock& c) {
  Identity id = resolve_identity(s, caller, c);
  if (id.instance) return id.instance;
  if (id.explicit_rejected) return Status::refused(id.problem);
  return Status::refused("you are anonymous (" + id.problem +
                         "); run `aio register <tool>` or set AIO_INSTANCE");
}

}  // namespace aio
