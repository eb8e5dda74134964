#include "core/model.h"

#include <algorithm>

#include "core/glob.h"
#include "core/path.h"

namespace aio {
namespace {

// Canonical spelling of a loaded claim target (the playbook stored what the
// user typed: "src/auth/", "./x", absolute paths).
std::string canonical_target(ClaimType type, const std::string& target,
                             const std::string& project) {
  if (type == ClaimType::kTask) return target;
  if (type == ClaimType::kPattern) {
    std::string p = target;
    if (!project.empty() && project != "/" && p.size() > project.size() &&
        p.compare(0, project.size(), project) == 0 && p[project.size()] == '/')
      p = p.substr(project.size());
    auto c = canonical_pattern(p);
    return c ? *c : target;
  }
  std::string root = project.empty() ? "/" : project;
  auto rel = project_relative(root, root, target.empty() ? "." : target);
  return rel ? *rel : target;
}

void normalize_project(std::string* project) {
  if (!project->empty() && project->front() == '/' && !is_normal_absolute(*project))
    *project = normalize_absolute(*project);
}

}  // namespace

std::string_view to_string(ClaimType t) {
  switch (t) {
    case ClaimType::kFile:
      return "file";
    case ClaimType::kDirectory:
      return "directory";
    case ClaimType::kPattern:
      return "pattern";
    case ClaimType::kTask:
      return "task";
  }
  return "file";
}

std::optional<ClaimType> parse_claim_type(std::string_view s) {
  if (s == "file") return ClaimType::kFile;
  if (s == "directory" || s == "dir") return ClaimType::kDirectory;
  if (s == "pattern" || s == "glob") return ClaimType::kPattern;
  if (s == "task") return ClaimType::kTask;
  return std::nullopt;
}

bool is_category(std::string_view s) {
  for (auto c : kCategories)
    if (c == s) return true;
  return false;
}

Status fix_up(Instance* i, const Decoded& d) {
  normalize_project(&i->project);
  if (!d.has(&Instance::last_heartbeat)) i->last_heartbeat = i->started_at;
  return Status::ok();
}

Status fix_up(Claim* c, const Decoded& d) {
  if (d.rejected_key == "type")
    return Status::state("claim " + c->id + " has unknown type '" + d.rejected + "'");
  normalize_project(&c->project);
  // What aio wrote is canonical already (every record read goes through here).
  bool path = c->type == ClaimType::kFile || c->type == ClaimType::kDirectory;
  if (!(path && is_canonical_relative(c->target)))
    c->target = canonical_target(c->type, c->target, c->project);
  return Status::ok();
}

Status fix_up(Note* n, const Decoded& d) {
  if (d.rejected_key == "source" && d.rejected_string) {
    n->source_instance = d.rejected;
    n->source_tool = n->source_instance.substr(0, n->source_instance.find('-'));
  }
  return Status::ok();
}

bool InstancePick::wants(std::string_view instance_id, int64_t bound_pid,
                         int64_t instance_sid) const {
  if (every || (!id.empty() && instance_id == id)) return true;
  // The rules of identity.cc: a bound instance is its process's; an unbound
  // one is its terminal session's.
  if (bound_pid > 0)
    return std::find(bound_pids.begin(), bound_pids.end(), bound_pid) != bound_pids.end();
  return sid > 0 && instance_sid == sid;
}

}  // namespace aio
