#!/usr/bin/env bash
# aio exec: an agent as an instance bound to its process. Exit statuses and
# signals pass through; the claims hold exactly while the child runs (no
# heartbeat needed), SIGKILL of the child frees them at once, SIGKILL of
# aio exec alone does not; a refused --claim runs nothing; under a terminal
# the child owns the foreground and Ctrl-C reaches it.
. "$(dirname "$0")/lib.sh"

P=$T/proj
mkdir -p "$P/src"
cd "$P" || exit 1
# The other agent, bound to a process of its own (so it needs no heartbeat).
sleep 600 &
OTHER_PID=$!
trap 'kill $OTHER_PID 2>/dev/null; rm -rf "$T"' EXIT
OTHER=$(aio register codex "$P" -q --pid "$OTHER_PID")

# wait_until 'SHELL CODE': evaluates it every 50 ms, up to 10 s; fails if it never succeeds.
wait_until() {
  local k
  for ((k = 0; k < 200; k++)); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done
  fail "never true: $1"
  return 1
}
exec_instances() { aio status --json | jq -r '[.instances[] | select(.tool != "codex")] | length'; }
bound_pid() { aio status --json | jq -r '[.instances[] | select(.tool == "sleeper")][0].boundPid'; }

# ---------------------------------------------------------------- statuses
expect_rc 7 aio exec -- sh -c 'exit 7'
expect_rc 143 aio exec sh -c 'kill -TERM $$'
expect_rc 127 aio exec no-such-command-here
one_line_error "$ERR" "missing command"
expect_contains "$ERR" "cannot run no-such-command-here" "missing command"
expect_rc 2 aio exec --claim bogus x true
one_line_error "$ERR" "bad claim kind"
expect_rc 2 aio exec --tool 'bad tool' true
expect_rc 2 aio exec
expect_eq "$(exec_instances)" 0 "instances left by those runs"

# The child sees its instance; a plain `aio register` in it (the aio-init
# block's words) adopts that instance instead of making a second one.
expect_rc 0 aio exec --tool claude --task "Refactor auth" -- bash -c \
  'eval "$(aio register claude --export)"; echo "$AIO_INSTANCE"; aio status --json'
ID=$(head -1 <<<"$OUT")
expect_match "$ID" '^claude-[0-9]+-[0-9a-f]{8}$' "the child's AIO_INSTANCE"
expect_eq "$(tail -n +2 <<<"$OUT" | jq -r '[.instances[] | select(.tool == "claude")] | length')" 1 \
  "instances after register inside exec"
expect_eq "$(tail -n +2 <<<"$OUT" | jq -r .you)" "$ID" "identity inside exec"
expect_eq "$(tail -n +2 <<<"$OUT" | jq -r '.instances[] | select(.tool == "claude") | .currentTask')" \
  "Refactor auth" "--task"

# ---------------------------------------------------------------- forwarding
aio exec sh -c 'trap "exit 42" TERM; sleep 30 & wait' &
EXEC=$!
wait_until 'test "$(exec_instances)" = 1'
sleep 0.2
kill -TERM "$EXEC"
wait "$EXEC"
expect_eq "$?" 42 "status after SIGTERM forwarded to the child"
expect_eq "$(exec_instances)" 0 "instances after the forwarded SIGTERM"

# ---------------------------------------------------------------- claims live with the child
export AIO_STALE_SECONDS=1
aio exec --tool sleeper --claim file src/a.ts -- sleep 60 &
EXEC=$!
wait_until 'test "$(bound_pid)" != null'
CHILD=$(bound_pid)
sleep 3.5  # > 3 x AIO_STALE_SECONDS without a heartbeat: still live
expect_rc 1 aio --instance "$OTHER" claim file src/a.ts
expect_contains "$ERR" "sleeper-" "refusal names the exec'd holder"
expect_rc 1 aio check src/a.ts
# A second exec asking for the same file runs nothing.
expect_rc 1 aio exec --claim file src/a.ts -- touch "$T/ran"
[ -e "$T/ran" ] && fail "a refused aio exec ran its command"
kill -KILL "$CHILD"
t0=$(date +%s%N)
wait_until 'aio --instance "$OTHER" claim file src/a.ts'
echo "freed after SIGKILL of the child in $((($(date +%s%N) - t0) / 1000000)) ms"
wait "$EXEC"
expect_eq "$?" 137 "status after SIGKILL of the child"
expect_eq "$(exec_instances)" 0 "instances after the child was killed"
expect_rc 0 aio --instance "$OTHER" release src/a.ts

# SIGKILL of aio exec alone: the agent lives on, and so do its claims.
aio exec --tool sleeper --claim file src/b.ts -- sleep 60 &
EXEC=$!
wait_until 'test "$(bound_pid)" != null'
CHILD=$(bound_pid)
kill -KILL "$EXEC"
wait "$EXEC" 2>/dev/null
sleep 2
expect_rc 1 aio --instance "$OTHER" claim file src/b.ts
kill -KILL "$CHILD"
wait_until 'aio --instance "$OTHER" claim file src/b.ts'
expect_rc 0 aio cleanup
expect_eq "$(exec_instances)" 0 "instances after cleanup"
unset AIO_STALE_SECONDS

# SIGKILL of both at once frees the file as well.
aio exec --tool sleeper --claim file src/c.ts -- sleep 60 &
EXEC=$!
wait_until 'test "$(bound_pid)" != null'
CHILD=$(bound_pid)
kill -KILL "$EXEC" "$CHILD"
wait_until 'aio --instance "$OTHER" claim file src/c.ts'
expect_rc 0 aio cleanup

# ---------------------------------------------------------------- under a terminal
# The child gets the terminal's foreground group; Ctrl-C (from the terminal,
# not from aio exec) ends it; aio exec exits 130 and unregisters.
python3 - "$T" <<'PY' || fail "terminal checks: see above"
import os, pty, sys, time, select
t = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("aio", ["aio", "exec", "--tool", "tty", "--", "sh", "-c",
                      'ps -o pgid=,tpgid= -p $$ > "$0/fg"; echo ready; sleep 30', t])
out = b""
deadline = time.time() + 10
while b"ready" not in out and time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try: out += os.read(fd, 1024)
        except OSError: break
pgid, tpgid = open(t + "/fg").read().split()
if pgid != tpgid:
    print(f"child not in the foreground: pgid {pgid}, terminal's {tpgid}"); sys.exit(1)
os.write(fd, b"\x03")  # Ctrl-C
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 130:
    print(f"aio exec exited {code} after Ctrl-C, want 130"); sys.exit(1)
PY
expect_eq "$(exec_instances)" 0 "instances after Ctrl-C"

finish
