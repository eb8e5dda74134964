#include "core/project.h"

#include <sys/stat.h>

#include <algorithm>
#include <unordered_set>

#include "core/engine.h"
#include "core/glob.h"
#include "core/path.h"

namespace aio {
namespace {

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parent_of(const std::string& abs) {
  size_t slash = abs.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : abs.substr(0, slash);
}

// (a) The innermost live mount holding `a`.
std::optional<Location> by_mount(const std::string& a, const std::vector<MountRecord>& mounts) {
  const MountRecord* best = nullptr;
  for (const auto& m : mounts)
    if (is_within_abs(m.mountpoint, a) && (!best || m.mountpoint.size() > best->mountpoint.size()))
      best = &m;
  if (!best) return std::nullopt;
  std::string project = best->project.empty() ? best->source : best->project;
  return Location{project, best->mountpoint, *relative_to(best->mountpoint, a), Rule::kMount};
}

// (b) The git work tree holding `a`.
Result<std::optional<Location>> by_git(const std::string& a, const Hints& h) {
  if (!h.git) return std::optional<Location>();
  auto facts = h.git(a);
  if (!facts) return facts.status();
  if (!*facts) return std::optional<Location>();
  const RepoFacts& f = **facts;
  auto rel = relative_to(f.top, a);
  if (!rel) return std::optional<Location>();  // a work tree elsewhere (core.worktree)
  if (!f.linked_worktree) return std::optional<Location>({f.top, f.top, *rel, Rule::kGitWorkTree});
  bool own = h.worktree_local ||
             std::find(h.projects.begin(), h.projects.end(), f.top) != h.projects.end();
  if (own) return std::optional<Location>({f.top, f.top, *rel, Rule::kWorktreeLocal});
  return std::optional<Location>({f.main_worktree, f.top, *rel, Rule::kGitWorktree});
}

// (c) The nearest registered ancestor-or-self of `a`.
std::optional<Location> by_registration(const std::string& a,
                                        const std::vector<std::string>& projects) {
  const std::string* best = nullptr;
  for (const auto& p : projects)
    if (is_within_abs(p, a) && (!best || p.size() > best->size())) best = &p;
  if (!best) return std::nullopt;
  return Location{*best, *best, *relative_to(*best, a), Rule::kRegistered};
}

// Rules (a) to (d) for the canonical absolute path `a`.
Result<Location> place(const std::string& a, const Hints& h) {
  if (auto m = by_mount(a, h.mounts)) return *m;
  auto g = by_git(a, h);
  if (!g) return g.status();
  if (*g) return **g;
  if (auto r = by_registration(a, h.projects)) return *r;
  std::string dir = is_directory(a) ? a : parent_of(a);
  return Location{dir, dir, *relative_to(dir, a), Rule::kDirectory};
}

// `found` (where `a` belongs) seen from the given project `p`.
Result<Location> into(const std::string& p, const std::string& a, const Result<Location>& found) {
  if (found && found->project == p) return *found;
  if (found) {
    std::string logical = found->logical();
    if (auto rel = relative_to(p, logical)) {
      // The directory showing p's root: `a` without rel, when it ends so.
      std::string checkout;
      if (rel->empty()) {
        checkout = a;
      } else if (a.size() > rel->size() && a.ends_with("/" + *rel)) {
        checkout = a.substr(0, a.size() - rel->size() - 1);
        if (checkout.empty()) checkout = "/";
      }
      return Location{p, checkout, *rel, Rule::kGiven};
    }
  }
  if (auto rel = relative_to(p, a)) return Location{p, p, *rel, Rule::kGiven};
  if (!found) return found.status();
  return Status::invalid(a + " is outside the project " + p + " (it belongs to " +
                         found->describe() + ")");
}

// An absolute spelling of a place in the project ("/repo/src/*.ts", or the
// same under another checkout) anchored at the project's root ("/src/*.ts");
// any other pattern as typed.
std::string anchor_absolute(const std::string& p, const Hints& h) {
  if (p.size() < 2 || p.front() != '/') return p;
  size_t end = 0;  // the literal segments at the start end here
  for (size_t pos = 1; pos <= p.size();) {
    size_t slash = std::min(p.size(), p.find('/', pos));
    if (p.substr(pos, slash - pos).find_first_of("*?[\\") != std::string::npos) break;
    end = slash;
    pos = slash + 1;
  }
  if (end == 0) return p;
  auto l = locate(p.substr(0, end), h);
  if (!l) return p;  // not a place in the project: anchored at its root, as in .gitignore
  std::string rest = end < p.size() ? p.substr(end + 1) : "";
  std::string out = glob_escape(l->rel);
  if (!out.empty() && !rest.empty()) out += "/";
  out += rest;
  return out.empty() ? p : "/" + out;
}

}  // namespace

std::string_view to_string(Rule r) {
  switch (r) {
    case Rule::kGiven:
      return "given";
    case Rule::kMount:
      return "aio mount";
    case Rule::kGitWorkTree:
      return "git work tree";
    case Rule::kGitWorktree:
      return "git worktree";
    case Rule::kWorktreeLocal:
      return "worktree-local";
    case Rule::kRegistered:
      return "registered";
    case Rule::kDirectory:
      return "directory";
  }
  return "directory";
}

std::string Location::describe() const {
  switch (how) {
    case Rule::kGiven:
      return "project " + project;
    case Rule::kMount:
      return "aio mount " + checkout + " of " + project;
    case Rule::kGitWorkTree:
      return "git work tree " + project;
    case Rule::kGitWorktree:
      return "git worktree " + checkout + " of " + project;
    case Rule::kWorktreeLocal:
      return "git worktree " + project + ", its own project";
    case Rule::kRegistered:
      return "registered project " + project;
    case Rule::kDirectory:
      return "directory " + project;
  }
  return project;
}

std::string Location::logical() const {
  return join_root(project, rel);
}

std::vector<std::string> registered_projects(const State& s) {
  if (s.partial) return s.projects;  // the store found them among every instance
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& [id, inst] : s.instances)
    if (!inst.project.empty() && seen.insert(inst.project).second) out.push_back(inst.project);
  return out;
}

Result<Location> locate(const std::string& path, const Hints& hints) {
  if (path.empty() || path.front() != '/')
    return Status::invalid("'" + path + "' is not an absolute path");
  std::string a = absolute_path(normalize_absolute(path));
  if (hints.project.empty()) return place(a, hints);
  Hints rules = hints;
  rules.project.clear();
  return into(hints.project, a, place(a, rules));
}

Result<std::string> project_named_by(const std::string& dir, const Hints& hints) {
  Hints rules = hints;
  rules.project.clear();
  auto l = locate(dir, rules);
  if (!l) return l.status();
  return l->logical();
}

Result<Location> locate_typed(std::string_view input, const std::string& cwd, const Hints& hints) {
  if (input.empty()) return Status::invalid("empty path");
  if (input.find('\0') != std::string_view::npos) return Status::invalid("path contains NUL");
  std::string typed(input);
  if (typed.front() == '/') return locate(typed, hints);
  auto l = locate(cwd + "/" + typed, hints);
  if (l || hints.project.empty() || locate(cwd, hints)) return l;
  return locate(hints.project + "/" + typed, hints);
}

Result<std::string> claim_target(ClaimType type, std::string_view input, const std::string& cwd,
                                 const Hints& hints) {
  if (type == ClaimType::kTask) return canonical_target(type, input, hints.project, cwd);
  if (input.empty()) return Status::invalid("empty " + std::string(to_string(type)));
  if (type == ClaimType::kPattern) {
    std::string typed(input);
    auto c = canonical_pattern(anchor_absolute(typed, hints));
    if (!c) return Status::invalid("bad pattern '" + typed + "': " + c.status().message());
    return *c;
  }
  auto l = locate_typed(input, cwd, hints);
  if (!l) return l.status();
  return l->rel;
}

}  // namespace aio
