// Canonical project-relative paths.
//
// A canonical relative path has single '/' separators, no leading or trailing
// '/', and no "." or ".." segments; "" names the project root itself. Every
// claim target and every path the engine compares is in this form, so
// "./a//b/", "a/b" and "/abs/project/a/b" are the same path.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace aio {

// Lexically normalises an absolute path ("/a/./b/../c//" -> "/a/c"). ".." at
// the root stays at the root, as the kernel does.
std::string normalize_absolute(std::string_view abs);

// Resolves `input` (absolute, or relative to the absolute `base`) against the
// absolute, normalised `root` and returns it relative to root. A path outside
// root is refused with kInvalid. Symlinked spellings are tried through
// realpath() of the longest existing prefix before refusing.
Result<std::string> project_relative(std::string_view root, std::string_view base,
                                     std::string_view input);

// True when `path` is `dir` or lies beneath it (both canonical relative; the
// root "" contains everything).
bool is_within(std::string_view dir, std::string_view path);

// Joins a canonical relative path to an absolute root.
std::string join_root(std::string_view root, std::string_view rel);

// realpath(3) for an existing path, else normalize_absolute of it made
// absolute against the current directory.
std::string absolute_path(std::string_view input);

}  // namespace aio
