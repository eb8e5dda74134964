// The engine's records: instances, claims, context notes and the hot state.
//
// Field names follow the original playbook's state.json (camelCase in JSON,
// see codec.h). Every record keeps the JSON fields it does not know in
// `extra`, so a rewrite never drops what another tool (or a newer aio) wrote.
// Times are unix seconds.
//
// Each record's layout is written once, in the RecordLayout beside its
// struct (record.h says what derives from it): a new field is its member
// plus one line in that table. What a table cannot say (normalising,
// defaults that depend on other fields) is the record's fix_up(), applied
// after any decode of text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/record.h"
#include "core/status.h"

namespace aio {

using Json = nlohmann::json;

enum class ClaimType { kFile, kDirectory, kPattern, kTask };
std::string_view to_string(ClaimType t);
std::optional<ClaimType> parse_claim_type(std::string_view s);  // accepts "dir" too

inline constexpr std::string_view kCategories[] = {"decision", "pattern", "warning", "learning",
                                                   "handoff"};
bool is_category(std::string_view s);

struct Instance {
  std::string id;
  std::string tool;
  std::string project;  // absolute, normalised root
  int64_t pid = 0;
  int64_t sid = 0;        // terminal session id at registration (0: unknown)
  int64_t sid_start = 0;  // start time (clock ticks) of the session leader, guards sid reuse
  std::string status = "active";
  std::optional<std::string> current_task;
  std::optional<std::string> beads_issue;
  int64_t started_at = 0;
  int64_t last_heartbeat = 0;
  std::vector<std::string> claims;  // claim ids, kept for the playbook's schema
  int64_t bound_pid = 0;            // the process it is bound to (0: not bound)
  int64_t bound_start_time = 0;     // that process's start (clock ticks since boot; 0: none)
  std::string machine_id;           // boot id of its machine, or AIO_MACHINE_ID ("": none)
  bool auto_claim = false;          // its first write to an unclaimed file claims it
  std::string hook;                 // the agent tool whose session hook registered it ("": none)
  Json extra;                       // unknown fields (object or null)
  // Not a field of the record: the lease it lives under in a store shared by
  // several machines (0: none). Its existence there is its liveness for the
  // other machines (core/engine.h is_live).
  int64_t lease = 0;
};

template <>
struct RecordLayout<Instance> {
  using enum FieldKind;
  static constexpr std::string_view kName = "instance";
  static constexpr Field<Instance> kFields[] = {
      {"id", kString, &Instance::id, field::kKey},
      {"tool", kString, &Instance::tool},
      {"project", kString, &Instance::project, field::kFocus},
      {"pid", kInt, &Instance::pid},
      {"status", kString, &Instance::status},
      {"currentTask", kOptString, &Instance::current_task},
      {"beadsIssue", kOptString, &Instance::beads_issue},
      {"startedAt", kTime, &Instance::started_at},
      {"lastHeartbeat", kTime, &Instance::last_heartbeat},
      {"claims", kStringList, &Instance::claims, field::kOnDemand},
      {"sid", kInt, &Instance::sid, field::kFocus},
      {"sidStart", kInt, &Instance::sid_start},
      {"boundPid", kInt, &Instance::bound_pid, field::kFocus},
      {"boundStartTime", kInt, &Instance::bound_start_time},
      {"machineId", kString, &Instance::machine_id},
      {"autoClaim", kBool, &Instance::auto_claim},
      {"registeredByHook", kString, &Instance::hook},
  };
};
static_assert(valid_layout<Instance>());
// An absolute project normalised; lastHeartbeat, when absent, is startedAt.
Status fix_up(Instance* i, const Decoded& d);

struct Claim {
  std::string id;
  std::string instance_id;
  ClaimType type = ClaimType::kFile;
  std::string target;   // canonical project-relative path, canonical pattern, or task id
  std::string project;  // absolute root
  bool exclusive = true;
  int64_t claimed_at = 0;
  std::optional<int64_t> expires_at;
  bool auto_claimed = false;  // made by --auto-claim on a first write, not by a claim command
  Json extra;
};

template <>
struct RecordLayout<Claim> {
  using enum FieldKind;
  static constexpr std::string_view kName = "claim";
  static constexpr Field<Claim> kFields[] = {
      {"id", kString, &Claim::id, field::kKey},
      {"instanceId", kString, &Claim::instance_id},
      {"type", kClaimType, &Claim::type, field::kFocus},
      {"target", kString, &Claim::target, field::kFocus},
      {"project", kString, &Claim::project, field::kFocus},
      {"exclusive", kBool, &Claim::exclusive},
      {"claimedAt", kTime, &Claim::claimed_at},
      {"expiresAt", kOptTime, &Claim::expires_at},
      {"autoClaimed", kBool, &Claim::auto_claimed},
  };
};
static_assert(valid_layout<Claim>());
// Refuses an unknown type; normalises an absolute project; canonicalises the
// target as its type and project say (the playbook stored what was typed:
// "src/auth/", "./x", absolute paths).
Status fix_up(Claim* c, const Decoded& d);

struct Note {
  std::string id;
  std::string project;
  std::string category;
  std::string content;
  std::string source_instance;  // "" when unknown
  std::string source_tool;
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  Json extra;
};

template <>
struct RecordLayout<Note> {
  using enum FieldKind;
  static constexpr std::string_view kName = "note";
  static constexpr Field<Note> kSource[] = {
      {"instanceId", kString, &Note::source_instance},
      {"tool", kString, &Note::source_tool},
  };
  // project before content, so readers can prefilter log lines by project.
  static constexpr Field<Note> kFields[] = {
      {"id", kString, &Note::id, field::kKey},
      {"project", kString, &Note::project},
      {"category", kString, &Note::category},
      {"content", kString, &Note::content},
      {"source", kSource},
      {"createdAt", kTime, &Note::created_at},
      {"expiresAt", kOptTime, &Note::expires_at},
  };
};
static_assert(valid_layout<Note>());
// The playbook's "source": "<instance id>" (a string) names the instance, and
// the tool is the id's first part.
Status fix_up(Note* n, const Decoded& d);

// The instances a command can need (Store::load_focused): a store may leave
// the others out. Picked: `id`, those bound to one of `bound_pids`, and the
// unbound ones registered from session `sid` (identity.h identity_pick).
struct InstancePick {
  bool every = true;  // every instance (the default: nothing left out)
  std::string id;
  std::vector<int64_t> bound_pids;
  int64_t sid = 0;  // 0: none
  bool wants(std::string_view instance_id, int64_t bound_pid, int64_t instance_sid) const;
  bool operator==(const InstancePick&) const = default;
};

// The hot state: everything but context notes, which live in their own log.
struct State {
  int64_t schema_version = 1;
  std::map<std::string, Instance> instances;
  std::map<std::string, Claim> claims;
  // Notes found in a playbook-written state.json ("context": [...]); the store
  // moves them to the context log on its next write.
  std::vector<Note> legacy_context;
  Json extra;        // unknown top-level fields
  uint64_t seq = 0;  // number of the last transaction applied
  // A focused load that left instances out (InstancePick) says so here:
  // `instances` then holds the picked ones and the holders of the claims it
  // holds, and `projects` every registered project (project.h
  // registered_projects) in the order the whole state would give them.
  // Such a state is only read; it is never written back.
  bool partial = false;
  std::vector<std::string> projects;
};

}  // namespace aio
