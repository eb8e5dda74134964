// The engine's records: instances, claims, context notes and the hot state.
//
// Field names follow the original playbook's state.json (camelCase in JSON,
// see codec.h). Every record keeps the JSON fields it does not know in
// `extra`, so a rewrite never drops what another tool (or a newer aio) wrote.
// Times are unix seconds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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
  Json extra;                       // unknown fields (object or null)
};

struct Claim {
  std::string id;
  std::string instance_id;
  ClaimType type = ClaimType::kFile;
  std::string target;   // canonical project-relative path, canonical pattern, or task id
  std::string project;  // absolute root
  bool exclusive = true;
  int64_t claimed_at = 0;
  std::optional<int64_t> expires_at;
  Json extra;
};

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

// The hot state: everything but context notes, which live in their own log.
struct State {
  int64_t schema_version = 1;
  std::map<std::string, Instance> instances;
  std::map<std::string, Claim> claims;
  // Notes found in a playbook-written state.json ("context": [...]); the store
  // moves them to the context log on its next write.
  std::vector<Note> legacy_context;
  Json extra;         // unknown top-level fields
  uint64_t seq = 0;   // number of the last transaction applied
};

}  // namespace aio
