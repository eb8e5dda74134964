// The agent's instance at session start and end (hook_parts.h).
#include <unistd.h>

#include <algorithm>

#include "cli/hook_parts.h"
#include "core/ancestry.h"
#include "core/text.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

// The agent a hook runs for: its nearest ancestor that is not a shell.
std::optional<ProcRef> hook_agent() {
  return find_agent(getppid()).agent;
}

bool bound_to(const Instance& i, const std::optional<ProcRef>& p) {
  return p && i.bound_pid == p->pid && i.bound_start_time == p->start;
}

Status register_round(Env& env, Agent agent, const std::optional<ProcRef>& bind, Looked& looked,
                      HookInstance* out) {
  auto loaded = load_instances(env);
  if (!loaded) return loaded.status();
  looked.from(*loaded);
  Identity then = resolve_identity(*loaded, env.caller, env.clock);
  if (then.explicit_rejected) {
    *out = HookInstance{{}, false, then.problem};
    return Status::ok();
  }
  auto where = locate_path(env, *loaded, env.cwd);
  if (!where) return where.status();
  return env.store->update([&](Txn& t) -> Status {
    if (!looked.fits(t.state())) return Looked::changed();
    Identity now = resolve_identity(t.state(), env.caller, env.clock);
    if (now.instance) {  // the one it has (registered again by a concurrent start: the same)
      *out = HookInstance{*now.instance, true, ""};
      t.heartbeat(now.instance->id, env.clock.now);
      return Status::ok();
    }
    RegisterRequest r;
    r.tool = std::string(to_string(agent));
    r.project = where->project;
    r.pid = getppid();
    r.sid = env.caller.sid;
    r.sid_start = env.caller.sid_start;
    if (bind) r.bind = *bind;
    r.machine_id = env.clock.machine_id;
    r.hook = r.tool;
    auto i = register_instance(t, r, env.clock);
    if (!i) return i.status();
    *out = HookInstance{*i, false, ""};
    return Status::ok();
  });
}

std::string claims_by_others(const Env& env, const State& s, const std::string& me_id) {
  std::vector<const Claim*> held;
  for (const auto& [id, c] : s.claims)
    if (c.instance_id != me_id && claim_active(s, c, env.clock)) held.push_back(&c);
  if (held.empty()) return "No other agent holds a claim.\n";
  std::sort(held.begin(), held.end(),
            [](const Claim* a, const Claim* b) { return a->claimed_at > b->claimed_at; });
  constexpr size_t kShown = 20;
  std::string out = "Claimed by other agents (leave these alone):\n";
  for (size_t k = 0; k < held.size() && k < kShown; ++k) {
    const Claim& c = *held[k];
    const Instance& i = s.instances.at(c.instance_id);
    out += "- " + std::string(to_string(c.type)) + " " + (c.target.empty() ? "." : c.target) +
           ": " + i.id + " (" + i.tool;
    if (i.current_task) out += ", task \"" + excerpt(*i.current_task, 80) + "\"";
    out += ")\n";
  }
  if (held.size() > kShown)
    out += "- and " + std::to_string(held.size() - kShown) + " more: run `aio status`\n";
  return out;
}

Result<std::string> latest_handoffs(Env& env, const std::string& project) {
  NoteQuery q;
  q.project = project;
  q.category = "handoff";
  q.now = env.clock.now;
  auto notes = env.store->notes(q);
  if (!notes) return notes.status();
  if (notes->empty()) return std::string("No handoff notes yet.\n");
  std::vector<const Note*> ns;
  for (const auto& n : *notes) ns.push_back(&n);
  std::sort(ns.begin(), ns.end(),
            [](const Note* a, const Note* b) { return a->created_at > b->created_at; });
  std::string out = "Latest handoffs (`aio context get handoff` for all):\n";
  for (size_t k = 0; k < ns.size() && k < 3; ++k)
    out += "- " + format_iso(ns[k]->created_at) + " " +
           (ns[k]->source_instance.empty() ? ns[k]->source_tool : ns[k]->source_instance) + ": " +
           excerpt(ns[k]->content, 300) + "\n";
  return out;
}

constexpr const char* kEtiquette =
    "Etiquette: before changing a path run `aio check <path>`; claim what you will change "
    "(`aio claim file <path>`, `aio claim directory <dir>`, `aio claim pattern '<glob>'`), no "
    "more; say what you do (`aio task \"...\"`); when done, leave a handoff (`aio-context "
    "handoff \"...\"`) and `aio release all`. An edit refused by aio, or \"Permission denied\" "
    "in a mounted project, means another agent holds the path: work on something else.\n";

}  // namespace

Result<HookInstance> adopt_or_register(Env& env, Agent agent) {
  std::optional<ProcRef> bind = hook_agent();
  HookInstance out;
  AIO_RETURN_IF_ERROR(
      until_fits([&](Looked& looked) { return register_round(env, agent, bind, looked, &out); }));
  return out;
}

Result<std::string> session_summary(Env& env, const HookInstance& mine) {
  auto st = load_state(env);
  if (!st) return st.status();
  std::string out = "aio coordinates the AI agents working in this project.\n";
  std::string project;
  if (mine.instance.id.empty()) {
    out += "You have no aio instance: " + mine.problem +
           ". Your edits count as anonymous; run `aio status`.\n";
    auto here = locate_path(env, *st, env.cwd);
    project = here ? here->project : env.cwd;
  } else {
    const Instance& i = mine.instance;
    out += "You are aio instance " + i.id + " (project " + i.project +
           (mine.adopted ? "" : ", new") +
           (i.bound_pid > 0 ? "; it lives as long as your process" : "") + ").\n";
    project = i.project;
  }
  out += claims_by_others(env, *st, mine.instance.id);
  auto notes = latest_handoffs(env, project);
  if (!notes) return notes.status();
  out += *notes;
  out += kEtiquette;
  return out;
}

Result<std::string> end_hook_instance(Env& env, Agent agent) {
  std::optional<ProcRef> agent_proc = hook_agent();
  std::string ended, project;
  std::vector<Claim> released;
  AIO_RETURN_IF_ERROR(env.store->update([&](Txn& t) -> Status {
    Identity id = resolve_identity(t.state(), env.caller, env.clock);
    if (!id.instance || id.instance->hook != to_string(agent) ||
        !bound_to(*id.instance, agent_proc))
      return Status::ok();
    ended = id.instance->id;
    project = id.instance->project;
    released = unregister_instance(t, ended);
    return Status::ok();
  }));
  beads_reopen(env, released, project);  // its tasks go back to Beads (store unlocked)
  for (const auto& c : released)
    spdlog::info("release {} ({} {}) of {} at session end", c.id, to_string(c.type), c.target,
                 ended);
  return ended;
}

}  // namespace aio::cli
