#!/usr/bin/env bash
# aio hook claude|codex|gemini|amp EVENT (issue 13), end to end: each tool's
# documented hook JSON (with fields aio does not know) fed to the installed
# aio by a long-lived stand-in for the agent (hook_host.py runs every hook
# through `sh -c`, as the tools do), checking the decision, the exit status
# and the reason text.
. "$(dirname "$0")/lib.sh"

HOST="$(cd "$(dirname "$0")" && pwd)/hook_host.py"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
P=$T/proj
mkdir -p "$P/src/auth" "$P/docs"
echo a >"$P/src/auth/login.ts"
echo b >"$P/src/free.ts"
git -C "$P" init -q
SLEEPERS=()
declare -A HOST_IN HOST_OUT HOST_PID
trap 'for fd in "${HOST_IN[@]}"; do exec {fd}>&-; done; kill "${SLEEPERS[@]}" 2>/dev/null
      wait 2>/dev/null; rm -rf "$T"' EXIT

# host_open NAME [PREFIX...]: start a stand-in agent (PREFIX: e.g. aio exec …).
host_open() {
  local name=$1 in out
  shift
  mkfifo "$T/.$name.in" "$T/.$name.out"
  (cd "$P" && exec "$@" "$PY" "$HOST" <"$T/.$name.in" >"$T/.$name.out") &
  exec {in}>"$T/.$name.in"
  exec {out}<"$T/.$name.out"
  HOST_IN[$name]=$in
  HOST_OUT[$name]=$out
  read -r -u "$out" HOST_PID[$name]
}
# hook NAME CMD PAYLOAD [ENV-JSON]: run CMD as the agent NAME runs a hook;
# sets RC, OUT, ERR.
hook() {
  local name=$1 cmd=$2 payload=$3 envj=${4:-'{}'} line
  jq -cn --arg c "$cmd" --arg s "$payload" --argjson e "$envj" '{cmd:$c, stdin:$s, env:$e}' \
    >&"${HOST_IN[$name]}"
  read -r -u "${HOST_OUT[$name]}" line || { fail "host $name died"; return; }
  RC=$(jq -r .rc <<<"$line")
  OUT=$(jq -r .out <<<"$line")
  ERR=$(jq -r .err <<<"$line")
}
decision() { jq -r '.hookSpecificOutput.permissionDecision // .decision // empty' <<<"$OUT"; }
reason() { jq -r '.hookSpecificOutput.permissionDecisionReason // .reason // empty' <<<"$OUT"; }
pre() {  # pre FILE_PATH: a Claude Code PreToolUse payload for Edit (extra fields included)
  jq -cn --arg f "$1" --arg cwd "$P" '{session_id:"sess-1", transcript_path:"/tmp/t.jsonl",
    cwd:$cwd, permission_mode:"default", hook_event_name:"PreToolUse", tool_name:"Edit",
    tool_use_id:"toolu_01", tool_input:{file_path:$f, old_string:"a", new_string:"b"},
    effort:{level:"high"}, some_future_field:{x:1}}'
}
bash_call() {  # bash_call TOOL COMMAND: a PreToolUse payload for a shell command
  jq -cn --arg t "$1" --arg c "$2" --arg cwd "$P" '{session_id:"sess-1", cwd:$cwd,
    hook_event_name:"PreToolUse", tool_name:$t, tool_input:{command:$c, description:"d"}}'
}
start() {  # start SOURCE
  jq -cn --arg s "$1" --arg cwd "$P" '{session_id:"sess-1", transcript_path:"/tmp/t.jsonl",
    cwd:$cwd, hook_event_name:"SessionStart", source:$s, model:"claude-x"}'
}
ends() { jq -cn --arg r "$1" --arg cwd "$P" '{session_id:"sess-1", cwd:$cwd, hook_event_name:"SessionEnd", reason:$r}'; }

# B: a codex agent holding src/auth/login.ts while working on "Refactor auth".
sleep 3600 &
SLEEPERS+=($!)
B=$(cd "$P" && aio register codex -q --pid $!) || fail "register B"
expect_rc 0 aio --instance "$B" task "Refactor auth"
(cd "$P" && aio --instance "$B" claim file src/auth/login.ts >/dev/null) || fail "B claims"
(cd "$P" && aio --instance "$B" context handoff "login form half done: tests next" >/dev/null) || fail "B's note"
BCLAIM=$(aio status --json | jq -r '.claims[] | select(.target == "src/auth/login.ts") | .id')

# ---- Claude Code: SessionStart registers, once, bound to the agent ----
host_open A
ENVF=$T/claude-env
hook A "aio hook claude SessionStart" "$(start startup)" "{\"CLAUDE_ENV_FILE\":\"$ENVF\"}"
expect_eq "$RC" 0 "SessionStart exit"
CTX=$(jq -r .hookSpecificOutput.additionalContext <<<"$OUT")
expect_eq "$(jq -r .hookSpecificOutput.hookEventName <<<"$OUT")" SessionStart "SessionStart answer"
A=$(aio status --json | jq -r --argjson p "${HOST_PID[A]}" '.instances[] | select(.boundPid == $p) | .id')
[ -n "$A" ] || fail "SessionStart registered no instance bound to the agent (pid ${HOST_PID[A]})"
expect_contains "$A" "claude-" "the instance's tool"
expect_eq "$(aio status --json | jq -r --arg a "$A" '.instances[] | select(.id == $a) | .registeredByHook')" claude "registeredByHook"
for want in "You are aio instance $A" "src/auth/login.ts" "$B" "Refactor auth" "aio check" "aio release all" \
  "login form half done: tests next"; do
  expect_contains "$CTX" "$want" "SessionStart context"
done
expect_eq "$(cat "$ENVF")" "export AIO_INSTANCE=$A" "CLAUDE_ENV_FILE"
# Resume, compact and clear: the same instance, never a second export.
for src in resume compact clear; do
  hook A "aio hook claude SessionStart" "$(start $src)" "{\"CLAUDE_ENV_FILE\":\"$ENVF\"}"
  expect_eq "$RC" 0 "SessionStart ($src) exit"
  expect_contains "$(jq -r .hookSpecificOutput.additionalContext <<<"$OUT")" "You are aio instance $A" "SessionStart ($src)"
done
expect_eq "$(aio status --json | jq '.instances | length')" 2 "instances after four SessionStarts"
expect_eq "$(grep -c AIO_INSTANCE "$ENVF")" 1 "export lines in CLAUDE_ENV_FILE"

# ---- Claude Code: PreToolUse ----
hook A "aio hook claude PreToolUse" "$(pre "$P/src/auth/login.ts")"
expect_eq "$RC" 0 "deny exit (JSON decision)"
expect_eq "$(decision)" deny "Edit of B's file"
expect_eq "$(jq -r .hookSpecificOutput.hookEventName <<<"$OUT")" PreToolUse "deny's hookEventName"
for want in "src/auth/login.ts is claimed by $B" "codex" "Refactor auth" "$BCLAIM" "aio check src/auth/login.ts"; do
  expect_contains "$(reason)" "$want" "deny reason"
done
hook A "aio hook claude PreToolUse" "$(pre "$P/src/free.ts")"
expect_eq "$RC/$OUT/$ERR" "0//" "Edit of a free file: silence (never 'allow', which skips prompts)"
hook A "aio hook claude PreToolUse" "$(pre /etc/hostname)"
expect_eq "$RC/$OUT" "0/" "a path outside the project"
hook A "aio hook claude PreToolUse" "$(bash_call Bash 'echo x > src/auth/login.ts')"
expect_eq "$(decision)" deny "Bash redirection onto B's file"
expect_contains "$(reason)" "$B" "Bash deny reason"
for cmd in 'echo x >> src/auth/login.ts' "sed -i 's/a/b/' src/auth/login.ts" 'mv src/free.ts src/auth/login.ts' \
  'mv src/auth/login.ts /tmp/x' 'rm -f src/auth/login.ts' 'cp src/free.ts src/auth/login.ts' \
  'date | tee -a src/auth/login.ts' 'cd src/auth && echo x > login.ts' 'rm -rf src/auth' \
  "bash -c 'echo x > src/auth/login.ts'" 'git status; FOO=1 echo x 2>/dev/null >"src/auth/login.ts"'; do
  hook A "aio hook claude PreToolUse" "$(bash_call Bash "$cmd")"
  expect_eq "$(decision)" deny "Bash: $cmd"
done
hook A "aio hook claude PreToolUse" "$(bash_call Bash 'cat src/auth/login.ts | wc -l')"
expect_eq "$RC/$OUT" "0/" "a Bash command that writes nothing"
hook A "aio hook claude PreToolUse" "$(bash_call Bash 'for f in src/*/*.ts; do : > "$f"; done')"
expect_eq "$RC/$OUT" "0/" "a command that cannot be followed is the mount's to decide"
hook A "aio hook claude PreToolUse" '{"tool_name": "Edit", "tool_input": {"file_path": '
expect_eq "$RC" 2 "payload that is not JSON: blocked"
expect_contains "$ERR" "not valid JSON" "bad payload message"
expect_contains "$ERR" "parse error" "bad payload message names the JSON error"
hook A "aio hook claude PostToolUse" "$(pre "$P/src/auth/login.ts")"
expect_eq "$RC/$OUT" "0/" "an event aio has nothing to do for"
hook A "aio hook claude BeforeTool" "$(pre "$P/src/auth/login.ts")"
expect_eq "$RC" 2 "an event Claude Code never sends"
expect_contains "$ERR" "unknown claude hook event 'BeforeTool'" "unknown event message"

# --auto-claim: a free file is claimed before the edit.
hook A "aio hook claude PreToolUse --auto-claim" "$(pre "$P/docs/new.md")"
expect_eq "$RC/$OUT" "0/" "auto-claimed edit"
expect_eq "$(aio status --json | jq -r '.claims[] | select(.target == "docs/new.md") | .instanceId')" "$A" "auto-claim holder"

# ---- Gemini CLI: BeforeTool ----
host_open G
hook G "aio hook gemini SessionStart" "$(start startup | jq -c '.hook_event_name="SessionStart" | .timestamp="2026-11-28T00:00:00Z"')"
expect_eq "$RC" 0 "gemini SessionStart"
gem() { jq -cn --arg t "$1" --arg f "$2" --arg cwd "$P" '{session_id:"g", transcript_path:"/t",
  cwd:$cwd, hook_event_name:"BeforeTool", timestamp:"2026-11-28T00:00:00Z", tool_name:$t,
  tool_input:{file_path:$f, content:"x", command:$f}, mcp_context:null}'; }
hook G "aio hook gemini BeforeTool" "$(gem write_file "$P/docs/new.md")"
expect_eq "$RC" 0 "gemini deny exit"
expect_eq "$(jq -r .decision <<<"$OUT")" deny "gemini write_file of A's auto-claimed file"
expect_contains "$(jq -r .reason <<<"$OUT")" "docs/new.md is claimed by $A" "gemini reason"
hook G "aio hook gemini BeforeTool" "$(gem replace src/free.ts)"
expect_eq "$RC/$OUT" "0/" "gemini replace of a free file"
hook G "aio hook gemini BeforeTool" "$(gem run_shell_command 'echo x >> src/auth/login.ts')"
expect_eq "$(jq -r .decision <<<"$OUT")" deny "gemini shell append onto B's file"
hook G "aio hook gemini BeforeTool" 'not json'
expect_eq "$RC" 2 "gemini: payload that is not JSON"
G_ID=$(aio status --json | jq -r --argjson p "${HOST_PID[G]}" '.instances[] | select(.boundPid == $p) | .id')
expect_contains "$G_ID" "gemini-" "gemini's instance"

# ---- Codex: apply_patch, judged per file ----
host_open C
patch() { jq -cn --arg p "$1" --arg cwd "$P" '{session_id:"c", turn_id:"t", transcript_path:null,
  cwd:$cwd, hook_event_name:"PreToolUse", model:"gpt-5", permission_mode:"default",
  tool_name:"apply_patch", tool_use_id:"call_1", tool_input:{command:$p}}'; }
hook C "aio hook codex PreToolUse" "$(patch $'*** Begin Patch\n*** Add File: src/other.ts\n+x\n*** Update File: src/auth/login.ts\n@@\n-a\n+b\n*** End Patch\n')"
expect_eq "$(decision)" deny "codex patch updating B's file"
expect_contains "$(reason)" "src/auth/login.ts is claimed by $B" "codex reason"
hook C "aio hook codex PreToolUse" "$(patch $'*** Begin Patch\n*** Add File: src/other.ts\n+x\n*** End Patch\n')"
expect_eq "$RC/$OUT" "0/" "codex patch adding a free file"

# ---- Amp: the delegate program ----
amp() {  # amp TOOL ARGS-JSON
  printf '%s' "$2" | (cd "$P" && AGENT=amp AGENT_TOOL_NAME=$1 AMP_THREAD_ID=T-1 aio-amp-delegate) \
    >"$T/amp.out" 2>"$T/amp.err"
  RC=$?
  OUT=$(cat "$T/amp.out")
  ERR=$(cat "$T/amp.err")
}
amp edit_file "{\"path\":\"$P/src/auth/login.ts\",\"old_str\":\"a\",\"new_str\":\"b\"}"
expect_eq "$RC" 2 "amp edit_file of B's file: rejected"
expect_contains "$ERR" "src/auth/login.ts is claimed by $B" "amp reason on stderr"
amp create_file "{\"path\":\"$P/src/made.ts\",\"content\":\"x\"}"
expect_eq "$RC/$ERR" "0/" "amp create_file of a free file"
amp Bash '{"cmd":"echo x > src/auth/login.ts"}'
expect_eq "$RC" 2 "amp Bash redirection onto B's file"

# ---- SessionEnd: only an instance the hook registered, not on /clear ----
hook A "aio hook claude SessionEnd" "$(ends clear)"
expect_eq "$(aio status --json | jq --arg a "$A" '[.instances[] | select(.id == $a)] | length')" 1 "A after SessionEnd (clear)"
hook A "aio hook claude SessionEnd" "$(ends logout)"
expect_eq "$RC" 0 "SessionEnd exit"
expect_eq "$(aio status --json | jq --arg a "$A" '[.instances[] | select(.id == $a)] | length')" 0 "A after SessionEnd (logout)"
expect_eq "$(aio status --json | jq '[.claims[] | select(.target == "docs/new.md")] | length')" 0 "A's claims after SessionEnd"

# An agent started under aio exec: adopted, its id exported, left to aio exec.
host_open X aio exec --tool claude --
X=$(aio status --json | jq -r --argjson p "${HOST_PID[X]}" '.instances[] | select(.boundPid == $p) | .id')
[ -n "$X" ] || fail "aio exec registered no instance"
ENVX=$T/x-env
hook X "aio hook claude SessionStart" "$(start startup)" "{\"CLAUDE_ENV_FILE\":\"$ENVX\"}"
expect_contains "$(jq -r .hookSpecificOutput.additionalContext <<<"$OUT")" "You are aio instance $X" "adopted instance"
expect_eq "$(cat "$ENVX")" "export AIO_INSTANCE=$X" "the adopted id exported"
hook X "aio hook claude SessionEnd" "$(ends logout)"
expect_eq "$(aio status --json | jq --arg x "$X" '[.instances[] | select(.id == $x)] | length')" 1 "an adopted instance after SessionEnd"

# An AIO_INSTANCE that is not live: nothing registered, nothing exported, said.
ENVS=$T/stale-env
hook A "aio hook claude SessionStart" "$(start startup)" "{\"CLAUDE_ENV_FILE\":\"$ENVS\",\"AIO_INSTANCE\":\"claude-1-deadbeef\"}"
expect_eq "$RC" 0 "SessionStart with a dead AIO_INSTANCE"
expect_contains "$(jq -r .hookSpecificOutput.additionalContext <<<"$OUT")" "claude-1-deadbeef" "context names the dead id"
[ ! -s "$ENVS" ] || fail "a dead AIO_INSTANCE led to an export: $(cat "$ENVS")"

expect_rc 2 aio hook cursor PreToolUse
expect_contains "$ERR" "unknown agent tool 'cursor'" "unknown tool"
finish
