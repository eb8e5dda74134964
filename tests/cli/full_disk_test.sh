#!/usr/bin/env bash
# $AIO_HOME on a full file system (issue 12): a small tmpfs, filled up.
# `aio claim`, `aio register`, `aio-context` and the mount's .aio/ writes
# then fail with a one-line error (exit 3, a state or system error, naming
# the disk being full), or, where a write still fits in a page a file
# already has, succeed for good; the state from before is intact and loads;
# nothing acknowledged is lost; once space is freed everything works again.
# Twice: with a small state (state.json rewritten on each claim) and a large
# one (claims appended to journal.jsonl).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  [ "${CI:-}" = true ] && { echo "FAIL: CI runs as root (this test mounts a tmpfs)" >&2; exit 1; }
  echo "SKIPPED: needs root (mount -t tmpfs)"
  exit 0
fi
HAVE_FUSE=0
[ -w "${AIO_TEST_FUSE_DEV:-/dev/fuse}" ] && HAVE_FUSE=1
P=$T/proj
H=$T/home
mkdir -p "$P/src" "$H"
SLEEPERS=()
trap 'aio unmount "$P" >/dev/null 2>&1 || aio unmount --lazy "$P" >/dev/null 2>&1
      kill "${SLEEPERS[@]}" 2>/dev/null; umount "$H" 2>/dev/null; rm -rf "$T"' EXIT
export AIO_HOME=$H
NOSPACE="No space left on device"
WRITER="$(cd "$(dirname "$0")" && pwd)/mount_writer.py"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# A new instance bound to a process of its own (a plain register here would
# adopt the one already bound to this script's lineage).
sleeper() {
  sleep 3600 &
  SLEEPERS+=($!)
  SLEEPER=$!
}

fill() {  # every page of the tmpfs taken
  dd if=/dev/zero of="$H/fill" bs=64k >/dev/null 2>&1
  dd if=/dev/zero of="$H/fill2" bs=1 >/dev/null 2>&1
}
unfill() { rm -f "$H/fill" "$H/fill2"; }

# full_rc WHAT CMD...: CMD on the full disk exits 0 (it still fitted, so it
# must stay: the caller checks) or 3 with one line naming the full disk.
full_rc() {
  local what=$1
  shift
  OUT=$("$@" 2>"$T/.err")
  RC=$?
  ERR=$(cat "$T/.err")
  case $RC in
    0) ;;
    3)
      one_line_error "$ERR" "$what on a full disk"
      expect_contains "$ERR" "$NOSPACE" "$what on a full disk"
      ;;
    *) fail "$what on a full disk exited $RC, want 3 (or 0); stderr: $ERR" ;;
  esac
}

for size in small large; do
  rm -rf "${H:?}"/*
  umount "$H" 2>/dev/null
  mount -t tmpfs -o size=1m,mode=0700 aio-full-test "$H" || { fail "mount tmpfs on $H"; break; }
  [ $size = large ] && prefill_large 1000
  sleeper
  A=$(aio register agent "$P" -q --pid $SLEEPER) || fail "[$size] register"
  sleeper
  B=$(aio register other "$P" -q --pid $SLEEPER) || fail "[$size] register"
  expect_rc 0 aio --instance "$A" claim file src/a.ts
  expect_rc 0 env AIO_INSTANCE="$A" aio-context decision "[$size] before the disk filled"
  mounted=0
  if [ $HAVE_FUSE = 1 ]; then
    expect_rc 0 aio mount "$P" && mounted=1
  fi
  before=$(aio status --json | jq -S '[.claims[] | {id, target, instanceId}]')

  fill
  acked_claims=() acked_notes=()
  # A claim: a small state is rewritten whole (a new file: it cannot fit);
  # a large one appends a line, which may fit in the journal's last page
  # until that is used up.
  for k in $(seq 1 40); do
    full_rc "[$size] aio claim" aio --instance "$A" claim file "src/full$k.ts"
    [ $RC = 0 ] || break
    acked_claims+=("src/full$k.ts")
  done
  [ $RC = 3 ] || fail "[$size] 40 claims on a full disk, none failed"
  [ $size = small ] && expect_eq "${#acked_claims[@]}" 0 "[$size] claims granted on a full disk"
  # A registration: a new file for a small state; a line that may still
  # fit for a large one, and then it must stay.
  sleeper
  full_rc "[$size] aio register" aio register late "$P" -q --pid $SLEEPER
  late=$OUT
  [ $size = large ] || [ $RC = 3 ] || fail "[$size] aio register on a full disk exited $RC, want 3"
  # A note longer than a page (it cannot fit in the log's last page) and
  # within a control line's limit (8 KiB).
  long=$(printf "[$size] during %.0s0123456789" $(seq 1 300))
  full_rc "[$size] aio-context" env AIO_INSTANCE="$A" aio-context decision "$long"
  [ $RC = 3 ] || fail "[$size] aio-context on a full disk exited $RC, want 3"
  if [ $mounted = 1 ]; then
    # The claim's journal line is longer than the CLI claim the disk just
    # refused (a path of 400 characters), so it cannot fit in what is left of
    # the journal's last page either: a short one may (`src/m.ts` did, once).
    refused="src/$(printf 'm%.0s' $(seq 200))/$(printf 'm%.0s' $(seq 200)).ts"
    for f in claims context/decision; do
      line="file $refused"
      [ $f = claims ] || line=$long
      err=$(AIO_INSTANCE=$A "$PY" "$WRITER" append "$P/.aio/$f" "$line" 2>&1) &&
        fail "[$size] .aio/$f accepted a write on a full disk"
      expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "[$size] lines of the .aio/$f error"
      expect_contains "$err" "$NOSPACE" "[$size] .aio/$f on a full disk"
    done
    # The project itself is not on the full disk: writes there go on.
    (AIO_INSTANCE=$A sh -c "echo ok >'$P/src/a.ts'") || fail "[$size] a write to the project"
  fi
  # The state from before is intact and loads (reading needs no space).
  expect_rc 0 aio status --json
  now=$(jq -S '[.claims[] | {id, target, instanceId}]' <<<"$OUT")
  lost=$(jq -n --argjson b "$before" --argjson n "$now" '$b - $n | .[].target')
  [ -z "$lost" ] || fail "[$size] claims lost on a full disk: $lost"
  for c in "${acked_claims[@]}"; do
    jq -e --arg c "$c" '.claims[] | select(.target == $c)' <<<"$OUT" >/dev/null ||
      fail "[$size] claim $c, granted on the full disk, is not in the state"
  done
  [ $mounted = 1 ] && jq -e --arg c "$refused" '.claims[] | select(.target == $c)' <<<"$OUT" >/dev/null &&
    fail "[$size] the refused .aio/claims line was granted"

  unfill
  # Space again: everything works, and nothing acknowledged was lost.
  expect_rc 0 aio --instance "$A" claim file src/after.ts
  expect_rc 1 aio --instance "$B" claim file src/a.ts
  sleeper
  expect_rc 0 aio register later "$P" -q --pid $SLEEPER
  expect_rc 0 env AIO_INSTANCE="$A" aio-context decision "[$size] after"
  expect_rc 0 aio context get decision --project "$P" --json
  for n in "[$size] before the disk filled" "[$size] after"; do
    jq -e --arg n "$n" '.notes[] | select(.content == $n)' <<<"$OUT" >/dev/null ||
      fail "[$size] note '$n' missing"
  done
  if [ $mounted = 1 ]; then
    (AIO_INSTANCE=$A sh -c "echo 'file src/m.ts' >>'$P/.aio/claims'") ||
      fail "[$size] .aio/claims after space was freed"
    expect_rc 0 aio unmount "$P"
  fi
  expect_rc 0 aio status --json
  for c in src/a.ts src/after.ts "${acked_claims[@]}" $([ $mounted = 1 ] && echo src/m.ts); do
    jq -e --arg c "$c" '.claims[] | select(.target == $c)' <<<"$OUT" >/dev/null ||
      fail "[$size] claim $c missing after space was freed"
  done
  if [ -n "$late" ]; then
    jq -e --arg i "$late" '.instances[] | select(.id == $i)' <<<"$OUT" >/dev/null ||
      fail "[$size] instance $late, registered on the full disk, is not in the state"
  fi
  jq -e . "$H/state.json" >/dev/null || fail "[$size] state.json does not parse"
  echo "[$size] ${#acked_claims[@]} claims still fitted on the full disk"
  umount "$H" || fail "[$size] umount $H"
done
finish
