#!/usr/bin/env bash
# Agents as they really run (issue 11): a simulated agent (fake_agent.py)
# edits from its own process and runs each shell command in a fresh process,
# in its session, in a new session, or in a PTY; it follows the aio-init
# block (register --export, then claim) or runs under `aio exec`. Through an
# in-place mount, its own process and all its commands act as its instance:
# its claimed file is writable by it and refused to another agent and to an
# anonymous process, and free once the agent has gone.
. "$(dirname "$0")/lib.sh"

require_mount
AGENT="$(cd "$(dirname "$0")" && pwd)/fake_agent.py"
P=$T/proj
mkdir -p "$P/src"
expect_rc 0 aio mount "$P"
trap 'aio unmount "$P" >/dev/null 2>&1 || aio unmount --lazy "$P" >/dev/null 2>&1; kill $OTHER_PID 2>/dev/null; rm -rf "$T"' EXIT
# Another agent, bound to a process of its own.
sleep 600 &
OTHER_PID=$!
OTHER=$(aio register codex "$P" -q --pid "$OTHER_PID")

# write_as WHO FILE: appends to FILE in the mount as WHO (other|anon); prints ok or refused.
write_as() {
  local env=(env -u AIO_INSTANCE)
  [ "$1" = other ] && env=(env "AIO_INSTANCE=$OTHER")
  if (cd "$P" && setsid -w "${env[@]}" sh -c "echo '$1' >> '$2'" 2>/dev/null); then
    echo ok
  else
    echo refused
  fi
}

run_agent() {  # run_agent MODE register|exec FILE
  local mode=$1 how=$2 file=$3 what="$1/$2" fifo="$T/.agent.in" log="$T/.agent.log" k
  rm -f "$fifo" "$log"
  mkfifo "$fifo"
  if [ "$how" = exec ]; then
    (cd "$P" && setsid aio exec --tool claude -- python3 "$AGENT" "$mode" "$P" exec "$file" <"$fifo" >"$log" 2>&1) &
  else
    (cd "$P" && setsid python3 "$AGENT" "$mode" "$P" register "$file" <"$fifo" >"$log" 2>&1) &
  fi
  local runner=$!
  exec {AGENT_IN}>"$fifo"
  for ((k = 0; k < 300; k++)); do grep -q READY "$log" 2>/dev/null && break; sleep 0.05; done
  grep -q READY "$log" || fail "[$what] the agent never got ready: $(cat "$log")"
  local out
  out=$(cat "$log")
  expect_contains "$out" "claim 0 claimed file $file" "[$what] its claim"
  expect_contains "$out" "own-edit 0" "[$what] its own edit"
  expect_contains "$out" "shell-edit 0" "[$what] its shell command's edit"
  expect_match "$out" "whoami 0 claude-[0-9]+-[0-9a-f]{8} claude \(via " "[$what] .aio/whoami"
  expect_contains "$out" "is yours" "[$what] aio check"
  expect_eq "$(write_as other "$file")" refused "[$what] another agent's write"
  expect_eq "$(write_as anon "$file")" refused "[$what] an anonymous write"
  expect_rc 1 aio --instance "$OTHER" check "$file"
  expect_contains "$OUT" "claude-" "[$what] check names the holder"
  exec {AGENT_IN}>&-
  wait "$runner"
  # Gone: the file is free at once (the agent's process was its liveness).
  for ((k = 0; k < 100; k++)); do [ "$(write_as other "$file")" = ok ] && break; sleep 0.05; done
  expect_eq "$(write_as other "$file")" ok "[$what] another agent's write after the agent left"
  aio cleanup >/dev/null
}

for mode in same setsid pty; do
  for how in register exec; do
    run_agent "$mode" "$how" "src/$mode-$how.ts"
  done
done

finish
