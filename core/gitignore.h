// Git's ignore rules, evaluated without git (gitignore(5) as git 2.39 applies
// them), so the mount can ask "does git ignore this path?" on its own.
//
// IgnoreList is one source of patterns: a `.gitignore` file with the
// directory it sits in (its patterns are relative to that directory), or
// `$GIT_DIR/info/exclude` or the global `core.excludesFile` (relative to the
// work tree's root). Its syntax: blank lines and lines starting with `#` are
// nothing; trailing spaces are dropped unless escaped (`\ `); a leading `!`
// re-includes; `\#` and `\!` are literal; a trailing `/` matches directories
// only; a `/` at the start or in the middle anchors the pattern to the list's
// directory, otherwise it matches a name at any depth beneath it; `*` and
// `?` never match '/', `[...]` is a set (`[!..]`/`[^..]`, ranges, `[:alpha:]`
// and the other POSIX classes) that never matches '/'; `**` as a whole
// segment matches any number of segments ("**/x", "a/**/b", "a/**"), inside
// a segment it is a `*`; `\x` is x. Within one list the last matching
// pattern wins. A line git could never match (an unterminated `[`, an
// unknown class, a trailing `\`) matches nothing.
//
// is_gitignored() applies git's precedence: the `.gitignore` of the nearest
// directory first, then those of its ancestors up to the root, then the
// global lists in the order given (info/exclude before core.excludesFile).
// A path inside an ignored directory is ignored whatever re-includes it, and
// anything inside a directory named `.git` is always ignored. Paths are
// canonical project-relative paths (core/path.h: "a/b", "" the root), the
// root being the top of the work tree. Pure: no I/O, no state.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aio {

class IgnoreList {
 public:
  // Parses the text of an ignore file whose patterns are relative to `base`
  // (a canonical relative directory; "" for the root and the global lists).
  // CRLF line ends and a UTF-8 byte order mark are accepted, as git does.
  static IgnoreList parse(std::string_view text, std::string base = "");

  const std::string& base() const { return base_; }
  size_t size() const { return patterns_.size(); }

  // The verdict of the last pattern matching `path` (inside base, or it
  // matches nothing): true = ignored, false = re-included, nullopt = no
  // pattern matches.
  std::optional<bool> match(std::string_view path, bool is_dir) const;

  struct Pattern;  // one parsed line (gitignore.cc)

 private:
  std::string base_;
  std::vector<std::shared_ptr<const Pattern>> patterns_;
};

// The `.gitignore` list of a directory (canonical relative; "" the root), or
// null when it has none. Called at most once per directory per question,
// from the root down, and not beneath a directory found ignored. An empty
// lookup: there are no .gitignore files.
using IgnoreLookup = std::function<const IgnoreList*(const std::string& dir)>;

// Does git ignore `path` (a directory when is_dir)? `globals`: the lists
// below every .gitignore in precedence, highest first (null entries skipped).
bool is_gitignored(std::string_view path, bool is_dir, const IgnoreLookup& lookup,
                   const std::vector<const IgnoreList*>& globals);

}  // namespace aio
