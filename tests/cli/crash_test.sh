#!/usr/bin/env bash
# Crash safety: a writer SIGKILLed at a random moment (mid-write, mid-fsync,
# mid-rename, mid-journal-append, mid-cache-rewrite) never leaves half a
# state.json, never leaves the lock held, and never loses a claim it had
# acknowledged (exit 0 seen before the kill). Half the iterations run on a
# small state (state.json rewritten on every claim), half on a state.json
# > 256 KiB (claims appended to journal.jsonl, with checkpoints and cache
# rewrites in between).
. "$(dirname "$0")/lib.sh"

P="$T/proj"
mkdir -p "$P"
cd "$P" || exit 1
ITERATIONS=${CRASH_ITERATIONS:-100}


HOME_SMALL="$T/home-small"
HOME_LARGE="$T/home-large"
AIO_HOME=$HOME_LARGE prefill_large
declare -A WRITER PROBER
for h in "$HOME_SMALL" "$HOME_LARGE"; do
  WRITER[$h]=$(AIO_HOME=$h aio register writer "$P" -q) || fail "register writer in $h"
  PROBER[$h]=$(AIO_HOME=$h aio register prober "$P" -q) || fail "register prober in $h"
done
[ "$FAILS" -eq 0 ] || finish
[ "$(stat -c %s "$HOME_LARGE/state.json")" -gt 262144 ] || fail "large state.json is not > 256 KiB"

kills_mid_aio=0
for it in $(seq 1 "$ITERATIONS"); do
  if [ $((it % 2)) -eq 0 ]; then export AIO_HOME=$HOME_SMALL; else export AIO_HOME=$HOME_LARGE; fi
  writer=${WRITER[$AIO_HOME]}
  ack="$T/ack.$it"
  : >"$ack"
  # The writer: claims in a tight loop, recording each acknowledged claim
  # (one short echo = one write(2), so a kill never leaves half a line).
  # setsid gives it its own process group so the kill reaches the running aio.
  setsid bash -c '
    k=0
    while :; do
      k=$((k + 1))
      AIO_INSTANCE=$1 aio claim file "w$2/f$k" >/dev/null 2>&1 && echo "w$2/f$k" >>"$3"
    done' writer "$writer" "$it" "$ack" &
  wpid=$!
  # A random moment: 2..40 ms, i.e. somewhere inside one of the first claims.
  sleep "0.0$(printf '%02d' $((RANDOM % 39 + 2)))"
  pgrep -g "$wpid" -x aio >/dev/null && kills_mid_aio=$((kills_mid_aio + 1))
  kill -KILL -- "-$wpid" 2>/dev/null
  wait "$wpid" 2>/dev/null
  # Wait until the group's aio has died (a zombie has closed its files and
  # released its locks; who reaps it is not our business).
  for _ in $(seq 1 500); do
    ps -o stat= -g "$wpid" | grep -qv '^Z' || break
    sleep 0.01
  done

  where="iteration $it ($(basename "$AIO_HOME"))"
  jq -e . "$AIO_HOME/state.json" >/dev/null 2>&1 || fail "$where: state.json does not parse"
  # The lock is free: another instance claims promptly.
  expect_rc 0 timeout 10 aio --instance "${PROBER[$AIO_HOME]}" claim file "probe/$it"
  status=$(timeout 10 aio status --json) || fail "$where: aio status --json failed"
  present=$(jq -r '.claims[].target' <<<"$status" | sort)
  missing=$(sort "$ack" | comm -23 - <(echo "$present"))
  [ -z "$missing" ] || fail "$where: acknowledged claims lost: $(echo $missing)"
  if [ "$AIO_HOME" = "$HOME_SMALL" ]; then
    # Keep the small state small.
    expect_rc 0 timeout 10 aio --instance "$writer" release all
  fi
done
echo "killed $ITERATIONS writers, $kills_mid_aio of them while an aio process was running"
[ "$kills_mid_aio" -gt 0 ] || fail "no kill hit a running aio process"
# The large state really went through the journal.
[ -e "$HOME_LARGE/journal.jsonl" ] || fail "large state never used journal.jsonl"

finish
