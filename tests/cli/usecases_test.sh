# The original playbook's four use cases, driven like real agents working in
# separate terminals, plus aio-init:
#   (a) partitioned directories   (b) separate projects
#   (c) pipeline handoff          (d) review with a task claim
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- terminals
close_terms() {
  local name
  for name in "${!TERM_FD[@]}"; do term_close "$name"; done
}
trap 'close_terms; rm -rf "$T"' EXIT

ID_RE='^[a-z]+-[0-9]+-[0-9a-f]{8}$'

# ======================================================== (a) partitioned directories
P=$T/shop
mkdir -p "$P/src/auth" "$P/src/api"
term_open claude "$P"
term_open codex "$P"

# claude: eval --export; codex: plain register, found via the terminal's session.
term 0 claude 'eval "$(aio register claude --export)"'
term 0 claude 'echo "$AIO_INSTANCE"'
CLAUDE=$OUT
expect_match "$CLAUDE" "$ID_RE" "claude's AIO_INSTANCE"
term 0 codex 'aio register codex'
CODEX=$OUT
expect_match "$CODEX" "$ID_RE" "codex's id"
term 0 codex 'aio status --json | jq -r .you'
expect_eq "$OUT" "$CODEX" "(a) codex terminal's identity"
term 0 claude 'aio status --json | jq -r .you'
expect_eq "$OUT" "$CLAUDE" "(a) claude terminal's identity"

term 0 claude 'aio claim directory src/auth'
expect_contains "$OUT" "claimed directory src/auth" "(a) claude claim"
term 0 codex 'aio claim directory src/api/'
expect_contains "$OUT" "claimed directory src/api" "(a) codex claim"

# Each is refused on the other's directory, naming the holder.
while IFS='|' read -r who cmd holder; do
  term 1 "$who" "$cmd"
  expect_contains "$OUT$ERR" "$holder" "(a) $who: $cmd"
done <<EOF
claude|aio claim file src/api/routes.ts|$CODEX
claude|aio claim directory src/api|$CODEX
claude|aio check src/api/routes.ts|$CODEX
claude|aio check src/api|$CODEX
codex|aio claim directory src/auth/|$CLAUDE
codex|aio claim file src/auth/login.ts|$CLAUDE
codex|aio check src/auth/login.ts|$CLAUDE
codex|(cd src/auth && aio check login.ts)|$CLAUDE
codex|aio claim directory src|$CLAUDE
EOF
term 1 claude 'aio claim file src/api/routes.ts'
one_line_error "$ERR" "(a) refusal"

# ... and each can check its own (exit 0, "yours").
while IFS='|' read -r who cmd; do
  term 0 "$who" "$cmd"
  expect_contains "$OUT" "is yours" "(a) $who: $cmd"
done <<'EOF'
claude|aio check src/auth/login.ts
claude|aio check src/auth
claude|(cd src/auth && aio check ./login.ts)
codex|aio check src/api/routes.ts
codex|aio check ./src/api/
EOF
term 0 codex 'aio check src/main.ts'
expect_contains "$OUT" "is free" "(a) unclaimed path"

# The handoff note reaches the other agent through both spellings.
term 0 codex 'aio-context handoff "API endpoints done, tests missing"'
term 0 codex 'aio context decision "REST, not GraphQL"'
for cmd in 'aio context get handoff' 'aio-context get handoff'; do
  term 0 claude "$cmd"
  expect_contains "$OUT" "API endpoints done, tests missing" "(a) claude: $cmd"
  expect_contains "$OUT" "codex ($CODEX)" "(a) claude: $cmd source"
  expect_not_contains "$OUT" "REST, not GraphQL" "(a) claude: $cmd (only handoffs)"
done
term 0 claude 'aio context get'
expect_contains "$OUT" "[handoff]" "(a) get all"
expect_contains "$OUT" "[decision]" "(a) get all"
expect_rc 0 bash -c "cd '$P' && aio context get handoff"
expect_contains "$OUT" "API endpoints done" "(a) anonymous reader in the project"

term 0 claude 'aio release all && aio unregister'
expect_contains "$OUT" "released directory src/auth" "(a) claude release"
term 0 codex 'aio release all && aio unregister'
expect_contains "$OUT" "unregistered $CODEX" "(a) codex unregister"
term 0 codex 'aio status --json | jq -r .you'
expect_eq "$OUT" "null" "(a) codex terminal after unregister"
term_close claude
term_close codex

# ======================================================== (b) separate projects
P1=$T/web
P2=$T/mobile
mkdir -p "$P1/src" "$P2/src"
term_open claude "$P1"
term_open gemini "$T"
term 0 claude 'aio register claude'
C=$OUT
term 0 gemini "aio register gemini '$P2'"
G=$OUT
term 0 gemini 'aio status --json'
expect_eq "$(jq -r '"\(.you) \(.instances[] | select(.id == $ARGS.named.g) | .project)"' --arg g "$G" <<<"$OUT")" \
  "$G $P2" "(b) gemini's identity and project"

# Equal relative spellings in different roots never conflict.
for claim in 'file src/main.ts' 'directory src' "pattern '**/*.ts'"; do
  term 0 claude "aio claim $claim"
  expect_contains "$OUT" "claimed " "(b) claude: claim $claim"
  term 0 gemini "aio claim $claim"
  expect_contains "$OUT" "claimed " "(b) gemini: claim $claim"
done
term 0 gemini "aio claim file ./src//main.ts"
expect_contains "$OUT" "already holding file src/main.ts" "(b) gemini re-claim"
term 0 claude 'aio check src/main.ts'
expect_contains "$OUT" "is yours" "(b) claude check"
term 0 gemini 'aio check src/main.ts'
expect_contains "$OUT" "is yours" "(b) gemini check (cwd outside its project)"
# An anonymous look from each project sees only that project's holder.
expect_rc 1 bash -c "cd '$P2/src' && aio check --json main.ts"
expect_eq "$(jq -r '[.blocking[].holder.id] | unique | join(",")' <<<"$OUT")" "$G" "(b) holders in $P2"
expect_rc 1 bash -c "cd '$P1' && aio check --json src/main.ts"
expect_eq "$(jq -r '[.blocking[].holder.id] | unique | join(",")' <<<"$OUT")" "$C" "(b) holders in $P1"
# A path of the other project is outside yours.
term 2 claude "aio claim file '$P2/src/main.ts'"
one_line_error "$ERR" "(b) outside"
expect_contains "$ERR" "outside the project" "(b) outside"
expect_eq "$(aio status --json | jq --arg a "$P1" --arg b "$P2" \
  '[.claims[] | select(.active and (.project == $a or .project == $b))] | length')" 6 "(b) active claims"
term 0 claude 'aio unregister'
term 0 gemini 'aio unregister'
term_close claude
term_close gemini

# ======================================================== (c) pipeline handoff
P3=$T/pipeline
mkdir -p "$P3/src/auth"
term_open claude "$P3"
term_open codex "$P3"
term 0 claude 'eval "$(aio register claude --export)" && echo "$AIO_INSTANCE"'
A=$OUT
term 0 claude 'aio claim directory src/auth && aio claim file README.md && aio task "Refactor auth"'
term 0 claude 'aio-context decision "Tokens are JWT, 15 min"'
term 0 claude 'aio-context handoff "auth refactor done; tests in src/auth/__tests__ missing"'
term 0 claude 'aio release all'
expect_contains "$OUT" "released directory src/auth" "(c) release all"
expect_contains "$OUT" "released file README.md" "(c) release all"
term 0 claude 'aio unregister'
expect_contains "$OUT" "unregistered $A (released 0 claims)" "(c) unregister"
# The old id in that shell is now refused, and says why.
term 1 claude 'aio claim file README.md'
expect_contains "$ERR" "$A" "(c) unregistered id"
expect_contains "$ERR" "not registered" "(c) unregistered id"
one_line_error "$ERR" "(c) unregistered id"
expect_eq "$(aio status --json | jq '.instances | length')" 0 "(c) instances after unregister"
expect_eq "$(aio status --json | jq '.claims | length')" 0 "(c) claims after unregister"

term 0 codex 'aio register codex'
B=$OUT
term 0 codex 'aio claim directory src/auth/'
expect_contains "$OUT" "claimed directory src/auth" "(c) codex takes over"
term 0 codex 'aio claim file ./README.md'
expect_contains "$OUT" "claimed file README.md" "(c) codex takes over"
term 0 codex 'aio context get handoff'
expect_contains "$OUT" "auth refactor done; tests in src/auth/__tests__ missing" "(c) handoff"
expect_contains "$OUT" "claude ($A)" "(c) handoff source"
term 0 codex 'aio-context learning "vitest needs --pool=forks here"'

term 0 codex "aio context export >'$T/export.md'"
MD=$(cat "$T/export.md")
expect_eq "$(head -n1 "$T/export.md")" "# Shared context: $P3" "(c) export title"
expect_eq "$(tail -c1 "$T/export.md" | od -An -c | tr -d ' ')" '\n' "(c) export's last byte"
expect_eq "$(grep '^## ' "$T/export.md" | tr '\n' ,)" "## Decisions,## Learnings,## Handoffs," \
  "(c) export sections in order"
expect_not_contains "$MD" "API endpoints done" "(c) export (other project's note)"
# Each note sits under its category's heading, followed by its source and time.
section_of() {  # section_of FILE TEXT: the "## " heading above the line holding TEXT
  awk -v t="$2" '/^## /{h=$0} index($0, t){print h; exit}' "$1"
}
source_after() {  # source_after FILE TEXT: the line after the one holding TEXT
  awk -v t="$2" 'f{print; exit} index($0, t){f=1}' "$1"
}
TIME_RE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC'
while IFS='|' read -r text heading src; do
  expect_eq "$(section_of "$T/export.md" "$text")" "$heading" "(c) heading of '$text'"
  expect_match "$(source_after "$T/export.md" "$text")" "^  _${src}, ${TIME_RE}_\$" "(c) source of '$text'"
done <<EOF
Tokens are JWT, 15 min|## Decisions|claude \\($A\\)
auth refactor done|## Handoffs|claude \\($A\\)
vitest needs --pool=forks here|## Learnings|codex \\($B\\)
EOF
# The project argument works from anywhere, and --json carries the same text.
expect_rc 0 bash -c "cd / && aio context export '$P3'"
expect_contains "$OUT" "auth refactor done" "(c) export PROJECT"
expect_rc 0 bash -c "cd '$P3' && aio --json context export"
expect_eq "$(jq -r .markdown <<<"$OUT" | grep -c '^## ')" 3 "(c) --json export sections"
term 0 codex 'aio release all && aio unregister'
term_close claude
term_close codex

# ======================================================== (d) review
P4=$T/review
mkdir -p "$P4/src/auth"
term_open reviewer "$P4"
term_open author "$P4"
term 0 reviewer 'aio register claude -q'
R=$OUT
term 0 author 'aio register codex -q'
W=$OUT
# --instance names the caller, before or after the command.
term 0 reviewer "aio --instance $R task \"Review auth\" AI-12"
expect_contains "$OUT" "claimed task AI-12" "(d) task claims the beads id"
term 1 author "aio claim task AI-12 --instance $W"
expect_contains "$ERR" "$R" "(d) refusal names the reviewer"
expect_contains "$ERR" 'task "Review auth"' "(d) refusal names the task"
one_line_error "$ERR" "(d) refusal"
term 1 author "aio --instance $W check --type task AI-12"
term 0 author "aio --instance $W claim task AI-13"

expect_rc 0 aio status --json
jq -e . >/dev/null <<<"$OUT" || fail "(d) status --json does not parse: $OUT"
expect_eq "$(jq -r '.claims[] | select(.type == "task" and .target == "AI-12") | .instanceId' <<<"$OUT")" \
  "$R" "(d) holder of task AI-12"
expect_eq "$(jq -r '.claims[] | select(.target == "AI-12") | .active' <<<"$OUT")" true "(d) task claim active"
expect_eq "$(jq -r --arg r "$R" '.instances[] | select(.id == $r) | "\(.currentTask)|\(.beadsIssue)|\(.live)"' <<<"$OUT")" \
  "Review auth|AI-12|true" "(d) reviewer's task"
expect_rc 0 aio status
expect_contains "$OUT" "Review auth [AI-12]" "(d) human status"

term 0 reviewer "aio --instance $R release AI-12"
term 0 author "aio --instance $W claim task AI-12"
expect_contains "$OUT" "claimed task AI-12" "(d) after the review"
term_close reviewer
term_close author

# ======================================================== aio-init
P5=$T/initme
mkdir -p "$P5"
printf '# Project rules\n\nUse tabs.\n' >"$P5/CLAUDE.md"
printf 'no trailing newline' >"$P5/AGENTS.md"
expect_rc 0 aio-init "$P5"
expect_contains "$OUT" "CLAUDE.md: added the aio block" "aio-init report"
expect_contains "$OUT" "GEMINI.md: created" "aio-init report"
while IFS='|' read -r file tool keep; do
  f=$P5/$file
  expect_eq "$(grep -c '^<!-- aio:begin' "$f")" 1 "$file begin markers"
  expect_eq "$(grep -c '^<!-- aio:end -->$' "$f")" 1 "$file end markers"
  expect_contains "$(cat "$f")" "aio register $tool --export" "$file"
  [ -z "$keep" ] || expect_eq "$(head -n1 "$f")" "$keep" "$file first line"
  cp "$f" "$T/$file.first"
done <<'EOF'
CLAUDE.md|claude|# Project rules
AGENTS.md|codex|no trailing newline
GEMINI.md|gemini|
EOF
expect_contains "$(cat "$P5/CLAUDE.md")" "Use tabs." "CLAUDE.md old content"
expect_rc 0 aio-init "$P5"
for file in CLAUDE.md AGENTS.md GEMINI.md; do
  cmp -s "$P5/$file" "$T/$file.first" || fail "second aio-init changed $file"
  expect_contains "$OUT" "$file: up to date" "second aio-init report"
done
# Edits inside the block are replaced, text after it survives; `aio init` from
# the project directory is the same command.
printf '\n## Our own section\nkeep me\n' >>"$P5/CLAUDE.md"
sed -i 's/^1\. \*\*Register\*\*.*/EDITED BY HAND/' "$P5/CLAUDE.md"
expect_rc 0 bash -c "cd '$P5' && aio init"
expect_contains "$OUT" "CLAUDE.md: updated the aio block" "aio init report"
CL=$(cat "$P5/CLAUDE.md")
expect_not_contains "$CL" "EDITED BY HAND" "CLAUDE.md block"
expect_contains "$CL" "keep me" "CLAUDE.md after the block"
expect_eq "$(tail -n1 "$P5/CLAUDE.md")" "keep me" "CLAUDE.md last line"
expect_contains "$CL" "Use tabs." "CLAUDE.md before the block"
cp "$P5/CLAUDE.md" "$T/CLAUDE.md.second"
expect_rc 0 aio-init "$P5"
cmp -s "$P5/CLAUDE.md" "$T/CLAUDE.md.second" || fail "aio-init after an edit is not idempotent"
# A broken block is refused and no file changes.
printf '<!-- aio:begin\nhalf a block\n' >"$P5/GEMINI.md"
cp "$P5/GEMINI.md" "$T/GEMINI.md.broken"
expect_rc 2 aio-init "$P5"
one_line_error "$ERR" "aio-init on a broken block"
cmp -s "$P5/GEMINI.md" "$T/GEMINI.md.broken" || fail "aio-init rewrote a broken GEMINI.md"
cmp -s "$P5/CLAUDE.md" "$T/CLAUDE.md.second" || fail "aio-init changed CLAUDE.md despite the error"
expect_rc 2 aio-init "$T/does-not-exist"
one_line_error "$ERR" "aio-init on a missing directory"

finish
