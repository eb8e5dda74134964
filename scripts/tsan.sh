#!/usr/bin/env bash
# The mount daemon under ThreadSanitizer and concurrent load:
#   scripts/tsan.sh [SECONDS]      (default 60; build in build-tsan/, or $TSAN_BUILD_DIR)
# Builds aio with -DAIO_SANITIZE=thread, mounts a scratch project in place and,
# for SECONDS, runs at once:
#   - 4 writer processes, each as its own instance, writing, appending,
#     renaming and removing files in their own directories through the mount,
#     and now and then writing into another writer's claimed file (refused);
#   - 2 claimers changing claims all the time: through the CLI (claim,
#     release, heartbeat) and by appending to the mount's .aio/claims;
#   - a reload storm: a stream of CLI commands that each change the state,
#     so the daemon reloads it (inotify) between and during the writes;
#   - readers of .aio/status and .aio/claims.
# Then it unmounts, waits for the daemon to exit and fails if any process of
# the build left a ThreadSanitizer report (build-tsan/sanitizer-logs), or if
# the daemon died. Prints what each worker did.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${1:-60}
BUILD_DIR=${TSAN_BUILD_DIR:-build-tsan}
. scripts/deps.sh
aio_install_deps

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIO_SANITIZE=thread \
  -DAIO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target aio
AIO=$ROOT/$BUILD_DIR/aio
LOGS=$ROOT/$BUILD_DIR/sanitizer-logs
bash tests/sanitize/reports.sh --clean "$LOGS"

T=$(mktemp -d /tmp/aio-tsan.XXXXXX)
P=$T/proj
export AIO_HOME=$T/home
unset AIO_INSTANCE
mkdir -p "$P/shared" "$AIO_HOME"
for k in 1 2 3 4; do mkdir -p "$P/w$k"; echo seed >"$P/shared/f$k"; done
cleanup() {
  [ -n "${PIDS:-}" ] && kill $PIDS 2>/dev/null || true
  if mountpoint -q "$P" 2>/dev/null; then
    "$AIO" unmount "$P" >/dev/null 2>&1 || "$AIO" unmount --lazy "$P" >/dev/null 2>&1 || true
  fi
  rm -rf "$T"
}
trap cleanup EXIT

cd "$T"
"$AIO" mount "$P" >/dev/null
cd "$P"  # now through the mount (a directory opened before it would bypass it)
[ -e .aio/status ] || { echo "tsan: $P is not served by the mount" >&2; exit 1; }
DAEMON=$(jq -r --arg p "$P" '.mounts[] | select(.mountpoint == $p) | .pid' <<<"$("$AIO" mounts --json)" |
  head -n1)
[ -n "$DAEMON" ] || { echo "tsan: no daemon for $P" >&2; exit 1; }
echo "tsan: daemon $DAEMON serves $P; load for ${SECS}s"

declare -a IDS
for k in 1 2 3 4 5 6; do IDS[$k]=$("$AIO" register "tool$k" "$P" -q --pid 0); done
END=$(($(date +%s) + SECS))
export AIO END P

# Each worker is a new bash exec'd with AIO_INSTANCE in its environment (the
# mount reads a writer's identity from its environment at exec). Each counts
# what it did in $T/count.NAME.
writer() {  # writer K: instance K
  env AIO_INSTANCE="${IDS[$1]}" K="$1" OUT="$T/count.writer$1" bash -c '
    n=0 refused=0
    "$AIO" claim directory "w$K" >/dev/null
    "$AIO" claim file "shared/f$K" >/dev/null
    while [ "$(date +%s)" -lt "$END" ]; do
      f="w$K/f$((n % 20))"
      echo "line $n" >"$f"; echo more >>"$f"
      mv "$f" "$f.tmp" && mv "$f.tmp" "$f"
      mkdir -p "w$K/d$((n % 3))" && : >"w$K/d$((n % 3))/x"
      [ $((n % 7)) -eq 0 ] && rm -f "w$K/f$(((n + 10) % 20))"
      o=$(( (K % 4) + 1 ))
      echo intrude 2>/dev/null >>"shared/f$o" || refused=$((refused + 1))
      n=$((n + 1))
    done
    echo "$n rounds, $refused writes into others claims refused" >"$OUT"'
}
claimer() {  # claimer K: claims through the CLI and through .aio/claims
  env AIO_INSTANCE="${IDS[$1]}" K="$1" OUT="$T/count.claimer$1" bash -c '
    n=0
    while [ "$(date +%s)" -lt "$END" ]; do
      "$AIO" claim file "c$K/f$((n % 10))" >/dev/null 2>&1
      "$AIO" claim pattern "c$K/**/*.log" >/dev/null 2>&1
      echo "file c$K/v$((n % 10))" >>.aio/claims 2>/dev/null
      echo "task T-$K-$((n % 5))" >>.aio/claims 2>/dev/null
      "$AIO" heartbeat >/dev/null 2>&1
      [ $((n % 3)) -eq 0 ] && "$AIO" release all >/dev/null 2>&1
      n=$((n + 1))
    done
    echo "$n rounds of claims and releases" >"$OUT"'
}
storm() {  # state changes from instances that do not write: reloads
  env OUT="$T/count.storm" bash -c '
    n=0
    while [ "$(date +%s)" -lt "$END" ]; do
      id=$("$AIO" register storm "$P" -q --pid 0) || continue
      "$AIO" --instance "$id" claim file "storm/$n" >/dev/null 2>&1
      "$AIO" --instance "$id" unregister >/dev/null 2>&1
      n=$((n + 1))
    done
    echo "$n registrations, claims and unregistrations" >"$OUT"'
}
reader() {
  env OUT="$T/count.reader" bash -c '
    n=0
    while [ "$(date +%s)" -lt "$END" ]; do
      cat .aio/status .aio/claims >/dev/null 2>&1; ls -R w1 >/dev/null 2>&1
      n=$((n + 1))
    done
    echo "$n reads of .aio/status and .aio/claims" >"$OUT"'
}

PIDS=""
for k in 1 2 3 4; do writer "$k" & PIDS="$PIDS $!"; done
claimer 5 & PIDS="$PIDS $!"
claimer 6 & PIDS="$PIDS $!"
storm & PIDS="$PIDS $!"
reader & PIDS="$PIDS $!"
wait $PIDS || true
PIDS=""
for f in "$T"/count.*; do printf '  %-10s %s\n' "${f##*count.}" "$(cat "$f")"; done

alive=0
kill -0 "$DAEMON" 2>/dev/null && alive=1
cd /
"$AIO" unmount "$P" >/dev/null
for _ in $(seq 1 200); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
status=0
if [ "$alive" -ne 1 ]; then echo "tsan: the daemon died under load" >&2; status=1; fi
if kill -0 "$DAEMON" 2>/dev/null; then echo "tsan: the daemon still runs after unmount" >&2; status=1; fi
if ! bash "$ROOT/tests/sanitize/reports.sh" "$LOGS"; then status=1; fi
[ "$status" -eq 0 ] && echo "tsan: clean"
exit "$status"
