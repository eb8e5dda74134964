#!/usr/bin/env bash
# aio hook's PreToolUse judgment on a state over 256 KiB (issue 15): like
# aio check, it loads every instance, places the call's paths, then loads
# only the claims that may conflict with one of them (a focused load from
# state.cache and the journal), never the whole state. Its answers are the
# whole state's: file, directory and pattern claims of another live
# instance refuse, claims written to the journal after the cache count, a
# shell command is refused for any one path it writes, free paths pass,
# and --auto-claim claims. The debug log (-vv) shows that no load fell back
# to reading everything.
. "$(dirname "$0")/lib.sh"

P=$T/proj
mkdir -p "$P/src" "$P/lib/held" "$P/gen/a" "$P/late" "$P/filler"
prefill_large 2000 # a live filler instance (pid 1) holds filler/f0.ts ... filler/f1999.ts
FILLER=filler-1700000000-0000000a
ME=$(cd "$P" && aio register me -q) || fail "register"
for c in "directory lib/held" "pattern gen/**/*.gen.ts" "file src/taken.ts"; do
  # shellcheck disable=SC2086 # type and target
  expect_rc 0 env -C "$P" AIO_INSTANCE=$FILLER aio claim $c
done

pre() { # pre FILE_PATH: a Claude Code PreToolUse payload for Edit
  jq -cn --arg f "$1" --arg cwd "$P" '{session_id:"s", cwd:$cwd, hook_event_name:"PreToolUse",
    tool_name:"Edit", tool_input:{file_path:$f, old_string:"a", new_string:"b"}}'
}
bash_call() { # bash_call COMMAND: a PreToolUse payload for Bash
  jq -cn --arg c "$1" --arg cwd "$P" '{session_id:"s", cwd:$cwd, hook_event_name:"PreToolUse",
    tool_name:"Bash", tool_input:{command:$c}}'
}
# judge PAYLOAD [FLAGS]: the hook as the agent ME runs it; sets OUT, ERR, DECISION.
judge() {
  local payload=$1
  shift
  OUT=$(cd "$P" && AIO_INSTANCE=$ME aio -vv hook claude PreToolUse "$@" <<<"$payload" 2>"$T/err")
  local rc=$?
  ERR=$(cat "$T/err")
  expect_eq "$rc" 0 "hook exit status"
  DECISION=$(jq -r '.hookSpecificOutput.permissionDecision // empty' <<<"$OUT")
  expect_not_contains "$ERR" "loading all" "hook's debug log (a load that read everything)"
}

# The state is large enough for the journal and the cache.
size=$(stat -c %s "$AIO_HOME/state.json")
[ "$size" -gt 262144 ] || fail "pre-filled state.json is only $size bytes"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio check src/free.ts
[ -s "$AIO_HOME/state.cache" ] || fail "no state.cache after a load of the large state"

judge "$(pre "$P/filler/f1234.ts")"
expect_eq "$DECISION" deny "Edit of a file the filler claimed in state.json"
expect_contains "$OUT" "filler/f1234.ts is claimed by $FILLER" "deny reason"
judge "$(pre "$P/src/taken.ts")"
expect_eq "$DECISION" deny "Edit of a file claimed in the journal"
judge "$(pre "$P/lib/held/deep/x.ts")"
expect_eq "$DECISION" deny "Edit beneath a claimed directory"
expect_contains "$OUT" "directory claim" "deny reason names the directory claim"
judge "$(pre "$P/gen/a/b.gen.ts")"
expect_eq "$DECISION" deny "Edit of a path a pattern claim covers"
judge "$(pre "$P/gen/a/b.ts")"
expect_eq "$OUT" "" "Edit of a path the pattern does not cover"
judge "$(pre "$P/src/free.ts")"
expect_eq "$OUT" "" "Edit of a free file"

# A shell command: refused for one claimed path among free ones.
judge "$(bash_call 'touch src/a.ts src/b.ts filler/f7.ts')"
expect_eq "$DECISION" deny "touch of two free files and a claimed one"
expect_contains "$OUT" "filler/f7.ts" "deny reason names the claimed path"
judge "$(bash_call 'touch src/a.ts src/b.ts gen/a/x.ts')"
expect_eq "$OUT" "" "touch of free files"
judge "$(bash_call 'rm -rf filler')"
expect_eq "$DECISION" deny "rm -rf of the directory holding claimed files"
judge "$(bash_call 'rm -rf lib')"
expect_eq "$DECISION" deny "rm -rf above a claimed directory"

# A claim made now (after the cache was written) refuses at once.
expect_rc 0 env -C "$P" AIO_INSTANCE=$FILLER aio claim file late/x.ts
judge "$(pre "$P/late/x.ts")"
expect_eq "$DECISION" deny "Edit of a file claimed a moment ago"
expect_rc 0 env -C "$P" AIO_INSTANCE=$FILLER aio release late/x.ts
judge "$(pre "$P/late/x.ts")"
expect_eq "$OUT" "" "Edit of the file once released"

# --auto-claim claims a free file for the caller; the filler's stay refused.
judge "$(pre "$P/src/new.ts")" --auto-claim
expect_eq "$OUT" "" "auto-claimed edit"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio check src/new.ts
expect_contains "$OUT" "is yours" "aio check after the auto-claim"
judge "$(pre "$P/filler/f5.ts")" --auto-claim
expect_eq "$DECISION" deny "auto-claim of a claimed file"

# The same answer from the whole state: with state.cache damaged, the hook
# loads everything (and says so in its debug log).
printf 'not a cache' >"$AIO_HOME/state.cache"
OUT=$(cd "$P" && AIO_INSTANCE=$ME aio -vv hook claude PreToolUse <<<"$(pre "$P/filler/f9.ts")" 2>"$T/err")
expect_eq "$(jq -r '.hookSpecificOutput.permissionDecision // empty' <<<"$OUT")" deny "whole-state deny"
expect_contains "$(cat "$T/err")" "loading all" "the whole-state load's debug line"
finish
