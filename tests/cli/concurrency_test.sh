#!/usr/bin/env bash
# Concurrency: check-and-grant is one transaction under the store's lock, and
# concurrent writers never lose each other's changes, on both write paths
# (small state: state.json rewritten every time; large state: journal.jsonl).
#  (a) 8 instances race for one file, 20 rounds: exactly one wins each round.
#  (b) 8 processes make 200 distinct claims each at once: all 1,600 are there,
#      first on an empty state, then on a state.json > 256 KiB (journal path).
. "$(dirname "$0")/lib.sh"

P="$T/proj"
mkdir -p "$P"
cd "$P" || exit 1
N=8

# A barrier: every child opens the fifo for reading, which blocks until the
# parent opens it for writing; then they all go at once.
BARRIER="$T/barrier"
mkfifo "$BARRIER"
release_barrier() {
  sleep 0.2                # let the children reach open(2)
  exec 3>"$BARRIER"        # all blocked readers return together
}
close_barrier() { exec 3>&-; }

register_all() {  # register_all TOOL: fills IDS with N fresh instances
  IDS=()
  local k id
  for k in $(seq 1 "$N"); do
    id=$(aio register "$1" "$P" -q --pid 0) || { fail "register $1 #$k failed"; continue; }
    IDS+=("$id")
  done
  [ "${#IDS[@]}" -eq "$N" ] || { fail "could not register $N instances"; finish; }
}

# ---------------------------------------------------------------- (a) race
register_all racer
ROUNDS=20
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$T"/rc.* "$T"/err.*
  for k in $(seq 0 $((N - 1))); do
    (
      : <"$BARRIER"
      AIO_INSTANCE=${IDS[$k]} aio claim file src/x.ts >/dev/null 2>"$T/err.$k"
      echo $? >"$T/rc.$k"
    ) &
  done
  release_barrier
  wait
  close_barrier
  wins=0 losses=0 winner=""
  for k in $(seq 0 $((N - 1))); do
    rc=$(cat "$T/rc.$k" 2>/dev/null || echo missing)
    case "$rc" in
      0) wins=$((wins + 1)); winner=${IDS[$k]} ;;
      1) losses=$((losses + 1))
         expect_contains "$(cat "$T/err.$k")" "claimed by" "round $round loser's stderr" ;;
      *) fail "round $round: racer $k exited $rc: $(cat "$T/err.$k" 2>/dev/null)" ;;
    esac
  done
  expect_eq "$wins/$losses" "1/7" "round $round winners/losers"
  n=$(jq '[.claims[] | select(.target == "src/x.ts")] | length' "$AIO_HOME/state.json")
  expect_eq "$n" "1" "round $round: claims on src/x.ts in state.json"
  holder=$(jq -r '[.claims[] | select(.target == "src/x.ts")][0].instanceId' "$AIO_HOME/state.json")
  expect_eq "$holder" "$winner" "round $round: holder in state.json"
  [ -n "$winner" ] && expect_rc 0 aio --instance "$winner" release all
  expect_eq "$(jq '.claims | length' "$AIO_HOME/state.json")" "0" "round $round: claims after release"
done

# ---------------------------------------------------------------- (b) many writers
CLAIMS=200
writers() {  # writers LABEL: N processes, CLAIMS distinct claims each, at once
  local label=$1 k
  rm -f "$T"/fails.* "$T"/werr.*
  for k in $(seq 0 $((N - 1))); do
    (
      : <"$BARRIER"
      bad=0
      for f in $(seq 1 "$CLAIMS"); do
        AIO_INSTANCE=${IDS[$k]} aio claim file "p$k/f$f" >/dev/null 2>>"$T/werr.$k" || bad=$((bad + 1))
      done
      echo "$bad" >"$T/fails.$k"
    ) &
  done
  release_barrier
  wait
  close_barrier
  for k in $(seq 0 $((N - 1))); do
    expect_eq "$(cat "$T/fails.$k" 2>/dev/null || echo missing)" "0" \
      "$label: failed claims of writer $k ($(head -c 300 "$T/werr.$k" 2>/dev/null))"
  done
  jq -e . "$AIO_HOME/state.json" >/dev/null || fail "$label: state.json does not parse"
  local status
  status=$(aio status --json) || fail "$label: aio status --json failed"
  for k in $(seq 0 $((N - 1))); do
    got=$(jq --arg id "${IDS[$k]}" '[.claims[] | select(.instanceId == $id)] | length' <<<"$status")
    expect_eq "$got" "$CLAIMS" "$label: claims of writer $k"
    distinct=$(jq --arg id "${IDS[$k]}" \
      '[.claims[] | select(.instanceId == $id) | .target] | unique | length' <<<"$status")
    expect_eq "$distinct" "$CLAIMS" "$label: distinct targets of writer $k"
    inlist=$(jq --arg id "${IDS[$k]}" '.instances[] | select(.id == $id) | .claims | length' <<<"$status")
    expect_eq "$inlist" "$CLAIMS" "$label: claim ids listed on writer $k's instance"
  done
  want=$((N * CLAIMS + ${FILLER:-0}))
  expect_eq "$(jq '.claims | length' <<<"$status")" "$want" "$label: claims in total"
}

# On a small state: every write rewrites state.json.
export AIO_HOME="$T/home-small"
register_all writer
writers "small state"

# On a large state (> 256 KiB): writes go through journal.jsonl, with
# checkpoints and cache rewrites in between.
export AIO_HOME="$T/home-large"
mkdir -p "$AIO_HOME"
FILLER=1500
prefill_large "$FILLER"
size=$(stat -c %s "$AIO_HOME/state.json")
[ "$size" -gt 262144 ] || fail "pre-filled state.json is only $size bytes"
register_all writer
[ -e "$AIO_HOME/journal.jsonl" ] || fail "registering on a large state did not use journal.jsonl"
writers "large state"
[ -e "$AIO_HOME/journal.jsonl" ] || fail "large state: no journal.jsonl"

finish
