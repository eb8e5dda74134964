// What an agent's tool call would write, read from the call alone, for
// `aio hook` (cli/cmd_hook.cc) to judge before the tool runs. Pure: nothing
// here touches the file system, resolves a path or runs anything.
//
// Contract:
//   - A target is a path as written in the call: relative to the directory
//     the command runs in (joined to what `cd` said before it), or absolute.
//     Never resolved, never normalised ("cd .. && rm f" gives "../f"), and
//     never guessed: a word that would be expanded ($VAR, $(…), `…`, globs,
//     ~, {a,b}) in a target position is not listed; the answer says it is
//     incomplete instead. /dev/* is never a target.
//   - shell_writes is best effort and total: any bytes, never throws, work
//     and memory linear in the input (recursion into `bash -c`, `$(…)`,
//     `eval` and shell heredocs at most kShellMaxDepth deep; at most
//     kShellMaxTargets targets). Targets found before something could not be
//     followed are still listed, and are still judged.
//   - What it follows: bash quoting ('…', "…" with \ escapes, \x; $'…' is
//     not decoded: unparsed), `;` `&&` `||` `|` `|&` `&` newlines, `( … )`
//     and `{ …; }` (a `cd` inside a subshell, a pipeline or `&` does not
//     outlast it), comments, heredocs (bodies skipped, or read as a script
//     by a shell or as a patch by apply_patch), leading VAR=value words,
//     redirections (`>`, `>>`, `>|`, `&>`, `&>>`, `<>`, `>&FILE`, `N>`,
//     `N>>`; not `N>&M`, `>&-`, `<`), `cd`/`pushd`/`popd`, the bodies of
//     if/while/until/for (flatly), and the commands listed in shell_writes.
//     `case` and function definitions make the answer incomplete (a
//     function's body is still read, its `cd` does not outlast it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace aio {

inline constexpr int kShellMaxDepth = 6;
inline constexpr size_t kShellMaxTargets = 10000;

// A path a tool call would write, as written in the call (relative to the
// working directory the command runs in, or absolute; never resolved here)
// and what writes it, for messages: ">", "2>>", "tee", "sed -i", "mv" (a
// source), "mv to", "rm", "cp", "apply_patch add", ...
struct WriteTarget {
  std::string path;
  std::string how;
  bool operator==(const WriteTarget&) const = default;
};

struct ShellWrites {
  std::vector<WriteTarget> targets;
  // false: something could not be followed (the caller allows the command
  // and lets the mount decide); targets found before that point are still
  // listed and are still judged.
  bool complete = true;
};

// The paths a shell command line (bash syntax) visibly writes. Commands
// read (after sudo, doas, env [-C DIR], nice, timeout, command, exec,
// nohup, setsid, stdbuf, ionice, builtin are taken off):
//   tee [-a] FILES; sed -i[SUF]/--in-place[=SUF] (script from -e/-f or the
//   first operand); perl -i[EXT]; truncate, touch, mkdir, rmdir, rm,
//   unlink, shred: every operand; mv SRC… DST (each source "mv", the
//   destination "mv to"); cp, ln, install (the destination; with several
//   sources, -t DIR or a DST ending in '/': DST/basename(SRC); ln with one
//   operand: its basename here; install -d: every operand); dd of=F;
//   git [-C DIR] checkout -- F…, restore F… (not --staged alone), rm F… (not
//   --cached), mv; apply_patch/applypatch (heredoc or argument: the patch's
//   targets); bash/sh/dash/zsh/ksh -c 'STRING', a shell reading a heredoc,
//   and eval with static words are read as scripts.
// Incomplete: a command name that would be expanded, xargs running a
// command listed here or a shell, a shell reading a pipe, find with
// -delete/-exec/-fprint…, patch, git checkout/switch/reset/stash/pull/
// merge/rebase/cherry-pick/revert/apply/am/clean, `cd` without a static
// directory (later relative targets are not listed until a subshell or
// group that began before it ends).
ShellWrites shell_writes(std::string_view command);

// The files an apply_patch patch (Codex's format) adds ("apply_patch add"),
// updates ("apply_patch update"), deletes ("apply_patch delete") or moves
// ("apply_patch move" for the source, "apply_patch move to" for the
// destination), in the patch's order, paths as spelled in the patch.
// Accepted: the bare patch ("*** Begin Patch" … "*** End Patch", blank
// space around it and its markers allowed), the same wrapped in a heredoc
// argument ("<<'EOF'\n…\nEOF"), and a shell command running apply_patch
// or applypatch on a heredoc (`[cd DIR &&] apply_patch <<'EOF' …`, paths
// then joined to DIR). Lenient where Codex's own parser is strict only
// about hunk contents (an Update File with no hunk is still listed).
// kInvalid, one line saying why: not a patch, or a line where a file
// header must be that is not one.
Result<std::vector<WriteTarget>> patch_targets(std::string_view patch);

}  // namespace aio
