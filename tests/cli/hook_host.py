#!/usr/bin/env python3
"""A stand-in for an agent tool running its hooks, for tests/cli/hooks_test.sh.

Like Claude Code, Codex and Gemini CLI, it is a long-lived process (not a
shell) that runs each hook command through `sh -c` with the hook's JSON on
stdin. It reads one request per line on its stdin, a JSON object
  {"cmd": "aio hook claude PreToolUse", "stdin": "...", "env": {...}, "cwd": "..."}
runs it, and answers one line on stdout:
  {"rc": N, "out": "...", "err": "..."}
It lives until its stdin closes; its pid is the first line it prints.
"""
import json
import os
import subprocess
import sys

print(os.getpid(), flush=True)
for line in sys.stdin:
    if not line.strip():
        continue
    req = json.loads(line)
    env = dict(os.environ)
    for k, v in req.get("env", {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    p = subprocess.run(["sh", "-c", req["cmd"]], input=req.get("stdin", "").encode(),
                       capture_output=True, env=env, cwd=req.get("cwd"))
    print(json.dumps({"rc": p.returncode, "out": p.stdout.decode(errors="replace"),
                      "err": p.stderr.decode(errors="replace")}), flush=True)
