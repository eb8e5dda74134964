# One section per bug of the original bash tool, each proving the bug is
# gone, then the error contract (exit codes, one-line errors, --json) and
# loading a state.json the playbook wrote.
. "$(dirname "$0")/lib.sh"

# at DIR CMD...: run CMD in DIR (for expect_rc).
at() { (cd "$1" && shift && "$@"); }
# project NAME: a fresh project directory; prints its path.
project() { mkdir -p "$T/$1" && echo "$T/$1"; }
# register TOOL PROJECT: prints the new instance id. It runs in a session of
# its own, so this script's session stays anonymous.
register() { setsid -w aio register "$1" "$2" -q --pid 0; }
# claims_of PROJECT: the claims in PROJECT as compact JSON, oldest first.
claims_of() { aio status --json | jq -c --arg p "$1" '[.claims[] | select(.project == $p)] | sort_by(.id)'; }

LOCKER=
cleanup_all() {
  local name
  for name in "${!TERM_FD[@]}"; do term_close "$name"; done
  [ -z "$LOCKER" ] || kill -9 "$LOCKER" 2>/dev/null
  rm -rf "$T"
}
trap cleanup_all EXIT

# ================================================ bugs 1-3: the conflict table
# Directory claims written with a trailing slash did not block the files in
# them; a file claim inside another's directory was granted; pattern claims
# never matched anything. Each row runs in a fresh project: A holds the first
# claim, B asks for the second (check, then claim); then the other way round,
# since a conflict goes both ways.
row=0
while read -r htype htarget ntype ntarget want; do
  [ -n "$htype" ] && [ "${htype:0:1}" != "#" ] || continue
  row=$((row + 1))
  what="row $row: A holds $htype $htarget, B wants $ntype $ntarget"
  P=$(project "table$row")
  A=$(register claude "$P")
  B=$(register codex "$P")
  expect_rc 0 aio --instance "$A" --json claim "$htype" "$htarget"
  HELD=$(jq -r .id <<<"$OUT")
  expect_rc "$want" at "$P" aio --instance "$B" check --type "$ntype" "$ntarget"
  if [ "$want" -eq 0 ]; then
    expect_contains "$OUT" "is free" "$what: check"
  else
    expect_contains "$OUT" "$A" "$what: check names the holder"
  fi
  expect_rc "$want" at "$P" aio --instance "$B" claim "$ntype" "$ntarget"
  if [ "$want" -eq 1 ]; then
    expect_contains "$ERR" "$A" "$what: refusal names the holder"
    expect_contains "$ERR" "$HELD" "$what: refusal names the claim"
    one_line_error "$ERR" "$what: refusal"
  fi
  # Reverse: B holds the second claim, A asks for the first.
  expect_rc 0 aio --instance "$A" release all
  expect_rc 0 at "$P" aio --instance "$B" claim "$ntype" "$ntarget"
  expect_rc "$want" at "$P" aio --instance "$A" check --type "$htype" "$htarget"
  expect_rc "$want" at "$P" aio --instance "$A" claim "$htype" "$htarget"
done <<'EOF'
# held                   wanted                     exit
directory src/auth/      file src/auth/x.ts          1
directory src/auth/      file ./src/auth/deep/y.ts   1
directory src/auth/      file src/auth               1
directory src/auth/      file src/authz.ts           0
directory src/auth/      file src/auth.ts            0
directory src/auth       directory src/              1
directory src            directory src/auth/         1
directory src/auth       directory src/api           0
directory .              file README.md              1
file      src/a.ts       file ./src//a.ts            1
file      src/a.ts       file src/a.tsx              0
file      src/a.ts       directory src               1
pattern   *.test.ts      file src/a.test.ts          1
pattern   *.test.ts      file a.test.ts              1
pattern   *.test.ts      file src/a.ts               0
pattern   *.test.ts      directory src               1
pattern   src/*.ts       directory lib               0
pattern   src/*.ts       file src/deep/a.ts          0
pattern   src/**         file src/deep/a.ts          1
pattern   src/[a-c]*.ts  file src/b.ts               1
pattern   src/[a-c]*.ts  file src/d.ts               0
pattern   /build         file build/out.o            1
pattern   /build         file src/build/out.o        0
pattern   build          file src/build/out.o        1
pattern   **/*.ts        pattern **/*.js             0
pattern   **/*.ts        pattern src/*.ts            1
pattern   *.test.ts      pattern src/**              1
pattern   src/**/*.ts    pattern lib/**/*.ts         0
pattern   src/*.ts       pattern src/a.*             1
pattern   src/?.ts       pattern src/ab.ts           0
directory src/auth       pattern src/**/*.ts         1
directory src/auth       pattern *.md                1
directory src/auth       pattern docs/*.md           0
file      src/a.ts       pattern src/*.ts            1
file      src/a.ts       pattern *.js                0
task      AI-1           task AI-1                   1
task      AI-1           task AI-2                   0
task      src            directory src               0
EOF
[ "$row" -eq 38 ] || fail "conflict table ran $row rows, want 38"

# A pattern held by A blocks B's check and claim of a matching file (the
# playbook's own example), from inside a subdirectory too.
P=$(project patterns)
mkdir -p "$P/src"
A=$(register claude "$P")
B=$(register codex "$P")
expect_rc 0 aio --instance "$A" claim pattern '*.test.ts'
expect_contains "$OUT" "claimed pattern **/*.test.ts" "pattern canonical form"
for spelling in src/a.test.ts ./src/a.test.ts "$P/src/a.test.ts"; do
  expect_rc 1 at "$P" aio --instance "$B" check "$spelling"
  expect_rc 1 at "$P" aio --instance "$B" claim file "$spelling"
done
expect_rc 1 at "$P/src" aio --instance "$B" claim file a.test.ts
expect_rc 0 at "$P/src" aio --instance "$B" claim file a.ts
expect_rc 0 aio --instance "$B" claim pattern '**/*.js'

# ================================================ bug 4: one path, one claim
P=$(project spellings)
mkdir -p "$P/src/auth" "$P/x/y"
ln -s "$P" "$T/link"
A=$(register claude "$P")
B=$(register codex "$P")
for kind in "directory src/auth" "directory x/y" "file src/app.ts"; do
  set -- $kind
  type=$1 rel=$2
  expect_rc 0 aio --instance "$A" --json claim "$type" "$rel"
  ID=$(jq -r .id <<<"$OUT")
  expect_eq "$(jq -r .existed <<<"$OUT")" false "$kind: first claim"
  dir=$(dirname "$rel") base=$(basename "$rel")
  while IFS='|' read -r cwd spelling; do
    what="$kind spelled '$spelling' from $cwd"
    expect_rc 0 at "$cwd" aio --instance "$A" --json claim "$type" "$spelling"
    expect_eq "$(jq -r .id <<<"$OUT")" "$ID" "$what: claim id"
    expect_eq "$(jq -r .existed <<<"$OUT")" true "$what: existed"
    expect_eq "$(jq -r .target <<<"$OUT")" "$rel" "$what: stored target"
    expect_rc 1 at "$cwd" aio --instance "$B" claim "$type" "$spelling"
    expect_contains "$ERR" "$ID" "$what: refusal"
    expect_rc 1 at "$cwd" aio --instance "$B" check "$spelling"
    expect_rc 0 at "$cwd" aio --instance "$A" check "$spelling"
  done <<EOF
$P|$rel
$P|./$dir//$base/
$P|./$dir/./$base
$P|$dir/../$dir/$base
$P|$P/$rel
$P|$P//$dir/../$dir//$base/
$T|$rel
$T|$P/$rel
$T|$T/link/$rel
$P/$dir|$base
$P/$dir|./$base/
EOF
done
expect_eq "$(claims_of "$P" | jq length)" 3 "claims after every spelling"

# An anonymous check (a hook, a human) finds the project from the path, from
# any working directory, the project root included.
P=$(project anon)
mkdir -p "$P/src"
A=$(register claude "$P")
expect_rc 0 aio --instance "$A" --json claim file src/y.ts
Y=$(jq -r .id <<<"$OUT")
while IFS='|' read -r cwd path; do
  expect_rc 1 at "$cwd" aio --json check "$path"
  expect_eq "$(jq -r '"\(.project) \(.target) \(.blocking[0].id)"' <<<"$OUT")" "$P src/y.ts $Y" \
    "anonymous check of $path from $cwd"
done <<EOF
$P|src/y.ts
$P/src|y.ts
$T|anon/src/y.ts
$T|$P/src/y.ts
/|$P/src/y.ts
$T/spellings|../anon/src/../src/y.ts
EOF
expect_rc 0 at "$T" aio check anon/src/z.ts
expect_rc 0 aio --instance "$A" claim directory .
for cwd in / "$T" "$P"; do
  expect_rc 1 at "$cwd" aio check "$P"
  expect_contains "$OUT" "$A" "anonymous check of the project root from $cwd"
done

# ================================================ bug 5: two terminals, two identities
# The bash tool kept one global "current instance": the second terminal's
# registration took over the first's.
P=$(project terminals)
term_open t1 "$P"
term_open t2 "$P"
term 0 t1 'aio register claude'
C=$OUT
term 0 t2 'aio register codex'
X=$OUT
expect_match "$C" '^claude-[0-9]+-[0-9a-f]{8}$' "terminal 1's id"
expect_match "$X" '^codex-[0-9]+-[0-9a-f]{8}$' "terminal 2's id"
for tx in "t1 $C" "t2 $X"; do
  set -- $tx
  term 0 "$1" 'aio status --json'
  expect_eq "$(jq -r .you <<<"$OUT")" "$2" "$1's identity (status --json)"
  term 0 "$1" 'aio status'
  expect_contains "$OUT" "you: $2 (via session " "$1's identity (status)"
done
SIDS=$(aio status --json | jq -r --arg c "$C" --arg x "$X" \
  '[.instances[] | select(.id == $c or .id == $x) | .sid] | unique | length')
expect_eq "$SIDS" 2 "distinct session ids of the two terminals"
term 0 t1 'aio claim file main.go'
term 1 t2 'aio claim file main.go'
expect_contains "$ERR" "$C" "terminal 2's refusal"
term 1 t2 'aio check main.go'
term 0 t1 'aio check main.go'
expect_contains "$OUT" "is yours" "terminal 1's check"
expect_eq "$(aio status --json | jq -r --arg c "$C" '.claims[] | select(.target == "main.go") | .instanceId')" \
  "$C" "holder of main.go"
# A third terminal that registered nothing is nobody, not the last registrant.
term_open t3 "$P"
term 0 t3 'aio status --json'
expect_eq "$(jq -r .you <<<"$OUT")" null "unregistered terminal's identity"
term 1 t3 'aio claim file other.go'
expect_contains "$ERR" "you are anonymous" "unregistered terminal's claim"
expect_contains "$ERR" "none was registered from its terminal session" "unregistered terminal's claim"
one_line_error "$ERR" "unregistered terminal's claim"
# AIO_INSTANCE beats the session.
term 0 t1 "AIO_INSTANCE=$X aio status --json"
expect_eq "$(jq -r .you <<<"$OUT")" "$X" "AIO_INSTANCE over the session"
term_close t1
term_close t2
term_close t3

# ================================================ bug 6: a killed process leaves no lock
P=$(project locks)
expect_rc 0 aio status
[ -e "$AIO_HOME/state.lock" ] || fail "no $AIO_HOME/state.lock after a command"
(
  exec 9>"$AIO_HOME/state.lock"
  flock -x 9
  : >"$T/locked"
  exec sleep 600
) &
LOCKER=$!
for ((k = 0; k < 200; k++)); do [ -e "$T/locked" ] && break; sleep 0.05; done
[ -e "$T/locked" ] || fail "the locker never took the lock"
# While the lock is held, a write waits (the lock is real)...
expect_rc 124 timeout 1 aio register claude "$P" -q --pid 0
# ... and once its holder is killed, the next command goes through at once.
kill -9 "$LOCKER"
wait "$LOCKER" 2>/dev/null
LOCKER=
start=$(date +%s%N)
expect_rc 0 timeout 10 aio register claude "$P" -q --pid 0
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 3000 ] || fail "register after the locker died took ${ms}ms"
expect_eq "$(aio status --json | jq --arg p "$P" '[.instances[] | select(.project == $p)] | length')" 1 \
  "instances after the lock test"
# The same for an aio killed while it waits for the lock.
(
  exec 9>"$AIO_HOME/state.lock"
  flock -x 9
  : >"$T/locked2"
  exec sleep 600
) &
LOCKER=$!
for ((k = 0; k < 200; k++)); do [ -e "$T/locked2" ] && break; sleep 0.05; done
aio register waiter "$P" -q --pid 0 >/dev/null 2>&1 &
WAITER=$!
sleep 0.3
kill -9 "$WAITER" "$LOCKER"
wait "$WAITER" "$LOCKER" 2>/dev/null
LOCKER=
expect_rc 0 timeout 5 aio status --json
expect_eq "$(jq '[.instances[] | select(.tool == "waiter")] | length' <<<"$OUT")" 0 "killed waiter's instance"

# ================================================ paths outside the project: exit 2
P=$(project outside)
mkdir -p "$P/src"
A=$(register claude "$P")
before=$(claims_of "$P")
while IFS= read -r cmd; do
  eval "set -- $cmd"
  expect_rc 2 at "$P/src" aio --instance "$A" "$@"
  one_line_error "$ERR" "'$cmd'"
  expect_eq "$(claims_of "$P")" "$before" "claims after '$cmd'"
done <<EOF
claim file /etc/passwd
claim file ../../outside.ts
claim directory '$T'
claim directory ../..
check /etc/hosts
check ../../x
release /etc/passwd
claim pattern '../*.ts'
claim pattern '!*.ts'
claim pattern 'src/../../x'
claim bogus x
claim task 'two words'
claim file ''
context nonsense x
context get nonsense
register 'bad tool!'
register claude /etc/passwd
EOF
expect_rc 2 at "$P" aio --instance "$A" claim file /etc/passwd
expect_contains "$ERR" "outside the project" "outside: reason"
expect_rc 2 aio --no-such-option status
one_line_error "$ERR" "unknown option"

# ================================================ stale instances do not block
P=$(project stale)
A=$(register claude "$P")
expect_rc 0 aio --instance "$A" claim file s.ts
B=$(register codex "$P")
expect_rc 1 aio --instance "$B" claim file "$P/s.ts"   # A is live (default 300 s)
sleep 2
export AIO_STALE_SECONDS=1
C=$(register gemini "$P")
expect_rc 0 at "$P" aio --instance "$C" check s.ts
expect_rc 0 at "$P" aio --instance "$C" claim file s.ts
expect_contains "$OUT" "claimed file s.ts" "stale holder's path"
expect_rc 1 aio --instance "$A" claim file t.ts
expect_contains "$ERR" "$A" "stale caller"
expect_contains "$ERR" "stale" "stale caller"
one_line_error "$ERR" "stale caller"
expect_rc 0 aio status --json
expect_eq "$(jq -r --arg a "$A" '.instances[] | select(.id == $a) | .live' <<<"$OUT")" false "A's liveness"
expect_eq "$(jq -r --arg a "$A" '.claims[] | select(.instanceId == $a) | .active' <<<"$OUT")" false \
  "A's claim"
expect_rc 0 aio cleanup
expect_contains "$OUT" "removed stale instance $A" "cleanup"
expect_rc 0 aio status --json
expect_eq "$(jq -r --arg a "$A" '[.claims[] | select(.instanceId == $a)] | length' <<<"$OUT")" 0 \
  "A's claims after cleanup"
unset AIO_STALE_SECONDS
AIO_STALE_SECONDS=soon expect_rc 2 aio status
one_line_error "$ERR" "bad AIO_STALE_SECONDS"

# ================================================ unknown identities are refused
P=$(project unknown)
register claude "$P" >/dev/null
GHOST=claude-1700000000-deadbeef
AIO_INSTANCE=$GHOST expect_rc 1 at "$P" aio claim file a.ts
expect_contains "$ERR" "instance $GHOST (from AIO_INSTANCE) is not registered" "unknown AIO_INSTANCE"
one_line_error "$ERR" "unknown AIO_INSTANCE"
expect_rc 1 at "$P" aio --instance "$GHOST" claim file a.ts
expect_contains "$ERR" "instance $GHOST (from --instance) is not registered" "unknown --instance"
one_line_error "$ERR" "unknown --instance"
AIO_INSTANCE=$GHOST expect_rc 0 aio status
expect_contains "$OUT" "you: anonymous (instance $GHOST" "status with an unknown AIO_INSTANCE"
expect_eq "$(claims_of "$P")" "[]" "claims after unknown ids"

# ================================================ corrupt state.json: exit 3, untouched
P=$(project corrupt)
export AIO_HOME=$T/home-corrupt
mkdir -p "$AIO_HOME"
while IFS= read -r text; do
  printf '%s' "$text" >"$AIO_HOME/state.json"
  cp "$AIO_HOME/state.json" "$T/state.orig"
  while IFS= read -r cmd; do
    eval "set -- $cmd"
    AIO_INSTANCE=claude-1-00000000 expect_rc 3 at "$P" aio "$@"
    one_line_error "$ERR" "'$cmd' on $text"
    expect_contains "$ERR" "$AIO_HOME/state.json" "'$cmd' on $text: names the file"
    cmp -s "$AIO_HOME/state.json" "$T/state.orig" || fail "'$cmd' changed a corrupt state.json ($text)"
  done <<'CMDS'
status
status --json
register claude
claim file a.ts
check a.ts
release all
cleanup
heartbeat
unregister
task 'x' AI-1
context decision 'x'
context get
CMDS
  [ ! -e "$AIO_HOME/journal.jsonl" ] || fail "a journal appeared beside a corrupt state.json ($text)"
done <<'EOF'
{"schemaVersion":1,"instances":{
not json at all
{"schemaVersion":1,"instances":[],"claims":{},"context":[]}
EOF
expect_rc 3 aio --json status
jq -e '.ok == false and .error.code == 3' >/dev/null <<<"$OUT" || fail "--json error document: $OUT"
export AIO_HOME=$T/home

# ================================================ releasing another's claim
P=$(project release)
A=$(register claude "$P")
B=$(register codex "$P")
expect_rc 0 aio --instance "$A" --json claim file r.ts
CID=$(jq -r .id <<<"$OUT")
for what in "$CID" r.ts "$P/r.ts"; do
  expect_rc 1 at "$P" aio --instance "$B" release "$what"
  expect_contains "$ERR" "$A" "release $what without --force"
  expect_contains "$ERR" "--force" "release $what without --force"
  one_line_error "$ERR" "release $what without --force"
done
expect_rc 0 aio --instance "$B" release all
expect_contains "$OUT" "no claims to release" "B's release all"
expect_eq "$(aio status --json | jq -r --arg c "$CID" '.claims[] | select(.id == $c) | .instanceId')" \
  "$A" "r.ts holder after refused releases"
# --force does not turn a refused identity into "anonymous".
expect_rc 1 at "$P" aio --instance claude-1700000000-deadbeef release --force r.ts
expect_contains "$ERR" "not registered" "forced release under an unknown id"
AIO_INSTANCE=claude-1700000000-deadbeef expect_rc 1 at "$P" aio release --force "$CID"
expect_eq "$(aio status --json | jq -r --arg c "$CID" '.claims[] | select(.id == $c) | .instanceId')" \
  "$A" "r.ts holder after forced releases under unknown ids"
expect_rc 0 at "$P" aio --instance "$B" release --force r.ts
expect_contains "$OUT" "released file r.ts ($CID)" "forced release"
expect_eq "$(aio status --json | jq --arg c "$CID" '[.claims[] | select(.id == $c)] | length')" 0 \
  "r.ts claim after forced release"
expect_rc 0 at "$P" aio context get warning
expect_contains "$OUT" "$CID" "warning note"
expect_contains "$OUT" "force-released by $B" "warning note"
expect_contains "$OUT" "codex ($B)" "warning note's source"
expect_rc 0 at "$P" aio --instance "$B" claim file r.ts

# ================================================ --json: exactly one document
P=$(project json)
expect_rc 0 at "$P" setsid -w aio --json register claude --pid 0
A=$(jq -r .id <<<"$OUT")
expect_rc 0 at "$P" setsid -w aio --json register codex --pid 0
B=$(jq -r .id <<<"$OUT")
while IFS='|' read -r want args; do
  eval "set -- $args"
  expect_rc "$want" at "$P" aio --json "$@"
  n=$(jq -s length <<<"$OUT" 2>/dev/null)
  [ "$n" = 1 ] || fail "aio --json $args printed $n JSON documents, want 1: $OUT"
  jq -e . >/dev/null <<<"$OUT" || fail "aio --json $args: not JSON: $OUT"
  [ "$want" -ne 0 ] || expect_eq "$ERR" "" "aio --json $args stderr"
done <<EOF
0|status
0|status --all
0|--instance $A claim file j.ts
0|--instance $A claim file ./j.ts
1|--instance $B claim file j.ts
0|check k.ts
1|check j.ts
0|--instance $A check j.ts
0|--instance $A task 'JSON work' AI-7
0|--instance $A context handoff 'json handoff'
0|context get
0|context get handoff
0|context export
0|--instance $B heartbeat
0|--instance $A release j.ts
0|cleanup
2|claim bogus x
2|claim
2|--no-such-option status
2|context get nonsense
1|claim file j.ts
EOF
# Usage errors print nothing on stdout without --json.
for args in "" "claim" "claim file" "--bogus status" "nosuchcommand"; do
  expect_rc 2 aio $args
  expect_eq "$OUT" "" "stdout of 'aio $args'"
  one_line_error "$ERR" "'aio $args'"
done
expect_rc 0 at "$P" aio --json context get handoff
expect_eq "$(jq -r '.notes[0].content' <<<"$OUT")" "json handoff" "context get --json content"
expect_rc 1 at "$P" aio --instance "$B" --json claim task AI-7
expect_eq "$(jq -r '.error.code' <<<"$OUT")" 1 "refusal's --json error code"
expect_contains "$(jq -r '.error.message' <<<"$OUT")" "$A" "refusal's --json message"

# ================================================ a state.json the playbook wrote
NOW_Z=$(date -u +%Y-%m-%dT%H:%M:%SZ)
NOW_OFF=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
NOW_NUM=$(date +%s)
OLD=2020-01-01T00:00:00Z
while read -r label hb want; do
  P=$(project "playbook-$label")
  mkdir -p "$P/src/auth"
  export AIO_HOME=$T/home-$label
  mkdir -p "$AIO_HOME"
  PB=claude-1700000000-abcd1234
  PC=claim-1700000000-0001
  cat >"$AIO_HOME/state.json" <<JSON
{
  "schemaVersion": 1,
  "orchestrator": {"version": "0.9", "by": "ai-orchestrator.sh"},
  "instances": {
    "$PB": {
      "id": "$PB", "tool": "claude", "project": "$P", "pid": 4242, "status": "active",
      "currentTask": "Refactoring auth", "beadsIssue": "AI-Tools-12",
      "startedAt": "$OLD", "lastHeartbeat": $hb, "claims": ["$PC"], "model": "opus"
    }
  },
  "claims": {
    "$PC": {
      "id": "$PC", "instanceId": "$PB", "type": "directory", "target": "src/auth/",
      "project": "$P", "exclusive": true, "claimedAt": "$OLD", "expiresAt": null,
      "reason": "refactor"
    }
  },
  "context": [
    {"id": "ctx-1700000000-0001", "project": "$P", "category": "decision",
     "content": "Use JWT for sessions", "source": "$PB", "createdAt": "$NOW_Z",
     "expiresAt": null, "mood": "confident"}
  ]
}
JSON
  what="playbook state ($label)"
  expect_rc 0 aio status --json
  expect_eq "$(jq -r --arg i "$PB" '.instances[] | select(.id == $i) | "\(.live) \(.currentTask)"' <<<"$OUT")" \
    "$([ "$want" = 1 ] && echo true || echo false) Refactoring auth" "$what: instance"
  expect_eq "$(jq -r --arg c "$PC" '.claims[] | select(.id == $c) | .target' <<<"$OUT")" "src/auth" \
    "$what: canonical target"
  expect_rc "$want" at "$P" aio check src/auth/login.ts
  [ "$want" -eq 0 ] || expect_contains "$OUT" "$PB" "$what: holder"
  expect_rc 0 at "$P" aio context get
  expect_contains "$OUT" "Use JWT for sessions" "$what: legacy note"
  # A write rewrites state.json: unknown fields survive, the note is not lost
  # or doubled.
  B=$(register codex "$P")
  expect_rc "$want" at "$P" aio --instance "$B" claim file src/auth/login.ts
  expect_rc 0 at "$P" aio --instance "$B" claim file lib/util.ts
  S=$AIO_HOME/state.json
  jq -e . "$S" >/dev/null || fail "$what: rewritten state.json does not parse"
  expect_eq "$(jq -r '.schemaVersion' "$S")" 1 "$what: schemaVersion"
  expect_eq "$(jq -cS '.orchestrator' "$S")" '{"by":"ai-orchestrator.sh","version":"0.9"}' \
    "$what: unknown top-level field"
  expect_eq "$(jq -r --arg i "$PB" '.instances[$i].model' "$S")" opus "$what: unknown instance field"
  expect_eq "$(jq -r --arg c "$PC" '.claims[$c].reason' "$S")" refactor "$what: unknown claim field"
  expect_eq "$(jq -r --arg b "$B" '.instances[$b].tool' "$S")" codex "$what: new instance"
  expect_rc 0 at "$P" aio --json context get
  expect_eq "$(jq '[.notes[] | select(.content == "Use JWT for sessions")] | length' <<<"$OUT")" 1 \
    "$what: legacy note after the rewrite"
  expect_eq "$(jq -r '.notes[] | select(.content == "Use JWT for sessions") | .mood' <<<"$OUT")" \
    confident "$what: unknown note field"
  expect_rc 0 at "$P" aio context get decision
  expect_contains "$OUT" "claude ($PB)" "$what: legacy note source"
done <<EOF
iso-z "$NOW_Z" 1
iso-offset "$NOW_OFF" 1
numeric $NOW_NUM 1
stale "$OLD" 0
EOF
export AIO_HOME=$T/home

finish
