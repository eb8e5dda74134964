// Canonical project-relative paths.
//
// A canonical relative path has single '/' separators, no leading or trailing
// '/', and no "." or ".." segments; "" names the project root itself. Every
// claim target and every path the engine compares is in this form, so
// "./a//b/", "a/b" and "/abs/project/a/b" are the same path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace aio {

// Lexically normalises an absolute path ("/a/./b/../c//" -> "/a/c"). ".." at
// the root stays at the root, as the kernel does.
std::string normalize_absolute(std::string_view abs);

// Is `abs` already what normalize_absolute gives ("/", or '/' before each
// segment, none of them empty, "." or "..")?
bool is_normal_absolute(std::string_view abs);
// Is `rel` already a canonical relative path (above; "" included)? Then
// project_relative(root, root, rel) gives it back for any root.
bool is_canonical_relative(std::string_view rel);

// Resolves `input` (absolute, or relative to the absolute `base`) against the
// absolute, normalised `root` and returns it relative to root. A path outside
// root is refused with kInvalid. Symlinked spellings are tried through
// realpath() of the longest existing prefix before refusing.
Result<std::string> project_relative(std::string_view root, std::string_view base,
                                     std::string_view input);

// True when `path` is `dir` or lies beneath it (both canonical relative; the
// root "" contains everything).
bool is_within(std::string_view dir, std::string_view path);

// `abs` (absolute, normalised) relative to the absolute, normalised `root`
// as a canonical relative path ("" for root itself); nullopt when abs is
// not root nor beneath it. Lexical: no symlink is looked at.
std::optional<std::string> relative_to(std::string_view root, std::string_view abs);
// relative_to() has an answer.
bool is_within_abs(std::string_view root, std::string_view abs);

// Joins two canonical relative paths ("" is the root: join_rel("", b) == b).
std::string join_rel(std::string_view a, std::string_view b);

// Joins a canonical relative path to an absolute root.
std::string join_root(std::string_view root, std::string_view rel);

// realpath(3) for an existing path, else normalize_absolute of it made
// absolute against the current directory.
std::string absolute_path(std::string_view input);

// The last component of a path as written ("/usr/bin/claude" -> "claude",
// "claude" -> "claude"); a view into `path`.
std::string_view base_name(std::string_view path);

}  // namespace aio
