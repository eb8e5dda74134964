// Beads (`bd`), as aio reads it: bd's --json outputs and its error lines
// parsed, and what aio decides from them. Pure: nothing here runs bd
// (core/bd.h does).
//
// What bd prints (steveyegge/beads, cmd/bd): `show`, `ready`, `update` and
// `close` with --json print a JSON array of issues on stdout (with
// BD_JSON_ENVELOPE=1 wrapped as {"schema_version":N,"data":[...]}); an
// issue's empty fields are left out (a cleared assignee has no key). A
// failed `update --claim` prints nothing on stdout, "Error claiming ID:
// issue already claimed by X" (or "issue not claimable: status S") on
// stderr and exits 1; an unknown id is "Issue ID not found" on stderr; a
// fatal error under --json is {"error": "..."} on stdout, exit 1.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "core/subprocess.h"

namespace aio::beads {

struct Issue {
  std::string id;
  std::string title;
  std::string status;    // "" when bd left it out
  std::string assignee;  // "" when unassigned
  std::optional<int64_t> priority;
  Json raw;  // the object as bd printed it
};

// bd's --json stdout as issues: an array of issue objects, one issue
// object, or either inside the {schema_version, data} envelope. An
// {"error": ...} object is bd's own error (kState with its text); anything
// else that is not that (not JSON, an issue without a string id, a field of
// the wrong type) is kState naming what is wrong.
Result<std::vector<Issue>> parse_issues(std::string_view out);

// Why a bd call failed, as one line: bd's {"error"} on stdout, else its
// last non-empty stderr line ("Error: " dropped), else how it ended.
std::string failure_line(const RunResult& r);

// A failed `bd update ID --claim`, as aio tells it apart.
struct ClaimFailure {
  enum Kind { kClaimed, kNotClaimable, kNotFound, kOther } kind = kOther;
  std::string detail;  // the assignee, the status, or bd's line
};
ClaimFailure classify_claim_failure(const RunResult& r);

// What aio makes of `bd update ID --claim --json` run as `actor` and the
// issue read back after it (`bd show ID --json`; bd's claims have raced).
struct ClaimVerdict {
  Status status;  // ok: the issue is the actor's in bd
  // When status is not ok, what to undo in bd: nothing (bd refused, or the
  // issue is another's), reopen it if bd reads back the actor as its
  // assignee (bd may have applied a claim it did not report), or reopen it
  // (bd said it granted, but its answer could not be read back).
  enum Undo { kNone, kIfMine, kAlways } undo = kNone;
};
ClaimVerdict judge_claim(const std::string& id, const std::string& actor, const RunResult& update,
                         const Result<std::vector<Issue>>& shown);

// Whether a released task claim of `holder` is to be reopened in bd, from
// the issue read back (bd's own view): only when bd has it assigned to the
// holder and not closed (aio never clears what someone else holds there).
bool should_reopen(const Issue& issue, const std::string& holder);

// The issue with id `id` among `issues` (bd's show answer), or nullptr.
const Issue* find_issue(const std::vector<Issue>& issues, const std::string& id);

// `bd ready` minus the tasks held in aio (ids), in bd's order.
std::vector<Issue> ready_minus_held(const std::vector<Issue>& ready,
                                    const std::set<std::string>& held);

}  // namespace aio::beads
