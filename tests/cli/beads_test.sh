#!/usr/bin/env bash
# The Beads bridge with a fake `bd` (fake_bd.py) on PATH that keeps issues in
# .beads/fake.json and records every call (argv, BEADS_ACTOR, cwd) in
# $FAKE_BD_LOG: task claims are bd's first and aio's second, both or
# neither; every release reopens the issue in bd with the assignee cleared;
# `aio done` closes and releases; `aio ready` is bd's ready list minus the
# tasks held in aio; without Beads (no .beads/, or no bd) no bd call at all;
# bd refusing, racing, failing or printing garbage gives one clear line and
# changes nothing.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { [ "${CI:-}" = true ] && { echo "FAIL: python3 missing under CI=true"; exit 1; }; echo "SKIPPED: needs python3"; exit 0; }

P=$T/proj
mkdir -p "$P/src/deep" "$T/bin"
git -C "$P" init -q
ln -s "$(cd "$(dirname "$0")" && pwd)/fake_bd.py" "$T/bin/bd"
export FAKE_BD_LOG=$T/calls.log
: >"$FAKE_BD_LOG"
WITH_BD="$T/bin:$PATH"
NO_BD=$PATH
export PATH=$WITH_BD
unset BD_JSON_ENVELOPE FAKE_BD_MODE AIO_BD_TIMEOUT
cd "$P/src/deep" || exit 1  # bd must run where .beads/ is, the checkout root

sleep 600 &
HOLD=$!
trap 'kill $HOLD 2>/dev/null; rm -rf "$T"' EXIT
reg() { aio register "$1" "$P" -q --pid "$HOLD"; }
A=$(reg claude)
B=$(reg codex)
as() { local who=$1; shift; AIO_INSTANCE=$who "$@"; }

ncalls() { wc -l <"$FAKE_BD_LOG"; }
calls_since() { tail -n +"$(($1 + 1))" "$FAKE_BD_LOG"; }
field() { jq -r --arg i "$1" ".[\$i].$2 // \"\"" "$P/.beads/fake.json"; }
task_holder() {  # the instance holding task $1 in aio ("" none)
  aio status --json | jq -r --arg t "$1" '[.claims[] | select(.type == "task" and .target == $t)][0].instanceId // ""'
}
claim_of() { aio status --json | jq -r --arg t "$1" '[.claims[] | select(.type == "task" and .target == $t)][0].id // ""'; }
issues() {  # issues ID... : open, unassigned issues bd-<ID> (alice's when ID ends in @)
  local json='{}' i
  for i in "$@"; do
    json=$(jq --arg id "bd-${i%@}" --arg who "$([ "${i%@}" != "$i" ] && echo alice)" \
      '.[$id] = {id: $id, title: ("Issue " + $id), status: (if $who == "" then "open" else "in_progress" end),
                 priority: 2, assignee: $who}' <<<"$json")
  done
  printf '%s\n' "$json" >"$P/.beads/fake.json"
}

# ---------------------------------------------------------- without Beads
# bd on PATH but no .beads/: task claims as before, bd never called.
expect_rc 0 as "$A" aio claim task bd-1
expect_rc 0 as "$A" aio release bd-1
expect_rc 2 as "$A" aio ready
one_line_error "$ERR" "ready without Beads"
expect_contains "$ERR" "Beads is not in use here: no .beads/ in $P" "ready without Beads"
expect_rc 0 as "$A" aio claim task bd-1
expect_rc 0 as "$A" aio done bd-1
expect_contains "$OUT" "Beads is not in use here" "done without Beads"
expect_contains "$OUT" "released task bd-1" "done without Beads"
expect_eq "$(task_holder bd-1)" "" "holder after done without Beads"
# .beads/ but no bd on PATH: the same, and ready says bd is missing.
mkdir "$P/.beads"
issues 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 20@
export PATH=$NO_BD
expect_rc 0 as "$A" aio claim task bd-1
expect_rc 0 as "$A" aio release all
expect_rc 2 as "$A" aio ready
one_line_error "$ERR" "ready without bd"
expect_contains "$ERR" "bd is not on PATH" "ready without bd"
expect_eq "$(ncalls)" 0 "bd calls without Beads"
export PATH=$WITH_BD

# ------------------------------------------------------- claims, both sides
n=$(ncalls)
expect_rc 0 as "$A" aio claim task bd-1
expect_eq "$(field bd-1 assignee)" "$A" "bd's assignee after aio claim task"
expect_eq "$(field bd-1 status)" "in_progress" "bd's status after aio claim task"
expect_eq "$(task_holder bd-1)" "$A" "aio's holder of bd-1"
expect_eq "$(calls_since "$n" | jq -c .argv | tr '\n' ' ')" \
  '["update","bd-1","--claim","--json"] ["show","bd-1","--json"] ' "bd calls of a claim"
expect_eq "$(calls_since "$n" | jq -r .actor | sort -u)" "$A" "BEADS_ACTOR"
expect_eq "$(calls_since "$n" | jq -r .cwd | sort -u)" "$P" "bd's working directory"
# Again by the same instance: idempotent on both sides.
expect_rc 0 as "$A" aio claim task bd-1
expect_contains "$OUT" "already holding task bd-1" "re-claim"
expect_eq "$(field bd-1 assignee)" "$A" "bd's assignee after a re-claim"

# bd refuses (held by another instance there): refused naming bd's assignee.
expect_rc 1 as "$B" aio claim task bd-1
one_line_error "$ERR" "claim of a task bd holds for another"
expect_contains "$ERR" "task bd-1 is claimed in Beads by $A" "bd's refusal"
expect_eq "$(task_holder bd-1)" "$A" "aio's holder after bd refused B"
# ... or by a human there.
expect_rc 1 as "$B" aio claim task bd-20
expect_contains "$ERR" "claimed in Beads by alice" "bd's refusal (human)"
expect_eq "$(task_holder bd-20)" "" "aio's holder of alice's task"
expect_rc 1 as "$B" aio task "Take over" bd-20
expect_contains "$ERR" "claimed in Beads by alice" "aio task refused by bd"
expect_eq "$(aio status --json | jq -r --arg b "$B" '.instances[] | select(.id == $b) | .beadsIssue')" \
  "null" "B's beadsIssue after a refused aio task"

# bd's claims raced: it granted but reads back another assignee.
n=$(ncalls)
FAKE_BD_MODE=race:gemini-9 expect_rc 1 as "$B" aio claim task bd-2
one_line_error "$ERR" "raced claim"
expect_contains "$ERR" "claimed in Beads by gemini-9" "raced claim"
expect_eq "$(task_holder bd-2)" "" "aio's holder after a raced claim"
expect_eq "$(field bd-2 assignee)" "gemini-9" "the winner keeps bd's claim"
expect_not_contains "$(calls_since "$n")" '"--status"' "calls after a raced claim (nothing undone)"

# aio refuses after bd granted (B holds bd-3 in aio, not in bd): bd undone.
PATH=$NO_BD expect_rc 0 as "$B" aio claim task bd-3
n=$(ncalls)
expect_rc 1 as "$A" aio claim task bd-3
one_line_error "$ERR" "aio refusing after bd granted"
expect_contains "$ERR" "$B" "aio's refusal names its holder"
expect_eq "$(field bd-3 assignee)" "" "bd's assignee after the undo"
expect_eq "$(field bd-3 status)" "open" "bd's status after the undo"
expect_contains "$(calls_since "$n" | jq -c .argv)" '["update","bd-3","--status","open","--assignee","","--json"]' \
  "the undo call"
expect_eq "$(task_holder bd-3)" "$B" "aio's holder after the undo"

# aio task "…" ID: both sides, and the instance's beadsIssue.
expect_rc 0 as "$A" aio task "Fix the parser" bd-4
expect_eq "$(field bd-4 assignee)" "$A" "bd's assignee after aio task"
expect_eq "$(task_holder bd-4)" "$A" "aio's holder after aio task"

# ------------------------------------------------------------- releases
expect_rc 0 as "$A" aio release "$(claim_of bd-1)"
expect_eq "$(field bd-1 status)/$(field bd-1 assignee)" "open/" "bd-1 after release by claim id"
expect_rc 0 as "$A" aio release bd-4
expect_eq "$(field bd-4 status)/$(field bd-4 assignee)" "open/" "bd-4 after release by task id"
expect_rc 0 as "$A" aio claim task bd-5
expect_rc 0 as "$A" aio claim task bd-6
expect_rc 0 as "$A" aio release all
expect_eq "$(field bd-5 status)/$(field bd-6 status)" "open/open" "after release all"
expect_eq "$(field bd-5 assignee)$(field bd-6 assignee)" "" "assignees after release all"
# A release never clears what bd holds for someone else.
expect_rc 0 as "$A" aio claim task bd-7
jq '.["bd-7"].assignee = "alice"' "$P/.beads/fake.json" >"$T/f" && mv "$T/f" "$P/.beads/fake.json"
expect_rc 0 as "$A" aio release bd-7
expect_eq "$(field bd-7 assignee)" "alice" "bd's assignee of another, after a release"
# unregister
C=$(reg amp)
expect_rc 0 as "$C" aio claim task bd-8
expect_rc 0 as "$C" aio unregister
expect_eq "$(field bd-8 status)/$(field bd-8 assignee)" "open/" "bd-8 after unregister"
# the end of aio exec
expect_rc 0 aio exec --tool claude -- sh -c 'aio claim task bd-9 >/dev/null && jq -r ".[\"bd-9\"].assignee" '"$P"'/.beads/fake.json'
expect_match "$OUT" '^claude-' "bd's assignee inside aio exec"
expect_eq "$(field bd-9 status)/$(field bd-9 assignee)" "open/" "bd-9 after aio exec ended"
# aio cleanup of a dead instance (its process gone)
sleep 600 &
DOOMED=$!
D=$(aio register gemini "$P" -q --pid "$DOOMED")
expect_rc 0 as "$D" aio claim task bd-10
kill "$DOOMED"; wait "$DOOMED" 2>/dev/null
n=$(ncalls)
expect_rc 0 aio cleanup
expect_eq "$(field bd-10 status)/$(field bd-10 assignee)" "open/" "bd-10 after cleanup"
expect_eq "$(calls_since "$n" | jq -r .actor | sort -u)" "$D" "the actor reopening a dead instance's task"
# bd failing does not fail a release: a warning, the aio side released.
expect_rc 0 as "$A" aio claim task bd-11
FAKE_BD_MODE=fail:show expect_rc 0 as "$A" aio release bd-11
expect_contains "$ERR" "warning: task bd-11 released in aio but not reopened in Beads: bd show bd-11 failed: database is locked" \
  "release when bd fails"
expect_eq "$(task_holder bd-11)" "" "aio's holder after a release bd failed"
expect_contains "$(cat "$AIO_HOME/logs/aio.log")" "not reopened in Beads" "the log"

# ------------------------------------------------------------------ done
expect_rc 0 as "$A" aio task "Ship it" bd-12
n=$(ncalls)
expect_rc 0 as "$A" aio done bd-12 --reason "shipped in v2"
expect_contains "$OUT" "closed bd-12 in Beads" "done"
expect_eq "$(field bd-12 status)/$(field bd-12 close_reason)" "closed/shipped in v2" "bd-12 after done"
expect_eq "$(task_holder bd-12)" "" "aio's holder after done"
expect_eq "$(aio status --json | jq -r --arg a "$A" '.instances[] | select(.id == $a) | "\(.currentTask)/\(.beadsIssue)"')" \
  "null/null" "currentTask/beadsIssue after done"
expect_eq "$(calls_since "$n" | jq -c .argv)" '["close","bd-12","--reason","shipped in v2","--json"]' "done's bd calls"
# done on a task another live instance holds in aio: refused, bd untouched.
PATH=$NO_BD expect_rc 0 as "$B" aio claim task bd-13
expect_rc 1 as "$A" aio done bd-13
one_line_error "$ERR" "done of another's task"
expect_contains "$ERR" "task bd-13 is claimed by $B" "done of another's task"
expect_eq "$(field bd-13 status)" "open" "bd-13 after a refused done"
# bd failing to close: nothing changes.
expect_rc 0 as "$A" aio claim task bd-14
FAKE_BD_MODE=fail:close expect_rc 3 as "$A" aio done bd-14
one_line_error "$ERR" "done when bd fails"
expect_contains "$ERR" "bd close bd-14 failed: database is locked" "done when bd fails"
expect_eq "$(task_holder bd-14)" "$A" "aio's holder after a failed done"

# ----------------------------------------------------------------- ready
# Open and unassigned in bd: bd-1 bd-3 bd-4 bd-5 bd-6 bd-8 bd-9 bd-10 bd-15 bd-16 bd-17;
# bd-3 and bd-13 are held in aio by B, bd-14 by A (in bd too).
expect_rc 0 as "$A" aio ready --json
expect_eq "$(jq -r '[.[].id] | join(" ")' <<<"$OUT")" "bd-1 bd-4 bd-5 bd-6 bd-8 bd-9 bd-10 bd-15 bd-16 bd-17" \
  "aio ready --json"
BD_JSON_ENVELOPE=1 expect_rc 0 as "$A" aio ready --json
expect_eq "$(jq -r 'length' <<<"$OUT")" 10 "aio ready --json (bd's envelope)"
expect_rc 0 aio ready
expect_contains "$OUT" "bd-15" "aio ready's table"
expect_contains "$OUT" "P2" "aio ready's table"
expect_contains "$OUT" "Issue bd-15" "aio ready's table"
expect_not_contains "$OUT" "bd-3 " "aio ready's table"
FAKE_BD_MODE=garbage:ready expect_rc 3 aio ready
one_line_error "$ERR" "ready on garbage"
expect_contains "$ERR" "bd printed no JSON: panic" "ready on garbage"

# -------------------------------------------------- bd failing on a claim
snapshot=$(cat "$P/.beads/fake.json")
FAKE_BD_MODE=fail:update expect_rc 3 as "$A" aio claim task bd-15
one_line_error "$ERR" "claim when bd fails"
expect_contains "$ERR" "bd update bd-15 --claim failed (exit 1): database is locked" "claim when bd fails"
expect_rc 2 as "$A" aio claim task bd-99
one_line_error "$ERR" "claim of an unknown issue"
expect_contains "$ERR" "no issue bd-99 in Beads" "claim of an unknown issue"
FAKE_BD_MODE=garbage:show expect_rc 3 as "$A" aio claim task bd-15
one_line_error "$ERR" "claim when show prints garbage"
expect_contains "$ERR" "reading it back failed: bd printed no JSON" "claim when show prints garbage"
AIO_BD_TIMEOUT=0.5 FAKE_BD_MODE=sleep:update expect_rc 3 as "$A" aio claim task bd-15
one_line_error "$ERR" "claim when bd hangs"
expect_contains "$ERR" "did not finish in time" "claim when bd hangs"
expect_eq "$(cat "$P/.beads/fake.json")" "$snapshot" "bd's issues after the failed claims"
expect_eq "$(task_holder bd-15)$(task_holder bd-99)" "" "aio's holders after the failed claims"
# bd missing from PATH after all: as without Beads.
PATH=$NO_BD expect_rc 0 as "$A" aio claim task bd-16

finish
