// Requests worded as users and agents word them, turned into engine calls.
// The CLI and the mount's .aio/ control files both go through these, so a
// claim typed as "file src/a.ts" is applied by one piece of code whichever
// surface it came in by (notes: make_note in engine.h).
#pragma once

#include <climits>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/engine.h"
#include "core/model.h"
#include "core/status.h"

namespace aio {

// The claim kind a user typed ("file", "directory"/"dir", "pattern"/"glob",
// "task"); kInvalid naming the word and the kinds there are.
Result<ClaimType> parse_claim_kind(std::string_view word);

// The longest claim target, as typed or stored: a path the kernel would take.
inline constexpr size_t kMaxTarget = PATH_MAX - 1;

struct ClaimWords {
  ClaimType type = ClaimType::kFile;
  std::string target;  // as typed: canonicalised by claim_input()
};
// One line of .aio/claims: "KIND TARGET" (blanks around and between them
// allowed; the target runs to the end of the line, at most kMaxTarget
// bytes). kInvalid otherwise, quoting at most an excerpt of the line.
Result<ClaimWords> parse_claim_line(std::string_view line);

// What exists at a canonical project-relative path: nullopt when nothing is
// there, else whether it is a directory. The caller looks (the CLI through
// the project's path, the mount through its source descriptor), so the
// engine stays free of I/O.
using KindProbe = std::function<std::optional<bool>(const std::string& rel)>;

// Claims `input` (typed in `cwd`) for `me` inside transaction `t`:
// canonicalises it against me's project, refuses a file claim on a directory
// (and the reverse) and a target longer than kMaxTarget, then grants it or
// refuses naming the holder.
Result<ClaimOutcome> claim_input(Txn& t, const Instance& me, ClaimType type, std::string_view input,
                                 const std::string& cwd, const KindProbe& probe, const Clock& c);
// claim_input() for a target already in stored form, relative to me's
// project (the CLI maps what was typed with claim_target, project.h).
Result<ClaimOutcome> claim_stored(Txn& t, const Instance& me, ClaimType type,
                                  const std::string& target, const KindProbe& probe,
                                  const Clock& c);

}  // namespace aio
