#include "core/engine.h"

#include <sys/random.h>

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "core/glob.h"
#include "core/path.h"
#include "core/timeutil.h"

namespace aio {
namespace {

std::string short_task(const Instance& i) {
  if (!i.current_task || i.current_task->empty()) return "";
  return ", task \"" + *i.current_task + "\"";
}

Status validate_task_id(std::string_view id) {
  if (id.empty()) return Status::invalid("empty task id");
  if (id.size() > 200) return Status::invalid("task id longer than 200 characters");
  for (unsigned char ch : id)
    if (ch <= ' ' || ch == 0x7f)
      return Status::invalid("task id may not contain spaces or control characters");
  return Status::ok();
}

}  // namespace

bool bound_here(const Instance& i, const Clock& c) {
  return i.bound_pid > 0 && c.procs && !c.machine_id.empty() && i.machine_id == c.machine_id;
}

std::string live_by(const Instance& i, const Clock& c) {
  std::string beat = "beat " + format_age(c.now - i.last_heartbeat) + " ago";
  if (i.bound_pid <= 0)
    return leased_elsewhere(i, c) ? "machine " + i.machine_id + ", lease" : beat;
  std::string proc = "process " + std::to_string(i.bound_pid);
  if (bound_here(i, c))
    return c.procs->running(i.bound_pid, i.bound_start_time) ? proc : proc + " (ended)";
  if (leased_elsewhere(i, c)) return proc + " on machine " + i.machine_id + ", lease";
  return proc + (i.machine_id == c.machine_id ? "" : " on another machine") + ", " + beat;
}

bool leased_elsewhere(const Instance& i, const Clock& c) {
  return i.lease != 0 && !i.machine_id.empty() && i.machine_id != c.machine_id;
}

bool is_live(const Instance& i, const Clock& c) {
  if (bound_here(i, c)) return c.procs->running(i.bound_pid, i.bound_start_time);
  if (leased_elsewhere(i, c)) return true;  // its machine's keeper renews the lease
  return c.now - i.last_heartbeat <= c.stale_seconds;
}

bool claim_active(const State& s, const Claim& claim, const Clock& c) {
  if (claim.expires_at && *claim.expires_at <= c.now) return false;
  auto it = s.instances.find(claim.instance_id);
  return it != s.instances.end() && is_live(it->second, c);
}

// ---------------------------------------------------------------- registration

Status validate_tool(std::string_view tool) {
  if (tool.empty()) return Status::invalid("empty tool name");
  if (tool.size() > 32) return Status::invalid("tool name longer than 32 characters");
  for (char ch : tool)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
          (ch >= 'A' && ch <= 'Z') || ch == '-'))
      return Status::invalid("tool name '" + std::string(tool) +
                             "' may only hold letters, digits, '.', '_' and '-'");
  return Status::ok();
}

std::string new_id(std::string_view prefix, int64_t now) {
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = static_cast<uint32_t>(now ^ getpid());
  char buf[48];
  snprintf(buf, sizeof buf, "-%lld-%08x", static_cast<long long>(now), r);
  return std::string(prefix) + buf;
}

Note make_note(const std::string& project, std::string_view category, std::string content,
               const Instance* source, int64_t now, std::optional<int64_t> ttl) {
  Note n;
  n.id = new_id("ctx", now);
  n.project = project;
  n.category = std::string(category);
  n.content = std::move(content);
  n.source_instance = source ? source->id : "";
  n.source_tool = source ? source->tool : "user";
  n.created_at = now;
  if (ttl) n.expires_at = now + *ttl;
  return n;
}

Result<Instance> register_instance(Txn& t, const RegisterRequest& r, const Clock& c) {
  AIO_RETURN_IF_ERROR(validate_tool(r.tool));
  if (r.project.empty() || r.project.front() != '/')
    return Status::invalid("project must be an absolute path");
  Instance i;
  do {
    i.id = new_id(r.tool, c.now);
  } while (t.state().instances.count(i.id));
  i.tool = r.tool;
  i.project = r.project;
  i.pid = r.pid;
  i.sid = r.sid;
  i.sid_start = r.sid_start;
  i.machine_id = r.machine_id;  // where it runs (a shared store shows it; keeper.h)
  if (r.bind.pid > 0) {
    i.bound_pid = r.bind.pid;
    i.bound_start_time = r.bind.start;
  }
  i.current_task = r.task;
  i.auto_claim = r.auto_claim;
  i.hook = r.hook;
  i.status = "active";
  i.started_at = c.now;
  i.last_heartbeat = c.now;
  t.put_instance(i);
  return i;
}

std::vector<Claim> unregister_instance(Txn& t, const std::string& id) {
  std::vector<Claim> released;
  for (const auto& [cid, claim] : t.state().claims)
    if (claim.instance_id == id) released.push_back(claim);
  for (const auto& claim : released) t.del_claim(claim.id);
  t.del_instance(id);
  return released;
}

CleanupReport cleanup(Txn& t, const Clock& c) {
  CleanupReport rep;
  for (const auto& [id, inst] : t.state().instances)
    if (!is_live(inst, c)) rep.instances.push_back(inst);
  for (const auto& [id, claim] : t.state().claims) {
    auto it = t.state().instances.find(claim.instance_id);
    bool dead = it == t.state().instances.end() || !is_live(it->second, c);
    bool expired = claim.expires_at && *claim.expires_at <= c.now;
    if (dead || expired) rep.claims.push_back(claim);
  }
  for (const auto& claim : rep.claims) t.del_claim(claim.id);  // and from its owner's list
  for (const auto& inst : rep.instances) t.del_instance(inst.id);
  return rep;
}

size_t heartbeat_writers(Txn& t, const std::vector<std::string>& ids, const Clock& c) {
  size_t n = 0;
  for (const auto& id : ids) {
    auto it = t.state().instances.find(id);
    if (it == t.state().instances.end() || !is_live(it->second, c)) continue;
    t.heartbeat(id, c.now);
    ++n;
  }
  return n;
}

// ---------------------------------------------------------------- claims

Result<std::string> canonical_target(ClaimType type, std::string_view input,
                                     const std::string& project, const std::string& cwd) {
  if (type == ClaimType::kTask) {
    AIO_RETURN_IF_ERROR(validate_task_id(input));
    return std::string(input);
  }
  if (input.empty()) return Status::invalid("empty " + std::string(to_string(type)));
  if (type == ClaimType::kPattern) {
    std::string p(input);
    // An absolute spelling under the project is anchored at the project root;
    // any other leading '/' anchors at the root, as in .gitignore.
    std::string root_slash = project == "/" ? "/" : project + "/";
    if (p.size() > root_slash.size() && p.compare(0, root_slash.size(), root_slash) == 0)
      p = "/" + p.substr(root_slash.size());
    auto c = canonical_pattern(p);
    if (!c)
      return Status::invalid("bad pattern '" + std::string(input) + "': " + c.status().message());
    return *c;
  }
  bool cwd_inside = project == "/" || is_within(project, cwd);
  const std::string& base = cwd_inside ? cwd : project;
  return project_relative(project, base, input);
}

Status check_target_kind(ClaimType type, std::string_view target, std::optional<bool> is_dir) {
  if (!is_dir || (type != ClaimType::kFile && type != ClaimType::kDirectory)) return Status::ok();
  std::string shown = target.empty() ? "." : std::string(target);
  if (type == ClaimType::kFile && *is_dir)
    return Status::invalid(shown + " is a directory (use `aio claim directory " + shown + "`)");
  if (type == ClaimType::kDirectory && !*is_dir)
    return Status::invalid(shown + " is not a directory (use `aio claim file " + shown + "`)");
  return Status::ok();
}

std::vector<Blocker> blockers(const State& s, const Claim& probe, const std::string& me_id,
                              const Clock& c) {
  std::vector<Blocker> out;
  for (const auto& [id, claim] : s.claims) {
    if (!projects_overlap(claim.project, probe.project)) continue;
    if (!me_id.empty() && claim.instance_id == me_id) continue;
    if (!claim_active(s, claim, c)) continue;
    if (!claims_conflict(probe, claim)) continue;
    out.push_back({&claim, &s.instances.at(claim.instance_id)});
  }
  return out;
}

Focus focus_on(const Claim& probe, const std::string& whole_instance) {
  Focus f;
  f.keep = [probe](std::string_view project, ClaimType type, std::string_view target) {
    return may_conflict(probe, project, type, target);
  };
  f.ranges = claim_ranges(probe);
  if (!whole_instance.empty()) f.whole_instances.push_back(whole_instance);
  return f;
}

Focus focus_on_any(const std::vector<Claim>& probes) {
  if (probes.empty()) return Focus::none();
  if (probes.size() == 1) return focus_on(probes.front());
  Focus f;
  f.keep = [probes](std::string_view project, ClaimType type, std::string_view target) {
    for (const Claim& p : probes)
      if (may_conflict(p, project, type, target)) return true;
    return false;
  };
  // Probes of one project share most of their ranges (the project's
  // patterns, the projects around it): each range is looked at once.
  std::unordered_set<std::string> seen;
  auto bound = [](std::string* k, const ClaimBound& b) {
    *k += b.project;
    *k += '\0';
    *k += static_cast<char>(b.group);
    *k += b.target;
    *k += '\0';
  };
  for (const Claim& p : probes)
    for (ClaimRange& r : claim_ranges(p)) {
      std::string k;
      bound(&k, r.lo);
      if (r.hi) bound(&k, *r.hi);
      if (seen.insert(std::move(k)).second) f.ranges.push_back(std::move(r));
    }
  return f;
}

std::vector<const Claim*> own_covering(const State& s, const Claim& probe, const std::string& me_id,
                                       const Clock& c) {
  std::vector<const Claim*> out;
  if (me_id.empty()) return out;
  for (const auto& [id, claim] : s.claims) {
    if (claim.instance_id != me_id || !projects_overlap(claim.project, probe.project)) continue;
    if (!claim_active(s, claim, c) || !claims_conflict(probe, claim)) continue;
    out.push_back(&claim);
  }
  return out;
}

std::string describe_holder(const Blocker& b, std::string_view seen_from) {
  std::string what = std::string(to_string(b.claim->type)) + " claim " + b.claim->id + " on " +
                     (b.claim->target.empty() ? std::string(".") : b.claim->target);
  if (!seen_from.empty() && seen_from != b.claim->project) what += " in " + b.claim->project;
  return b.holder->id + " (" + b.holder->tool + short_task(*b.holder) + ") via " + what;
}

Result<ClaimOutcome> grant_claim(Txn& t, const Instance& me, ClaimType type,
                                 const std::string& target, const Clock& c, bool auto_claimed) {
  const State& s = t.state();
  for (const auto& [id, claim] : s.claims) {
    if (claim.instance_id == me.id && claim.type == type && claim.target == target &&
        claim.project == me.project && claim_active(s, claim, c)) {
      t.heartbeat(me.id, c.now);
      return ClaimOutcome{claim, true};
    }
  }
  Claim probe;
  probe.instance_id = me.id;
  probe.type = type;
  probe.target = target;
  probe.project = me.project;
  probe.exclusive = true;
  probe.claimed_at = c.now;
  probe.auto_claimed = auto_claimed;
  auto blocking = blockers(s, probe, me.id, c);
  if (!blocking.empty()) {
    std::string shown = target.empty() ? "." : target;
    return Status::refused(shown + " is claimed by " +
                           describe_holder(blocking.front(), probe.project));
  }
  do {
    probe.id = new_id("claim", c.now);
  } while (s.claims.count(probe.id));
  t.put_claim(probe);  // me's `claims` list follows (Txn)
  t.heartbeat(me.id, c.now);
  return ClaimOutcome{probe, false};
}

Result<std::vector<Claim>> release(Txn& t, const Instance* me, std::string_view what, bool force,
                                   const std::string& project, const std::string& cwd,
                                   const Clock& c) {
  const State& s = t.state();
  std::vector<Claim> chosen;
  if (what.empty()) return Status::invalid("nothing to release: give a claim id, a path or all");
  if (what == "all") {
    if (!me) return Status::refused("release all needs a registered instance");
    for (const auto& [id, claim] : s.claims)
      if (claim.instance_id == me->id) chosen.push_back(claim);
  } else if (auto it = s.claims.find(std::string(what)); it != s.claims.end()) {
    if ((!me || it->second.instance_id != me->id) && !force)
      return Status::refused("claim " + it->second.id + " belongs to " + it->second.instance_id +
                             " (use --force to release it anyway)");
    chosen.push_back(it->second);
  } else {
    // A target: match by canonical spelling in any type.
    std::vector<const Claim*> mine, theirs;
    for (ClaimType type :
         {ClaimType::kFile, ClaimType::kDirectory, ClaimType::kPattern, ClaimType::kTask}) {
      auto target = canonical_target(type, what, project, cwd);
      if (!target) {
        if (type == ClaimType::kFile) return target.status();  // e.g. outside the project
        continue;
      }
      for (const auto& [id, claim] : s.claims) {
        if (claim.type != type || claim.target != *target || claim.project != project) continue;
        (me && claim.instance_id == me->id ? mine : theirs).push_back(&claim);
      }
    }
    if (!mine.empty()) {
      for (auto* cl : mine) chosen.push_back(*cl);
    } else if (!theirs.empty()) {
      if (!force)
        return Status::refused(std::string(what) + " is held by " + theirs.front()->instance_id +
                               " (use --force to release it anyway)");
      for (auto* cl : theirs) chosen.push_back(*cl);
    } else {
      return Status::refused("no claim on " + std::string(what) +
                             (me ? " is held by " + me->id : std::string()));
    }
  }
  for (const auto& claim : chosen) {
    t.del_claim(claim.id);  // and from its owner's `claims` list
    if (!me || claim.instance_id != me->id) {
      t.add_note(make_note(claim.project, "warning",
                           "claim " + claim.id + " (" + std::string(to_string(claim.type)) + " " +
                               claim.target + ") of " + claim.instance_id +
                               " was force-released by " +
                               (me ? me->id : std::string("an unregistered user")),
                           me, c.now));
    }
  }
  if (me && s.instances.count(me->id)) t.heartbeat(me->id, c.now);
  return chosen;
}

}  // namespace aio
