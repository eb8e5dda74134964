# aio-init end to end (issue 13): the agent tools' hook settings written
# beside a user's own and taken out again byte for byte, --agents, invalid
# JSON refused with nothing written, the git pre-commit hook chained in a
# real repository (and from a linked worktree, into the shared hooks), then
# put back by --remove. --store: git config aio.store and aio.project, and
# which store commands then choose.
. "$(dirname "$0")/lib.sh"

# tree DIR: every file under DIR with its checksum and mode (the snapshot
# the byte-for-byte comparisons use; .git left out).
tree() {
  (cd "$1" && find . -path ./.git -prune -o -print | LC_ALL=C sort |
    while read -r f; do
      if [ -L "$f" ]; then
        echo "$f -> $(readlink "$f")"
      elif [ -d "$f" ]; then
        echo "$f/"
      else
        echo "$f $(stat -c %a "$f") $(sha1sum <"$f")"
      fi
    done)
}

# ======================================================== all four tools, a user's settings kept
P=$T/app
mkdir -p "$P/.claude" "$P/.gemini"
printf '# Rules\n\nTabs.\n' >"$P/CLAUDE.md"
# The user's Claude settings, as aio-init writes JSON (2 spaces), with a hook
# of their own in the event and matcher aio uses.
jq . >"$P/.claude/settings.json" <<'EOF'
{"permissions": {"allow": ["Bash(npm test)"]},
 "hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash",
                           "hooks": [{"type": "command", "command": "lint.sh", "timeout": 5}]}]},
 "model": "opus"}
EOF
jq . >"$P/.gemini/settings.json" <<'EOF'
{"hooksConfig": {"enabled": true}, "ui": {"theme": "dark"}}
EOF
BEFORE=$(tree "$P")

expect_rc 0 aio-init "$P"
for line in "CLAUDE.md: added the aio block" "AGENTS.md: created" "GEMINI.md: created" \
  ".claude/settings.json: updated" ".codex/hooks.json: created" ".gemini/settings.json: updated" \
  ".amp/settings.json: created"; do
  expect_contains "$OUT" "$line" "aio-init report"
done
C=$P/.claude/settings.json
expect_eq "$(jq -c '.hooks.PreToolUse' "$C")" \
  '[{"matcher":"Edit|Write|MultiEdit|NotebookEdit|Bash","hooks":[{"type":"command","command":"lint.sh","timeout":5}]},{"matcher":"Edit|Write|MultiEdit|NotebookEdit|Bash","hooks":[{"type":"command","command":"aio hook claude PreToolUse","timeout":30}]}]' \
  "Claude PreToolUse"
expect_eq "$(jq -c 'keys_unsorted' "$C")" '["permissions","hooks","model"]' "Claude keys in order"
expect_eq "$(jq -r '.hooks.SessionStart[0].hooks[0].command, .hooks.SessionEnd[0].hooks[0].command' "$C" | paste -sd,)" \
  "aio hook claude SessionStart,aio hook claude SessionEnd" "Claude lifecycle hooks"
expect_eq "$(jq -r '.hooks | keys_unsorted | join(",")' "$P/.codex/hooks.json")" \
  "SessionStart,PreToolUse" "Codex events"
expect_eq "$(jq -r '.hooks.PreToolUse[0].matcher' "$P/.codex/hooks.json")" \
  "apply_patch|Bash|Edit|Write" "Codex matcher"
expect_eq "$(jq -c '[.hooks.BeforeTool[0].matcher, .hooks.BeforeTool[0].hooks[0].timeout, .ui]' "$P/.gemini/settings.json")" \
  '["write_file|replace|run_shell_command",30000,{"theme":"dark"}]' "Gemini BeforeTool"
expect_eq "$(jq -c '[."amp.permissions"[] | [.tool, .action, .to]]' "$P/.amp/settings.json")" \
  '[["edit_file","delegate","aio-amp-delegate"],["create_file","delegate","aio-amp-delegate"],["Bash","delegate","aio-amp-delegate"]]' \
  "Amp rules"
expect_eq "$(tail -c1 "$C" | od -An -c | tr -d ' ')" '\n' "final newline"
expect_eq "$(sed -n 2p "$P/.codex/hooks.json")" '  "hooks": {' "2-space indentation"
expect_contains "$(cat "$P/AGENTS.md")" "aio register codex --export" "AGENTS.md"

# A second run changes no byte and says so.
AFTER=$(tree "$P")
expect_rc 0 aio-init "$P"
expect_eq "$(tree "$P")" "$AFTER" "the tree after a second aio-init"
expect_eq "$(grep -c ': up to date' <<<"$OUT")" 7 "second run: every file up to date"

# --json: one document, a line per file.
expect_rc 0 aio-init --json "$P"
expect_eq "$(jq -r '[.ok, .remove, (.files | length), .files[0].file, .files[0].action] | join(",")' <<<"$OUT")" \
  "true,false,7,CLAUDE.md,up to date" "--json report"

# --remove: exactly what was there before, byte for byte; directories
# aio-init made (.codex, .amp) gone, the user's (.claude, .gemini) kept.
expect_rc 0 aio-init --remove "$P"
expect_contains "$OUT" "CLAUDE.md: removed the aio block" "--remove report"
expect_contains "$OUT" ".codex/hooks.json: removed" "--remove report"
expect_contains "$OUT" ".claude/settings.json: updated" "--remove report"
expect_eq "$(tree "$P")" "$BEFORE" "the tree after init + remove"
expect_rc 0 aio-init --remove "$P"
expect_eq "$(tree "$P")" "$BEFORE" "the tree after a second --remove"

# ======================================================== symbolic links are written through
# CLAUDE.md a link to AGENTS.md (one file for both), Claude's settings a link
# to a file kept elsewhere: both links stay links.
S=$T/linked
mkdir -p "$S/.claude"
printf '# Shared rules\n' >"$S/AGENTS.md"
ln -s AGENTS.md "$S/CLAUDE.md"
printf '{\n  "model": "opus"\n}\n' >"$S/team-settings.json"
ln -s ../team-settings.json "$S/.claude/settings.json"
BEFORE=$(tree "$S")
expect_rc 0 aio-init "$S"
expect_contains "$OUT" "AGENTS.md: the same file as CLAUDE.md" "aio-init through a link"
[ -L "$S/CLAUDE.md" ] && [ -L "$S/.claude/settings.json" ] || fail "aio-init replaced a link"
expect_eq "$(grep -c '^<!-- aio:begin' "$S/AGENTS.md")" 1 "blocks in the linked AGENTS.md"
expect_eq "$(jq -r '.model, .hooks.PreToolUse[0].hooks[0].command' "$S/team-settings.json" | paste -sd,)" \
  "opus,aio hook claude PreToolUse" "settings written through the link"
expect_rc 0 aio-init "$S"
expect_not_contains "$OUT" "updated" "second aio-init through links"
expect_rc 0 aio-init --remove "$S"
expect_eq "$(tree "$S")" "$BEFORE" "the tree after init + remove through links"

# ======================================================== --agents
Q=$T/only
mkdir -p "$Q"
expect_rc 0 aio-init --agents gemini,claude "$Q"
[ -e "$Q/.codex" ] && fail "--agents gemini,claude set up codex"
[ -e "$Q/.amp" ] && fail "--agents gemini,claude set up amp"
[ -e "$Q/AGENTS.md" ] && fail "--agents gemini,claude wrote AGENTS.md"
[ -f "$Q/.gemini/settings.json" ] && [ -f "$Q/CLAUDE.md" ] || fail "--agents gemini,claude"
# Amp alone: AGENTS.md names amp.
expect_rc 0 aio-init --agents amp "$Q"
expect_contains "$(cat "$Q/AGENTS.md")" "aio register amp --export" "AGENTS.md for amp"
expect_rc 0 aio-init --agents codex "$Q"
# Codex goes, but amp still reads AGENTS.md: its block stays.
expect_rc 0 aio-init --remove --agents codex "$Q"
[ -e "$Q/.codex" ] && fail "--remove --agents codex left .codex"
grep -q 'aio:begin' "$Q/AGENTS.md" || fail "--remove --agents codex took amp's AGENTS.md block"
expect_rc 0 aio-init --remove --agents amp,claude "$Q"
[ -e "$Q/AGENTS.md" ] || [ -e "$Q/.amp" ] || [ -e "$Q/CLAUDE.md" ] || [ -e "$Q/.claude" ] &&
  fail "--remove --agents amp,claude left files: $(ls -A "$Q")"
[ -f "$Q/.gemini/settings.json" ] || fail "--remove --agents amp,claude took gemini's"
# Unknown names: one line, exit 2, nothing written.
R=$T/unknown
mkdir -p "$R"
expect_rc 2 aio-init --agents claude,cursor "$R"
one_line_error "$ERR" "--agents with an unknown name"
expect_contains "$ERR" "unknown agent 'cursor'" "--agents error"
expect_eq "$(ls -A "$R")" "" "files written despite a bad --agents"

# ======================================================== invalid JSON: nothing at all is written
B=$T/broken
mkdir -p "$B/.codex"
printf '{"hooks": {"PreToolUse": [' >"$B/.codex/hooks.json"
printf 'mine\n' >"$B/CLAUDE.md"
SNAP=$(tree "$B")
expect_rc 2 aio-init "$B"
one_line_error "$ERR" "aio-init on invalid JSON"
expect_match "$ERR" '^aio: \.codex/hooks\.json is not valid JSON \(parse error at line 1.*\); left as it is$' \
  "invalid JSON error"
expect_eq "$(tree "$B")" "$SNAP" "the tree after a refused aio-init"
# JSONC (comments) in Gemini's settings: refused, not silently stripped.
printf '{}\n' >"$B/.codex/hooks.json"
mkdir -p "$B/.gemini"
printf '{\n  // dark, please\n  "ui": {"theme": "dark"}\n}\n' >"$B/.gemini/settings.json"
SNAP=$(tree "$B")
expect_rc 2 aio-init "$B"
expect_contains "$ERR" ".gemini/settings.json has comments, which aio-init cannot keep" "JSONC"
expect_eq "$(tree "$B")" "$SNAP" "the tree after aio-init on JSONC"
# A wrong type: the same.
printf '{"hooks": []}\n' >"$B/.gemini/settings.json"
expect_rc 2 aio-init --agents gemini "$B"
expect_contains "$ERR" '.gemini/settings.json: `hooks` is not an object (it is array); left as it is' \
  "wrong type"

# ======================================================== the git pre-commit hook
G=$T/repo
WT=$T/repo-wt
mkdir -p "$G" "$T/bin"
git_ "$G" init -q
echo one >"$G/a.txt"
git_ "$G" add a.txt
git_ "$G" commit -qm one
git_ "$G" worktree add -q "$WT"
HOOKS=$G/.git/hooks
mkdir -p "$HOOKS"
# The user's own hook, in Python: it reads its arguments and standard input
# and records them.
cat >"$HOOKS/pre-commit" <<EOF
#!/usr/bin/env python3
import sys
open("$T/user-hook.log", "a").write("ran %r %r\n" % (sys.argv[1:], sys.stdin.read()))
EOF
chmod 755 "$HOOKS/pre-commit"
cp "$HOOKS/pre-commit" "$T/user-hook.orig"
# A stand-in for `aio hook git pre-commit` (written on another branch): it
# records the call and answers with $FAKE_RC.
cat >"$T/bin/aio" <<EOF
#!/bin/sh
[ "\$1 \$2 \$3" = "hook git pre-commit" ] || exec "$AIO_BIN/aio" "\$@"
echo "aio \$*" >>"$T/aio-hook.log"
[ "\${FAKE_RC:-0}" -eq 0 ] || echo "aio: a.txt is claimed by codex-1" >&2
exit "\${FAKE_RC:-0}"
EOF
chmod 755 "$T/bin/aio"

# Not a git repository: one line, exit 2, nothing written.
expect_rc 2 aio-init --git-hook "$Q"
one_line_error "$ERR" "--git-hook outside git"
expect_contains "$ERR" "is not in a git repository" "--git-hook outside git"
[ -e "$Q/CLAUDE.md" ] && fail "aio-init --git-hook outside git wrote CLAUDE.md"

expect_rc 0 aio-init --git-hook --agents claude "$G"
expect_contains "$OUT" ".git/hooks/pre-commit: added aio's hook; the one that was here runs after it" \
  "--git-hook report"
cmp -s "$HOOKS/pre-commit.aio-chained" "$T/user-hook.orig" || fail "the user's hook was not chained"
expect_eq "$(stat -c %a "$HOOKS/pre-commit")" 755 "aio's hook mode"
cp "$HOOKS/pre-commit" "$T/ours"
expect_rc 0 aio-init --git-hook --agents claude "$G"
expect_contains "$OUT" ".git/hooks/pre-commit: up to date" "second --git-hook"
cmp -s "$HOOKS/pre-commit" "$T/ours" || fail "a second --git-hook changed the hook"
[ "$(ls "$HOOKS" | grep -c aio)" -eq 1 ] || fail "stray files in hooks: $(ls "$HOOKS")"

# A commit runs aio's check, then the user's hook with its stdin.
commit() {  # commit DIR MSG: a commit with the stand-in aio first on PATH
  (cd "$1" && echo "$2" >>a.txt && PATH="$T/bin:$PATH" GIT_CONFIG_GLOBAL=/dev/null \
    GIT_CONFIG_NOSYSTEM=1 git -c user.name=t -c user.email=t@example.com commit -qam "$2")
}
expect_rc 0 commit "$G" two
expect_eq "$(cat "$T/aio-hook.log")" "aio hook git pre-commit" "aio's check ran"
expect_eq "$(cat "$T/user-hook.log")" "ran [] ''" "the user's hook ran after it"
# aio refuses: the commit stops and the user's hook does not run.
export FAKE_RC=1
expect_rc 1 commit "$G" three
unset FAKE_RC
expect_contains "$ERR" "a.txt is claimed by codex-1" "refused commit"
expect_eq "$(wc -l <"$T/user-hook.log")" 1 "the user's hook after a refusal"
# The user's hook fails: so does the commit.
printf 'import sys; sys.exit(3)\n' >>"$HOOKS/pre-commit.aio-chained"
expect_rc 1 commit "$G" four
expect_eq "$(wc -l <"$T/aio-hook.log")" 3 "aio's check before the user's failing hook"
cp "$T/user-hook.orig" "$HOOKS/pre-commit.aio-chained"
git_ "$G" checkout -q -- a.txt

# From the linked worktree: the shared hooks directory, already set up.
expect_rc 0 aio-init --git-hook --agents claude "$WT"
expect_contains "$OUT" "$HOOKS/pre-commit: up to date" "--git-hook in a worktree"
expect_rc 0 commit "$WT" five
expect_eq "$(wc -l <"$T/aio-hook.log")" 4 "aio's check in the worktree"

# --remove puts the user's hook back, byte for byte and executable.
expect_rc 0 aio-init --remove "$WT"
expect_contains "$OUT" "$HOOKS/pre-commit: put back the hook aio's chained" "--remove report"
cmp -s "$HOOKS/pre-commit" "$T/user-hook.orig" || fail "the user's hook was not put back"
expect_eq "$(stat -c %a "$HOOKS/pre-commit")" 755 "the user's hook mode"
[ -e "$HOOKS/pre-commit.aio-chained" ] && fail "pre-commit.aio-chained left behind"
# A hook that is not aio's is left alone by --remove.
expect_rc 0 aio-init --remove --git-hook "$G"
expect_contains "$OUT" ".git/hooks/pre-commit: not aio's, left as it is" "--remove of a user's hook"
cmp -s "$HOOKS/pre-commit" "$T/user-hook.orig" || fail "--remove touched the user's hook"

# core.hooksPath (relative: from the work tree's top), no hook before.
git_ "$G" config core.hooksPath .githooks
expect_rc 0 aio-init --git-hook --agents claude "$G"
expect_contains "$OUT" ".githooks/pre-commit: created" "--git-hook with core.hooksPath"
expect_eq "$(cd "$G" && git rev-parse --path-format=absolute --git-path hooks)" "$G/.githooks" \
  "git's hooks directory"
[ -x "$G/.githooks/pre-commit" ] || fail "no hook in core.hooksPath"
expect_rc 0 commit "$G" six
expect_eq "$(wc -l <"$T/aio-hook.log")" 5 "aio's check through core.hooksPath"
expect_rc 0 aio-init --remove --git-hook --agents claude "$G"
expect_contains "$OUT" ".githooks/pre-commit: removed" "--remove with core.hooksPath"
[ -e "$G/.githooks" ] && fail "the hooks directory aio-init made was left"

# ======================================================== --store: git config aio.store, the project id
# (issue 14) Which store a repository's clones use and the id they share it
# under, written to the repository's own config (shared by its worktrees).
URL=etcd://127.0.0.1:2379/team
gget() { (cd "$1" && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git config --get "$2") || echo "<unset>"; }
# Outside a repository: one line, nothing written.
mkdir -p "$T/norepo"
expect_rc 2 aio-init --store "$URL" --agents claude "$T/norepo"
one_line_error "$ERR" "--store outside a repository"
expect_contains "$ERR" "is in no git repository" "--store outside a repository"
expect_eq "$(ls -A "$T/norepo")" "" "files written outside a repository"
# A repository without a remote gets a new random id, said with the command for the other clones.
S=$T/solo
mkdir -p "$S" && git_ "$S" init -q && git_ "$S" commit -q --allow-empty -m one
git_ "$S" config user.name someone
for bad in etcd://127.0.0.1/team "etcd://127.0.0.1:2379/team?colour=red" "etcd://al:hunter2@h:1/t"; do
  expect_rc 2 aio-init --store "$bad" --agents claude "$S"
  one_line_error "$ERR" "bad --store $bad"
  expect_contains "$ERR" "bad store URL" "bad --store $bad"
  expect_not_contains "$ERR" "hunter2" "the error for $bad"
  expect_eq "$(gget "$S" aio.store)" "<unset>" "aio.store after a bad --store"
  [ -e "$S/CLAUDE.md" ] && fail "aio-init wrote files after a bad --store"
done
expect_rc 0 aio-init --store "$URL" --agents claude "$S"
expect_eq "$(gget "$S" aio.store)" "$URL" "aio.store written"
ID=$(gget "$S" aio.project)
expect_match "$ID" '^aio-[0-9a-f]{16}$' "the new project id"
expect_contains "$OUT" "git config aio.store: set to $URL" "--store report"
expect_contains "$OUT" "aio-init --store '$URL' --project-id $ID" "the command for the other clones"
expect_rc 0 aio-init --store "$URL" --agents claude "$S"
expect_eq "$(gget "$S" aio.project)" "$ID" "the id after a second run"
expect_contains "$OUT" "git config aio.store: up to date" "second --store run"
# A clone of it shares the id (its origin is followed).
git_ "$T" clone -q "$S" "$T/solo2"
expect_rc 0 aio-init --store "$URL" --agents claude "$T/solo2"
expect_contains "$OUT" "project id: $ID (the same in every clone)" "the clone's id"
expect_eq "$(gget "$T/solo2" aio.project)" "<unset>" "aio.project in the clone"
# Every command there now chooses that store (no etcd answers there: exit 3 saying where from).
expect_rc 3 bash -c "cd '$S' && aio status"
one_line_error "$ERR" "status with aio.store"
expect_contains "$ERR" "unreachable" "status with an etcd that does not answer"
expect_contains "$ERR" "(store from git config aio.store of $S)" "the store's source"
expect_rc 0 bash -c "cd '$S' && aio --store file status"
expect_rc 0 bash -c "cd '$S' && AIO_STORE=file aio status"
expect_rc 0 bash -c "cd '$S' && AIO_STORE=etcd://nowhere aio --store file status"
expect_rc 2 bash -c "cd '$S' && AIO_STORE=nowhere aio status"
one_line_error "$ERR" "a bad AIO_STORE"
expect_contains "$ERR" "(from AIO_STORE)" "a bad AIO_STORE"
expect_rc 2 bash -c "cd '$S' && aio --store etcd://h:0/t status"
expect_contains "$ERR" "(from --store)" "a bad --store"
# A bad aio.store: every command says so; aio-init --store repairs it.
git_ "$S" config aio.store etcd://broken
expect_rc 2 bash -c "cd '$S' && aio status"
one_line_error "$ERR" "a bad aio.store"
expect_contains "$ERR" "from git config aio.store of $S; set another with aio-init --store URL" "a bad aio.store"
expect_rc 0 bash -c "cd '$S' && aio-init --store file --agents claude"
expect_contains "$OUT" "git config aio.store: removed" "--store file"
expect_eq "$(gget "$S" aio.store)" "<unset>" "aio.store after --store file"
expect_rc 0 bash -c "cd '$S' && aio status"
# --remove takes out the keys and nothing else of the config.
expect_rc 2 aio-init --remove --store "$URL" "$S"
git_ "$S" config aio.store "$URL"
expect_rc 0 aio-init --remove "$S"
expect_contains "$OUT" "git config aio.project: removed" "--remove report"
expect_eq "$(gget "$S" aio.store),$(gget "$S" aio.project),$(gget "$S" user.name)" \
  "<unset>,<unset>,someone" "the config after --remove"
# A repository with a remote: its normalised URL is the id, nothing written
# for it; --project-id writes one; a linked worktree writes the shared config.
R=$T/remote
mkdir -p "$R" && git_ "$R" init -q && git_ "$R" commit -q --allow-empty -m one
git_ "$R" remote add origin git@GitHub.com:Org/Repo.git
expect_rc 0 aio-init --store "$URL" --agents claude "$R"
expect_contains "$OUT" "project id: github.com/Org/Repo (the same in every clone)" "the remote's id"
expect_eq "$(gget "$R" aio.project)" "<unset>" "aio.project with a remote"
expect_rc 2 aio-init --store "$URL" --project-id "two words" --agents claude "$R"
one_line_error "$ERR" "a bad --project-id"
expect_rc 0 aio-init --store "$URL" --project-id team-x --agents claude "$R"
expect_eq "$(gget "$R" aio.project)" team-x "--project-id"
git_ "$R" worktree add -q ../remote-wt
expect_rc 0 aio-init --store etcd://10.0.0.1:2379/other --agents claude "$T/remote-wt"
expect_eq "$(gget "$R" aio.store)" etcd://10.0.0.1:2379/other "aio.store written from a linked worktree"

finish
