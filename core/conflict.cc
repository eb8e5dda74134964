// The claim conflict table (DESIGN.md §2): claims_conflict() exactly, and
// may_conflict(), the cheap test that chooses which claims a focused load
// reads (engine.h declares both).
#include <algorithm>

#include "core/engine.h"
#include "core/glob.h"
#include "core/path.h"

namespace aio {
namespace {

bool path_type(ClaimType t) {
  return t == ClaimType::kFile || t == ClaimType::kDirectory;
}

// What the text of a canonical pattern says about every path it covers:
// necessary conditions, read off the text without compiling it, so testing
// them can only rule a conflict out (the automata decide the rest).
struct PatternText {
  std::string_view text;    // the pattern, without an anchoring '/'
  std::string_view prefix;  // every covered path starts with it
  std::string_view suffix;  // ... and ends with it, when ends_fixed
  bool ends_fixed = false;
};

// `seg` is one of the '/'-separated segments of `path`.
bool has_segment(std::string_view path, std::string_view seg) {
  for (size_t pos = path.find(seg); pos != std::string_view::npos; pos = path.find(seg, pos + 1)) {
    size_t end = pos + seg.size();
    if ((pos == 0 || path[pos - 1] == '/') && (end == path.size() || path[end] == '/')) return true;
  }
  return false;
}

// One pass over the characters rather than find_first_of, which looks each
// one up in the set with memchr: this runs for every pattern claim a
// command looks at.
constexpr bool is_wild(char c) {
  return c == '*' || c == '?' || c == '[' || c == '\\';
}
size_t first_wild(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (is_wild(s[i])) return i;
  return std::string_view::npos;
}

PatternText pattern_text(std::string_view p) {
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);  // "/build": anchored
  PatternText t;
  t.text = p;
  t.prefix = p.substr(0, std::min(p.size(), first_wild(p)));
  // A last segment with a wildcard (but not "*" or "**") covers only the
  // paths it matches, not what lies beneath them: those end in the literal
  // text after its last wildcard. Classes and escapes are left to the automata.
  size_t slash = p.rfind('/');
  std::string_view last = slash == std::string_view::npos ? p : p.substr(slash + 1);
  bool only_stars = true, class_or_escape = false;
  size_t last_wild = std::string_view::npos;
  for (size_t i = 0; i < last.size(); ++i) {
    char c = last[i];
    only_stars = only_stars && c == '*';
    if (c == '*' || c == '?') last_wild = i;
    if (c == '[' || c == '\\') class_or_escape = true;
  }
  if (!only_stars && last_wild != std::string_view::npos && !class_or_escape) {
    t.suffix = last.substr(last_wild + 1);
    t.ends_fixed = true;
  }
  return t;
}

bool may_cover_path(const PatternText& t, std::string_view path) {
  if (!path.starts_with(t.prefix) || (t.ends_fixed && !path.ends_with(t.suffix))) return false;
  // Each segment of a pattern matches one segment of the path (or of the
  // path's parent it covers): a literal one ("**/cache/**") only itself.
  for (size_t pos = 0; pos <= t.text.size();) {
    size_t slash = std::min(t.text.size(), t.text.find('/', pos));
    std::string_view seg = t.text.substr(pos, slash - pos);
    if (!seg.empty() && first_wild(seg) == std::string_view::npos && !has_segment(path, seg))
      return false;
    pos = slash + 1;
  }
  return true;
}

// Something at or beneath `dir` may be covered.
bool may_cover_inside(const PatternText& t, std::string_view dir) {
  return dir.starts_with(t.prefix) ||
         (t.prefix.starts_with(dir) && (dir.empty() || t.prefix[dir.size()] == '/'));
}

bool may_overlap(const PatternText& a, const PatternText& b) {
  if (!a.prefix.starts_with(b.prefix) && !b.prefix.starts_with(a.prefix)) return false;
  return !a.ends_fixed || !b.ends_fixed || a.suffix.ends_with(b.suffix) ||
         b.suffix.ends_with(a.suffix);
}

// A cheap necessary condition for two claims of one project to conflict,
// on their types and targets alone.
bool targets_may_conflict(ClaimType ta, std::string_view a, ClaimType tb, std::string_view b) {
  if (ta == ClaimType::kTask || tb == ClaimType::kTask) return ta == tb && a == b;
  if (ta != ClaimType::kPattern && tb != ClaimType::kPattern)
    return is_within(a, b) || is_within(b, a);
  if (ta == ClaimType::kPattern && tb == ClaimType::kPattern)
    return may_overlap(pattern_text(a), pattern_text(b));
  if (tb == ClaimType::kPattern) {
    std::swap(ta, tb);
    std::swap(a, b);
  }
  PatternText t = pattern_text(a);
  return tb == ClaimType::kFile ? may_cover_path(t, b) : may_cover_inside(t, b);
}

// Does `pattern` (canonical) overlap a file, directory or pattern claim?
bool pattern_vs(const std::string& pattern, const Claim& other) {
  // Most patterns are ruled out by their text: compiling them is what costs.
  if (!targets_may_conflict(ClaimType::kPattern, pattern, other.type, other.target)) return false;
  if (other.type == ClaimType::kFile) return glob_covers(pattern, other.target);
  auto g = Glob::cached(pattern);
  if (!g) return false;
  if (other.type == ClaimType::kDirectory) return g->covers_something_inside(other.target);
  auto h = Glob::cached(other.target);
  return h && g->overlaps(*h);
}

// A path or pattern target of a project nested at `prefix` inside another,
// as that other project names it.
std::string rebase_target(ClaimType type, std::string_view target, std::string_view prefix) {
  return type == ClaimType::kPattern ? rebase_pattern(prefix, target) : join_rel(prefix, target);
}

// Claims of two projects, one nested inside the other, compared by absolute
// path: the inner one's claim rebased into the outer project. Task ids
// belong to their own project.
bool nested_conflict(const Claim& a, const Claim& b) {
  if (a.type == ClaimType::kTask || b.type == ClaimType::kTask) return false;
  if (auto prefix = relative_to(a.project, b.project)) {
    Claim r = b;
    r.project = a.project;
    r.target = rebase_target(b.type, b.target, *prefix);
    return claims_conflict(a, r);
  }
  if (auto prefix = relative_to(b.project, a.project)) {
    Claim r = a;
    r.project = b.project;
    r.target = rebase_target(a.type, a.target, *prefix);
    return claims_conflict(r, b);
  }
  return false;
}

}  // namespace

bool projects_overlap(std::string_view a, std::string_view b) {
  return a == b || is_within_abs(a, b) || is_within_abs(b, a);
}

bool claims_conflict(const Claim& a, const Claim& b) {
  if (a.project != b.project) return nested_conflict(a, b);
  if (!a.exclusive && !b.exclusive) return false;
  if (a.type == ClaimType::kTask || b.type == ClaimType::kTask)
    return a.type == b.type && a.target == b.target;
  if (path_type(a.type) && path_type(b.type)) {
    if (a.type == ClaimType::kFile && b.type == ClaimType::kFile) return a.target == b.target;
    if (a.type == ClaimType::kFile) return is_within(b.target, a.target);
    if (b.type == ClaimType::kFile) return is_within(a.target, b.target);
    return is_within(a.target, b.target) || is_within(b.target, a.target);
  }
  if (a.type == ClaimType::kPattern) return pattern_vs(a.target, b);
  return pattern_vs(b.target, a);
}

bool may_conflict(const Claim& probe, std::string_view project, ClaimType type,
                  std::string_view target) {
  if (project == probe.project) return targets_may_conflict(probe.type, probe.target, type, target);
  if (type == ClaimType::kTask || probe.type == ClaimType::kTask) return false;
  // Most claims are of projects apart from the probe's, ruled out without
  // building a path: one project lies inside another only when it is longer.
  if (project.size() == probe.project.size() || !projects_overlap(project, probe.project))
    return false;
  // Nested projects: compared in the outer one.
  if (auto prefix = relative_to(probe.project, project))
    return targets_may_conflict(probe.type, probe.target, type,
                                rebase_target(type, target, *prefix));
  if (auto prefix = relative_to(project, probe.project))
    return targets_may_conflict(type, target, probe.type,
                                rebase_target(probe.type, probe.target, *prefix));
  return false;
}

namespace {

ClaimRange exact(std::string_view project, uint8_t group, std::string_view target) {
  ClaimRange r;
  r.lo = {std::string(project), group, std::string(target)};
  r.hi = ClaimBound{std::string(project), group, std::string(target) + '\0'};
  return r;
}

// Every claim of `project` in groups [from, to).
ClaimRange groups(std::string_view project, uint8_t from, uint8_t to) {
  return {{std::string(project), from, ""}, ClaimBound{std::string(project), to, ""}};
}

}  // namespace

ClaimRange exact_claim_range(std::string_view project, ClaimType type, std::string_view target) {
  return exact(project, claim_group(type), target);
}

std::vector<ClaimRange> claim_ranges(const Claim& probe) {
  const std::string& p = probe.project;
  const std::string& x = probe.target;
  constexpr uint8_t kPaths = claim_group(ClaimType::kFile),
                    kPatterns = claim_group(ClaimType::kPattern),
                    kTasks = claim_group(ClaimType::kTask);
  if (probe.type == ClaimType::kTask) return {exact(p, kTasks, x)};  // tasks stay in their project
  std::vector<ClaimRange> out;
  if (probe.type == ClaimType::kPattern || x.empty()) {
    out.push_back(groups(p, kPaths, kTasks));
  } else {
    // Paths at or above x, then beneath it ('0' follows '/'), then patterns.
    for (size_t slash = 0; slash != std::string::npos; slash = x.find('/', slash + 1))
      out.push_back(exact(p, kPaths, std::string_view(x).substr(0, slash)));
    out.push_back(exact(p, kPaths, x));
    out.push_back({{p, kPaths, x + '/'}, ClaimBound{p, kPaths, x + '0'}});
    out.push_back(groups(p, kPatterns, kTasks));
  }
  // Nested projects: every path and pattern claim of a project around p and
  // of every project inside it (may_conflict rebases and decides).
  if (p == "/") {
    out.push_back({{p, kTasks + 1, ""}, std::nullopt});
    return out;
  }
  out.push_back(groups("/", kPaths, kTasks));
  for (size_t slash = p.find('/', 1); slash != std::string::npos; slash = p.find('/', slash + 1))
    out.push_back(groups(std::string_view(p).substr(0, slash), kPaths, kTasks));
  out.push_back({{p + '/', kPaths, ""}, ClaimBound{p + '0', kPaths, ""}});
  return out;
}

}  // namespace aio
