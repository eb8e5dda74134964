#include "core/glob.h"

#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace aio {
namespace {

using CharSet = std::bitset<256>;

struct Token {
  enum Kind { kLit, kAny, kStar, kSet } kind = kLit;
  CharSet set;  // kLit and kSet
};

CharSet all_but_nul() {
  CharSet s;
  s.set();
  s.reset(0);
  return s;
}

CharSet segment_chars() {
  CharSet s = all_but_nul();
  s.reset('/');
  return s;
}

// Tokenises one segment (no '/') and appends its canonical spelling: runs of
// '*' collapse to one, everything else is kept as written.
Status scan_segment(std::string_view seg, std::string* canon, std::vector<Token>* toks) {
  for (size_t i = 0; i < seg.size(); ++i) {
    char ch = seg[i];
    Token t;
    if (ch == '\\') {
      if (i + 1 >= seg.size()) return Status::invalid("pattern ends with a lone backslash");
      t.set.set(static_cast<unsigned char>(seg[++i]));
      canon->push_back('\\');
      canon->push_back(seg[i]);
    } else if (ch == '*') {
      while (i + 1 < seg.size() && seg[i + 1] == '*') ++i;
      t.kind = Token::kStar;
      canon->push_back('*');
    } else if (ch == '?') {
      t.kind = Token::kAny;
      canon->push_back('?');
    } else if (ch == '[') {
      size_t j = i + 1;
      bool negate = j < seg.size() && (seg[j] == '!' || seg[j] == '^');
      if (negate) ++j;
      CharSet set;
      bool first = true, closed = false;
      for (; j < seg.size(); ++j) {
        unsigned char lo = static_cast<unsigned char>(seg[j]);
        if (lo == ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (lo == '\\') {
          if (j + 1 >= seg.size()) break;
          lo = static_cast<unsigned char>(seg[++j]);
        }
        unsigned char hi = lo;
        if (j + 2 < seg.size() && seg[j + 1] == '-' && seg[j + 2] != ']') {
          j += 2;
          hi = static_cast<unsigned char>(seg[j]);
          if (hi == '\\') {
            if (j + 1 >= seg.size()) break;
            hi = static_cast<unsigned char>(seg[++j]);
          }
          if (hi < lo) return Status::invalid("bad range in [...] of pattern");
        }
        for (unsigned c = lo; c <= hi; ++c) set.set(c);
      }
      if (!closed) return Status::invalid("unterminated [ in pattern");
      if (negate) set.flip();
      set &= segment_chars();  // a class never matches '/'
      t.kind = Token::kSet;
      t.set = set;
      canon->append(seg.substr(i, j - i + 1));
      i = j;
    } else {
      t.set.set(static_cast<unsigned char>(ch));
      canon->push_back(ch);
    }
    toks->push_back(t);
  }
  return Status::ok();
}

bool is_globstar(std::string_view seg) {
  return seg.size() >= 2 && seg.find_first_not_of('*') == std::string_view::npos;
}

// Splits a pattern into canonical segments; "**" segments are literally "**".
Result<std::vector<std::string>> canonical_segments(std::string_view input) {
  if (input.empty()) return Status::invalid("empty pattern");
  if (input.front() == '!') return Status::invalid("negated patterns (!...) are not supported");
  std::string_view body = input;
  while (!body.empty() && body.back() == '/') body.remove_suffix(1);
  // gitignore: a '/' at the start or in the middle anchors the pattern at the
  // root; otherwise it matches at any depth.
  bool anchored = body.find('/') != std::string_view::npos;
  std::vector<std::string> segs;
  if (!anchored) segs.push_back("**");
  bool named = false;  // some segment of the input names something
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('/', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view seg = body.substr(pos, end - pos);
    pos = end + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") return Status::invalid("'..' is not allowed in a pattern");
    named = true;
    std::string canon;
    if (is_globstar(seg)) {
      canon = "**";
    } else {
      std::vector<Token> toks;
      AIO_RETURN_IF_ERROR(scan_segment(seg, &canon, &toks));
    }
    if (canon == "**" && !segs.empty() && segs.back() == "**") continue;
    segs.push_back(std::move(canon));
  }
  if (!named) return Status::invalid("pattern '" + std::string(input) + "' names no path");
  return segs;
}

// The canonical spelling of canonical segments. A one-segment pattern keeps
// its anchor ("build" alone would mean "**/build"), so the canonical form is
// a fixed point.
std::string spell(const std::vector<std::string>& segs) {
  std::string out;
  for (const auto& s : segs) {
    if (!out.empty()) out.push_back('/');
    out += s;
  }
  if (segs.size() == 1 && out != "**") out.insert(0, "/");
  // A first segment that starts with '!' ("/!a/b" anchored) is escaped, or
  // the canonical form would read as a negated pattern.
  if (out.front() == '!') out.insert(0, "\\");
  return out;
}

}  // namespace

Result<std::string> canonical_pattern(std::string_view input) {
  auto g = Glob::compile(input);
  if (!g) return g.status();
  return g->pattern();
}

std::string glob_escape(std::string_view literal) {
  std::string out;
  out.reserve(literal.size());
  for (char ch : literal) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == '\\' || ch == '!') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

std::string rebase_pattern(std::string_view prefix, std::string_view pattern) {
  if (prefix.empty()) return std::string(pattern);
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  return glob_escape(prefix) + "/" + std::string(pattern);
}

int Glob::add_state() {
  states_.emplace_back();
  return static_cast<int>(states_.size()) - 1;
}

int Glob::add_set(const CharSet& s) {
  for (size_t i = 0; i < sets_.size(); ++i)
    if (sets_[i] == s) return static_cast<int>(i);
  sets_.push_back(s);
  return static_cast<int>(sets_.size()) - 1;
}

Status Glob::build(std::string_view canonical) {
  auto segs = canonical_segments(canonical);
  if (!segs) return segs.status();
  pattern_ = spell(*segs);
  const int any = add_set(all_but_nul());
  const int in_seg = add_set(segment_chars());
  CharSet slash_set;
  slash_set.set('/');
  const int slash = add_set(slash_set);

  start_ = add_state();
  int cur = start_;
  bool tail = false;  // the last segment is a plain name, "*" or "**"
  for (size_t i = 0; i < segs->size(); ++i) {
    const std::string& seg = (*segs)[i];
    bool last = i + 1 == segs->size();
    if (seg == "**") {
      int loop = add_state();
      states_[cur].edges.push_back({any, loop});
      states_[loop].edges.push_back({any, loop});
      if (last) {  // "a/**": one or more characters (everything inside)
        cur = loop;
      } else {  // "**/": nothing, or anything ending in '/'
        int next = add_state();
        states_[cur].eps.push_back(next);
        states_[loop].edges.push_back({slash, next});
        cur = next;
      }
      continue;
    }
    std::string ignored;
    std::vector<Token> toks;
    AIO_RETURN_IF_ERROR(scan_segment(seg, &ignored, &toks));
    tail =
        (toks.size() == 1 && toks[0].kind == Token::kStar) ||
        std::all_of(toks.begin(), toks.end(), [](const Token& t) { return t.kind == Token::kLit; });
    for (const Token& t : toks) {
      int next = add_state();
      switch (t.kind) {
        case Token::kStar:
          states_[cur].eps.push_back(next);
          states_[next].edges.push_back({in_seg, next});
          break;
        case Token::kAny:
          states_[cur].edges.push_back({in_seg, next});
          break;
        case Token::kLit:
        case Token::kSet:
          states_[cur].edges.push_back({add_set(t.set), next});
          break;
      }
      cur = next;
    }
    if (!last) {
      int next = add_state();
      states_[cur].edges.push_back({slash, next});
      cur = next;
    }
  }
  states_[cur].accept = true;
  if (tail) add_cover_tail();
  return Status::ok();
}

void Glob::add_cover_tail() {
  const int any = add_set(all_but_nul());
  CharSet slash_set;
  slash_set.set('/');
  const int slash = add_set(slash_set);
  int after_slash = add_state();
  cover_accept_ = add_state();
  for (int s = 0; s < after_slash; ++s)
    if (states_[s].accept) states_[s].edges.push_back({slash, after_slash});
  states_[after_slash].edges.push_back({any, cover_accept_});
  states_[cover_accept_].edges.push_back({any, cover_accept_});
}

Result<Glob> Glob::compile(std::string_view pattern) {
  Glob g;
  AIO_RETURN_IF_ERROR(g.build(pattern));
  if (!g.overlaps(literal_subtree("")))
    return Status::invalid("pattern '" + std::string(pattern) + "' can never match a path");
  return g;
}

Glob Glob::literal_subtree(std::string_view path) {
  Glob g;
  g.pattern_ = std::string(path);
  const int any = g.add_set(all_but_nul());
  g.start_ = g.add_state();
  if (path.empty()) {  // the project root: every path
    int loop = g.add_state();
    g.states_[g.start_].edges.push_back({any, loop});
    g.states_[loop].edges.push_back({any, loop});
    g.states_[loop].accept = true;
    g.cover_accept_ = loop;
    return g;
  }
  int cur = g.start_;
  for (char ch : path) {
    CharSet s;
    s.set(static_cast<unsigned char>(ch));
    int next = g.add_state();
    g.states_[cur].edges.push_back({g.add_set(s), next});
    cur = next;
  }
  g.states_[cur].accept = true;
  g.add_cover_tail();
  return g;
}

void Glob::closure(std::vector<int>* states, std::vector<char>* seen) const {
  for (size_t k = 0; k < states->size(); ++k)
    for (int e : states_[(*states)[k]].eps)
      if (!(*seen)[e]) {
        (*seen)[e] = 1;
        states->push_back(e);
      }
}

bool Glob::run(std::string_view path, bool cover) const {
  std::vector<int> cur{start_}, next;
  std::vector<char> seen(states_.size(), 0);
  seen[start_] = 1;
  closure(&cur, &seen);
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    next.clear();
    std::fill(seen.begin(), seen.end(), 0);
    for (int s : cur)
      for (const Edge& e : states_[s].edges)
        if (sets_[e.set].test(c) && !seen[e.target]) {
          seen[e.target] = 1;
          next.push_back(e.target);
        }
    if (next.empty()) return false;
    closure(&next, &seen);
    cur.swap(next);
  }
  for (int s : cur)
    if (states_[s].accept || (cover && s == cover_accept_)) return true;
  return false;
}

bool Glob::matches(std::string_view path) const {
  return run(path, false);
}
bool Glob::covers(std::string_view path) const {
  return run(path, true);
}

bool Glob::covers_something_inside(std::string_view dir) const {
  return overlaps(literal_subtree(dir));
}

// Emptiness of Cover(this) ∩ Cover(other) ∩ ValidPaths, by a search of the
// product automaton. The third component tracks the current segment of the
// path being spelled: 0 empty, 1 ".", 2 "..", 3 any other (the only state in
// which a '/' or the end of the path is allowed).
bool Glob::overlaps(const Glob& other) const {
  const size_t na = states_.size(), nb = other.states_.size();
  auto key = [&](int a, int b, int v) { return (static_cast<size_t>(a) * nb + b) * 4 + v; };
  std::vector<char> seen(na * nb * 4, 0);
  std::deque<std::array<int, 3>> todo;
  auto push = [&](int a, int b, int v) {
    size_t k = key(a, b, v);
    if (!seen[k]) {
      seen[k] = 1;
      todo.push_back({a, b, v});
    }
  };
  static const CharSet kOther = [] {
    CharSet s = segment_chars();
    s.reset('.');
    return s;
  }();
  push(start_, other.start_, 0);
  while (!todo.empty()) {
    auto [a, b, v] = todo.front();
    todo.pop_front();
    const State& sa = states_[a];
    const State& sb = other.states_[b];
    bool acc_a = sa.accept || a == cover_accept_;
    bool acc_b = sb.accept || b == other.cover_accept_;
    if (acc_a && acc_b && v == 3) return true;
    for (int e : sa.eps) push(e, b, v);
    for (int e : sb.eps) push(a, e, v);
    for (const Edge& ea : sa.edges)
      for (const Edge& eb : sb.edges) {
        CharSet c = sets_[ea.set] & other.sets_[eb.set];
        if (c.none()) continue;
        if (c.test('/') && v == 3) push(ea.target, eb.target, 0);
        if (c.test('.')) push(ea.target, eb.target, v == 3 ? 3 : v + 1);
        if ((c & kOther).any()) push(ea.target, eb.target, 3);
      }
  }
  return false;
}

std::shared_ptr<const Glob> Glob::cached(std::string_view pattern) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const Glob>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(std::string(pattern));
  if (it != cache.end()) return it->second;
  if (cache.size() >= 65536) cache.clear();
  auto g = compile(pattern);
  std::shared_ptr<const Glob> p = g ? std::make_shared<const Glob>(std::move(g).value()) : nullptr;
  cache.emplace(std::string(pattern), p);
  return p;
}

bool glob_covers(std::string_view pattern, std::string_view path) {
  auto g = Glob::cached(pattern);
  return g && g->covers(path);
}

}  // namespace aio
