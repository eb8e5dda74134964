// A brute-force reference model of the claim conflict table (DESIGN.md §2)
// for property_test.cc, written without any of the engine's matching code:
// a claim covers a set of paths of a finite universe (absolute paths of a
// small tree in three projects, /mono, /mono/pkg nested inside it, and
// /monox beside it), found by matching every universe path one by one with
// a plain backtracking glob matcher; two claims conflict when those sets
// meet (task claims: the same id in the same project).
//
// The universe is closed enough that an overlap anywhere has a witness in
// it: every directory gets children with the names the test's patterns
// look for (Universe::Universe); the pairwise test in property_test.cc
// checks that the model and claims_conflict agree on every pair of the
// candidate claims, so a missing witness shows up there.
#pragma once

#include <bitset>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace aio::test::model {

inline std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t slash = std::min(s.size(), s.find('/', pos));
    if (slash > pos) out.emplace_back(s.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

// `[...]` at the start of `pat` against one character: the length of the
// class (0: not a class, '[' is then literal) and whether `ch` is in it.
inline size_t char_class(std::string_view pat, char ch, bool* in) {
  size_t i = 1;
  bool negate = i < pat.size() && (pat[i] == '!' || pat[i] == '^');
  if (negate) ++i;
  bool hit = false;
  size_t first = i;
  for (; i < pat.size() && (pat[i] != ']' || i == first); ++i) {
    if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
      hit = hit || (ch >= pat[i] && ch <= pat[i + 2]);
      i += 2;
    } else {
      hit = hit || ch == pat[i];
    }
  }
  if (i >= pat.size()) return 0;
  *in = negate ? !hit : hit;
  return i + 1;
}

// One path segment against one pattern segment: '*' any run, '?' one
// character, classes, '\x' literally. Names never hold '/'.
inline bool name_matches(std::string_view pat, std::string_view name) {
  if (pat.empty()) return name.empty();
  if (pat[0] == '*') {
    for (size_t k = 0; k <= name.size(); ++k)
      if (name_matches(pat.substr(1), name.substr(k))) return true;
    return false;
  }
  if (name.empty()) return false;
  if (pat[0] == '?') return name_matches(pat.substr(1), name.substr(1));
  if (pat[0] == '\\' && pat.size() > 1)
    return pat[1] == name[0] && name_matches(pat.substr(2), name.substr(1));
  if (pat[0] == '[') {
    bool in = false;
    if (size_t n = char_class(pat, name[0], &in))
      return in && name_matches(pat.substr(n), name.substr(1));
  }
  return pat[0] == name[0] && name_matches(pat.substr(1), name.substr(1));
}

// Segments against segments: "**" is zero or more whole segments, but a
// trailing "**" one or more (everything inside, not the directory itself).
// The first `n` segments of `path` are matched.
inline bool segs_match(const std::vector<std::string>& pat, size_t i,
                       const std::vector<std::string>& path, size_t j, size_t n) {
  if (i == pat.size()) return j == n;
  if (pat[i] == "**") {
    if (i + 1 == pat.size()) return j < n;
    for (size_t k = j; k <= n; ++k)
      if (segs_match(pat, i + 1, path, k, n)) return true;
    return false;
  }
  return j < n && name_matches(pat[i], path[j]) && segs_match(pat, i + 1, path, j + 1, n);
}

// A pattern as typed: a leading '/' anchors it at the root; one without
// any '/' matches a name at any depth.
inline std::vector<std::string> pattern_segments(std::string_view typed) {
  bool anchored = !typed.empty() && typed[0] == '/';
  std::vector<std::string> segs;
  for (auto& s : split(typed))
    if (s != ".") segs.push_back(s);
  if (!anchored && typed.find('/') == std::string_view::npos) segs.insert(segs.begin(), "**");
  return segs;
}

// Its last segment is a plain name (no wildcard), "*" or "**": then it
// covers what lies beneath the paths it matches too.
inline bool covers_beneath(const std::vector<std::string>& pat) {
  const std::string& last = pat.back();
  if (last == "*" || last == "**") return true;
  for (size_t k = 0; k < last.size(); ++k) {
    if (last[k] == '\\') {
      ++k;
      continue;
    }
    if (last[k] == '*' || last[k] == '?' || last[k] == '[') return false;
  }
  return true;
}

// The pattern matches the path, or (covers_beneath) one of its ancestors.
inline bool pattern_covers(const std::vector<std::string>& pat,
                           const std::vector<std::string>& path) {
  bool beneath = covers_beneath(pat);
  for (size_t n = path.size(); n >= 1; --n)
    if ((n == path.size() || beneath) && segs_match(pat, 0, path, 0, n)) return true;
  return false;
}

// "/a/./b//c/../d" -> "/a/b/d" (absolute in, absolute out).
inline std::string normalise(std::string_view abs) {
  std::vector<std::string> out;
  for (auto& s : split(abs)) {
    if (s == ".") continue;
    if (s == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(s);
  }
  std::string r;
  for (auto& s : out) r += "/" + s;
  return r.empty() ? "/" : r;
}

inline bool within(std::string_view root, std::string_view abs) {
  return abs == root ||
         (abs.starts_with(root) && abs.size() > root.size() && abs[root.size()] == '/');
}

constexpr size_t kMaxPaths = 16384;
using Cover = std::bitset<kMaxPaths>;

// The paths, and which of them exist (with their kind) for the kind check.
class Universe {
 public:
  // `files` and `dirs` exist; `extra` are more paths (targets that do not
  // exist, the tree's shape in the other projects).
  Universe(const std::vector<std::string>& projects, const std::vector<std::string>& files,
           const std::vector<std::string>& dirs, const std::vector<std::string>& extra);

  size_t size() const { return paths_.size(); }
  const std::string& path(size_t k) const { return paths_[k]; }
  // nullopt: nothing there; else whether it is a directory.
  std::optional<bool> kind(const std::string& abs) const {
    auto it = exists_.find(abs);
    if (it == exists_.end()) return std::nullopt;
    return it->second;
  }
  void add(const std::string& abs) {
    if (index_.emplace(abs, paths_.size()).second) {
      paths_.push_back(abs);
      segs_.push_back(split(abs));
    }
  }

  // What a claim of `project` typed as `typed` covers; nullopt when the
  // engine must refuse it as bad input (outside the project, a file claim
  // on a directory or the reverse).
  std::optional<Cover> cover(const std::string& project, ClaimType type,
                             const std::string& typed) const;

 private:
  std::vector<std::string> paths_;
  std::vector<std::vector<std::string>> segs_;  // of each path
  std::map<std::string, size_t> index_;
  std::map<std::string, bool> exists_;
};

// Names put beneath every path (a file's name may be a directory's in
// another checkout, and a pattern whose last segment is a plain name covers
// what lies beneath it), so that each pattern of the test meets each path
// it can reach inside: a witness for the overlap.
inline const std::vector<std::string>& witness_names() {
  static const std::vector<std::string> names = {"z.ts",  ".z.ts", "z.md",  ".z.md",
                                                 "z.js",  ".z.js", "a1.ts", "x.ts",
                                                 "build", "c",     "d.ts",  "readme"};
  return names;
}

inline Universe::Universe(const std::vector<std::string>& projects,
                          const std::vector<std::string>& files,
                          const std::vector<std::string>& dirs,
                          const std::vector<std::string>& extra) {
  for (auto& d : dirs) exists_[d] = true;
  for (auto& f : files) exists_[f] = false;
  std::set<std::string> base(projects.begin(), projects.end());
  base.insert(dirs.begin(), dirs.end());
  base.insert(files.begin(), files.end());
  base.insert(extra.begin(), extra.end());
  for (auto& b : base) add(b);
  // Witnesses beneath every path, two levels down beneath the names a
  // pattern's middle segment looks for.
  for (auto& b : base)
    for (auto& n : witness_names()) {
      add(b + "/" + n);
      if (n == "build" || n == "c" || n == "x.ts" || n == "d.ts")
        for (auto& m : witness_names()) add(b + "/" + n + "/" + m);
    }
}

inline std::optional<Cover> Universe::cover(const std::string& project, ClaimType type,
                                            const std::string& typed) const {
  Cover c;
  if (type == ClaimType::kTask) return c;
  if (type == ClaimType::kPattern) {
    auto pat = pattern_segments(typed);
    size_t depth = split(project).size();
    for (size_t k = 0; k < paths_.size(); ++k) {
      if (!within(project, paths_[k]) || paths_[k] == project) continue;
      std::vector<std::string> rel(segs_[k].begin() + static_cast<long>(depth), segs_[k].end());
      if (pattern_covers(pat, rel)) c.set(k);
    }
    return c;
  }
  std::string abs = normalise(typed.starts_with("/") ? typed : project + "/" + typed);
  if (!within(project, abs)) return std::nullopt;
  auto k = kind(abs);
  if (k && *k != (type == ClaimType::kDirectory)) return std::nullopt;
  for (size_t i = 0; i < paths_.size(); ++i)
    if (type == ClaimType::kFile ? paths_[i] == abs : within(abs, paths_[i])) c.set(i);
  return c;
}

}  // namespace aio::test::model
