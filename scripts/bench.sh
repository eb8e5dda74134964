#!/usr/bin/env bash
# Filesystem benchmark of the aio mount against the bare directory and two
# other FUSE passthroughs, measured side by side in one run (DESIGN.md §6).
#
#   scripts/bench.sh                     full run (about 12 minutes on 2 cores,
#                                        plus building aio the first time)
#   BENCH_QUICK=1 scripts/bench.sh       small sizes, 1 repetition: a sanity run
#
# Columns (each over its own source directory on the same disk):
#   bare            the directory itself
#   aio             `aio mount SRC` in place (mode enforce), private $AIO_HOME
#                   outside the mount holding two live instances with 10,000
#                   claims (files, directories, glob patterns) that do not cover
#                   the benchmark's paths: every write is allowed, but every
#                   check does the work
#   bindfs          `bindfs SRC MNT` (Debian's bindfs, default options)
#   passthrough_ll  libfuse's example, compiled from the copy libfuse3-dev ships
#                   (/usr/share/doc/libfuse3-dev/examples), default options
# A column whose program is missing or fails to build is skipped with a note.
#
# Workloads (each repetition runs every workload on every column in turn,
# the column order rotating from one repetition to the next; every FUSE
# column is mounted afresh before each workload):
#   files.*       create / stat / read / unlink 10,000 files of 512 bytes in 100
#                 directories (bench/smallfiles.c, timed inside the process),
#                 and files.total, the sum of the four phases (not counted
#                 again in the geometric mean)
#   files2.*      the other order: create them, then unlink them at once
#                 (no stat, no read in between)
#   tar.extract   `tar -xf` of a 5,000-file source tarball (~15 MB)
#   git.add       `git add -A` in a new repository of a 20,000-file tree (~55 MB;
#                 extracted through the source directory beforehand, untimed)
#   git.status    `git status --porcelain` after committing it
#   build         `make -j2` of a generated C project of 200 files
#   seq.write     1 GiB with dd bs=1M conv=fsync
#   seq.read      the same file with dd bs=1M after dropping the page cache
#                 (when /proc/sys/vm/drop_caches is writable; else warm, noted)
#   rand.read     fio 4 KiB random reads of that file (psync; read through once
#                 first, so the page cache is warm), µs/op
#   rand.write    fio 4 KiB random writes (psync, no fsync), µs/op
#
# Settings (environment):
#   BENCH_REPS=N        repetitions (default 3; 1 with BENCH_QUICK=1)
#   BENCH_QUICK=1       1,000 files, 500-file tarball, 2,000-file tree,
#                       20-file build, 64 MiB
#   BENCH_COLUMNS="bare aio bindfs passthrough_ll"   which columns to run
#   BENCH_ONLY=REGEX    run only the workloads whose name matches (bash
#                       regex, e.g. '^files'), and report only them
#   BENCH_SAVE_AS=NAME  also keep the results as bench/results/NAME.md/.png
#   BENCH_OUT=DIR       where results go (default bench/results)
#   BENCH_TMP=DIR       where the work directory goes (default /var/tmp; must be
#                       a disk filesystem, not tmpfs)
#   BENCH_FS=image      the columns live on a new ext4 filesystem made for the
#                       run (bench/disk.sh: mkfs.ext4 defaults, journal, inode
#                       tables written out) in a sparse file in the work
#                       directory, loop-mounted: every run starts from the same
#                       disk state (default; needs root and a loop device)
#   BENCH_FS=dir        ... directly in the work directory, on whatever the
#                       machine's filesystem is and whatever its history
#   BENCH_BUILD_DIR=DIR build aio here (default build-bench, RelWithDebInfo)
#   BENCH_AIO=PATH      use this aio binary instead of building one
#   BENCH_KEEP=1        keep the work directory (its path is printed)
#   BENCH_REMOUNT=chain every FUSE column is mounted afresh before each chain
#                       of workloads that build on each other (files.*;
#                       files2.*; tar.extract; git.add + git.status; build; seq.* +
#                       rand.*), which then share one mount and its caches,
#                       as a session on a mounted project does (default)
#   BENCH_REMOUNT=workload   ... afresh before every workload: each starts
#                       with nothing of the mount in the kernel's caches (the
#                       bare directory keeps its own), the cold-start view
#
# Output: the Markdown table on stdout and in bench/results/latest.md, the
# chart in bench/results/latest.png, progress on stderr. Every mount is
# unmounted on exit, also on failure or Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/disk.sh"
START=$EPOCHREALTIME
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  REPS=${BENCH_REPS:-1}
  NFILES=1000 NDIRS=10 TAR_FILES=500 TREE_FILES=2000 BUILD_FILES=20 SEQ_MB=64 RAND_MS=500
else
  REPS=${BENCH_REPS:-3}
  NFILES=10000 NDIRS=100 TAR_FILES=5000 TREE_FILES=20000 BUILD_FILES=200 SEQ_MB=1024 RAND_MS=1000
fi
NCLAIMS=10000
COLS=(${BENCH_COLUMNS:-bare aio bindfs passthrough_ll})
unset AIO_INSTANCE  # the benchmark's processes are anonymous
OUT=${BENCH_OUT:-$ROOT/bench/results}
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}
case "$REPS" in '' | *[!0-9]* | 0) echo "bench: BENCH_REPS must be a positive number" >&2; exit 2 ;; esac
REMOUNT=${BENCH_REMOUNT:-chain}
case "$REMOUNT" in chain | workload) ;; *) echo "bench: BENCH_REMOUNT must be chain or workload" >&2; exit 2 ;; esac

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 3; }

# ---- packages ----
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
. "$ROOT/scripts/deps.sh"
aio_install_deps
missing=()
for p in bindfs fio gnuplot-nox python3 git tar make gcc libfuse3-dev fuse3 pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || say "apt-get could not install everything; missing peers are skipped"
fi
for t in python3 fio gnuplot git make gcc; do
  command -v $t >/dev/null || die "$t is needed and could not be installed"
done
[ -c /dev/fuse ] || die "/dev/fuse is missing: nothing to compare"
# passthrough_ll keeps a descriptor open for every inode the kernel knows;
# the default soft limit of 1024 makes it fail on the larger trees. Every
# column (and the benchmark's processes) gets the same, raised, limit.
ulimit -n "$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1048576)" 2>/dev/null ||
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)

# ---- work directory, and the clean-up that always runs ----
mkdir -p "${BENCH_TMP:-/var/tmp}"
WORK=$(mktemp -d "${BENCH_TMP:-/var/tmp}/aio-bench.XXXXXX")
MOUNTED=()    # mount points to unmount
DAEMONS=()    # pids of daemons to wait for
DISK=$WORK DISK_MOUNTED=0  # where the columns live (bench/disk.sh)
cleanup() {
  local rc=$? mp pid k
  trap - EXIT INT TERM
  for mp in "${MOUNTED[@]}"; do
    if grep -q " $mp fuse" /proc/mounts 2>/dev/null; then
      umount "$mp" 2>/dev/null || fusermount3 -u "$mp" 2>/dev/null ||
        umount -l "$mp" 2>/dev/null || fusermount3 -uz "$mp" 2>/dev/null ||
        say "could not unmount $mp"
    fi
  done
  for pid in "${DAEMONS[@]}"; do
    for k in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "${BENCH_KEEP:-0}" != 1 ]; then bench_disk_release || say "could not unmount $DISK"; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    say "work directory kept: $WORK$([ $DISK_MOUNTED = 1 ] && echo " (its filesystem image is still mounted at $DISK)")"
  else
    rm -rf --one-file-system "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

bench_disk "$WORK" 12G || exit 2
[ -z "$DISK_NOTE" ] || say "$DISK_NOTE"

LOG=$WORK/errors.log
: >"$LOG"
RESULTS=$WORK/results.tsv
META=$WORK/meta.tsv
: >"$RESULTS"
: >"$META"
meta() {
  if [ "$1" = workload ] && ! runs "$2"; then return 0; fi
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$META"
}
# Whether workload $1 is part of this run (BENCH_ONLY).
runs() { [ -z "${BENCH_ONLY:-}" ] || [[ $1 =~ $BENCH_ONLY ]]; }

# ---- programs ----
if [ -n "${BENCH_AIO:-}" ]; then
  AIO=$BENCH_AIO
else
  say "building aio in $BUILD_DIR (RelWithDebInfo)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIO_BUILD_TESTS=OFF \
    -DAIO_BUILD_BENCH=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target aio >/dev/null
  AIO=$BUILD_DIR/aio
fi
[ -x "$AIO" ] || die "no aio binary at $AIO"
gcc -O2 -Wall -o "$WORK/smallfiles" "$ROOT/bench/smallfiles.c"
SF=$WORK/smallfiles

PLL=""
PLL_NOTE=""
EX=/usr/share/doc/libfuse3-dev/examples
mkdir -p "$WORK/pll"
for f in passthrough_ll.c passthrough_helpers.h; do
  if [ -f "$EX/$f" ]; then cp "$EX/$f" "$WORK/pll/"
  elif [ -f "$EX/$f.gz" ]; then zcat "$EX/$f.gz" >"$WORK/pll/$f"
  fi
done
if [ ! -f "$WORK/pll/passthrough_ll.c" ]; then
  PLL_NOTE="passthrough_ll skipped: $EX/passthrough_ll.c not found (libfuse3-dev examples)"
elif ! gcc -O2 -Wall -D_FILE_OFFSET_BITS=64 -DHAVE_FALLOCATE -DHAVE_POSIX_FALLOCATE \
       -DHAVE_COPY_FILE_RANGE "$WORK/pll/passthrough_ll.c" -I"$WORK/pll" \
       $(pkg-config fuse3 --cflags --libs) -o "$WORK/pll/passthrough_ll" 2>"$WORK/pll/build.log"; then
  PLL_NOTE="passthrough_ll skipped: it did not build ($(head -c 300 "$WORK/pll/build.log" | tr '\n' ' '))"
else
  PLL=$WORK/pll/passthrough_ll
fi

# ---- inputs ----
say "generating inputs (${TAR_FILES}-file tarball, ${TREE_FILES}-file tree, ${BUILD_FILES}-file C project, $NCLAIMS claims)"
REL_TAR=$WORK/release.tar
TREE_TAR=$WORK/tree.tar
CPROJ_TAR=$WORK/cproj.tar
python3 "$ROOT/bench/gen.py" tree "$REL_TAR" "$TAR_FILES" release
python3 "$ROOT/bench/gen.py" tree "$TREE_TAR" "$TREE_FILES" tree
python3 "$ROOT/bench/gen.py" cproject "$CPROJ_TAR" "$BUILD_FILES"
REL_MB=$(($(stat -c %s "$REL_TAR") / 1000000))
TREE_MB=$(($(stat -c %s "$TREE_TAR") / 1000000))

DROP=0
if sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then DROP=1; fi
drop_caches() {
  sync
  if [ $DROP = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}

# ---- columns ----
declare -A SRC MNT DESC
ACTIVE=()
NOTES=()
[ -n "$PLL_NOTE" ] && NOTES+=("$PLL_NOTE")
[ -n "$DISK_NOTE" ] && NOTES+=("$DISK_NOTE")
fstype() { awk -v m="$1" '$2 == m { t = $3 } END { print t }' /proc/mounts; }

# Mounts column $1 over its source directory; fails with a message on stderr.
declare -A DAEMON
mount_column() {
  local c=$1 out
  case "$c" in
    bare) return 0 ;;
    aio)
      # In place, as `aio mount PROJECT` is used: every change passes
      # through the daemon, so the kernel may cache entries and pages.
      out=$(AIO_HOME=$AIO_HOME_DIR AIO_STALE_SECONDS=86400 "$AIO" mount "${SRC[$c]}" 2>&1) ||
        { echo "aio mount failed: $out" >&2; return 1; }
      [[ $out =~ daemon\ pid\ ([0-9]+) ]] && DAEMON[$c]=${BASH_REMATCH[1]} && DAEMONS+=("${BASH_REMATCH[1]}") ;;
    bindfs)
      bindfs "${SRC[$c]}" "${MNT[$c]}" || return 1
      DAEMON[$c]=$(pgrep -n -f -x -- "bindfs ${SRC[$c]} ${MNT[$c]}" || true) ;;
    passthrough_ll)
      "$PLL" -o source="${SRC[$c]}" "${MNT[$c]}" || return 1
      DAEMON[$c]=$(pgrep -n -f -x -- "$PLL -o source=${SRC[$c]} ${MNT[$c]}" || true) ;;
  esac
  [ -n "$(fstype "${MNT[$c]}")" ] || { echo "nothing is mounted at ${MNT[$c]}" >&2; return 1; }
}
# Unmounts column $1 and waits for an aio daemon to finish (it refuses a
# second mount of the project while the first one's record is there).
unmount_column() {
  local c=$1 k
  [ "$c" = bare ] && return 0
  umount "${MNT[$c]}" 2>>"$LOG" || fusermount3 -u "${MNT[$c]}" 2>>"$LOG" || umount -l "${MNT[$c]}" || return 1
  if [ -n "${DAEMON[$c]:-}" ]; then
    for k in $(seq 100); do kill -0 "${DAEMON[$c]}" 2>/dev/null || break; sleep 0.05; done
  fi
}
# A fresh mount of every FUSE column (before each chain of workloads, or
# each workload: BENCH_REMOUNT): it starts with nothing in the kernel's
# caches for the mount (the bare directory keeps its dentry cache), and
# passthrough_ll gives back the descriptor it holds for every inode the
# kernel knew.
remount_all() {
  local c
  for c in "${ACTIVE[@]}"; do
    [ "$c" = bare ] && continue
    unmount_column "$c" && mount_column "$c" 2>>"$LOG" || die "cannot mount $c again (see $LOG)"
  done
}

setup_column() {
  local c=$1 src=$DISK/$1-src mnt=$DISK/$1-mnt built
  mkdir -p "$src"
  SRC[$c]=$src MNT[$c]=$src
  case "$c" in
    bare)
      DESC[$c]="the directory itself, on $(bench_disk_describe)"
      return 0 ;;
    aio)
      AIO_HOME_DIR=$WORK/aio-home
      python3 "$ROOT/bench/gen.py" state "$AIO_HOME_DIR" "$src" "$NCLAIMS" >/dev/null
      if [ -n "${BENCH_AIO:-}" ]; then
        built="the binary $BENCH_AIO"
      else
        built="built from commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- core fs cli 2>/dev/null || echo ' + uncommitted changes in core/ fs/ cli/')"
      fi
      DESC[$c]="\`aio mount SRC\`, in place (mode enforce; $($AIO --version 2>/dev/null | head -1), $built); \$AIO_HOME outside the mount holds 2 live instances with $NCLAIMS claims (60% files, 20% directories, 20% glob patterns) that cover none of the benchmark's paths; the benchmark's processes are anonymous" ;;
    bindfs)
      command -v bindfs >/dev/null || { NOTES+=("bindfs skipped: not installed"); return 1; }
      DESC[$c]="\`bindfs SRC MNT\` ($(bindfs --version 2>&1 | head -1), default options: single-threaded)" ;;
    passthrough_ll)
      [ -n "$PLL" ] || return 1
      DESC[$c]="libfuse $(pkg-config --modversion fuse3) example \`passthrough_ll -o source=SRC MNT\` built from $EX (default options: multithreaded, cache=auto, timeout=1 s)" ;;
    *) die "unknown column $c" ;;
  esac
  [ "$c" = aio ] && mnt=$src  # mounted over its source
  mkdir -p "$mnt"
  MNT[$c]=$mnt
  MOUNTED+=("$mnt")
  if ! mount_column "$c" 2>"$WORK/mount.err"; then
    NOTES+=("$c skipped: it did not mount: $(head -c 300 "$WORK/mount.err" | tr '\n' ' ')")
    return 1
  fi
  if [ "$c" = aio ]; then
    # The claims are loaded and enforced: an anonymous write to a claimed path is refused.
    mkdir -p "$mnt/src/m0"
    if touch "$mnt/src/m0/f0.ts" 2>/dev/null; then
      NOTES+=("aio: WARNING: a write to a claimed path (src/m0/f0.ts) was NOT refused; the claims may not be loaded")
    else
      say "aio: claims enforced (an anonymous write to claimed src/m0/f0.ts was refused)"
    fi
    # The probe's directory is claimed: remove it from under the mount.
    unmount_column "$c" && rm -rf "$src/src" && mount_column "$c" 2>"$WORK/mount.err" || {
      NOTES+=("$c skipped: it did not mount again: $(head -c 300 "$WORK/mount.err" | tr '\n' ' ')")
      return 1
    }
  fi
}
for c in "${COLS[@]}"; do
  if setup_column "$c"; then ACTIVE+=("$c"); else say "column $c skipped"; fi
done
[ "${ACTIVE[0]:-}" = bare ] || die "the bare column must come first and work"
say "columns: ${ACTIVE[*]}"

# ---- workloads ----
# Each prints the measured cost on stdout (seconds, or µs per operation) and
# fails when its command fails. $R is the run directory in the column, $S the
# same directory seen through the column's source directory.
timed() {
  sync
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>>"$LOG" || return 1
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
# No automatic gc: it would go on repacking in the background during the next
# measurements.
git_() {
  git -c user.name=bench -c user.email=bench@example.invalid -c init.defaultBranch=main \
    -c gc.auto=0 -c maintenance.auto=false "$@"
}
fio_us() {
  sync
  fio --name=rand --filename="$R/big.dat" --rw="$1" --bs=4k --size=${SEQ_MB}m --ioengine=psync \
    --iodepth=1 --time_based --runtime="${RAND_MS}ms" --invalidate=0 --randrepeat=1 \
    --output-format=json --output="$WORK/fio.json" 2>>"$LOG" || return 1
  python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0][sys.argv[2]]
print("%.6f" % (1e6 / j["iops"]))' "$WORK/fio.json" "${1#rand}"
}
w_files_create() { sync; "$SF" create "$R/files" "$NFILES" "$NDIRS" 2>>"$LOG"; }
w_files_stat() { sync; "$SF" stat "$R/files" "$NFILES" "$NDIRS" 2>>"$LOG"; }
w_files_read() { sync; "$SF" read "$R/files" "$NFILES" "$NDIRS" 2>>"$LOG"; }
w_files_unlink() { sync; "$SF" unlink "$R/files" "$NFILES" "$NDIRS" 2>>"$LOG"; }
# The sum of this repetition's four phases in column $c (untimed).
w_files_total() {
  awk -F'\t' -v c="$c" -v r="$rep" '$2 == c && $3 == r && $1 ~ /^files\.(create|stat|read|unlink)$/ {
      if ($4 == "fail") bad = 1; s += $4; n++ }
    END { if (bad || n != 4) exit 1; printf "%.6f\n", s }' "$RESULTS"
}
w_files2_create() { sync; "$SF" create "$R/files2" "$NFILES" "$NDIRS" 2>>"$LOG"; }
w_files2_unlink() { sync; "$SF" unlink "$R/files2" "$NFILES" "$NDIRS" 2>>"$LOG"; }
w_tar_extract() { timed tar -xf "$REL_TAR" -C "$R"; }
w_git_add() {
  tar -xf "$TREE_TAR" -C "$S" 2>>"$LOG" && (cd "$R/tree" && git_ init -q 2>>"$LOG" && timed git_ add -A)
}
w_git_status() { (cd "$R/tree" && git_ commit -q -m base >/dev/null 2>>"$LOG" && timed git_ status --porcelain); }
w_build() { tar -xf "$CPROJ_TAR" -C "$R" 2>>"$LOG" && timed make -s -j2 -C "$R/cproj"; }
w_seq_write() { timed dd if=/dev/zero of="$R/big.dat" bs=1M count="$SEQ_MB" conv=fsync status=none; }
w_seq_read() { drop_caches; timed dd if="$R/big.dat" of=/dev/null bs=1M status=none; }
# Warm: read the whole file through the column first, so every column reads
# from the page cache (seq.read of a later column dropped it).
w_rand_read() { dd if="$R/big.dat" of=/dev/null bs=1M status=none 2>>"$LOG" && fio_us randread; }
w_rand_write() { fio_us randwrite; }

# What a workload works on, made by an earlier one.
declare -A NEEDS=([files.stat]=files.create [files.read]=files.create [files.unlink]=files.create
  [files.total]=files.unlink [files2.unlink]=files2.create
  [git.status]=git.add [seq.read]=seq.write [rand.read]=seq.write [rand.write]=seq.write)
WORKLOADS=(files.create files.stat files.read files.unlink files.total files2.create files2.unlink
  tar.extract git.add git.status build seq.write seq.read rand.read rand.write)
meta workload files.create s "create $NFILES files (512 B) in $NDIRS directories"
meta workload files.stat s "stat them"
meta workload files.read s "read them"
meta workload files.unlink s "unlink them"
meta workload files.total s "the four phases above together"
meta workload files2.create s "the other order: create $NFILES files (512 B) in $NDIRS directories"
meta workload files2.unlink s "... and unlink them at once"
meta workload tar.extract s "\`tar -xf\` a $TAR_FILES-file tarball ($REL_MB MB)"
meta workload git.add s "\`git add -A\` of a $TREE_FILES-file tree ($TREE_MB MB) in a new repository"
meta workload git.status s "\`git status --porcelain\` after committing it"
meta workload build s "\`make -j2\` of a $BUILD_FILES-file C project"
meta workload seq.write s "write $SEQ_MB MiB (dd bs=1M conv=fsync)"
if [ $DROP = 1 ]; then
  meta workload seq.read s "read it back (dd bs=1M, page cache dropped first)"
else
  meta workload seq.read s "read it back (dd bs=1M, page cache WARM: drop_caches not allowed)"
fi
meta workload rand.read µs "4 KiB random read (fio psync, ${RAND_MS} ms, file cached), per op"
meta workload rand.write µs "4 KiB random write (fio psync, ${RAND_MS} ms, no fsync), per op"

declare -A FAILNOTE=()
for ((rep = 1; rep <= REPS; rep++)); do
  # Rotate the column order so that no column always runs first.
  order=()
  for ((k = 0; k < ${#ACTIVE[@]}; k++)); do
    order+=("${ACTIVE[$(((k + rep - 1) % ${#ACTIVE[@]}))]}")
  done
  for c in "${ACTIVE[@]}"; do mkdir -p "${MNT[$c]}/run$rep"; done
  declare -A FAILED=()
  for w in "${WORKLOADS[@]}"; do
    runs "$w" || continue
    if [ "$REMOUNT" = workload ] || [ -z "${NEEDS[$w]:-}" ]; then remount_all; fi
    line="rep $rep/$REPS $w:"
    for c in "${order[@]}"; do
      R=${MNT[$c]}/run$rep S=${SRC[$c]}/run$rep
      fn=w_${w//./_}
      need=${NEEDS[$w]:-}
      if [ -n "$need" ] && [ -n "${FAILED[$c.$need]:-}" ]; then
        printf '%s\t%s\t%s\tfail\n' "$w" "$c" "$rep" >>"$RESULTS"
        FAILED[$c.$w]=1
        line+=" $c SKIPPED($need failed)"
      elif v=$($fn) && [ -n "$v" ]; then
        printf '%s\t%s\t%s\t%s\n' "$w" "$c" "$rep" "$v" >>"$RESULTS"
        line+=" $c $(printf '%.3f' "$v")"
      else
        printf '%s\t%s\t%s\tfail\n' "$w" "$c" "$rep" >>"$RESULTS"
        FAILED[$c.$w]=1
        line+=" $c FAILED"
        why=$(tail -n 3 "$LOG" | tr '\n' ' ' | head -c 240)
        if [ -n "${DAEMON[$c]:-}" ] && [ -d "/proc/${DAEMON[$c]}/fd" ]; then
          why+=" [the $c daemon holds $(ls "/proc/${DAEMON[$c]}/fd" | wc -l) descriptors; limit $NOFILE]"
        fi
        say "$w failed on $c: $why"
        [ -n "${FAILNOTE[$w.$c]:-}" ] || FAILNOTE[$w.$c]="$w failed on $c (repetition $rep, first failure): $why"
      fi
    done
    say "$line"
  done
  # Remove the run directories through the source directories (untimed).
  for c in "${ACTIVE[@]}"; do rm -rf "${SRC[$c]}/run$rep"; done
done

# ---- report ----
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
meta header "## aio mount vs bare directory, bindfs and passthrough_ll"
meta header ""
meta header "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '{printf "%.0f GB RAM", $2/1e6}' <(grep MemTotal /proc/meminfo)), kernel $(uname -r); $REPS repetition(s)$([ "$QUICK" = 1 ] && echo ', QUICK sizes'); whole run ${ELAPSED} s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
for c in "${COLS[@]}"; do meta column "$c" "${DESC[$c]:-skipped (see the notes)}"; done
for n in "${NOTES[@]}"; do meta note "$n"; done
for w in "${WORKLOADS[@]}"; do
  for c in "${ACTIVE[@]}"; do
    [ -z "${FAILNOTE[$w.$c]:-}" ] || meta note "${FAILNOTE[$w.$c]}"
  done
done
if [[ " ${ACTIVE[*]} " == *" aio "* ]]; then
  if grep -q "passthrough of file data is on" "$AIO_HOME_DIR/logs/mount.log" 2>/dev/null; then
    meta note "aio: the kernel passed written file data through to the disk (FUSE passthrough; readers use the page cache)."
  else
    meta note "aio: FUSE passthrough was not in use (it needs CAP_SYS_ADMIN and a kernel with CONFIG_FUSE_PASSTHROUGH); all file data went through the daemon."
  fi
fi
if [ "$NOFILE" -lt 100000 ]; then
  meta note "Open-file limit for every column: $NOFILE (the hard limit here; raising it was refused). A daemon that holds a descriptor for every inode the kernel knows (passthrough_ll does) fails with EMFILE on workloads that touch more inodes than that (git.add: the 20,000-file tree plus 20,000 new objects)."
else
  meta note "Open-file limit for every column: $NOFILE."
fi
if [ "$REMOUNT" = workload ]; then
  meta note "Every FUSE column is unmounted and mounted afresh before each workload (BENCH_REMOUNT=workload), so each workload starts with nothing of that mount in the kernel's caches, while the bare directory keeps its own; a workload whose input an earlier one failed to make is counted as failed too."
else
  meta note "Every FUSE column is unmounted and mounted afresh before each chain of workloads that build on each other (files.*; files2.*; tar.extract; git.add and git.status; build; seq.* and rand.*), which then share that mount and its caches, as a session on a mounted project does; the bare directory keeps its caches too. BENCH_REMOUNT=workload mounts afresh before every workload instead (the cold-start view). A workload whose input an earlier one failed to make is counted as failed too."
fi
meta note "Each repetition runs every workload on every column in turn (the order rotating); the files.* phases are timed inside bench/smallfiles.c, the others around the command after a sync; rand.* report fio's IOPS as µs per operation."
mkdir -p "$OUT"
python3 "$ROOT/bench/report.py" "$RESULTS" "$META" "$OUT/latest.md" "$OUT/latest.png"
cp "$RESULTS" "$OUT/latest.tsv"
if [ -n "${BENCH_SAVE_AS:-}" ]; then
  cp "$OUT/latest.md" "$OUT/$BENCH_SAVE_AS.md"
  cp "$OUT/latest.png" "$OUT/$BENCH_SAVE_AS.png"
  cp "$OUT/latest.tsv" "$OUT/$BENCH_SAVE_AS.tsv"
fi
say "results in $OUT/latest.md and $OUT/latest.png (${ELAPSED} s)"
