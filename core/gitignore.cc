#include "core/gitignore.h"

#include <algorithm>
#include <bitset>

namespace aio {

namespace {

using CharSet = std::bitset<256>;

bool is_class_member(std::string_view name, unsigned char c, bool* known) {
  *known = true;
  bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
  bool graph = c > ' ' && c < 0x7f;
  if (name == "alpha") return upper || lower;
  if (name == "alnum") return upper || lower || digit;
  if (name == "digit") return digit;
  if (name == "upper") return upper;
  if (name == "lower") return lower;
  if (name == "xdigit") return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  if (name == "space") return c == ' ' || (c >= '\t' && c <= '\r');
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return c < ' ' || c == 0x7f;
  if (name == "graph") return graph;
  if (name == "print") return graph || c == ' ';
  if (name == "punct") return graph && !upper && !lower && !digit;
  *known = false;
  return false;
}

// Reads the set of a '[' at p[*k] into *set and moves *k past its ']';
// false when git could never match the pattern (no ']', a bad class).
bool parse_set(std::string_view p, size_t* k, CharSet* set) {
  size_t i = *k + 1, n = p.size();
  bool negated = i < n && (p[i] == '!' || p[i] == '^');
  if (negated) ++i;
  int prev = -1;  // the last single member, a range's low end (-1: none)
  for (bool first = true;; first = false) {
    if (i >= n) return false;
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == ']' && !first) break;
    if (c == '\\') {
      if (++i >= n) return false;
      c = static_cast<unsigned char>(p[i++]);
      set->set(c);
      prev = c;
    } else if (c == '-' && prev >= 0 && i + 1 < n && p[i + 1] != ']') {
      i += 1;
      if (p[i] == '\\' && ++i >= n) return false;
      int hi = static_cast<unsigned char>(p[i++]);
      for (int ch = prev; ch <= hi; ++ch) set->set(static_cast<size_t>(ch));
      prev = -1;
    } else if (c == '[' && i + 1 < n && p[i + 1] == ':') {
      size_t s = i + 2, e = p.find(']', s);
      if (e == std::string_view::npos) return false;
      if (e == s || p[e - 1] != ':') {  // no ":]": an ordinary '['
        set->set('[');
        prev = '[';
        ++i;
        continue;
      }
      std::string_view name = p.substr(s, e - 1 - s);
      for (int ch = 0; ch < 256; ++ch) {
        bool known;
        if (is_class_member(name, static_cast<unsigned char>(ch), &known))
          set->set(static_cast<size_t>(ch));
        if (!known) return false;
      }
      i = e + 1;
      prev = -1;
    } else {
      set->set(c);
      prev = c;
      ++i;
    }
  }
  if (negated) set->flip();
  set->reset('/');
  *k = i + 1;
  return true;
}

// Git's trailing-space rule: spaces at the end go unless escaped.
std::string_view trim_trailing_spaces(std::string_view line) {
  size_t keep = line.size();
  bool in_spaces = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ') {
      if (!in_spaces) keep = i;
      in_spaces = true;
    } else {
      if (line[i] == '\\' && ++i >= line.size()) return line;
      in_spaces = false;
    }
  }
  return in_spaces ? line.substr(0, keep) : line;
}

}  // namespace

// A pattern compiled to a list of tokens, matched by simulating all
// positions at once (never exponential, whatever the stars).
struct IgnoreList::Pattern {
  enum Kind : unsigned char {
    kLit,   // the character `ch`
    kOne,   // any character but '/'
    kSet,   // a character of sets[set]
    kStar,  // any run of characters but '/' (loops on itself)
    kAll,   // any run of characters (loops on itself)
    kSkip,  // matches nothing itself: go on at the next token or at `jump`
  };
  struct Tok {
    Kind kind;
    unsigned char ch = 0;
    unsigned set = 0;
    size_t jump = 0;
  };
  std::vector<Tok> toks;
  std::vector<CharSet> sets;
  std::string literal;  // the whole pattern when it has no wildcard
  bool is_literal = true;
  bool negated = false;
  bool dir_only = false;
  bool basename = false;  // no '/': matches the last segment at any depth
  bool never = false;     // git could never match it

  void push(Kind k, unsigned char ch = 0) {
    toks.push_back({k, ch, 0, 0});
    if (k == kLit)
      literal.push_back(static_cast<char>(ch));
    else
      is_literal = false;
  }
  void compile(std::string_view p);
  void add(std::vector<char>& on, size_t i) const;
  bool wild(std::string_view text) const;
};

void IgnoreList::Pattern::compile(std::string_view p) {
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '*') {
      size_t j = p.find_first_not_of('*', i);
      if (j == std::string_view::npos) j = p.size();
      bool whole = j - i >= 2 && (i == 0 || p[i - 1] == '/') && (j == p.size() || p[j] == '/');
      if (!whole) {
        push(kStar);
      } else if (j == p.size()) {
        push(kAll);  // "a/**": everything inside
      } else {       // "**/": no segments, or any run ending in '/'
        size_t skip = toks.size();
        push(kSkip);
        push(kAll);
        push(kLit, '/');
        toks[skip].jump = toks.size();
        ++j;
      }
      i = j;
    } else if (c == '?') {
      push(kOne);
      ++i;
    } else if (c == '[') {
      CharSet set;
      if (!parse_set(p, &i, &set)) {
        never = true;
        return;
      }
      push(kSet);
      toks.back().set = static_cast<unsigned>(sets.size());
      sets.push_back(set);
    } else if (c == '\\') {
      if (i + 1 >= p.size()) {
        never = true;
        return;
      }
      push(kLit, static_cast<unsigned char>(p[i + 1]));
      i += 2;
    } else {
      push(kLit, static_cast<unsigned char>(c));
      ++i;
    }
  }
}

// Marks position i and every position reachable from it without reading.
void IgnoreList::Pattern::add(std::vector<char>& on, size_t i) const {
  std::vector<size_t> todo{i};
  while (!todo.empty()) {
    size_t k = todo.back();
    todo.pop_back();
    if (on[k]) continue;
    on[k] = 1;
    if (k == toks.size()) continue;
    const Tok& t = toks[k];
    if (t.kind == kStar || t.kind == kAll || t.kind == kSkip) todo.push_back(k + 1);
    if (t.kind == kSkip) todo.push_back(t.jump);
  }
}

bool IgnoreList::Pattern::wild(std::string_view text) const {
  if (never) return false;
  if (is_literal) return text == literal;
  const size_t n = toks.size();
  std::vector<char> cur(n + 1, 0), next(n + 1, 0);
  add(cur, 0);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t k = 0; k < n; ++k) {
      if (!cur[k]) continue;
      const Tok& t = toks[k];
      size_t to = k + 1;
      bool ok = false;
      switch (t.kind) {
        case kLit:
          ok = c == t.ch;
          break;
        case kOne:
          ok = c != '/';
          break;
        case kSet:
          ok = sets[t.set].test(c);
          break;
        case kStar:
          ok = c != '/';
          to = k;
          break;
        case kAll:
          ok = true;
          to = k;
          break;
        case kSkip:
          break;
      }
      if (ok) {
        add(next, to);
        any = true;
      }
    }
    if (!any) return false;
    cur.swap(next);
  }
  return cur[n] != 0;
}

IgnoreList IgnoreList::parse(std::string_view text, std::string base) {
  IgnoreList list;
  list.base_ = std::move(base);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    line = trim_trailing_spaces(line);
    auto pat = std::make_shared<Pattern>();
    if (line.starts_with('!')) {
      pat->negated = true;
      line.remove_prefix(1);
    }
    if (line.ends_with('/')) {
      pat->dir_only = true;
      line.remove_suffix(1);
    }
    if (line.empty()) continue;  // matches nothing
    pat->basename = line.find('/') == std::string_view::npos;
    if (line.front() == '/') line.remove_prefix(1);
    pat->compile(line);
    list.patterns_.push_back(std::move(pat));
  }
  return list;
}

std::optional<bool> IgnoreList::match(std::string_view path, bool is_dir) const {
  std::string_view rel = path;
  if (!base_.empty()) {
    if (path.size() <= base_.size() + 1 || !path.starts_with(base_) || path[base_.size()] != '/')
      return std::nullopt;
    rel = path.substr(base_.size() + 1);
  }
  std::string_view name = path.substr(path.rfind('/') + 1);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    const Pattern& p = **it;
    if (p.dir_only && !is_dir) continue;
    if (p.wild(p.basename ? name : rel)) return !p.negated;
  }
  return std::nullopt;
}

bool is_gitignored(std::string_view path, bool is_dir, const IgnoreLookup& lookup,
                   const std::vector<const IgnoreList*>& globals) {
  if (path.empty()) return false;
  for (size_t pos = 0; pos <= path.size();) {
    size_t end = std::min(path.size(), path.find('/', pos));
    if (path.substr(pos, end - pos) == ".git") return true;
    pos = end + 1;
  }
  std::vector<const IgnoreList*> stack;  // the .gitignore lists in force, root first
  auto verdict = [&](std::string_view p, bool dir) {
    for (auto it = stack.rbegin(); it != stack.rend(); ++it)
      if (*it)
        if (auto m = (*it)->match(p, dir)) return *m;
    for (const IgnoreList* g : globals)
      if (g)
        if (auto m = g->match(p, dir)) return *m;
    return false;
  };
  auto list_of = [&](std::string_view dir) { return lookup ? lookup(std::string(dir)) : nullptr; };
  stack.push_back(list_of(""));
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    std::string_view dir = path.substr(0, slash);
    if (verdict(dir, true)) return true;  // nothing inside can be re-included
    stack.push_back(list_of(dir));
  }
  return verdict(path, is_dir);
}

}  // namespace aio
