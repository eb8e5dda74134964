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
# 1,000 by default; ctest runs fewer (tests/CMakeLists.txt: what fits in
# about three minutes on a loaded two-CPU machine).
ITERATIONS=${CRASH_ITERATIONS:-1000}

# A sleep without a process: read with a timeout from a pipe nobody writes.
exec {NAP}<> <(:)
nap() { read -r -t "$1" -u "$NAP" _ || :; }
# The state of process $1 from /proc ("" once it has gone), read without a
# process of our own: R, S, D, Z...
proc_state() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
  stat=${stat##*) }
  echo "${stat%% *}"
}

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

start=$SECONDS
kills_mid_aio=0
for it in $(seq 1 "$ITERATIONS"); do
  if [ $((it % 2)) -eq 0 ]; then export AIO_HOME=$HOME_SMALL; else export AIO_HOME=$HOME_LARGE; fi
  writer=${WRITER[$AIO_HOME]}
  ack="$T/ack.$it"
  pidf="$T/aio.pid"
  : >"$ack"
  : >"$pidf"
  # The writer: claims in a tight loop, recording each acknowledged claim
  # (one short echo = one write(2), so a kill never leaves half a line) and
  # the pid of the aio it is running. setsid gives it its own process group
  # so the kill reaches the running aio.
  setsid bash -c '
    k=0
    while :; do
      k=$((k + 1))
      AIO_INSTANCE=$1 aio claim file "w$2/f$k" >/dev/null 2>&1 </dev/null &
      echo $! >"$4"
      wait $! && echo "w$2/f$k" >>"$3"
    done' writer "$writer" "$it" "$ack" "$pidf" &
  wpid=$!
  # Once it leads its own group (else the kill below could come first and
  # miss what it starts)...
  for _ in $(seq 1 5000); do
    { read -r stat <"/proc/$wpid/stat"; } 2>/dev/null || break
    stat=${stat##*) }
    read -r _ _ pgrp _ <<<"$stat"
    [ "$pgrp" = "$wpid" ] && break
    nap 0.001
  done
  # ... a random moment: 2..40 ms, i.e. somewhere inside one of the first claims.
  nap "0.0$(printf '%02d' $((RANDOM % 39 + 2)))"
  apid=$(<"$pidf")
  [ -n "$apid" ] && case $(proc_state "$apid") in R | S | D) kills_mid_aio=$((kills_mid_aio + 1)) ;; esac
  kill -KILL -- "-$wpid" "$wpid" 2>/dev/null
  wait "$wpid" 2>/dev/null
  # Wait until the last aio has died (a zombie has closed its files and
  # released its locks; who reaps it is not our business).
  apid=$(<"$pidf")
  for _ in $(seq 1 500); do
    case $(proc_state "${apid:-0}") in R | S | D | T) nap 0.01 ;; *) break ;; esac
  done

  where="iteration $it ($(basename "$AIO_HOME"))"
  # The lock is free: another instance claims promptly.
  expect_rc 0 timeout 10 aio --instance "${PROBER[$AIO_HOME]}" claim file "probe/$it"
  # The state loads (a state.json that did not parse would fail this, exit
  # 3), and every acknowledged claim is in it: one jq for both.
  if ! missing=$(timeout 10 aio status --json |
    jq -r --rawfile ack "$ack" '($ack | split("\n") | map(select(. != ""))) - [.claims[].target] | .[]'); then
    fail "$where: aio status --json failed or printed no state"
  fi
  [ -z "$missing" ] || fail "$where: acknowledged claims lost: $(echo $missing)"
  if [ "$AIO_HOME" = "$HOME_SMALL" ] && [ $((it % 16)) -eq 0 ]; then
    # Keep the small state small (well under 256 KiB).
    expect_rc 0 timeout 10 aio --instance "$writer" release all
  fi
  [ "$FAILS" -eq 0 ] || break
done
echo "killed $ITERATIONS writers in $((SECONDS - start))s, $kills_mid_aio of them while an aio process was running"
[ "$kills_mid_aio" -gt 0 ] || fail "no kill hit a running aio process"
# Every state.json left behind parses.
for h in "$HOME_SMALL" "$HOME_LARGE"; do
  jq -e . "$h/state.json" >/dev/null 2>&1 || fail "$h/state.json does not parse"
done
# The large state really went through the journal.
[ -e "$HOME_LARGE/journal.jsonl" ] || fail "large state never used journal.jsonl"

finish
