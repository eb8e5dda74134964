#!/usr/bin/env bash
# aio hook git pre-commit (issue 13) in a real git repository with two
# instances: a commit staging a path the other instance claims is refused,
# naming each path and its holder; one's own and free paths commit; renames
# count on both sides; a linked worktree is guarded as its repository.
. "$(dirname "$0")/lib.sh"

P=$T/repo
mkdir -p "$P/src" "$P/lib"
git -C "$P" init -q -b main
git -C "$P" config user.email t@example.com
git -C "$P" config user.name t
echo a >"$P/src/a.ts"
echo b >"$P/src/b.ts"
echo l >"$P/lib/l.ts"
git -C "$P" add -A && git -C "$P" commit -qm base || fail "base commit"
SLEEPERS=()
trap 'kill "${SLEEPERS[@]}" 2>/dev/null; rm -rf "$T"' EXIT
for w in A B; do
  sleep 3600 &
  SLEEPERS+=($!)
  declare "$w=$(cd "$P" && aio register "agent$w" -q --pid $!)" || fail "register $w"
done
(cd "$P" && aio --instance "$B" task "Split the library" >/dev/null && aio --instance "$B" claim file src/b.ts >/dev/null &&
  aio --instance "$B" claim directory lib >/dev/null) || fail "B's claims"
printf '#!/bin/sh\nexec aio hook git pre-commit\n' >"$P/.git/hooks/pre-commit"
chmod +x "$P/.git/hooks/pre-commit"

commit() {  # commit WANT-RC WHO MSG: git commit as instance WHO
  expect_rc "$1" env -C "$P" AIO_INSTANCE="$2" git commit -qm "$3"
}

# A stages a free file and two of B's: refused, each named with B.
echo a2 >"$P/src/a.ts"
echo b2 >"$P/src/b.ts"
echo l2 >"$P/lib/l.ts"
git -C "$P" add -A
commit 1 "$A" "A touches B's files"
expect_contains "$ERR" "commit refused: 2 staged path(s)" "refusal"
expect_contains "$ERR" "src/b.ts: $B (agentB, task" "the file and its holder"
expect_contains "$ERR" "lib/l.ts: $B" "the file under B's directory"
expect_contains "$ERR" "Split the library" "the holder's task"
expect_not_contains "$ERR" "src/a.ts:" "a free file"
expect_eq "$(git -C "$P" log --oneline | wc -l)" 1 "commits after the refusal"
# The hook alone says the same (exit 1).
expect_rc 1 env -C "$P" AIO_INSTANCE="$A" aio hook git pre-commit
# B commits its own claims.
commit 0 "$B" "B's own work"
# A commits a free file.
echo a3 >"$P/src/a.ts"
git -C "$P" add src/a.ts
commit 0 "$A" "A's free file"
# A rename away from B's file changes it.
git -C "$P" mv src/b.ts src/c.ts
commit 1 "$A" "A moves B's file"
expect_contains "$ERR" "src/b.ts: $B" "rename source"
git -C "$P" reset -q --hard
# A deletion of B's file too.
git -C "$P" rm -q lib/l.ts
commit 1 "$A" "A deletes B's file"
git -C "$P" reset -q --hard
# Nothing staged that anyone holds once B releases.
(cd "$P" && aio --instance "$B" release all >/dev/null)
echo b4 >"$P/src/b.ts"
git -C "$P" add src/b.ts
commit 0 "$A" "after B released"

# A linked worktree: one project with its repository; the hook guards it.
(cd "$P" && aio --instance "$B" claim file src/a.ts >/dev/null) || fail "B claims src/a.ts"
git -C "$P" worktree add -q "$T/wt" -b side || fail "worktree"
echo w >"$T/wt/src/a.ts"
git -C "$T/wt" add src/a.ts
expect_rc 1 env -C "$T/wt" AIO_INSTANCE="$A" git commit -qm "A in the worktree"
expect_contains "$ERR" "src/a.ts: $B" "worktree refusal"
# Not a git hook aio knows.
expect_rc 2 env -C "$P" aio hook git pre-push
expect_contains "$ERR" "unknown git hook 'pre-push'" "unknown git hook"
finish
