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
# Ends the test: exit 1 if any expectation failed.
finish() {
  if [ "$FAILS" -ne 0 ]; then echo "$FAILS expectation(s) failed" >&2; exit 1; fi
  echo "ok"
}
