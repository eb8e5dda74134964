#!/usr/bin/env bash
# The Beads bridge in the mount's daemon: its janitor's cleanup (once a
# minute) removes an instance whose process ended and reopens its task in
# bd (fake_bd.py), from the janitor's thread with the store unlocked; bd
# runs in the project as the agents see it, through the in-place mount.
. "$(dirname "$0")/lib.sh"
require_mount
command -v python3 >/dev/null || { [ "${CI:-}" = true ] && { echo "FAIL: python3 missing under CI=true"; exit 1; }; echo "SKIPPED: needs python3"; exit 0; }

P=$T/proj
mkdir -p "$P/.beads" "$T/bin"
ln -s "$(cd "$(dirname "$0")" && pwd)/fake_bd.py" "$T/bin/bd"
export FAKE_BD_LOG=$T/calls.log PATH="$T/bin:$PATH"
unset BD_JSON_ENVELOPE FAKE_BD_MODE AIO_BD_TIMEOUT
echo '{"bd-1": {"id": "bd-1", "title": "One", "status": "open", "priority": 1}}' >"$P/.beads/fake.json"
cd "$P" || exit 1
expect_rc 0 aio mount "$P"
trap 'aio unmount "$P" >/dev/null 2>&1 || aio unmount --lazy "$P" >/dev/null 2>&1; rm -rf "$T"' EXIT

sleep 600 &
DOOMED=$!
A=$(aio register claude "$P" -q --pid "$DOOMED")
AIO_INSTANCE=$A expect_rc 0 aio claim task bd-1
assignee() { jq -r '.["bd-1"].assignee // ""' "$P/.beads/fake.json"; }
expect_eq "$(assignee)" "$A" "bd's assignee after the claim"
kill "$DOOMED"; wait "$DOOMED" 2>/dev/null
# The janitor cleans up every 60 s.
for ((k = 0; k < 100; k++)); do [ -z "$(assignee)" ] && break; sleep 1; done
expect_eq "$(assignee)" "" "bd's assignee after the daemon's cleanup"
expect_eq "$(jq -r '.["bd-1"].status' "$P/.beads/fake.json")" "open" "bd's status after the daemon's cleanup"
expect_eq "$(aio status --json | jq '.claims | length')" 0 "claims after the daemon's cleanup"
expect_eq "$(tail -1 "$FAKE_BD_LOG" | jq -c '[.actor, .cwd, .argv[0:3]]')" \
  "[\"$A\",\"$P\",[\"update\",\"bd-1\",\"--status\"]]" "the daemon's bd call"
expect_contains "$(cat "$AIO_HOME/logs/mount.log")" "beads: released task bd-1 of $A: reopened" "the mount's log"
finish
