#include "core/path.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace aio {
namespace {

std::string current_dir() {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == nullptr) return "/";
  return buf;
}

bool strip_root(std::string_view root, std::string_view abs, std::string* out) {
  auto rel = relative_to(root, abs);
  if (rel) *out = std::move(*rel);
  return rel.has_value();
}

// realpath() of the longest existing prefix of `abs`, with the rest appended.
// That prefix is found with one stat() per missing component first: a failing
// realpath() costs a readlink() per component of the path, each time.
std::string resolve_existing_prefix(const std::string& abs) {
  std::string head = abs;
  std::string tail;
  struct stat st;
  while (head != "/" && stat(head.c_str(), &st) != 0) {
    auto slash = head.rfind('/');
    if (slash == std::string::npos) return abs;
    std::string seg = head.substr(slash + 1);
    tail = tail.empty() ? seg : seg + "/" + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
  }
  while (true) {
    char buf[PATH_MAX];
    if (realpath(head.c_str(), buf) != nullptr) {
      std::string r = buf;
      if (!tail.empty()) r = (r == "/" ? "" : r) + "/" + tail;
      return normalize_absolute(r);
    }
    auto slash = head.rfind('/');
    if (slash == std::string::npos || head == "/") return abs;
    std::string seg = head.substr(slash + 1);
    tail = tail.empty() ? seg : seg + "/" + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
  }
}

}  // namespace

std::string normalize_absolute(std::string_view abs) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < abs.size()) {
    while (i < abs.size() && abs[i] == '/') ++i;
    size_t j = i;
    while (j < abs.size() && abs[j] != '/') ++j;
    std::string_view seg = abs.substr(i, j - i);
    if (seg.empty() || seg == ".") {
    } else if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(seg);
    }
    i = j;
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

namespace {

// Segments between single '/', none of them empty, "." or "..", no NUL.
bool plain_segments(std::string_view s) {
  size_t i = 0;
  while (true) {
    size_t j = s.find('/', i);
    std::string_view seg = s.substr(i, j == std::string_view::npos ? j : j - i);
    if (seg.empty() || seg == "." || seg == ".." || seg.find('\0') != std::string_view::npos)
      return false;
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}

}  // namespace

bool is_normal_absolute(std::string_view abs) {
  return abs == "/" || (abs.size() > 1 && abs.front() == '/' && plain_segments(abs.substr(1)));
}

bool is_canonical_relative(std::string_view rel) {
  return rel.empty() || (rel.front() != '/' && plain_segments(rel));
}

Result<std::string> project_relative(std::string_view root, std::string_view base,
                                     std::string_view input) {
  if (input.empty()) return Status::invalid("empty path");
  if (input.find('\0') != std::string_view::npos) return Status::invalid("path contains NUL");
  std::string joined =
      input.front() == '/' ? std::string(input) : std::string(base) + "/" + std::string(input);
  std::string abs = normalize_absolute(joined);
  std::string rel;
  if (strip_root(root, abs, &rel)) return rel;
  // Maybe a symlinked spelling of a path inside the project.
  std::string real = resolve_existing_prefix(abs);
  if (strip_root(root, real, &rel)) return rel;
  return Status::invalid(std::string(input) + " is outside the project " + std::string(root));
}

std::optional<std::string> relative_to(std::string_view root, std::string_view abs) {
  if (root.empty()) return std::nullopt;
  if (root == "/") return abs.empty() ? std::string() : std::string(abs.substr(1));
  if (abs == root) return std::string();
  if (abs.size() > root.size() && abs.substr(0, root.size()) == root && abs[root.size()] == '/')
    return std::string(abs.substr(root.size() + 1));
  return std::nullopt;
}

bool is_within_abs(std::string_view root, std::string_view abs) {
  if (root.empty()) return false;
  if (root == "/") return !abs.empty() && abs.front() == '/';
  return abs.size() >= root.size() && abs.substr(0, root.size()) == root &&
         (abs.size() == root.size() || abs[root.size()] == '/');
}

bool is_within(std::string_view dir, std::string_view path) {
  if (dir.empty()) return true;
  if (path.size() < dir.size()) return false;
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::string join_rel(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out.append(a).push_back('/');
  out.append(b);
  return out;
}

std::string join_root(std::string_view root, std::string_view rel) {
  if (rel.empty()) return std::string(root);
  if (root == "/") return "/" + std::string(rel);
  return std::string(root) + "/" + std::string(rel);
}

std::string absolute_path(std::string_view input) {
  std::string s(input);
  if (s.empty()) s = ".";
  // A normal absolute path goes straight to resolve_existing_prefix (the
  // same realpath() when it exists); any other is resolved as written first
  // ("/link/.." is where the link leads, then up).
  if (s.front() != '/' || !is_normal_absolute(s)) {
    char buf[PATH_MAX];
    if (realpath(s.c_str(), buf) != nullptr) return buf;
    if (s.front() != '/') s = current_dir() + "/" + s;
  }
  return resolve_existing_prefix(normalize_absolute(s));
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace aio
