# One project wherever you stand (DESIGN.md §2, "Project"): agents that
# register from a subdirectory, from a second git worktree or from an --at
# mountpoint all work in the repository's project, so their claims meet the
# root's; --worktree-local separates a worktree; nested projects conflict by
# absolute path; a state.json the playbook wrote (its own spellings of
# targets) still judges paths typed in any checkout.
. "$(dirname "$0")/lib.sh"

MNT=$T/mnt
cleanup() {
  if mountpoint -q "$MNT" 2>/dev/null; then aio unmount --lazy "$MNT" >/dev/null 2>&1; fi
  rm -rf "$T"
}
trap cleanup EXIT

# register DIR TOOL [ARGS...]: registers from DIR in a session of its own, unbound
# (as from a terminal: else it would be bound to the test runner); prints the id.
register() {
  local dir=$1 tool=$2
  shift 2
  (cd "$dir" && setsid -w aio register "$tool" -q --pid 0 "$@")
}
# as ID DIR CMD...: runs CMD in DIR as instance ID (as ID anon: anonymous).
as() {
  local id=$1 dir=$2
  shift 2
  if [ "$id" = anon ]; then (cd "$dir" && "$@"); else (cd "$dir" && AIO_INSTANCE=$id "$@"); fi
}
project_of() {  # project_of ID: the project an instance is registered for
  aio status --json | jq -r --arg i "$1" '.instances[] | select(.id == $i) | .project'
}

# ======================================================== a repository and a worktree
P=$T/shop
WT=$T/shop-feature
mkdir -p "$P/src/auth" "$P/src/api"
echo 'export {}' >"$P/src/auth/login.ts"
git_ "$P" init -q
git_ "$P" add .
git_ "$P" commit -qm one
git_ "$P" worktree add -q "$WT"

ROOT=$(register "$P" claude)
SUB=$(register "$P/src/auth" codex)
FEAT=$(register "$WT/src" gemini)
for id in "$ROOT" "$SUB" "$FEAT"; do
  expect_eq "$(project_of "$id")" "$P" "the project of $id"
done
expect_rc 0 as "$ROOT" "$P" aio claim file src/auth/login.ts

# From a subdirectory: a relative target is taken from there, in the repository.
expect_rc 1 as "$SUB" "$P/src/auth" aio claim file login.ts
expect_contains "$ERR" "$ROOT" "subdirectory: refused claim"
one_line_error "$ERR" "subdirectory: refused claim"
expect_rc 1 as "$SUB" "$P/src/auth" aio check login.ts
expect_contains "$OUT" "src/auth/login.ts is claimed by $ROOT" "subdirectory: check"
expect_rc 1 as anon "$P/src/auth" aio check ./login.ts
expect_contains "$OUT" "$ROOT" "subdirectory: anonymous check"
expect_rc 0 as "$SUB" "$P/src/auth" aio claim file session.ts
expect_contains "$OUT" "claimed file src/auth/session.ts" "subdirectory: repository-relative target"

# From the second worktree: the same repository-relative paths, typed
# relative, absolute in the worktree, or absolute in the main worktree.
for spelling in auth/login.ts "$WT/src/auth/login.ts" "$P/src/auth/login.ts"; do
  expect_rc 1 as "$FEAT" "$WT/src" aio claim file "$spelling"
  expect_contains "$ERR" "$ROOT" "worktree: claim $spelling"
done
expect_rc 1 as anon "$WT/src/auth" aio check login.ts
expect_contains "$OUT" "$ROOT" "worktree: anonymous check"
expect_rc 0 as "$FEAT" "$WT" aio claim directory src/api
expect_rc 1 as "$ROOT" "$P" aio claim file src/api/routes.ts
expect_contains "$ERR" "$FEAT" "main worktree: refused by the worktree's claim"
expect_rc 1 as anon "$P" aio check --json src/api/routes.ts
expect_eq "$(jq -r '.project + " " + .target + " " + .blocking[0].holder.id' <<<"$OUT")" \
  "$P src/api/routes.ts $FEAT" "main worktree: anonymous check --json"
# Releasing by path works from any checkout too.
expect_rc 0 as "$FEAT" "$WT/src" aio release api
expect_contains "$OUT" "released directory src/api" "worktree: release by path"
expect_rc 0 as "$FEAT" "$WT" aio status --json
expect_eq "$(jq -r '.here | "\(.project) \(.checkout) \(.how)"' <<<"$OUT")" \
  "$P $WT git worktree" "worktree: status says where you are"

# ======================================================== an --at mountpoint
fuse_ok() { [ -c /dev/fuse ] && { [ "$(id -u)" = 0 ] || command -v fusermount3 >/dev/null; }; }
if fuse_ok; then
  mkdir -p "$MNT"
  expect_rc 0 aio mount "$P" --at "$MNT"
  expect_rc 0 aio mounts --json
  expect_eq "$(jq -r --arg m "$MNT" '.mounts[] | select(.mountpoint == $m) | .project' <<<"$OUT")" \
    "$P" "mount: its project"
  AT=$(register "$MNT/src" amp)
  expect_eq "$(project_of "$AT")" "$P" "mount: the project of an instance registered in it"
  expect_rc 1 as "$AT" "$MNT/src/auth" aio claim file login.ts
  expect_contains "$ERR" "$ROOT" "mount: refused claim"
  expect_rc 1 as anon "$T" aio check "$MNT/src/auth/login.ts"
  expect_contains "$OUT" "$ROOT" "mount: anonymous check of a path under the mountpoint"
  expect_rc 0 as "$AT" "$MNT" aio claim file README.md
  expect_rc 1 as "$ROOT" "$WT" aio claim file README.md
  expect_contains "$ERR" "$AT" "worktree: refused by a claim made through the mount"
  expect_rc 0 aio unmount "$MNT"
else
  echo "note: no FUSE here; the --at mountpoint part was skipped" >&2
  [ "${CI:-}" != true ] || fail "CI=true needs FUSE for the --at part"
fi

# ======================================================== --worktree-local
expect_rc 2 as anon "$P/src" aio register cursor --worktree-local
expect_contains "$ERR" "in no linked git worktree" "--worktree-local outside a worktree"
one_line_error "$ERR" "--worktree-local outside a worktree"
LOCAL=$(register "$WT/src" aider --worktree-local)
expect_eq "$(project_of "$LOCAL")" "$WT" "--worktree-local: its project"
expect_rc 0 as "$LOCAL" "$WT/src" aio claim file auth/login.ts
expect_contains "$OUT" "claimed file src/auth/login.ts" "--worktree-local: its own claim"
expect_rc 1 as anon "$WT/src/auth" aio check login.ts
expect_contains "$OUT" "$LOCAL" "--worktree-local: the worktree is its own project now"
expect_not_contains "$OUT" "$ROOT" "--worktree-local: the repository's claims stay out"
# An instance of the repository cannot reach into it any more, and says why.
expect_rc 2 as "$FEAT" "$WT" aio claim file "$WT/src/x.ts"
expect_contains "$ERR" "its own project" "worktree registered apart"
one_line_error "$ERR" "worktree registered apart"

# ======================================================== nested projects
# A project given by name inside the repository is a project of its own,
# nested in the repository's: their claims meet by absolute path.
NEST=$(register "$T" cursor "$P/src")
expect_eq "$(project_of "$NEST")" "$P/src" "nested: a project given by name"
expect_rc 1 as "$NEST" "$P/src" aio claim file auth/login.ts
expect_contains "$ERR" "$ROOT" "nested: refused by the enclosing project's claim"
expect_contains "$ERR" "in $P" "nested: the refusal names the holder's project"
expect_rc 0 as "$NEST" "$P/src" aio claim pattern '*.css'
expect_rc 1 as "$ROOT" "$P" aio claim file src/theme/site.css
expect_contains "$ERR" "$NEST" "nested: the enclosing project refused by a nested pattern"
expect_rc 0 as "$ROOT" "$P" aio claim file lib/site.css
# Plain directories: /mono registered, /mono/pkg registered by name.
M=$T/mono
mkdir -p "$M/pkg/docs"
MONO=$(register "$M" claude)
PKG=$(register "$T" codex "$M/pkg")
expect_eq "$(project_of "$PKG")" "$M/pkg" "nested: plain project"
expect_rc 0 as "$MONO" "$M" aio claim file pkg/index.ts
expect_rc 1 as "$PKG" "$M/pkg" aio claim file index.ts
expect_contains "$ERR" "$MONO" "nested plain: refused"
expect_rc 0 as "$PKG" "$M/pkg" aio claim pattern 'docs/*.md'
expect_rc 1 as "$MONO" "$M" aio claim directory pkg/docs
expect_contains "$ERR" "$PKG" "nested plain: a directory holding the nested pattern's files"
expect_rc 1 as anon "$M/pkg" aio check index.ts
expect_contains "$OUT" "$MONO" "nested plain: anonymous check in the inner project"
expect_rc 1 as anon "$M" aio check pkg/docs/a.md
expect_contains "$OUT" "$PKG" "nested plain: anonymous check in the outer project"
# A registration from inside the inner project lands in it (the nearest one).
expect_eq "$(project_of "$(register "$M/pkg/docs" gemini)")" "$M/pkg" "nested: nearest registered"

# ======================================================== the playbook's state.json
export AIO_HOME=$T/home-playbook
mkdir -p "$AIO_HOME"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
PB=claude-1700000000-abcd1234
cat >"$AIO_HOME/state.json" <<JSON
{"schemaVersion": 1,
 "instances": {"$PB": {"id": "$PB", "tool": "claude", "project": "$P", "pid": 1, "status": "active",
   "currentTask": null, "beadsIssue": null, "startedAt": "$NOW", "lastHeartbeat": "$NOW",
   "claims": ["c1", "c2", "c3"]}},
 "claims": {
   "c1": {"id": "c1", "instanceId": "$PB", "type": "directory", "target": "src/auth/",
          "project": "$P", "exclusive": true, "claimedAt": "$NOW", "expiresAt": null},
   "c2": {"id": "c2", "instanceId": "$PB", "type": "file", "target": "./README.md",
          "project": "$P", "exclusive": true, "claimedAt": "$NOW", "expiresAt": null},
   "c3": {"id": "c3", "instanceId": "$PB", "type": "file", "target": "$P/src/api/routes.ts",
          "project": "$P", "exclusive": true, "claimedAt": "$NOW", "expiresAt": null}},
 "context": []}
JSON
git_ "$P" worktree add -q "$T/shop-hotfix"
HOT=$(register "$T/shop-hotfix/src" codex)
expect_eq "$(project_of "$HOT")" "$P" "playbook: a new instance in a worktree"
while IFS='|' read -r dir path; do
  expect_rc 1 as anon "$dir" aio check "$path"
  expect_contains "$OUT" "$PB" "playbook: check $path in $dir"
  expect_rc 1 as "$HOT" "$dir" aio claim file "$path"
  expect_contains "$ERR" "$PB" "playbook: claim $path in $dir"
done <<EOF
$P|src/auth/login.ts
$P/src|api/routes.ts
$T/shop-hotfix|README.md
$T/shop-hotfix/src/auth|login.ts
$T|$T/shop-hotfix/src/api/routes.ts
EOF
expect_rc 0 as "$HOT" "$T/shop-hotfix/src" aio claim file api/new.ts
expect_eq "$(jq -r '.schemaVersion' "$AIO_HOME/state.json")" 1 "playbook: schema after a write"

finish
