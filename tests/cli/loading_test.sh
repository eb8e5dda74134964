#!/usr/bin/env bash
# What aio loads (issue 15): the binary links none of spdlog, fmt,
# libstdc++, libgit2 or libcurl; `aio --version` and `aio check` with the
# git facts cached and the file store map neither libgit2 nor libcurl
# (the dynamic loader's LD_DEBUG=files log); a libgit2 or libcurl that
# cannot be loaded is a one-line error naming it, never a crash, and
# changes nothing. ctest gives the libraries' SONAMEs
# ($AIO_LIBGIT2_SONAME, $AIO_LIBCURL_SONAME).
. "$(dirname "$0")/lib.sh"
: "${AIO_LIBGIT2_SONAME:?}" "${AIO_LIBCURL_SONAME:?}"
AIO=$AIO_BIN/aio

# loaded LOG: the shared objects the loader mapped, one per line.
loaded() { sed -n 's/.*file=\([^ ]*\) .*/\1/p' "$1" | sort -u; }

# ---- linked: nothing but the C library and the loader (and a sanitizer's runtime) ----
LINKED=$(ldd "$AIO" | awk '{print $1}' | tr '\n' ' ')
for lib in libspdlog libfmt libgit2 libcurl; do
  expect_not_contains "$LINKED" "$lib" "ldd aio"
done
case "$LINKED" in
  *libasan* | *libtsan* | *libubsan*) ;;  # sanitizer builds link libstdc++ as they must
  *) expect_not_contains "$LINKED" "libstdc++" "ldd aio" ;;
esac

# ---- aio --version maps neither ----
LD_DEBUG=files LD_DEBUG_OUTPUT=$T/version "$AIO" --version >/dev/null || fail "aio --version"
V=$(loaded "$T"/version.* | tr '\n' ' ')
expect_not_contains "$V" "libgit2" "objects loaded by aio --version"
expect_not_contains "$V" "libcurl" "objects loaded by aio --version"

# ---- aio check in a git repository, facts cached, file store: neither ----
P=$T/repo
mkdir -p "$P/src"
git -C "$P" init -q -b main
echo a >"$P/src/a.ts"
ME=$(cd "$P" && aio register me -q) || fail "register"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio claim file src/a.ts
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio check src/a.ts  # the facts are cached now
rm -f "$T"/check.*
(cd "$P" && AIO_INSTANCE=$ME LD_DEBUG=files LD_DEBUG_OUTPUT=$T/check "$AIO" check src/a.ts >/dev/null) ||
  fail "aio check with the facts cached"
C=$(loaded "$T"/check.* | tr '\n' ' ')
expect_contains "$C" "libc.so" "objects loaded by aio check (the log itself)"
expect_not_contains "$C" "libgit2" "objects loaded by aio check"
expect_not_contains "$C" "libcurl" "objects loaded by aio check"

# ---- the log file: opened at its first line (aio check writes none) ----
rm -rf "$AIO_HOME/logs"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio check src/a.ts
[ -e "$AIO_HOME/logs" ] && fail "aio check, which logs nothing, made $AIO_HOME/logs"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio claim file src/logged.ts
LOG=$AIO_HOME/logs/aio.log
expect_eq "$(stat -c %a "$LOG" 2>&1)" 600 "aio.log's mode"
expect_eq "$(stat -c %a "$AIO_HOME/logs" 2>&1)" 700 "logs/'s mode"
# UTC, milliseconds, the pid, the line
expect_match "$(tail -1 "$LOG")" \
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z info \[[0-9]+\] claim claim-[0-9]+-[0-9a-f]+ file src/logged.ts by $ME\$" \
  "aio.log's line"
stamp=$(tail -1 "$LOG" | cut -c1-19)
now=$(date -u +%s)
[ $(($(date -u -d "$stamp" +%s) - now)) -le 5 ] && [ $((now - $(date -u -d "$stamp" +%s))) -le 60 ] ||
  fail "aio.log's time $stamp is not UTC now ($(date -u +%FT%T))"

# ---- the libraries themselves, when a command needs them: loaded, working ----
rm -f "$AIO_HOME/gitfacts.json"
rm -f "$T"/fresh.*
(cd "$P" && AIO_INSTANCE=$ME LD_DEBUG=files LD_DEBUG_OUTPUT=$T/fresh "$AIO" check src/a.ts >/dev/null) ||
  fail "aio check reading the facts"
expect_contains "$(loaded "$T"/fresh.*)" "$AIO_LIBGIT2_SONAME" "objects loaded reading git facts"

# ---- a libgit2 / libcurl that cannot be loaded: one line naming it ----
BROKEN=$T/broken
mkdir -p "$BROKEN"
: >"$BROKEN/$AIO_LIBGIT2_SONAME"
: >"$BROKEN/$AIO_LIBCURL_SONAME"
rm -f "$AIO_HOME/gitfacts.json"
expect_rc 3 env -C "$P" AIO_INSTANCE="$ME" LD_LIBRARY_PATH="$BROKEN" aio claim file src/b.ts
expect_contains "$ERR" "cannot load $AIO_LIBGIT2_SONAME" "a broken libgit2"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "lines of the broken libgit2 error"
expect_rc 0 env -C "$P" AIO_INSTANCE="$ME" aio status --json
expect_not_contains "$OUT" "src/b.ts" "claims after the failed claim"

expect_rc 3 env -C "$T" LD_LIBRARY_PATH="$BROKEN" aio --store etcd://127.0.0.1:9/team status
expect_contains "$ERR" "cannot load $AIO_LIBCURL_SONAME" "a broken libcurl"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "lines of the broken libcurl error"
finish
