#!/usr/bin/env bash
# Benchmark (not a test) of `aio check`, `aio claim` and `aio hook` end to end, against
# DESIGN.md §6: "state holding 1k instances, 10k claims, 100k notes: <= 5 ms
# median". Every number is quoted next to the cost of spawning /bin/true and
# `aio --version`, measured interleaved in the same run, so the table shows
# ratios that hold on any machine.
#
#   scripts/bench-cli.sh [--runs N] [--bin DIR] [--keep]
#
#   --runs N   timed runs per command and state (default 100, at least 50)
#   --bin DIR  use the aio in DIR instead of building one (by default the
#              script configures and builds build-bench/ as RelWithDebInfo, so
#              a Debug build/ never skews the numbers)
#   --keep     keep the generated $AIO_HOME directories (printed at the end)
#   --compare DIR  also time the aio in DIR ("before") against this one
#              ("after"), interleaved in the same rounds, each on its own
#              copy of the states: before/after figures from one run
#
# States, generated directly as the files aio reads (state.json in the
# playbook schema as core/json_codec.cc writes it, context.jsonl lines as
# encode_note_line writes them); aio builds its state.cache on the first
# (untimed) call:
#   empty  one registered instance, nothing else
#   notes  one instance, 100,000 context notes, no claims
#   full   1,000 live instances, 10,000 claims (files, directories, glob
#          patterns and tasks across 4 projects), 100,000 notes; and one
#          more instance registered from this script's terminal session
# Commands, each run by the instance of the measured project (naming it in
# AIO_INSTANCE), and in the full state check and claim again by the session's
# instance, which aio finds by the caller's session (no AIO_INSTANCE):
#   check  aio check <path>            (a path nobody holds: every claim is examined)
#   claim  aio claim file <new path>   (a new path every run: a real write)
#   hook   aio hook claude PreToolUse  (Claude Code's payload for an Edit of
#          that path on stdin: what an agent's hook runs before every edit)
#   auto   aio hook claude PreToolUse --auto-claim  (an Edit of a new file
#          every run: the hook judges it free and claims it for the caller)
# Then one instance of the full state claims 1,500 new files one after
# another: the cost per claim and the journal bytes it appends, by how many
# claims the instance already holds.
# Timing: a small loop in python3 (posix_spawn + waitpid, wall clock), the
# commands of one round interleaved so drift hits all of them alike.
set -euo pipefail

RUNS=100
BIN=""
KEEP=0
COMPARE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --compare) COMPARE=$2; shift 2 ;;
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "bench-cli: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$RUNS" -ge 50 ] || { echo "bench-cli: --runs must be at least 50" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$BIN" ]; then
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAIO_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j"$(nproc)" --target aio >/dev/null
  BIN="$ROOT/build-bench"
fi
[ -x "$BIN/aio" ] || { echo "bench-cli: no aio binary in $BIN" >&2; exit 3; }
AIO="$(cd "$BIN" && pwd)/aio"
AIO2=""
if [ -n "$COMPARE" ]; then
  [ -x "$COMPARE/aio" ] || { echo "bench-cli: no aio binary in $COMPARE" >&2; exit 3; }
  AIO2="$(cd "$COMPARE" && pwd)/aio"
fi
command -v python3 >/dev/null || { echo "bench-cli: python3 is needed" >&2; exit 3; }

W=$(mktemp -d /tmp/aio-bench.XXXXXX)
if [ "$KEEP" -eq 0 ]; then trap 'rm -rf "$W"' EXIT; fi

python3 - "$AIO" "$W" "$RUNS" "$AIO2" <<'PY'
import json, os, random, statistics, subprocess, sys, time

aio, work, runs, aio2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# (label, binary): one, or before and after
bins = [("before", aio2), ("after", aio)] if aio2 else [("", aio)]
rng = random.Random(42)
now = int(time.time())
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
hexid = lambda: "%08x" % rng.getrandbits(32)
q = lambda s: json.dumps(s)

TOOLS = ["claude", "codex", "gemini", "amp"]
CATS = ["decision", "pattern", "warning", "learning", "handoff"]

def instance_json(i):
    return ('{"id":%s,"tool":%s,"project":%s,"pid":%d,"status":"active","currentTask":%s,'
            '"beadsIssue":null,"startedAt":"%s","lastHeartbeat":"%s","claims":[%s],'
            '"sid":%d,"sidStart":%d}') % (
        q(i["id"]), q(i["tool"]), q(i["project"]), i["pid"],
        q(i["task"]) if i["task"] else "null", iso(i["t"]), iso(now),
        ",".join(q(c) for c in i["claims"]), i.get("sid", 0), i.get("sid_start", 0))

def claim_json(c):
    return ('{"id":%s,"instanceId":%s,"type":%s,"target":%s,"project":%s,"exclusive":true,'
            '"claimedAt":"%s","expiresAt":null}') % (
        q(c["id"]), q(c["inst"]), q(c["type"]), q(c["target"]), q(c["project"]), iso(c["t"]))

def write_state(home, instances, claims):
    os.makedirs(home, mode=0o700, exist_ok=True)
    out = ['{\n  "schemaVersion": 1,\n  "instances": {']
    out.append(",".join("\n    %s: %s" % (q(i["id"]), instance_json(i)) for i in instances))
    out.append("\n  }" if instances else "}")
    out.append(',\n  "claims": {')
    out.append(",".join("\n    %s: %s" % (q(c["id"]), claim_json(c)) for c in claims))
    out.append("\n  }" if claims else "}")
    out.append(',\n  "context": [],\n  "aioSeq": 1\n}\n')
    with open(f"{home}/state.json", "w") as f:
        f.write("".join(out))

def write_notes(home, n, instances):
    with open(f"{home}/context.jsonl", "w") as f:
        for k in range(n):
            i = instances[k % len(instances)]
            f.write('{"id":"ctx-%d-%s","project":%s,"category":"%s","content":%s,'
                    '"source":{"instanceId":%s,"tool":%s},"createdAt":"%s","expiresAt":null}\n' % (
                now - 86400 + k // 2, hexid(), q(i["project"]), CATS[k % 5],
                q(f"note {k}: the {CATS[k % 5]} about module m{k % 97} is worth reading " * 2),
                q(i["id"]), q(i["tool"]), iso(now - 86400 + k // 2)))

def make_instances(n, PROJECTS):
    out = []
    for k in range(n):
        tool = TOOLS[k % 4]
        out.append({"id": f"{tool}-{now - 3600 + k}-{hexid()}", "tool": tool,
                    "project": PROJECTS[k % len(PROJECTS)], "pid": 10000 + k,
                    "task": f"task {k}" if k % 3 == 0 else None, "t": now - 3600 + k,
                    "claims": []})
    return out

def make_claims(instances, n):
    # Mixed kinds, none of them covering bench/** (what the timed commands touch).
    claims = []
    for k in range(n):
        inst = instances[k % len(instances)]
        r = k % 20
        if r < 12:
            kind, target = "file", f"src/m{k % 211}/f{k}.ts"
        elif r < 16:
            kind, target = "directory", f"lib/d{k}"
        elif r < 19:
            # Every project gets every kind, including ones no literal
            # prefix or suffix rules out ("**/cache7/**"): those are compiled.
            kind, target = "pattern", [f"src/g{k}/**/*.ts", f"**/*.gen{k}.go",
                                       f"docs/s{k}/*.md", f"**/cache{k}/**"][(k // 20) % 4]
        else:
            kind, target = "task", f"AI-{k}"
        cid = f"claim-{now - 1800 + k}-{hexid()}"
        inst["claims"].append(cid)
        claims.append({"id": cid, "inst": inst["id"], "type": kind, "target": target,
                       "project": inst["project"], "t": now - 1800 + k})
    return claims

# The three states under root (its own projects too): name -> (home, instance).
# This process's session and its leader's start time (clock ticks since
# boot, /proc/<sid>/stat field 22), as aio reads them for its caller.
def session_of_this_script():
    sid = os.getsid(0)
    with open(f"/proc/{sid}/stat") as f:
        return sid, int(f.read().rsplit(")", 1)[1].split()[19])

def make_homes(root):
    global rng
    rng = random.Random(42)  # the same states for every binary
    projects = [f"{root}/projects/p{k}" for k in range(4)]
    for p in projects:
        os.makedirs(p, exist_ok=True)
    homes = {}
    one = make_instances(1, projects)
    write_state(f"{root}/empty", one, [])
    homes["empty"] = (f"{root}/empty", one[0])
    one_n = make_instances(1, projects)
    write_state(f"{root}/notes", one_n, [])
    write_notes(f"{root}/notes", 100_000, one_n)
    homes["notes"] = (f"{root}/notes", one_n[0])
    many = make_instances(1000, projects)
    claims = make_claims(many, 10_000)
    # One more, registered from this script's terminal session and named by
    # no AIO_INSTANCE: the caller of the rows that find it by its session.
    sess = make_instances(1, projects)[0]
    sess["sid"], sess["sid_start"] = session_of_this_script()
    write_state(f"{root}/full", many + [sess], claims)
    write_notes(f"{root}/full", 100_000, many)
    homes["full"] = (f"{root}/full", many[0])
    homes["session"] = (f"{root}/full", sess)
    return homes, many

homes_of, many_of = {}, {}
for label, _ in bins:
    homes_of[label], many_of[label] = make_homes(f"{work}/{label}" if label else work)
STATES = ["empty", "notes", "full"]

def size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0

devnull = os.open(os.devnull, os.O_RDWR)
def spawn(argv, env, cwd, stdin=None):
    # posix_spawn has no cwd argument: change directory around it.
    os.chdir(cwd)
    fd = os.open(stdin, os.O_RDONLY) if stdin else devnull
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env,
                         file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0),
                                       (os.POSIX_SPAWN_DUP2, devnull, 1),
                                       (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    if stdin:
        os.close(fd)
    dt = time.perf_counter_ns() - t0
    return dt, os.waitstatus_to_exitcode(status)

base_env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_")}
def env_for(label, name):
    home, inst = homes_of[label][name]
    if name == "session":  # found by its session: no AIO_INSTANCE
        return dict(base_env, AIO_HOME=home), inst["project"]
    return dict(base_env, AIO_HOME=home, AIO_INSTANCE=inst["id"]), inst["project"]

def tag(label):
    return f" ({label})" if label else ""

# Claude Code's PreToolUse payload for an Edit of `rel` (the probe path by
# default): what the agent's hook hands `aio hook claude PreToolUse` before
# every edit.
def edit_payload(proj, rel="bench/probe/file.ts"):
    # (One file per project: each binary's states have projects of their own.)
    path = f"{work}/edit{proj.replace('/', '_')}-{rel.replace('/', '_')}.json"
    with open(path, "w") as f:
        json.dump({"session_id": "bench", "cwd": proj, "hook_event_name": "PreToolUse",
                   "tool_name": "Edit", "tool_input": {"file_path": f"{proj}/{rel}",
                                                       "old_string": "a", "new_string": "b"}}, f)
    return path

# What each timed command is; `want` is the exit code it must return. In
# the full state, check and claim also run as a caller found by its
# session (a claim needs the caller: it exits 0 only when it is found).
def cmds_for(label, binary, name, k):
    env, proj = env_for(label, name)
    by_session = []
    if name == "full":
        s_env, s_proj = env_for(label, "session")
        by_session = [
            (f"{name}/scheck{tag(label)}", [binary, "check", "bench/probe/file.ts"], s_env, s_proj,
             0, None),
            (f"{name}/sclaim{tag(label)}", [binary, "claim", "file", f"bench/snew/{k}.ts"], s_env,
             s_proj, 0, None),
        ]
    return by_session + [
        (f"{name}/check{tag(label)}", [binary, "check", "bench/probe/file.ts"], env, proj, 0, None),
        (f"{name}/claim{tag(label)}", [binary, "claim", "file", f"bench/new/{k}.ts"], env, proj, 0,
         None),
        (f"{name}/hook{tag(label)}", [binary, "hook", "claude", "PreToolUse"], env, proj, 0,
         edit_payload(proj)),
        (f"{name}/auto{tag(label)}", [binary, "hook", "claude", "PreToolUse", "--auto-claim"], env,
         proj, 0, edit_payload(proj, f"bench/auto/{k}.ts")),
    ]

# Warm up: aio builds state.cache, the page cache holds the files.
for label, binary in bins:
    for name in STATES:
        for what, argv, env, cwd, want, stdin in cmds_for(label, binary, name, "warm"):
            for _ in range(3):
                _, rc = spawn(argv, env, cwd, stdin)
                if rc != want and "/claim" not in what:
                    sys.exit(f"bench-cli: {' '.join(argv)} exited {rc} in {name}")
            if "/claim" in what and rc != 0:
                sys.exit(f"bench-cli: warm-up claim exited {rc} in {name}")

times = {}
for k in range(runs):
    row = [("/bin/true", ["/bin/true"], base_env, work, 0, None)]
    for label, binary in bins:
        row.append((f"aio --version{tag(label)}", [binary, "--version"], base_env, work, 0, None))
    for name in STATES:
        for label, binary in bins:
            row += cmds_for(label, binary, name, k)
    for label, argv, env, cwd, want, stdin in row:
        dt, rc = spawn(argv, env, cwd, stdin)
        if rc != want:
            sys.exit(f"bench-cli: {' '.join(argv)} exited {rc}, want {want}")
        times.setdefault(label, []).append(dt / 1e6)

# The auto-claiming hook claimed what it was timed on (else it timed a
# judgment alone).
for label, binary in bins:
    for name in STATES:
        env, proj = env_for(label, name)
        r = subprocess.run([binary, "check", "bench/auto/0.ts"], env=env, cwd=proj,
                           capture_output=True, text=True)
        if "yours" not in r.stdout:
            sys.exit(f"bench-cli: the auto-claiming hook did not claim in {name}{tag(label)}: "
                     + (r.stdout + r.stderr).strip())

def p90(v):
    s = sorted(v)
    return s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]

true_med = statistics.median(times["/bin/true"])
def ver_med(label):
    return statistics.median(times[f"aio --version{tag(label)}"])
print(f"aio check / aio claim, {runs} runs each, wall time per process "
      f"({os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')})"
      + ("; before and after interleaved in every round" if aio2 else "") + "\n")
print("| state | command | median ms | p90 ms | x /bin/true | x aio --version |")
print("|---|---|---:|---:|---:|---:|")
desc = {"empty": "empty (1 instance)",
        "notes": "100k notes, 0 claims",
        "full": "1k instances, 10k claims, 100k notes"}
for what, v in times.items():
    med = statistics.median(v)
    label = next((l for l, _ in bins if l and what.endswith(tag(l))), "")
    against = label or bins[-1][0]  # /bin/true: against the (last) --version
    if "/" in what and not what.startswith("/"):
        state, cmd = what[:len(what) - len(tag(label))].split("/")
        state = desc[state]
        cmd = {"check": "`aio check <path>`", "claim": "`aio claim file <new path>`",
               "scheck": "`aio check <path>` (caller found by its session)",
               "sclaim": "`aio claim file <new path>` (caller found by its session)",
               "hook": "`aio hook claude PreToolUse` (Edit)",
               "auto": "`aio hook claude PreToolUse --auto-claim` (Edit of a new file)"}[cmd] \
            + tag(label)
    else:
        state, cmd = "-", f"`{what[:len(what) - len(tag(label))]}`{tag(label)}"
    print(f"| {state} | {cmd} | {med:.2f} | {p90(v):.2f} | {med / true_med:.1f} | "
          f"{med / ver_med(against):.1f} |")
print()
for label, _ in bins:
    full = homes_of[label]["full"][0]
    print(f"full state files after the runs{tag(label)}: state.json "
          f"{size(full + '/state.json') / 1e6:.1f} MB, "
          f"journal.jsonl {size(full + '/journal.jsonl') / 1e3:.0f} kB, "
          f"state.cache {size(full + '/state.cache') / 1e6:.1f} MB, "
          f"context.jsonl {size(full + '/context.jsonl') / 1e6:.1f} MB")
    target = 5.0
    worst = max(statistics.median(times[f"full/check{tag(label)}"]),
                statistics.median(times[f"full/claim{tag(label)}"]))
    print(f"target (DESIGN.md §6): <= {target:.0f} ms median with the full state{tag(label)}: "
          + ("met" if worst <= target else f"MISSED (worst median {worst:.2f} ms)"))

# One instance of the full state claiming file after file (an agent under a
# mount with auto-claim does this): what a claim costs, and what it appends
# to the journal, as the instance's claims grow (binaries interleaved).
SEQ = 1500
seq_t, seq_b, checkpoints = {}, {}, {}
for k in range(SEQ):
    for label, binary in bins:
        env, proj = env_for(label, "full")
        env = dict(env, AIO_INSTANCE=many_of[label][1]["id"])
        journal = homes_of[label]["full"][0] + "/journal.jsonl"
        before = size(journal)
        dt, rc = spawn([binary, "claim", "file", f"bench/seq/{k}.ts"], env, proj)
        if rc != 0:
            sys.exit(f"bench-cli: claim {k} of the sequence exited {rc}")
        seq_t.setdefault(label, []).append(dt / 1e6)
        grown = size(journal) - before
        seq_b.setdefault(label, []).append(grown if grown > 0 else None)  # None: checkpointed
        checkpoints[label] = checkpoints.get(label, 0) + (grown <= 0)
print(f"\nOne instance claiming {SEQ} files one after another (full state; it held "
      f"{len(many_of[bins[0][0]][1]['claims'])} claims before)\n")
print("| claims it holds | median ms | p90 ms | max ms | journal bytes per claim (median) |")
print("|---|---:|---:|---:|---:|")
for lo in range(0, SEQ, 500):
    for label, _ in bins:
        v = seq_t[label][lo:lo + 500]
        b = [x for x in seq_b[label][lo:lo + 500] if x is not None] or [0]
        print(f"| {lo + 1}-{lo + len(v)}{tag(label)} | {statistics.median(v):.2f} | {p90(v):.2f} | "
              f"{max(v):.2f} | {statistics.median(b):.0f} |")
for label, _ in bins:
    print(f"\n{checkpoints[label]} of the {SEQ} claims checkpointed{tag(label)} "
          "(the journal shrank or stayed)")
PY

if [ "$KEEP" -eq 1 ]; then echo "states kept in $W"; fi
