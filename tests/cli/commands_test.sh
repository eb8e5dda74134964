#!/usr/bin/env bash
# The command line sets up only the group of the command given (cli/main.cc):
# its table must name every command, and every command `aio --help` lists
# must still be found, with its own help,
# whatever global options come before it; an unknown command still gets
# the whole list's error; global options still work after the command.
. "$(dirname "$0")/lib.sh"

expect_rc 0 aio --help
# Setting every group up checks the table of command groups against what
# each group sets up (cli/main.cc): a command missing from it is named here.
expect_eq "$ERR" "" "aio --help's stderr"
COMMANDS=$(printf '%s\n' "$OUT" | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF {print $1}')
N=$(printf '%s\n' "$COMMANDS" | wc -l)
[ "$N" -ge 19 ] || fail "aio --help lists $N commands, want at least 19: $COMMANDS"

for c in $COMMANDS; do
  expect_rc 0 aio "$c" --help
  expect_contains "$OUT" "Usage: aio $c" "aio $c --help"
  expect_rc 0 aio --json -v --instance someone --store file "$c" --help
  expect_contains "$OUT" "Usage: aio $c" "aio --json -v --instance someone --store file $c --help"
done

# An unknown command, alone or after options: the usual one-line error.
expect_rc 2 aio frobnicate
expect_contains "$ERR" "see aio --help"
expect_rc 2 aio --instance check frobnicate  # "check" is --instance's value here
expect_contains "$ERR" "see aio --help"

# Global options after the command, and the program names that imply one.
mkdir -p "$T/p"
expect_rc 0 env -C "$T/p" aio status --json
expect_contains "$OUT" '"instances"' "aio status --json"
expect_rc 0 env -C "$T/p" aio-context --help
expect_contains "$OUT" "Usage: aio context" "aio-context --help"
expect_rc 0 aio --version
expect_contains "$OUT" "aio " "aio --version"

[ "$FAILS" -eq 0 ] && echo "commands: ok"
exit $((FAILS > 0))
