#!/usr/bin/env bash
# POSIX conformance through the mount: pjdfstest (the POSIX filesystem
# conformance suite) run as root through `aio mount --allow-other`, in place
# and with --at, each from a shell whose umask is 077 and then 022 (the
# daemon inherits it; pjdfstest sets its own umask, 0, for the calls it
# tests), next to a run on the bare directory. Everything lives on an ext4
# made for the run and loop-mounted (bench/disk.sh), removed at the end.
#
#   scripts/posix.sh [--subset | --only LIST] [--runs LIST] [--aio PATH] [--jobs N] [--keep]
#
#   --subset   only the test files that cover what the mount does
#              (POSIX_SUBSET below), for CI; default: the whole suite
#   --only     these test directories or files of tests/ ("open chmod/12.t")
#   --runs     these runs only, of in-place-077 in-place-022 at-077 at-022,
#              beside bare-022, which always runs (default: all five)
#   --aio      the aio binary (default: $BUILD_DIR/aio, BUILD_DIR=build)
#   --jobs N   runs at a time (default 1: each run is fork-bound, and the
#              machine is shared)
#   --keep     keep the work directory (and its filesystem mounted)
#
# Environment: PJDFSTEST_SRC (default /work/shared/pjdfstest, never written:
# it is copied), PJDFSTEST_BUILD (where it is built; reused while the copy
# matches the source, default inside the work directory), POSIX_TMP
# (default /var/tmp).
#
# Prints, per run, failed/total subtests, the time taken and the failing
# test files, then the total time. Exit 0 when no subtest fails through a
# mount that passes on the bare directory; 1 when one does; 2 when the
# suite could not run; 77 (a skip for ctest) without root or /dev/fuse,
# except under CI=true, where that is a failure (2).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# CI's subset: every operation the mount passes on or judges (open and
# create, chmod, chown, link, unlink, rename, mkdir, rmdir, mkfifo, mknod,
# symlink, truncate, ftruncate, utimensat), about 2,300 of the suite's 8,800
# subtests, a third of the time of these directories whole. Left out:
# rename/09.t and rename/10.t (4,450 subtests: the sticky-directory rule for
# every combination of file types and owners, the kernel's own check under
# default_permissions and one RENAME each); chown/00.t (a third of the rest's
# time: every chown by every owner, the kernel's check again) and the 03.t
# of each directory but open's (names and paths at PATH_MAX, the kernel's
# ENAMETOOLONG before any request); chflags and granular (BSD flags and
# ACLs, which Linux skips) and posix_fallocate.
POSIX_SUBSET="chmod/0[0-24-9].t chmod/1?.t chown/0[124-9].t chown/1?.t ftruncate/0[0-24-9].t
  ftruncate/1?.t link/0[0-24-9].t link/1?.t mkdir/0[0-24-9].t mkdir/1?.t mkfifo/0[0-24-9].t
  mkfifo/1?.t mknod/0[0-24-9].t mknod/1?.t open rmdir/0[0-24-9].t rmdir/1?.t symlink/0[0-24-9].t
  symlink/1?.t truncate/0[0-24-9].t truncate/1?.t unlink/0[0-24-9].t unlink/1?.t utimensat
  rename/0[0-24-8].t rename/1[1-9].t rename/2?.t"

say() { echo "posix: $*" >&2; }
die() { say "$*"; exit 2; }
skip() {
  if [ "${CI:-}" = "true" ]; then die "$* (CI=true makes this a failure)"; fi
  say "$*; skipped"
  exit 77
}

SUBSET=0 ONLY="" JOBS=1 KEEP=0 AIO="" ONLY_RUNS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --subset) SUBSET=1 ONLY=$POSIX_SUBSET ;;
    --only) ONLY=${2:?--only needs a list of test directories or files}; SUBSET=1; shift ;;
    --runs) ONLY_RUNS=${2:?--runs needs a list of runs}; shift ;;
    --aio) AIO=${2:?--aio needs a path}; shift ;;
    --jobs) JOBS=${2:?--jobs needs a number}; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number, not '$JOBS'"

# ---- the runs ----
# NAME UMASK WHERE: bare | inplace | at
RUNS=("bare 022 bare" "in-place 077 inplace" "in-place 022 inplace" "at 077 at" "at 022 at")
if [ -n "$ONLY_RUNS" ]; then
  chosen=("${RUNS[0]}")  # the bare run always: the verdict compares with it
  for want in $ONLY_RUNS; do
    [ "$want" = bare-022 ] && continue
    found=0
    for r in "${RUNS[@]}"; do
      set -- $r
      [ "$1-$2" = "$want" ] && chosen+=("$r") && found=1
    done
    [ $found = 1 ] || die "--runs: no run '$want' (bare-022 in-place-077 in-place-022 at-077 at-022)"
  done
  RUNS=("${chosen[@]}")
fi

AIO=${AIO:-$ROOT/${BUILD_DIR:-build}/aio}
AIO=$(realpath -e "$AIO" 2>/dev/null) || die "no aio binary at ${AIO} (build it, or pass --aio)"
SRC=${PJDFSTEST_SRC:-/work/shared/pjdfstest}
[ -f "$SRC/pjdfstest.c" ] || die "no pjdfstest source in $SRC (set PJDFSTEST_SRC)"

[ "$(id -u)" -eq 0 ] || skip "pjdfstest must run as root"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"

# ---- what the suite needs ----
missing=()
for p in autoconf automake gcc make perl e2fsprogs util-linux python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null || die "could not install ${missing[*]}"
fi

# ---- work directory, and the clean-up that always runs ----
mkdir -p "${POSIX_TMP:-/var/tmp}"
WORK=$(mktemp -d "${POSIX_TMP:-/var/tmp}/aio-posix.XXXXXX")
MOUNTED=()
. "$ROOT/bench/disk.sh"
DISK=$WORK DISK_MOUNTED=0
cleanup() {
  local rc=$? mp
  trap - EXIT INT TERM
  for mp in "${MOUNTED[@]}"; do  # the daemons exit once their mounts are gone
    grep -q " $mp fuse" /proc/mounts 2>/dev/null || continue
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || say "could not unmount $mp"
  done
  if [ "$KEEP" = 1 ]; then
    say "work directory kept: $WORK"
  else
    bench_disk_release || say "could not unmount $DISK"
    rm -rf --one-file-system "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# ---- pjdfstest, built in a copy (autotools, as its README says) ----
BUILD=${PJDFSTEST_BUILD:-$WORK/pjdfstest}
stamp=$(cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
if [ -x "$BUILD/pjdfstest" ] && [ "$(cat "$BUILD/.aio-stamp" 2>/dev/null)" = "$stamp" ]; then
  say "pjdfstest: reusing the build in $BUILD"
else
  say "pjdfstest: building in $BUILD"
  rm -rf "$BUILD"
  mkdir -p "$BUILD"
  cp -R "$SRC/." "$BUILD/"
  chmod -R u+w "$BUILD"
  (cd "$BUILD" && autoreconf -ifs && ./configure && make pjdfstest) >"$WORK/build.log" 2>&1 ||
    die "pjdfstest did not build (last lines of $WORK/build.log: $(tail -n 3 "$WORK/build.log" | tr '\n' ' '))"
  echo "$stamp" >"$BUILD/.aio-stamp"
fi
TESTS=()
if [ -n "$ONLY" ]; then
  for d in $ONLY; do
    n=${#TESTS[@]}
    for t in "$BUILD"/tests/$d; do [ -e "$t" ] && TESTS+=("$t"); done  # $d may be a glob
    [ ${#TESTS[@]} -gt "$n" ] || die "there is no tests/$d in this pjdfstest"
  done
else
  TESTS=("$BUILD/tests")
fi

bench_disk "$WORK" 4G || die "cannot make the disk"
[ -z "$DISK_NOTE" ] || say "$DISK_NOTE"

# Runs prove in the directory under test; writes $WORK/NAME-UMASK.tap (its
# output), .time (wall, user and system seconds) and .daemon (the daemon's
# CPU seconds).
one_run() {
  local um=$2 where=$3 tag=$1-$2 dir home out pid
  dir=$DISK/$tag
  home=$WORK/home-$tag
  out=$WORK/$tag
  mkdir -p "$dir"
  mkdir -m 700 "$home"
  case "$where" in
    bare) ;;
    inplace)
      (umask "$um" && AIO_HOME=$home "$AIO" mount "$dir" --allow-other) >"$out.mount" 2>&1 ||
        { say "$tag: aio mount failed: $(cat "$out.mount")"; echo "mount failed" >"$out.error"; return 0; } ;;
    at)
      mkdir -p "$dir.mnt"
      (umask "$um" && AIO_HOME=$home "$AIO" mount "$dir" --at "$dir.mnt" --allow-other) >"$out.mount" 2>&1 ||
        { say "$tag: aio mount failed: $(cat "$out.mount")"; echo "mount failed" >"$out.error"; return 0; }
      dir=$dir.mnt ;;
  esac
  local TIMEFORMAT='%R %U %S'
  { time { (umask "$um" && cd "$dir" && prove -r --timer "${TESTS[@]}") >"$out.tap" 2>&1; }; } \
    2>"$out.time" || true
  if [ "$where" != bare ]; then
    # The daemon's CPU time too (clock ticks), read before it exits.
    pid=$(AIO_HOME=$home "$AIO" mounts --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["mounts"][0]["pid"])' 2>/dev/null) &&
      awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) / hz}' \
        "/proc/$pid/stat" >"$out.daemon" 2>/dev/null || true
    AIO_HOME=$home "$AIO" unmount "$dir" >>"$out.mount" 2>&1 || {
      say "$tag: aio unmount failed: $(tail -n 1 "$out.mount")"
      umount -l "$dir" 2>/dev/null || true
    }
  fi
  return 0
}

T0=$(date +%s)
running=0
for r in "${RUNS[@]}"; do
  set -- $r
  tag=$1-$2
  [ "$3" = bare ] || MOUNTED+=("$DISK/$tag" "$DISK/$tag.mnt")
  say "run $tag: $( [ "$3" = bare ] && echo "the bare directory" || echo "aio mount ${3/inplace/in place} --allow-other, umask $2")"
  one_run "$@" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait
ELAPSED=$(($(date +%s) - T0))

# ---- the table, and the verdict ----
python3 - "$WORK" "$BUILD/tests" "$ELAPSED" "$(bench_disk_describe)" "$SUBSET" "${TESTS[*]}" \
  "${RUNS[@]}" <<'EOF'
import os, re, sys

work, tests, elapsed, disk, subset = (sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4],
                                      sys.argv[5] == "1")
chosen, runs = sys.argv[6].split(), sys.argv[7:]

def ranges(text):
    out = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out

def parse(tag):
    """(failed subtests as {"dir/NN.t#n" or "dir/NN.t#*"}, failed, total, times, error)"""
    base = os.path.join(work, tag)
    if os.path.exists(base + ".error"):
        return set(), 0, 0, (0.0, 0.0), open(base + ".error").read().strip()
    text = open(base + ".tap", errors="replace").read()
    real, user, system = (float(x) for x in open(base + ".time").read().split()[-3:])
    cpu = user + system
    if os.path.exists(base + ".daemon"):
        cpu += float(open(base + ".daemon").read().strip() or 0)
    times = (real, cpu)
    m = re.search(r"^Files=(\d+), Tests=(\d+),", text, re.M)
    if not m:
        return set(), 0, 0, times, "prove printed no totals (see %s.tap)" % base
    # Subtests a test file planned but never ran count as failed, as prove
    # counts them ("Failed 9/10 subtests").
    failed = sum(int(n) for n in re.findall(r"^Failed (\d+)/\d+ subtests", text, re.M))
    total = int(m.group(2)) + sum(max(0, int(p) - int(r)) for p, r in re.findall(
        r"You planned (\d+) tests? but ran (\d+)", text))
    fails, current, listing = set(), None, False
    summary = text.split("Test Summary Report", 1)[1] if "Test Summary Report" in text else ""
    for line in summary.splitlines():
        h = re.match(r"^(\S+\.t) \(Wstat: \d+.*Tests: \d+ Failed: \d+\)$", line)
        f = re.match(r"^\s+Failed tests?:\s*(.*)$", line)
        c = re.match(r"^\s+([\d, -]+)$", line)
        if h:
            current, listing = os.path.relpath(h.group(1), tests), False
        elif current and f:
            fails.update("%s#%d" % (current, n) for n in ranges(f.group(1)))
            listing = True
        elif current and listing and c:
            fails.update("%s#%d" % (current, n) for n in ranges(c.group(1)))
        elif current and re.match(r"^\s+(Parse errors|Non-zero (exit|wait) status):", line):
            fails.add(current + "#*")  # died, or a bad plan: the file as a whole
            listing = False
        else:
            listing = False
    return fails, failed, total, times, ""

results = {}
for r in runs:
    name, um, where = r.split()
    results[(name, um, where)] = parse(name + "-" + um)

bare = next(v for k, v in results.items() if k[2] == "bare")
scope = ("%d test files or directories of tests/" % len(chosen)) if subset else "the whole suite"
print("pjdfstest (%s) on %s" % (scope, disk))
print("%-20s %5s %13s %7s %7s  %s" % ("run", "umask", "failed/total", "time", "cpu", "failing test files"))
bad = []
for (name, um, where), (fails, failed, total, times, err) in results.items():
    label = {"bare": "bare directory", "inplace": "aio mount in place", "at": "aio mount --at"}[where]
    if err:
        print("%-20s %5s %13s %7s %7s  %s" % (label, um if where != "bare" else "-", "-", "-", "-", err))
        bad.append("%s (umask %s): %s" % (label, um, err))
        continue
    files = sorted({f.split("#")[0] for f in fails})
    print("%-20s %5s %13s %6.0fs %6.0fs  %s" % (label, um if where != "bare" else "-",
                                              "%d/%d" % (failed, total), times[0], times[1],
                                              " ".join(files) if files else "-"))
    if where != "bare":
        new = sorted(fails - bare[0])
        if new:
            bad.append("%s (umask %s) fails what the bare directory passes: %s"
                       % (label, um, " ".join(new)))
print("total time: %dm%02ds (time: wall clock of the run; cpu: user and system time of prove, "
      "pjdfstest and, through a mount, the daemon)" % (elapsed // 60, elapsed % 60))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
