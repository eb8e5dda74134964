// Gitignore-style glob patterns over canonical project-relative paths, and
// the exact overlap decisions the claim conflict table needs (DESIGN.md §2).
//
// Syntax: `*` (any run of characters but '/'), `?` (one character but '/'),
// `[abc]`, `[a-z]`, `[!x]` / `[^x]` (one character of a set, never '/'), `\x`
// (x literally), and `**` as a whole segment (zero or more segments:
// "**/x", "a/**/x"; a trailing "a/**" is everything inside a). `**` inside a
// segment is an ordinary `*`.
//
// Canonical form (canonical_pattern): no leading, trailing or doubled '/',
// no "." segments, no repeated "**" segments; a pattern written without a '/'
// matches at any depth and is stored as "**/<pattern>"; a leading '/'
// anchors at the project root and is dropped unless the pattern has a single
// segment ("/build"), so that canonical_pattern(canonical) == canonical; a
// first segment that then starts with '!' is escaped ("/!a/b" is \!a/b).
// Negated patterns ("!x") and ".." segments are refused.
//
// A pattern *covers* the paths it matches. When its last segment is a plain
// name ("**/build", "src/gen"), "*" or "**", it also covers everything
// beneath the paths it matches, as a directory claim would; a pattern ending
// in a wildcard name ("*.ts") does not, so "**/*.ts" and "**/*.js" never
// collide on a directory that happens to be called "x.ts". Overlap questions are decided exactly,
// on the intersection of the automata of both sides with the language of valid canonical paths
// (non-empty segments, never "." or ".."), not by comparing strings.
#pragma once

#include <bitset>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace aio {

Result<std::string> canonical_pattern(std::string_view input);

// `literal` spelled so that, in a pattern, it matches only itself ('*', '?',
// '[', '\\' and '!' escaped with '\\').
std::string glob_escape(std::string_view literal);
// What canonical `pattern` of a project nested at `prefix` (a canonical
// relative path, "" for the same project) inside another covers, as a
// canonical pattern of that other project: "**/x.ts" in pkg is
// "pkg/**/x.ts", "/build" is "pkg/build".
std::string rebase_pattern(std::string_view prefix, std::string_view pattern);

class Glob {
 public:
  // Compiles a pattern (canonical or not: it is canonicalised first).
  static Result<Glob> compile(std::string_view pattern);
  // compile() through a process-wide cache (thread-safe); null on a bad
  // pattern. Claim checks compare the same few patterns again and again.
  static std::shared_ptr<const Glob> cached(std::string_view pattern);
  // The set {path} ∪ {everything beneath path} as an automaton, for mixing
  // literal paths into overlap questions ("" is the whole project).
  static Glob literal_subtree(std::string_view canonical_path);

  const std::string& pattern() const { return pattern_; }
  // The pattern matches exactly this canonical path.
  bool matches(std::string_view path) const;
  // The pattern covers the path (see above).
  bool covers(std::string_view path) const;
  // Some path at or beneath `dir` (canonical; "" = project root) is covered.
  bool covers_something_inside(std::string_view dir) const;
  // Some path is covered by both patterns.
  bool overlaps(const Glob& other) const;

 private:
  using CharSet = std::bitset<256>;
  struct Edge {
    int set;     // index into sets_
    int target;  // state
  };
  struct State {
    std::vector<Edge> edges;
    std::vector<int> eps;  // epsilon moves
    bool accept = false;   // the pattern matched here (a full path)
  };

  Glob() = default;
  int add_state();
  int add_set(const CharSet& s);
  Status build(std::string_view canonical);
  // Adds the cover tail: from every accepting state, "/" then anything.
  void add_cover_tail();
  void closure(std::vector<int>* states, std::vector<char>* seen) const;
  // Simulates the NFA over `path`; with `cover`, the cover tail accepts too.
  bool run(std::string_view path, bool cover) const;

  std::string pattern_;
  std::vector<State> states_;
  std::vector<CharSet> sets_;
  int start_ = 0;
  int cover_accept_ = -1;  // accepting state of the cover tail (-1: none)
};

// Convenience: compile `pattern` and ask covers(path); false on a bad pattern.
bool glob_covers(std::string_view pattern, std::string_view path);

}  // namespace aio
