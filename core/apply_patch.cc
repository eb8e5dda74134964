// patch_targets (core/hook_paths.h): the files a Codex apply_patch patch
// names. Follows the grammar of openai/codex codex-rs/apply-patch: the whole
// text trimmed; "*** Begin Patch" first and "*** End Patch" last (each
// trimmed); file headers "*** Add File: P" (its lines start with '+'),
// "*** Delete File: P", "*** Update File: P" optionally followed at once by
// "*** Move to: Q" (taken as written, not trimmed), then hunks whose lines
// start with ' ', '+', '-' or "@@", "*** End of File" or are blank.
#include <string>
#include <vector>

#include "core/hook_paths.h"
#include "core/shell_walk.h"
#include "core/text.h"

namespace aio {
namespace {

constexpr std::string_view kBegin = "*** Begin Patch";
constexpr std::string_view kEnd = "*** End Patch";
constexpr std::string_view kAdd = "*** Add File: ";
constexpr std::string_view kDelete = "*** Delete File: ";
constexpr std::string_view kUpdate = "*** Update File: ";
constexpr std::string_view kMove = "*** Move to: ";
constexpr std::string_view kEndOfFile = "*** End of File";

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t a = s.find_first_not_of(kSpace);
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(kSpace) - a + 1);
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> lines;
  while (!s.empty()) {
    const size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  }
  return lines;
}

Status not_a_patch(std::string why) {
  return Status::invalid("not an apply_patch patch: " + std::move(why));
}

// `<<EOF`, `<<'EOF'`, `<<"EOF"` (any word): the delimiter, else "".
std::string_view heredoc_start(std::string_view line) {
  line = trim(line);
  if (!line.starts_with("<<")) return {};
  line.remove_prefix(line.starts_with("<<-") ? 3 : 2);
  if (line.size() >= 2 && (line[0] == '\'' || line[0] == '"') && line.back() == line[0])
    line = line.substr(1, line.size() - 2);
  return line.find_first_of(" \t'\"") == std::string_view::npos ? line : std::string_view();
}

enum class At { kHeader, kAdd, kUpdateStart, kUpdate };

// Whether `line` is part of the file section `at` is in.
bool content(At at, std::string_view line) {
  if (at == At::kAdd) return line.starts_with('+');
  if (at == At::kHeader) return false;
  return line.starts_with(' ') || line.starts_with('+') || line.starts_with('-') ||
         line.starts_with("@@") || trim(line) == kEndOfFile;
}

// The targets of lines[1 .. size-1) (the lines between the markers).
Result<std::vector<WriteTarget>> body(const std::vector<std::string_view>& lines) {
  std::vector<WriteTarget> out;
  At at = At::kHeader;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string_view line = lines[i], t = trim(line);
    if (at == At::kUpdateStart && line.starts_with(kMove)) {
      const std::string_view to = line.substr(kMove.size());
      if (to.empty())
        return not_a_patch("line " + std::to_string(i + 1) + ": '*** Move to:' without a path");
      out.back().how = "apply_patch move";
      out.push_back({std::string(to), "apply_patch move to"});
      at = At::kUpdate;
    } else if (content(at, line)) {
      if (at == At::kUpdateStart) at = At::kUpdate;
    } else if (t.empty()) {
      continue;
    } else if (t.starts_with(kAdd)) {
      out.push_back({std::string(t.substr(kAdd.size())), "apply_patch add"});
      at = At::kAdd;
    } else if (t.starts_with(kDelete)) {
      out.push_back({std::string(t.substr(kDelete.size())), "apply_patch delete"});
      at = At::kHeader;
    } else if (t.starts_with(kUpdate)) {
      out.push_back({std::string(t.substr(kUpdate.size())), "apply_patch update"});
      at = At::kUpdateStart;
    } else {
      return not_a_patch("line " + std::to_string(i + 1) + ": '" + excerpt(t) +
                         "' is not a file header (*** Add File:, *** Update File:, "
                         "*** Delete File:)");
    }
  }
  return out;
}

std::string join(const std::string& dir, const std::string& p) {
  if (dir.empty() || p.starts_with('/')) return p;
  return dir.back() == '/' ? dir + p : dir + "/" + p;
}

}  // namespace

namespace shell {

Result<std::vector<WriteTarget>> parse_patch(std::string_view text) {
  std::vector<std::string_view> lines = lines_of(trim(text));
  if (lines.empty()) return not_a_patch("it is empty");
  if (trim(lines[0]) != kBegin) {
    const std::string_view delim = heredoc_start(lines[0]);
    if (delim.empty() || lines.size() < 4 || !trim(lines.back()).ends_with(delim))
      return not_a_patch("the first line must be '*** Begin Patch'");
    lines = std::vector<std::string_view>(lines.begin() + 1, lines.end() - 1);
    if (trim(lines[0]) != kBegin) return not_a_patch("the first line must be '*** Begin Patch'");
  }
  if (lines.size() < 2 || trim(lines.back()) != kEnd)
    return not_a_patch("the last line must be '*** End Patch'");
  return body(lines);
}

}  // namespace shell

Result<std::vector<WriteTarget>> patch_targets(std::string_view patch) {
  auto bare = shell::parse_patch(patch);
  const std::string_view t = trim(patch);
  if (bare || t.starts_with(kBegin) || t.starts_with("<<")) return bare;
  // A shell command running apply_patch: `[cd DIR &&] apply_patch <<'EOF'`.
  shell::Walker w;
  w.run(patch, std::string(), 0);
  if (w.patches.empty()) return bare;
  std::vector<WriteTarget> out;
  for (const shell::PatchCall& call : w.patches) {
    auto got = shell::parse_patch(call.text);
    if (!got) return got.status();
    for (WriteTarget& target : *got) {
      if (!call.cwd && !target.path.starts_with('/'))
        return Status::invalid("apply_patch runs where a cd that cannot be followed went");
      target.path = join(call.cwd.value_or(""), target.path);
      out.push_back(std::move(target));
    }
  }
  return out;
}

}  // namespace aio
