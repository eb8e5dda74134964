#!/usr/bin/env bash
# Why the metadata workloads of scripts/bench.sh cost what they cost through
# the aio mount: the price of one FUSE round trip on this machine, where that
# time goes (perf), and how many round trips each small-file workload needs.
# Together they give the lowest ratio to the bare directory any FUSE
# filesystem that decides at open could reach here.
#
#   bench/profile.sh                 writes bench/results/profile.md
#   PROFILE_HALTPOLL=1 bench/profile.sh
#                                    also measures the round trip with the
#                                    guest's idle polling switched on (cpuidle
#                                    haltpoll, /sys/module/haltpoll), and puts
#                                    the machine's setting back afterwards
#
# Settings: BENCH_AIO=PATH (default: build-bench/aio, built as scripts/bench.sh
# does), PROFILE_OUT=FILE, PROFILE_N (round trips per loop, default 100000),
# BENCH_TMP (default /var/tmp). Needs root (perf -a, the fuse tracepoint).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/disk.sh"
OUT=${PROFILE_OUT:-$ROOT/bench/results/profile.md}
N=${PROFILE_N:-100000}
NFILES=2000
say() { printf 'profile: %s\n' "$*" >&2; }
die() { say "$*"; exit 3; }
[ "$(id -u)" -eq 0 ] || die "needs root (perf -a and the fuse tracepoint)"
for tool in perf:linux-perf strace:strace; do
  command -v "${tool%%:*}" >/dev/null && continue
  say "installing ${tool#*:}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null ||
    die "${tool%%:*} is needed (Debian package ${tool#*:})"
done
if [ -n "${BENCH_AIO:-}" ]; then
  AIO=$BENCH_AIO
else
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIO_BUILD_TESTS=OFF \
    -DAIO_BUILD_BENCH=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" --target aio >/dev/null
  AIO=$ROOT/build-bench/aio
fi

mkdir -p "${BENCH_TMP:-/var/tmp}"
WORK=$(mktemp -d "${BENCH_TMP:-/var/tmp}/aio-profile.XXXXXX")
HP=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HP_SAVED=$(cat "$HP" 2>/dev/null || true)
export AIO_HOME=$WORK/home
DISK=$WORK DISK_MOUNTED=0 PROJ="" DPID=""
cleanup() {
  [ -z "$HP_SAVED" ] || echo "$HP_SAVED" >"$HP" 2>/dev/null || true
  if [ -n "$PROJ" ] && grep -q " $PROJ fuse" /proc/mounts; then
    "$AIO" unmount "$PROJ" >/dev/null 2>&1 || umount -l "$PROJ"
  fi
  [ -z "$DPID" ] || for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
  bench_disk_release || say "could not unmount $DISK"
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
bench_disk "$WORK" 2G || exit 2
[ -z "$DISK_NOTE" ] || say "$DISK_NOTE"
PROJ=$DISK/proj BARE=$DISK/bare
gcc -O2 -Wall -o "$WORK/roundtrip" "$ROOT/bench/roundtrip.c"
gcc -O2 -Wall -o "$WORK/smallfiles" "$ROOT/bench/smallfiles.c"
python3 "$ROOT/bench/gen.py" state "$AIO_HOME" "$PROJ" 10000 >/dev/null
python3 "$ROOT/bench/gen.py" tree "$WORK/release.tar" 500 release
mkdir -p "$PROJ" "$BARE"
echo data >"$PROJ/file"
echo data >"$BARE/file"
unset AIO_INSTANCE
out=$(AIO_STALE_SECONDS=86400 "$AIO" mount "$PROJ" 2>&1) || die "aio mount failed: $out"
[[ $out =~ daemon\ pid\ ([0-9]+) ]] || die "no daemon pid in: $out"
DPID=${BASH_REMATCH[1]}
HZ=$(getconf CLK_TCK)

# CPU seconds a process has used (all its threads), and the machine's idle
# seconds summed over its CPUs.
proc_cpu() { awk -v hz="$HZ" '{ printf "%.4f\n", ($14 + $15) / hz }' "/proc/$1/stat"; }
idle_s() { awk -v hz="$HZ" '/^cpu / { printf "%.4f\n", ($5 + $6) / hz }' /proc/stat; }

# One loop: "wall_us caller_cpu_us daemon_cpu_us idle_pct" per call.
measure() {
  local mode=$1 file=$2 d0 d1 i0 i1 t0 t1 r
  d0=$(proc_cpu "$DPID"); i0=$(idle_s); t0=$EPOCHREALTIME
  r=$("$WORK/roundtrip" "$mode" "$file" "$N")
  t1=$EPOCHREALTIME; i1=$(idle_s); d1=$(proc_cpu "$DPID")
  awk -v r="$r" -v d0="$d0" -v d1="$d1" -v i0="$i0" -v i1="$i1" -v t0="$t0" -v t1="$t1" \
    -v n="$N" -v cpus="$(nproc)" 'BEGIN { split(r, a, " ");
      printf "%s %s %.2f %.0f\n", a[1], a[2], (d1 - d0) * 1e6 / n, 100 * (i1 - i0) / ((t1 - t0) * cpus) }'
}
row() {  # label mode: bare and aio side by side
  local b m
  b=$(measure "$2" "$BARE/file") m=$(measure "$2" "$PROJ/file")
  read -r bw bc _ _ <<<"$b"
  read -r mw mc md mi <<<"$m"
  printf '| %s | %s µs | %s µs (%sx) | %s µs | %s µs | %s%% |\n' "$1" "$bw" "$mw" \
    "$(awk -v a="$mw" -v b="$bw" 'BEGIN { printf "%.1f", a / b }')" "$mc" "$md" "$mi"
}

say "round trips ($N per loop)"
"$WORK/roundtrip" getxattr "$PROJ/file" 2000 >/dev/null  # warm
RT_TABLE=$(
  echo "| call, repeated | bare | aio mount | caller's CPU per call | daemon's CPU per call | machine idle |"
  echo "|---|---:|---:|---:|---:|---:|"
  row "getxattr (one synchronous request, no work in the daemon)" getxattr
  row "open + close (OPEN, asynchronous RELEASE)" open
  row "stat (attributes cached: no request)" stat
)
RT_US=$(measure getxattr "$PROJ/file" | cut -d' ' -f1)

HALT_TABLE=""
if [ "${PROFILE_HALTPOLL:-0}" = 1 ]; then
  if [ -w "$HP" ]; then
    say "round trips with guest idle polling (was $HP_SAVED ns)"
    HALT_TABLE=$(
      echo "| guest_halt_poll_ns | getxattr through the mount | open + close through the mount |"
      echo "|---:|---:|---:|"
      for ns in "$HP_SAVED" 50000 200000; do
        echo "$ns" >"$HP"
        g=$(measure getxattr "$PROJ/file" | cut -d' ' -f1)
        o=$(measure open "$PROJ/file" | cut -d' ' -f1)
        echo "| $ns | $g µs | $o µs |"
      done
      echo "$HP_SAVED" >"$HP"
    )
  else
    HALT_TABLE="(PROFILE_HALTPOLL=1: $HP is not writable here; skipped)"
  fi
fi

say "perf record -a during the getxattr loop"
perf record -q -a -g -o "$WORK/perf.data" -- "$WORK/roundtrip" getxattr "$PROJ/file" "$N" \
  >/dev/null 2>"$WORK/perf.err" || die "perf record failed: $(tail -n 2 "$WORK/perf.err")"
DCOMM=$(cat "/proc/$DPID/comm")
perf report -i "$WORK/perf.data" --no-children --sort comm,dso,sym -g none --stdio -q 2>/dev/null |
  awk 'NF && $1 ~ /%$/' >"$WORK/perf.txt" || true
# Shares of all CPUs' time, by what it was spent on. Interrupts are enabled
# again (the _irqrestore and finish_task_switch samples) where a guest pays
# for sending a wakeup to another CPU and for being switched in.
PERF_SUMMARY=$(awk -v d="$DCOMM" '
  { pct = $1 + 0; comm = $2; dso = $3; sym = $NF }
  comm == "swapper" { idle += pct; next }
  sym ~ /^(_raw_spin_unlock_irqrestore|finish_task_switch)/ { if (comm == d) dwake += pct; else cwake += pct; next }
  comm == d && dso !~ /kernel/ { if (dso ~ /^aio$/) daio += pct; else if (dso ~ /libfuse/) dfuse += pct; else dlibc += pct; next }
  comm == d { dkern += pct; next }
  comm == "roundtrip" { ckern += pct; next }
  { other += pct }
  END {
    printf "| idle CPUs (halted, waiting for a wakeup) | %.1f%% |\n", idle
    printf "| the caller: waking the daemon, being switched back in | %.1f%% |\n", cwake
    printf "| the caller: the rest of the system call | %.1f%% |\n", ckern
    printf "| the daemon: waking the caller, being switched in | %.1f%% |\n", dwake
    printf "| the daemon: the rest of the kernel (reading the request, writing the reply, getxattr on the project file) | %.1f%% |\n", dkern
    printf "| the daemon: aio'"'"'s own code | %.1f%% |\n", daio
    printf "| the daemon: libfuse | %.1f%% |\n", dfuse
    printf "| the daemon: libc | %.1f%% |\n", dlibc
    printf "| everything else | %.1f%% |\n", other
  }' "$WORK/perf.txt")
TOP=$(awk 'NR <= 15' "$WORK/perf.txt")

say "requests per file of the small-file workloads ($NFILES files)"
count() {  # opcode counts of a command, "LOOKUP=n CREATE=n ..."
  "$ROOT/bench/fuse-ops.sh" "$@" 2>&1 >/dev/null | awk '$2 != "total" { sub("FUSE_", "", $2); printf "%s%s=%d", sep, $2, $1; sep = " " }'
}
# The daemon's system calls while a command runs (strace -c of all its
# threads): "total,name=n,name=n..." for the calls made at least n/2 times.
syscalls() {
  strace -q -c -f -p "$DPID" -o "$WORK/strace.txt" &
  local sp=$! k
  for k in $(seq 50); do grep -q TracerPid:.[1-9] "/proc/$DPID/status" && break; sleep 0.1; done
  sleep 0.3
  "$@" >/dev/null
  sleep 0.5
  kill -INT "$sp"
  wait "$sp" 2>/dev/null || true
  awk -v n="$NFILES" '$NF == "total" { t = $4 } NF >= 5 && $NF != "total" && $1 ~ /^[0-9.]+$/ {
      c = ($4 ~ /^[0-9]+$/) ? $4 : 0; if (c >= n / 2) l = l sprintf(",%s=%d", $NF, c) }
    END { printf "%d%s", t, l }' "$WORK/strace.txt"
}
# Bare timings, aio's request counts and the daemon's system calls; aio is
# timed apart below, since the tracepoint and strace cost time. The phases
# in order (files), then the other order: create and unlink at once (files2).
: >"$WORK/req.txt"
for ph in create stat read unlink files2.create files2.unlink; do
  dir=files
  case "$ph" in files2.*) ph=${ph#files2.} dir=files2 ;; esac
  b=$("$WORK/smallfiles" "$ph" "$BARE/$dir" "$NFILES" 20)
  c=$(count "$WORK/smallfiles" "$ph" "$PROJ/$dir.req" "$NFILES" 20)
  sc=$(syscalls "$WORK/smallfiles" "$ph" "$PROJ/$dir" "$NFILES" 20)
  echo "$dir.$ph $b $sc $c" >>"$WORK/req.txt"
done
for ph in files.create files.stat files.read files.unlink files2.create files2.unlink; do
  printf '%s ' "$ph" >>"$WORK/aio-times.txt"
  "$WORK/smallfiles" "${ph#*.}" "$PROJ/timed-${ph%%.*}" "$NFILES" 20 >>"$WORK/aio-times.txt"
done
REQ_TABLE=$(
  echo "| workload | requests through aio, per file | synchronous | daemon's system calls per file | bare, per file | aio, per file | ratio | bare + synchronous × round trip |"
  echo "|---|---|---:|---|---:|---:|---:|---:|"
  while read -r ph b sc ops; do
    m=$(awk -v p="$ph" '$1 == p { print $2 }' "$WORK/aio-times.txt")
    python3 - "$ph" "$b" "$m" "$RT_US" "$NFILES" "$sc" "$ops" <<'EOF'
import sys
ph, bare, aio, rt, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
total, *calls = sys.argv[6].split(",")
calls = sorted(((k, int(v) / n) for k, v in (c.split("=") for c in calls)), key=lambda kv: -kv[1])
sc = f"{int(total) / n:.1f}: " + ", ".join(f"{k} {v:.0f}" for k, v in calls)
ops = dict(kv.split("=") for kv in sys.argv[7].split()) if len(sys.argv) > 7 else {}
asynchronous = {"RELEASE", "FORGET", "BATCH_FORGET", "RELEASEDIR"}
per = {k: int(v) / n for k, v in ops.items() if int(v) >= n / 2}
sync = sum(v for k, v in per.items() if k not in asynchronous)
desc = " + ".join(f"{k}" + ("" if round(v) == 1 else f" ×{v:.1f}") for k, v in sorted(per.items(), key=lambda kv: -kv[1]))
b_us, a_us = bare * 1e6 / n, aio * 1e6 / n
floor = b_us + sync * rt
print(f"| {ph} | {desc or '-'} | {sync:.0f} | {sc} | {b_us:.1f} µs | {a_us:.1f} µs | {a_us / b_us:.1f}x | {floor:.1f} µs ({floor / b_us:.1f}x) |")
EOF
  done <"$WORK/req.txt"
)

say "tar -xf of a 500-file tarball"
mkdir -p "$PROJ/t"
TAR_OPS=$(count tar -xf "$WORK/release.tar" -C "$PROJ/t")

mkdir -p "$(dirname "$OUT")"
{
  echo "## Where the time of a FUSE request goes (bench/profile.sh)"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r), cpuidle driver $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo '?'), guest_halt_poll_ns=${HP_SAVED:-n/a}; aio $("$AIO" --version 2>/dev/null | head -1) mounted in place with 10000 claims, the callers anonymous."
  echo
  echo "### One round trip"
  echo
  echo "$RT_TABLE"
  echo
  echo "CPU per call is measured from /proc (the caller's rusage, the daemon's utime + stime over all its threads); idle is the share of all CPUs' time the machine was idle during the loop."
  if [ -n "$HALT_TABLE" ]; then
    echo
    echo "### The same round trip with the guest's idle polling on (PROFILE_HALTPOLL=1)"
    echo
    echo "$HALT_TABLE"
  fi
  echo
  echo "### perf record -a -g during the getxattr loop ($N calls)"
  echo
  echo "| where the time went | share of both CPUs |"
  echo "|---|---:|"
  echo "$PERF_SUMMARY"
  echo
  echo "The top samples (process, object, symbol; the daemon is \`$DCOMM\`):"
  echo
  echo '```'
  echo "$TOP"
  echo '```'
  echo
  echo "### Requests per file and the floor they set ($NFILES files in 20 directories)"
  echo
  echo "Counted from the fuse:fuse_request_send tracepoint (bench/fuse-ops.sh); RELEASE is asynchronous (the caller does not wait for it), FORGET (after an unlink) does not show there. files2 is the other order: create, then unlink at once. The daemon's system calls (strace -c of all its threads, the calls made at least once per two files) are its own work per file: each costs one to two microseconds here. The last column is the bare cost plus one measured getxattr round trip ($RT_US µs) per synchronous request: what these workloads would cost through a daemon that did no work at all."
  echo
  echo "$REQ_TABLE"
  echo
  echo "\`tar -xf\` of a 500-file tarball (as root: it also restores owner, mode and times) sent: $TAR_OPS."
} >"$OUT"
"$AIO" unmount "$PROJ" >/dev/null
cat "$OUT"
say "written to $OUT"
