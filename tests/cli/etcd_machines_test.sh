#!/usr/bin/env bash
# Two "machines" sharing claims through a real etcd (issue 14): two
# $AIO_HOMEs with distinct machine ids, two clones of one repository, two
# in-place mounts. Each enforces the other's claims; eight agents racing on
# both machines for one file get exactly one grant; etcd stopped mid-run
# gives clear errors (exit 3) while the mounts keep enforcing what they
# knew, and everything resumes when it returns; a machine whose keeper dies
# loses its claims when the leases lapse, while `aio exec` dying frees
# nothing of a living agent. The agent hooks judge by the shared claims too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd_lib.sh"
require_mount
require_etcd
etcd_start
export AIO_STORE="etcd://$ETCD_EP/team" AIO_LEASE_SECONDS=4
HA=$T/ha HB=$T/hb HC=$T/hc
cleanup() {
  aio unmount "$T/a" >/dev/null 2>&1 || aio unmount --lazy "$T/a" >/dev/null 2>&1
  AIO_HOME=$HB aio unmount "$T/b" >/dev/null 2>&1 || AIO_HOME=$HB aio unmount --lazy "$T/b" >/dev/null 2>&1
  for h in "$HA" "$HB" "$HC"; do kill $(keeper_pids "$h") 2>/dev/null; done
  kill $(jobs -p) 2>/dev/null
  etcd_stop
  rm -rf "$T"
}
trap cleanup EXIT
# on a|b|c CMD...: CMD as machine a, b or c (its home and machine id), in its clone.
on() {
  local m=$1
  shift
  case $m in
    a) (cd "$T/a" && exec env AIO_HOME="$HA" AIO_MACHINE_ID=machine-a "$@") ;;
    b) (cd "$T/b" && exec env AIO_HOME="$HB" AIO_MACHINE_ID=machine-b "$@") ;;
    c) (cd "$T/c" && exec env AIO_HOME="$HC" AIO_MACHINE_ID=machine-c "$@") ;;
  esac
}

git_ "$T" init -q --bare origin.git
git_ "$T" clone -q "$T/origin.git" seed
mkdir -p "$T/seed/src"
echo 'export {}' >"$T/seed/src/a.ts"
echo 'one' >"$T/seed/README"
git_ "$T/seed" add -A
git_ "$T/seed" commit -qm seed
git_ "$T/seed" push -q origin main
for m in a b c; do git_ "$T" clone -q "$T/origin.git" "$m"; done

# ---- claims across machines, no mount
A=$(on a aio register claude -q) || fail "register on a"
B=$(on b aio register codex -q) || fail "register on b"
AIO_INSTANCE=$A expect_rc 0 on a aio claim file src/a.ts
AIO_INSTANCE=$B expect_rc 1 on b aio claim file src/a.ts
expect_contains "$ERR" "$A" "the refusal on b"
AIO_INSTANCE=$B expect_rc 1 on b aio claim pattern 'src/**/*.ts'
AIO_INSTANCE=$B expect_rc 1 on b aio claim directory src
AIO_INSTANCE=$B expect_rc 1 on b aio check src/a.ts
expect_contains "$OUT$ERR" "$A" "aio check on b"
expect_rc 0 on b aio status
expect_contains "$OUT" "machine-a" "status on b shows where A runs"
expect_contains "$OUT" "etcd://$ETCD_EP/team" "status names the store"
expect_rc 0 on b aio status --json
expect_eq "$(jq -r --arg a "$A" '.instances[] | select(.id == $a) | .machineId' <<<"$OUT")" machine-a
expect_match "$(jq -r --arg a "$A" '.instances[] | select(.id == $a) | .leaseSecondsLeft' <<<"$OUT")" '^[0-9]+$' "A's lease"
expect_eq "$(jq -r --arg a "$A" '.claims[] | select(.instanceId == $a) | .project' <<<"$OUT")" "$T/b" \
  "A's claim as b shows it (b's clone)"
# an agent hook on b refuses the edit, naming a's instance
edit() { jq -cn --arg f "$1" --arg cwd "$T/b" '{session_id:"s", cwd:$cwd, hook_event_name:"PreToolUse",
  tool_name:"Edit", tool_input:{file_path:$f, old_string:"a", new_string:"b"}}'; }
OUT=$(edit "$T/b/src/a.ts" | AIO_INSTANCE=$B on b aio hook claude PreToolUse)
expect_eq "$(jq -r .hookSpecificOutput.permissionDecision <<<"$OUT")" deny "b's hook on a's claim"
expect_contains "$OUT" "$A" "b's hook refusal"
OUT=$(edit "$T/b/README" | AIO_INSTANCE=$B on b aio hook claude PreToolUse)
expect_eq "$OUT" "" "b's hook on a free file"
AIO_INSTANCE=$A expect_rc 0 on a aio release src/a.ts
AIO_INSTANCE=$B expect_rc 0 on b aio claim file src/a.ts
AIO_INSTANCE=$B expect_rc 0 on b aio release all
# notes are shared too
AIO_INSTANCE=$A expect_rc 0 on a aio context decision "use etcd for claims"
expect_rc 0 on b aio context get decision
expect_contains "$OUT" "use etcd for claims" "a's note on b"

# ---- eight agents, four per machine, racing for one file
declare -a R
for k in 0 1 2 3; do
  R+=("a:$(on a aio register claude -q)" "b:$(on b aio register codex -q)")
done
RACERS=()
for r in "${R[@]}"; do
  (AIO_INSTANCE=${r#*:} on "${r%%:*}" aio claim file src/race.ts >/dev/null 2>&1; echo $? >"$T/race.${r#*:}") &
  RACERS+=($!)
done
wait "${RACERS[@]}"
wins=$(cat "$T"/race.* | grep -c '^0$')
expect_eq "$wins" 1 "racers granted src/race.ts"
expect_eq "$(cat "$T"/race.* | grep -vc '^[01]$')" 0 "racers that neither won nor were refused"

# ---- two mounts enforcing each other's claims
expect_rc 0 on a aio mount "$T/a"
expect_rc 0 on b aio mount "$T/b"
sleep 300 & AGENT_A=$!
sleep 300 & AGENT_B=$!
A2=$(on a aio register claude -q --pid "$AGENT_A") || fail "bound register on a"
B2=$(on b aio register codex -q --pid "$AGENT_B") || fail "bound register on b"
AIO_INSTANCE=$A2 expect_rc 0 on a aio claim file README
refused_on_b() { ! (AIO_INSTANCE=$B2 bash -c "echo b >>'$T/b/README'") 2>/dev/null; }
wait_until 20 refused_on_b || fail "b's mount never refused a write to a's claim"
AIO_INSTANCE=$A2 expect_rc 0 bash -c "echo a >>'$T/a/README'"
AIO_INSTANCE=$A2 expect_rc 0 on a aio release README
allowed_on_b() { (AIO_INSTANCE=$B2 bash -c "echo b >>'$T/b/README'") 2>/dev/null; }
wait_until 20 allowed_on_b || fail "b's mount still refuses after the release"
AIO_INSTANCE=$A2 expect_rc 0 on a aio claim file README
wait_until 20 refused_on_b || fail "b's mount does not refuse the second claim"

# ---- etcd stopped: clear errors, the mounts keep enforcing what they knew
etcd_stop
AIO_INSTANCE=$B2 expect_rc 3 on b aio claim file src/other.ts
one_line_error "$ERR" "claim with etcd down"
expect_contains "$ERR" "unreachable" "claim with etcd down"
AIO_INSTANCE=$B2 expect_rc 3 on b aio check README
refused_on_b || fail "b's mount stopped enforcing while etcd is down"
warned() { grep -q "WARNING" "$T/b/.aio/status"; }
wait_until 20 warned || fail ".aio/status on b does not say the store is away: $(cat "$T/b/.aio/status")"
log_says_unreachable() { grep -q "unreachable" "$HB/logs/mount.log"; }
wait_until 20 log_says_unreachable || fail "b's mount log never says etcd is unreachable: $(tail -5 "$HB/logs/mount.log")"
etcd_start
wait_until 30 bash -c "! grep -q WARNING '$T/b/.aio/status'" || fail ".aio/status still warns after etcd returned"
AIO_INSTANCE=$B2 expect_rc 0 on b aio claim file src/other.ts
AIO_INSTANCE=$B2 expect_rc 1 on b aio claim file README   # nothing granted twice
AIO_INSTANCE=$A2 expect_rc 0 on a aio release README
wait_until 20 allowed_on_b || fail "b's mount does not follow the store after etcd returned"

# ---- aio exec killed: the living agent keeps its claims
on c aio exec --tool amp --claim file src/exec.ts -- sleep 301 &
EXEC=$!
wait_until 20 bash -c "AIO_INSTANCE=$B2 AIO_HOME=$HB AIO_MACHINE_ID=machine-b aio check '$T/b/src/exec.ts' >/dev/null 2>&1; [ \$? -eq 1 ]" ||
  fail "aio exec's claim never appeared on b"
kill -9 "$EXEC"
wait "$EXEC" 2>/dev/null
sleep $((AIO_LEASE_SECONDS * 3))
AIO_INSTANCE=$B2 expect_rc 1 on b aio check src/exec.ts   # its agent (sleep) lives on

# ---- machine c dies (its keeper killed): its leases lapse, its claims free
pids=$(keeper_pids "$HC")
[ -n "$pids" ] || fail "no keeper runs for machine c"
kill -9 $pids
freed() { AIO_INSTANCE=$B2 on b aio claim file src/exec.ts >/dev/null 2>&1; }
wait_until $((AIO_LEASE_SECONDS * 5)) freed || fail "machine c's claim never lapsed"
kill "$AGENT_A" "$AGENT_B" 2>/dev/null
pkill -f '^sleep 301$' 2>/dev/null
finish
