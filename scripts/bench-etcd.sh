#!/usr/bin/env bash
# Benchmark (not a test) of the etcd store (issue 14) next to the file store,
# in one run on this machine: `aio check` and `aio claim` end to end on each
# store (with /bin/true and `aio --version` as the yardsticks), and the time
# from a claim granted on one "machine" to the first refused write on the
# other machine's mount (two $AIO_HOMEs with distinct machine ids, two clones,
# two in-place mounts; needs root and /dev/fuse).
#
#   scripts/bench-etcd.sh [--runs N] [--bin DIR]
#
#   --runs N   timed runs per command and store (default 60)
#   --bin DIR  the installed bin directory holding aio (default: build/stage/bin)
#
# It starts its own etcd (etcd-server) on free loopback ports with its data
# in a temporary directory, and stops it at the end.
set -euo pipefail
RUNS=60
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/stage/bin
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench-etcd: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$BIN/aio" ] || { echo "bench-etcd: no aio in $BIN (cmake --install build --prefix build/stage)" >&2; exit 3; }
command -v etcd >/dev/null || { echo "bench-etcd: etcd is needed (apt-get install etcd-server etcd-client)" >&2; exit 3; }
export PATH="$(cd "$BIN" && pwd):$PATH"
T=$(mktemp -d /tmp/aio-bench-etcd.XXXXXX)
export AIO_HOME=$T/home
FAILS=0
fail() { echo "bench-etcd: $*" >&2; FAILS=$((FAILS + 1)); }
finish() { exit 1; }
. "$ROOT/tests/cli/etcd_lib.sh"
cleanup() {
  set +e  # etcd_stop's wait answers 143 (etcd ended by SIGTERM)
  for m in a b; do AIO_HOME=$T/h$m aio unmount "$T/$m" >/dev/null 2>&1 || true; done
  for h in "$T/home" "$T/ha" "$T/hb"; do kill $(keeper_pids "$h") 2>/dev/null || true; done
  etcd_stop
  rm -rf "$T"
}
trap cleanup EXIT
etcd_start
for m in a b; do
  mkdir -p "$T/$m/src"
  (cd "$T/$m" && git -c init.defaultBranch=main init -q && git remote add origin https://example.com/team/bench.git)
done

python3 - "$T" "$ETCD_EP" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
T, EP, RUNS = sys.argv[1], sys.argv[2], int(sys.argv[3])
ETCD = f"etcd://{EP}/bench"

def env(home, store=None, machine="m-a", inst=None):
    e = dict(os.environ, AIO_HOME=home, AIO_MACHINE_ID=machine)
    e.pop("AIO_STORE", None)
    if store: e["AIO_STORE"] = store
    if inst: e["AIO_INSTANCE"] = inst
    return e

def run(argv, e, cwd):
    t = time.perf_counter()
    p = subprocess.run(argv, env=e, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, p.returncode

def register(e, cwd):
    return subprocess.run(["aio", "register", "bench", "-q"], env=e, cwd=cwd,
                          capture_output=True, text=True, check=True).stdout.strip()

cwd = f"{T}/a"
stores = {"file": env(f"{T}/home"), "etcd": env(f"{T}/home", ETCD)}
inst = {k: register(e, cwd) for k, e in stores.items()}
times = {}
for r in range(RUNS):
    for name, argv, e in [("/bin/true", ["/bin/true"], stores["file"]),
                          ("aio --version", ["aio", "--version"], stores["file"])]:
        times.setdefault(name, []).append(run(argv, e, cwd)[0])
    for k, e in stores.items():
        e = dict(e, AIO_INSTANCE=inst[k])
        dt, rc = run(["aio", "check", "src/free.ts"], e, cwd)
        times.setdefault(f"aio check ({k} store)", []).append(dt)
        dt, rc = run(["aio", "claim", "file", f"src/f{r}.ts"], e, cwd)
        if rc != 0: sys.exit(f"claim on {k} failed with {rc}")
        times.setdefault(f"aio claim ({k} store)", []).append(dt)
base = statistics.median(times["/bin/true"])
print(f"| {RUNS} runs each, interleaved | median ms | p90 ms | x /bin/true |")
print("|---|---|---|---|")
for name, ts in times.items():
    ts = sorted(ts)
    print(f"| {name} | {statistics.median(ts)*1e3:.2f} | {ts[int(len(ts)*0.9)]*1e3:.2f} | "
          f"{statistics.median(ts)/base:.1f} |")

# ---- claim on machine a -> first refused write on machine b's mount
ea, eb = env(f"{T}/ha", ETCD, "m-a"), env(f"{T}/hb", ETCD, "m-b")
for e, m in [(ea, "a"), (eb, "b")]:
    subprocess.run(["aio", "mount", f"{T}/{m}"], env=e, cwd=f"{T}/{m}", check=True,
                   stdout=subprocess.DEVNULL)
a, b = register(ea, f"{T}/a"), register(eb, f"{T}/b")
target = f"{T}/b/src/shared.ts"
lags = []
for r in range(20):
    t0 = time.perf_counter()
    subprocess.run(["aio", "claim", "file", "src/shared.ts"], env=dict(ea, AIO_INSTANCE=a),
                   cwd=f"{T}/a", check=True, stdout=subprocess.DEVNULL)
    granted = time.perf_counter()
    writer = subprocess.Popen(["python3", "-c", """
import errno, os, sys, time
t = time.perf_counter()
while time.perf_counter() - t < 10:
    try:
        with open(sys.argv[1], "a") as f: f.write("x")
    except PermissionError:
        print(time.perf_counter()); sys.exit(0)
    time.sleep(0.002)
sys.exit(1)
""", target], env=dict(eb, AIO_INSTANCE=b), stdout=subprocess.PIPE, text=True)
    out, _ = writer.communicate()
    if writer.returncode != 0: sys.exit("machine b never refused the write")
    lags.append(float(out) - granted)
    subprocess.run(["aio", "release", "src/shared.ts"], env=dict(ea, AIO_INSTANCE=a),
                   cwd=f"{T}/a", check=True, stdout=subprocess.DEVNULL)
    for k in range(1000):  # until b's mount has seen the release
        w = subprocess.run(["sh", "-c", f"echo y >> '{target}'"], env=dict(eb, AIO_INSTANCE=b),
                           stderr=subprocess.DEVNULL)
        if w.returncode == 0: break
        time.sleep(0.01)
lags.sort()
print()
print("| claim granted on machine a -> first refused write on machine b's mount | ms |")
print("|---|---|")
print(f"| median of 20 | {statistics.median(lags)*1e3:.0f} |")
print(f"| max of 20 | {lags[-1]*1e3:.0f} |")
PY
