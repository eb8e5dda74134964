// Path canonicalisation (core/path.h) on any three strings (root, base,
// input, split at '\n'): a normalised absolute path and a project-relative
// path are canonical and fixed points; the lexical helpers agree with each
// other (relative_to / is_within_abs / join_root, is_within / join_rel).
// project_relative may look at this machine's file system through realpath;
// it only reads.
#include <algorithm>
#include <string>

#include "core/path.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

// Segments of a '/'-separated path are non-empty and never "." or "..".
bool clean_segments(std::string_view p) {
  size_t i = 0;
  while (true) {
    size_t j = p.find('/', i);
    std::string_view seg = p.substr(i, j == std::string_view::npos ? p.npos : j - i);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}
bool canonical_rel(std::string_view p) {
  return p.empty() || clean_segments(p);
}
bool canonical_abs(std::string_view p) {
  return p == "/" || (p.size() > 1 && p.front() == '/' && clean_segments(p.substr(1)));
}

void check_normalize(std::string_view x) {
  const std::string n = normalize_absolute(x);
  FUZZ_CHECK(canonical_abs(n), fuzz::show(x) + " -> " + fuzz::show(n));
  FUZZ_CHECK(normalize_absolute(n) == n, fuzz::show(x) + " -> " + fuzz::show(n));
  FUZZ_CHECK(normalize_absolute(std::string(x) + "/.") == n, fuzz::show(x));
}

void check_lexical(const std::string& root, const std::string& abs) {
  auto rel = relative_to(root, abs);
  FUZZ_CHECK(rel.has_value() == is_within_abs(root, abs), fuzz::show(root) + " " + fuzz::show(abs));
  if (!rel) return;
  FUZZ_CHECK(canonical_rel(*rel), fuzz::show(root) + " " + fuzz::show(abs) + " -> " + *rel);
  FUZZ_CHECK(join_root(root, *rel) == abs, fuzz::show(root) + " " + fuzz::show(abs));
}

void check_relative(const std::string& a, const std::string& b) {
  // a and b are canonical relative paths.
  const std::string ab = join_rel(a, b);
  FUZZ_CHECK(canonical_rel(ab), fuzz::show(a) + " + " + fuzz::show(b));
  FUZZ_CHECK(is_within(a, ab), fuzz::show(a) + " + " + fuzz::show(b));
  FUZZ_CHECK(is_within(a, b) == is_within_abs(join_root("/", a), join_root("/", b)),
             fuzz::show(a) + " " + fuzz::show(b));
}

void check_project_relative(const std::string& root, const std::string& base,
                            std::string_view input) {
  auto rel = project_relative(root, base, input);
  std::string joined =
      !input.empty() && input.front() == '/' ? std::string(input) : base + "/" + std::string(input);
  auto lexical = relative_to(root, normalize_absolute(joined));
  if (lexical && !input.empty() && input.find('\0') == std::string_view::npos) {
    FUZZ_CHECK(rel.is_ok() && *rel == *lexical,
               fuzz::show(root) + " " + fuzz::show(base) + " " + fuzz::show(input));
  }
  if (!rel) {
    FUZZ_CHECK(rel.status().code() == Code::kInvalid, fuzz::show(input));
    return;
  }
  const std::string what = fuzz::show(root) + " " + fuzz::show(base) + " " + fuzz::show(input);
  FUZZ_CHECK(canonical_rel(*rel), what + " -> " + fuzz::show(*rel));
  // The answer is a fixed point, typed relative to the root or absolute.
  if (!rel->empty()) {
    auto again = project_relative(root, root, *rel);
    FUZZ_CHECK(again.is_ok() && *again == *rel, what + " -> " + fuzz::show(*rel));
  }
  auto abs = project_relative(root, "/", join_root(root, *rel));
  FUZZ_CHECK(abs.is_ok() && *abs == *rel, what + " -> " + fuzz::show(*rel));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 3);
  for (auto p : parts) check_normalize(p);
  // A root and a current directory are real paths: no NUL in them.
  auto no_nul = [](std::string_view p) {
    std::string s(p);
    std::replace(s.begin(), s.end(), '\0', '_');
    return normalize_absolute(s);
  };
  const std::string root = no_nul(parts[0]);
  const std::string base = no_nul(parts[1]);
  const std::string abs = normalize_absolute(parts[2]);
  check_lexical(root, abs);
  check_lexical(root, base);

  auto name = base_name(parts[2]);
  FUZZ_CHECK(name.find('/') == std::string_view::npos, fuzz::show(parts[2]));
  FUZZ_CHECK(parts[2].ends_with(name), fuzz::show(parts[2]));

  check_relative(relative_to("/", root).value_or(""), relative_to("/", abs).value_or(""));
  check_project_relative(root, base, parts[2]);
  return 0;
}
