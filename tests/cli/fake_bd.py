#!/usr/bin/env python3
"""A stand-in for Beads' `bd` (steveyegge/beads, cmd/bd) for the Beads bridge
tests: the few commands aio runs, answering as bd does.

Issues live in .beads/fake.json of the working directory (bd runs where
.beads/ is); every call is appended to $FAKE_BD_LOG as one JSON line
{"argv": [...], "actor": BEADS_ACTOR or null, "cwd": ...}.

What bd prints: --json results are JSON arrays of issues on stdout (wrapped
as {"schema_version": 1, "data": ...} under BD_JSON_ENVELOPE=1); an empty
field is left out (a cleared assignee has no key). `update --claim` on an
issue someone else holds prints nothing on stdout, "Error claiming ID: issue
already claimed by X" on stderr and exits 1; an unknown id is "Issue ID not
found" on stderr, exit 1 (`show --json` also prints {"error": ...}).

FAKE_BD_MODE makes it misbehave, for one command (its first word):
  race:NAME        update --claim succeeds, but the issue then belongs to NAME
  garbage:CMD      CMD prints something that is not JSON and exits 0
  fail:CMD         CMD prints "Error: database is locked" on stderr, exits 1
  sleep:CMD        CMD sleeps 30 s first
"""
import json
import os
import sys
import time

DB = os.path.join(".beads", "fake.json")


def load():
    with open(DB) as f:
        return json.load(f)


def save(issues):
    tmp = DB + ".tmp"
    with open(tmp, "w") as f:
        json.dump(issues, f, indent=2)
    os.replace(tmp, DB)


def emit(payload):
    if os.environ.get("BD_JSON_ENVELOPE") == "1":
        payload = {"schema_version": 1, "data": payload}
    print(json.dumps(payload, indent=2))


def shown(issue):
    return {k: v for k, v in issue.items() if v not in ("", None)}


def not_found(i, json_out):
    print(f"Issue {i} not found", file=sys.stderr)
    if json_out:
        emit({"error": "no issues found matching the provided IDs", "schema_version": 1})
    sys.exit(1)


def main(argv):
    actor = os.environ.get("BEADS_ACTOR") or os.environ.get("USER") or "unknown"
    with open(os.environ["FAKE_BD_LOG"], "a") as f:
        f.write(json.dumps({"argv": argv, "actor": os.environ.get("BEADS_ACTOR"),
                            "cwd": os.getcwd()}) + "\n")
    mode = os.environ.get("FAKE_BD_MODE", "")
    cmd = argv[0] if argv else ""
    kind, _, arg = mode.partition(":")
    if kind == "sleep" and arg == cmd:
        time.sleep(30)
    if kind == "garbage" and arg == cmd:
        print("panic: runtime error: invalid memory address <garbage>")
        return 0
    if kind == "fail" and arg == cmd:
        print("Error: database is locked", file=sys.stderr)
        return 1
    issues = load()
    json_out = "--json" in argv
    args = [a for a in argv[1:] if a != "--json"]
    if cmd == "show":
        i = args[0]
        if i not in issues:
            not_found(i, json_out)
        emit([shown(issues[i])])
    elif cmd == "ready":
        emit([shown(x) for x in issues.values()
              if x.get("status") == "open" and not x.get("assignee")])
    elif cmd == "update":
        i = args[0]
        if i not in issues:
            not_found(i, False)
        x = issues[i]
        if "--claim" in args:
            held = x.get("assignee", "")
            if x["status"] == "in_progress" and held == actor:
                pass  # idempotent
            elif held and held != actor:
                print(f"Error claiming {i}: issue already claimed by {held}", file=sys.stderr)
                return 1
            elif x["status"] != "open":
                print(f"Error claiming {i}: issue not claimable: status {x['status']}",
                      file=sys.stderr)
                return 1
            x["assignee"], x["status"] = actor, "in_progress"
            if kind == "race":
                x["assignee"] = arg
        k = 1
        while k < len(args):
            if args[k] in ("--status", "--assignee"):
                x[args[k][2:]] = args[k + 1]
                k += 2
            else:
                k += 1
        save(issues)
        emit([shown(x)])
    elif cmd == "close":
        i = args[0]
        if i not in issues:
            not_found(i, False)
        x = issues[i]
        x["status"] = "closed"
        x["close_reason"] = args[args.index("--reason") + 1] if "--reason" in args else "Closed"
        save(issues)
        emit([shown(x)])
    else:
        print(f"Error: unknown command \"{cmd}\" for \"bd\"", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
