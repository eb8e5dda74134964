#!/usr/bin/env bash
# The mount's daemon SIGKILLed under write load (issue 12): three writers
# save files through an in-place mount, one appends claims and one notes
# through .aio/ (mount_writer.py), each as its own instance; at a random
# moment the daemon gets kill -9. Then:
#  - every file whose write and close (or fsync) returned before the kill
#    has its content in the bare directory once `aio unmount` has run;
#  - every claim and note acknowledged through .aio/ is in the state, and
#    the state loads;
#  - the project mounts again and a write through it works.
#   DAEMON_CRASH_ITERATIONS (default 5) kills, each at a new random moment.
. "$(dirname "$0")/lib.sh"

require_mount
WRITER="$(cd "$(dirname "$0")" && pwd)/mount_writer.py"
# Debian's python3 (a pyenv shim first on PATH can take seconds to start).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
ITERATIONS=${DAEMON_CRASH_ITERATIONS:-5}
P=$T/proj
mkdir -p "$P/src"
echo base >"$P/src/base.txt"
SLEEPERS=()
trap 'aio unmount "$P" >/dev/null 2>&1 || aio unmount --lazy "$P" >/dev/null 2>&1
      kill "${SLEEPERS[@]}" 2>/dev/null; rm -rf "$T"' EXIT

# Five instances, each bound to a process of its own (a plain register here
# would adopt the one already bound to this script's lineage).
declare -A ID
for w in f1 f2 f3 c1 n1; do
  sleep 3600 &
  SLEEPERS+=($!)
  ID[$w]=$(aio register "writer-$w" "$P" -q --pid $!) || fail "register $w"
done
[ "$FAILS" -eq 0 ] || finish

daemon_pid() { aio mounts --json | jq -r --arg p "$P" '.mounts[] | select(.mountpoint == $p) | .pid'; }

for it in $(seq 1 "$ITERATIONS"); do
  where="iteration $it"
  expect_rc 0 aio mount "$P"
  [ "$FAILS" -eq 0 ] || break
  daemon=$(daemon_pid)
  [ -n "$daemon" ] || { fail "$where: no daemon pid in aio mounts --json"; break; }
  pids=()
  for w in f1 f2 f3 c1 n1; do
    case $w in f*) kind=files ;; c*) kind=claims ;; n*) kind=notes ;; esac
    AIO_INSTANCE=${ID[$w]} setsid "$PY" "$WRITER" "$kind" "$P" "i$it$w" "$T/ack.$it.$w" \
      2>>"$T/writers.log" &
    pids+=($!)
  done
  # Under load first (every writer has had something acknowledged, or 10 s
  # passed: Python's start alone can outlast a short random sleep), then a
  # random moment 0 to 1.5 s later.
  for _ in $(seq 1 200); do
    n=0
    for w in f1 f2 f3 c1 n1; do [ -s "$T/ack.$it.$w" ] && n=$((n + 1)); done
    [ "$n" -eq 5 ] && break
    sleep 0.05
  done
  sleep "$((RANDOM % 2)).$((RANDOM % 5))$((RANDOM % 10))"
  kill -KILL "$daemon"
  # The writers stop at their first failed operation (ENOTCONN).
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && { fail "$where: writer $pid still running 5s after the kill"; kill -KILL "$pid"; }
    wait "$pid" 2>/dev/null
  done

  expect_rc 0 aio unmount "$P"
  expect_eq "$(cat "$P/src/base.txt" 2>&1)" base "$where: the bare directory after unmount"
  # Files acknowledged through the mount are in the bare directory.
  nfiles=0
  for w in f1 f2 f3; do
    : >>"$T/ack.$it.$w"
    out=$("$PY" "$WRITER" verify "$P" "i$it$w" "$T/ack.$it.$w") ||
      fail "$where: files of $w lost: $out"
    nfiles=$((nfiles + ${out:-0}))
  done
  # Claims and notes acknowledged through .aio/ are in the state, which loads.
  expect_rc 0 aio status --json
  : >>"$T/ack.$it.c1" >>"$T/ack.$it.n1"
  lost=$(jq -r --rawfile ack "$T/ack.$it.c1" \
    '($ack | split("\n") | map(select(. != ""))) - [.claims[].target] | .[]' <<<"$OUT")
  [ -z "$lost" ] || fail "$where: acknowledged claims lost: $(echo $lost)"
  nclaims=$(grep -c . "$T/ack.$it.c1")
  expect_rc 0 aio context get --project "$P" --json
  lost=$(jq -r --rawfile ack "$T/ack.$it.n1" \
    '($ack | split("\n") | map(select(. != ""))) - [.notes[].content] | .[]' <<<"$OUT")
  [ -z "$lost" ] || fail "$where: acknowledged notes lost: $(echo $lost)"
  nnotes=$(grep -c . "$T/ack.$it.n1")
  echo "$where: daemon killed after $nfiles files, $nclaims claims, $nnotes notes acknowledged"
  [ $((nfiles + nclaims + nnotes)) -gt 0 ] || fail "$where: nothing was acknowledged before the kill"
  # The writers' claims go, or the next round's files would be refused.
  for w in c1; do expect_rc 0 aio --instance "${ID[$w]}" release all; done
  [ "$FAILS" -eq 0 ] || break
done

# Mounted again, the mount works: a write through it, .aio/ answers.
expect_rc 0 aio mount "$P"
(AIO_INSTANCE=${ID[f1]} sh -c "echo again >'$P/src/again.txt'") || fail "a write after remounting"
expect_contains "$(AIO_INSTANCE=${ID[f1]} cat "$P/.aio/whoami" 2>&1)" "${ID[f1]}" ".aio/whoami after remounting"
expect_rc 0 aio unmount "$P"
expect_eq "$(cat "$P/src/again.txt" 2>&1)" again "the write after remounting, in the bare directory"
finish
