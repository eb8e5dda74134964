# Shared helpers for the CLI end-to-end tests. Source it first thing:
#   . "$(dirname "$0")/lib.sh"
# It puts the installed aio ($AIO_BIN, set by ctest) first on PATH, gives the
# test a fresh $AIO_HOME and a scratch directory ($T) removed on exit, and
# provides assertions that print what went wrong and exit 1.
set -uo pipefail
: "${AIO_BIN:?AIO_BIN must point at the installed bin directory (ctest sets it)}"
export PATH="$AIO_BIN:$PATH"
T=$(mktemp -d /tmp/aio-cli-test.XXXXXX)
export AIO_HOME="$T/home"
unset AIO_INSTANCE AIO_STALE_SECONDS
trap 'rm -rf "$T"' EXIT
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
# expect_rc WANT CMD...: runs CMD, stores stdout in $OUT and stderr in $ERR.
expect_rc() {
  local want=$1; shift
  OUT=$("$@" 2>"$T/.err"); local rc=$?
  ERR=$(cat "$T/.err")
  [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want; stdout: $OUT; stderr: $ERR"
}
expect_contains() {  # expect_contains HAYSTACK NEEDLE [what]
  case "$1" in *"$2"*) ;; *) fail "${3:-output} lacks '$2': $1" ;; esac
}
expect_not_contains() {
  case "$1" in *"$2"*) fail "${3:-output} has '$2': $1" ;; esac
}
expect_eq() {  # expect_eq GOT WANT [what]
  [ "$1" = "$2" ] || fail "${3:-value} is '$1', want '$2'"
}
# A terminal is a bash in its own session (setsid) that reads command lines
# from a FIFO, so what `eval "$(aio register X --export)"` or `cd` set stays
# set for the next command, and instances registered without --export are
# found through the terminal's session id, as in a real terminal.
#   term_open NAME DIR    start terminal NAME in DIR
#   term WANT NAME CMD    run CMD there; like expect_rc: $OUT, $ERR, checks exit
#   term_close NAME       end it (EOF on its input)
declare -A TERM_FD TERM_PID
term_open() {
  local name=$1 dir=$2 fd
  rm -f "$T/.$name.in"
  mkfifo "$T/.$name.in"
  (
    # Close the other terminals' input, or they would never see EOF.
    for fd in "${TERM_FD[@]}"; do exec {fd}>&-; done
    cd "$dir" && exec setsid bash <"$T/.$name.in" >"$T/.$name.log" 2>&1
  ) &
  TERM_PID[$name]=$!
  exec {fd}>"$T/.$name.in"
  TERM_FD[$name]=$fd
}
term() {
  local want=$1 name=$2 cmd=$3 rc k
  rm -f "$T/.$name.rc"
  printf '{ %s\n} </dev/null >%q 2>%q; echo $? >%q; mv %q %q\n' "$cmd" "$T/.$name.out" \
    "$T/.$name.err" "$T/.$name.rc~" "$T/.$name.rc~" "$T/.$name.rc" >&"${TERM_FD[$name]}"
  for ((k = 0; k < 600; k++)); do
    [ -e "$T/.$name.rc" ] && break
    sleep 0.05
  done
  if [ ! -e "$T/.$name.rc" ]; then
    fail "[$name] '$cmd' did not finish within 30s"
    OUT='' ERR=''
    return
  fi
  rc=$(cat "$T/.$name.rc")
  OUT=$(cat "$T/.$name.out")
  ERR=$(cat "$T/.$name.err")
  [ "$rc" -eq "$want" ] || fail "[$name] '$cmd' exited $rc, want $want; stdout: $OUT; stderr: $ERR"
}
term_close() {
  local name=$1 fd=${TERM_FD[$1]:-}
  [ -n "$fd" ] || return 0
  exec {fd}>&-
  wait "${TERM_PID[$name]}" 2>/dev/null
  unset "TERM_FD[$name]" "TERM_PID[$name]"
}

# prefill_large [N]: a state.json of project $P over 256 KiB (one live filler
# instance holding N claims, default 1,500), so writes go through the journal.
prefill_large() {
  mkdir -p "$AIO_HOME"
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  jq -n --arg now "$now" --arg proj "$P" --argjson n "${1:-1500}" '
    "filler-1700000000-0000000a" as $iid
    | {schemaVersion: 1,
       instances: {($iid): {id: $iid, tool: "filler", project: $proj, pid: 1, status: "active",
                           currentTask: null, beadsIssue: null, startedAt: $now,
                           lastHeartbeat: $now, claims: [range($n) | "claim-1700000000-\(.)"],
                           sid: 0, sidStart: 0}},
       claims: ([range($n) | {key: "claim-1700000000-\(.)",
                              value: {id: "claim-1700000000-\(.)", instanceId: $iid, type: "file",
                                      target: "filler/f\(.).ts", project: $proj, exclusive: true,
                                      claimedAt: $now, expiresAt: null}}] | from_entries),
       context: [], aioSeq: 1}' >"$AIO_HOME/state.json"
}

expect_match() {  # expect_match STRING ERE [what]
  [[ $1 =~ $2 ]] || fail "${3:-value} '$1' does not match /$2/"
}
one_line_error() {  # one_line_error STDERR [what]
  local n
  n=$(printf '%s\n' "$1" | wc -l)
  [ "$n" -eq 1 ] || fail "${2:-stderr} has $n lines, want 1: $1"
  expect_match "$1" '^aio: .' "${2:-stderr}"
}
# Ends the test: exit 1 if any expectation failed.
finish() {
  if [ "$FAILS" -ne 0 ]; then echo "$FAILS expectation(s) failed" >&2; exit 1; fi
  echo "ok"
}

# Tests that mount need root and /dev/fuse: without them the script skips
# (exit 0 with SKIPPED), except under CI=true, where it fails.
require_mount() {
  if [ ! -w "${AIO_TEST_FUSE_DEV:-/dev/fuse}" ] || [ "$(id -u)" -ne 0 ]; then
    [ "${CI:-}" = true ] && { echo "FAIL: CI needs /dev/fuse and root for mount tests" >&2; exit 1; }
    echo "SKIPPED: needs root and /dev/fuse"
    exit 0
  fi
}
# git_ DIR ARGS...: git without the user's configuration (quiet; fails the test).
git_() {
  local dir=$1
  shift
  (cd "$dir" && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -c user.name=t \
    -c user.email=t@example.com -c init.defaultBranch=main "$@") >/dev/null 2>&1 ||
    fail "git $* in $dir"
}
