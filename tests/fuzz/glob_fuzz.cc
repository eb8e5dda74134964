// Glob compile and overlap (core/glob.h) on two patterns and a path (split at
// '\n'). Properties:
//  - a canonical pattern is a fixed point of canonical_pattern;
//  - matches() and covers() agree with a reference matcher written here from
//    glob.h's description alone (backtracking over segments, no automaton),
//    on the fuzzed path and on every valid path of up to kMaxLen characters
//    over a small alphabet taken from the patterns;
//  - overlaps() is symmetric, and true whenever a path is covered by both
//    (and covers_something_inside(dir) whenever a path under dir is covered).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/glob.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

// ---- the reference: glob.h's syntax over canonical patterns ----

struct Tok {
  enum Kind { kLit, kAny, kStar, kSet } kind = kLit;
  std::set<unsigned char> chars;  // kLit: one; kSet: the set, already negated
};

// One segment's tokens, as glob.h describes them. Only called on segments of
// a pattern Glob::compile accepted.
std::vector<Tok> tokens(std::string_view seg) {
  std::vector<Tok> out;
  for (size_t i = 0; i < seg.size(); ++i) {
    Tok t;
    unsigned char c = seg[i];
    if (c == '\\') {
      t.chars = {static_cast<unsigned char>(seg[++i])};
    } else if (c == '*') {
      t.kind = Tok::kStar;
    } else if (c == '?') {
      t.kind = Tok::kAny;
    } else if (c == '[') {
      t.kind = Tok::kSet;
      size_t j = i + 1;
      bool negate = seg[j] == '!' || seg[j] == '^';
      if (negate) ++j;
      std::set<unsigned char> set;
      for (bool first = true; !(seg[j] == ']' && !first); ++j, first = false) {
        unsigned char lo = seg[j];
        if (lo == '\\') lo = seg[++j];
        unsigned char hi = lo;
        if (j + 2 < seg.size() && seg[j + 1] == '-' && seg[j + 2] != ']') {
          j += 2;
          hi = seg[j];
          if (hi == '\\') hi = seg[++j];
        }
        for (unsigned v = lo; v <= hi; ++v) set.insert(static_cast<unsigned char>(v));
      }
      for (unsigned v = 1; v < 256; ++v)
        if (v != '/' && set.count(static_cast<unsigned char>(v)) != negate)
          t.chars.insert(static_cast<unsigned char>(v));
      i = j;
    } else {
      t.chars = {c};
    }
    out.push_back(std::move(t));
  }
  return out;
}

// Whether the tokens match the whole segment s: dynamic programming over
// (token, position), so that many '*' cost no backtracking.
bool seg_match(const std::vector<Tok>& toks, std::string_view s) {
  // at[j]: toks[0..k) can match s[0..j).
  std::vector<char> at(s.size() + 1, 0), next(s.size() + 1);
  at[0] = 1;
  for (const Tok& t : toks) {
    std::fill(next.begin(), next.end(), 0);
    for (size_t j = 0; j <= s.size(); ++j) {
      if (t.kind == Tok::kStar) {
        next[j] = at[j] || (j > 0 && next[j - 1] && s[j - 1] != '/');
      } else if (j > 0 && at[j - 1]) {
        unsigned char c = s[j - 1];
        next[j] = t.kind == Tok::kAny ? c != '/' : t.chars.count(c) > 0;
      }
    }
    at.swap(next);
  }
  return at[s.size()];
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    size_t j = p.find('/', i);
    out.emplace_back(p.substr(i, j == std::string_view::npos ? p.npos : j - i));
    if (j == std::string_view::npos) return out;
    i = j + 1;
  }
}

struct Reference {
  std::vector<std::string> segs;       // of the canonical pattern
  std::vector<std::vector<Tok>> toks;  // per segment ("**" has none)
  bool tail = false;                   // covers what lies beneath what it matches

  explicit Reference(const std::string& canonical) {
    std::string_view p = canonical;
    if (p.size() > 1 && p.front() == '/') p.remove_prefix(1);  // "/build"
    segs = split_path(p);
    for (const auto& s : segs) toks.push_back(s == "**" ? std::vector<Tok>{} : tokens(s));
    // glob.h: the last segment a plain name, "*" or "**".
    const auto& last = toks.back();
    tail = segs.back() == "**" || (last.size() == 1 && last[0].kind == Tok::kStar) ||
           std::all_of(last.begin(), last.end(), [](const Tok& t) { return t.kind == Tok::kLit; });
  }

  // Segments i.. of the pattern match segments j.. of the path (memo: the
  // answer per (i, j), -1 unknown).
  bool match(size_t i, const std::vector<std::string>& path, size_t j,
             std::vector<signed char>* memo) const {
    signed char& m = (*memo)[i * (path.size() + 1) + j];
    if (m < 0) m = match_at(i, path, j, memo);
    return m;
  }
  bool match_at(size_t i, const std::vector<std::string>& path, size_t j,
                std::vector<signed char>* memo) const {
    if (i == segs.size()) return j == path.size();
    if (segs[i] == "**") {
      if (i + 1 == segs.size()) return j < path.size();  // "a/**": one or more segments
      for (size_t k = j; k <= path.size(); ++k)
        if (match(i + 1, path, k, memo)) return true;
      return false;
    }
    return j < path.size() && seg_match(toks[i], path[j]) && match(i + 1, path, j + 1, memo);
  }
  bool match(const std::vector<std::string>& path) const {
    std::vector<signed char> memo((segs.size() + 1) * (path.size() + 1), -1);
    return match(0, path, 0, &memo);
  }
  bool matches(std::string_view path) const { return match(split_path(path)); }
  bool covers(std::string_view path) const {
    auto p = split_path(path);
    if (match(p)) return true;
    if (!tail) return false;
    for (size_t n = p.size() - 1; n >= 1; --n)
      if (match(std::vector<std::string>(p.begin(), p.begin() + n))) return true;
    return false;
  }
};

bool valid_path(std::string_view p) {
  if (p.empty()) return false;
  for (const auto& s : split_path(p))
    if (s.empty() || s == "." || s == ".." || s.find('\0') != std::string::npos) return false;
  return true;
}

// Every valid path of 1..kMaxLen characters over `alphabet` and '/'.
constexpr size_t kMaxLen = 4;
void enumerate(const std::string& alphabet, std::string* cur, std::vector<std::string>* out) {
  if (valid_path(*cur)) out->push_back(*cur);
  if (cur->size() == kMaxLen) return;
  for (char c : alphabet + "/") {
    cur->push_back(c);
    enumerate(alphabet, cur, out);
    cur->pop_back();
  }
}

// Two characters the patterns name literally ('z' standing in for any
// missing), then '.': with '/', every path of up to kMaxLen characters over
// four symbols (340 of them).
std::string alphabet_of(std::string_view a, std::string_view b) {
  std::string out;
  for (char c : std::string(a) + std::string(b)) {
    if (out.size() == 2) break;
    if (c != '/' && c != '*' && c != '?' && c != '[' && c != ']' && c != '\\' && c != '.' &&
        c != '\0' && out.find(c) == std::string::npos)
      out.push_back(c);
  }
  if (out.size() < 2 && out.find('z') == std::string::npos) out.push_back('z');
  if (out.size() < 2) out.push_back('y');
  return out + ".";
}

void check_one(const Glob& g, const Reference& r, std::string_view path) {
  FUZZ_CHECK(g.matches(path) == r.matches(path),
             "matches: pattern " + fuzz::show(g.pattern()) + " path " + fuzz::show(path));
  FUZZ_CHECK(g.covers(path) == r.covers(path),
             "covers: pattern " + fuzz::show(g.pattern()) + " path " + fuzz::show(path));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;  // the brute force below is exponential in nothing, but slow
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 3);
  auto a = Glob::compile(parts[0]);
  if (!a) return 0;
  const std::string ca = a->pattern();
  auto again = canonical_pattern(ca);
  FUZZ_CHECK(again.is_ok() && *again == ca,
             "canonical " + fuzz::show(parts[0]) + " -> " + fuzz::show(ca) + " -> " +
                 (again ? fuzz::show(*again) : again.status().message()));
  const Reference ra(ca);
  if (valid_path(parts[2])) check_one(*a, ra, parts[2]);

  auto b = Glob::compile(parts[1]);
  const std::string cb = b ? b->pattern() : std::string("**");
  const Glob& gb = b ? *b : *Glob::cached("**");
  const Reference rb(cb);
  FUZZ_CHECK(a->overlaps(gb) == gb.overlaps(*a), fuzz::show(ca) + " vs " + fuzz::show(cb));
  const bool overlap = a->overlaps(gb);

  std::vector<std::string> paths;
  std::string cur;
  enumerate(alphabet_of(ca, cb), &cur, &paths);
  std::set<std::string> covered_dirs;  // the ancestors (and "") of paths a covers
  for (const auto& p : paths) {
    check_one(*a, ra, p);
    check_one(gb, rb, p);
    bool by_a = a->covers(p);
    FUZZ_CHECK(!(by_a && gb.covers(p)) || overlap, fuzz::show(ca) + " and " + fuzz::show(cb) +
                                                       " both cover " + p + " yet do not overlap");
    if (by_a) {
      covered_dirs.insert("");
      for (size_t k = 0; k <= p.size(); ++k)
        if (k == p.size() || p[k] == '/') covered_dirs.insert(p.substr(0, k));
    }
  }
  // Every 8th of them (each is an emptiness test of a product automaton).
  size_t k = 0;
  for (const auto& d : covered_dirs)
    if (k++ % 8 == 0)
      FUZZ_CHECK(a->covers_something_inside(d), fuzz::show(ca) + " covers something in " + d);
  return 0;
}
