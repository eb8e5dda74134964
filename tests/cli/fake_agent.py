#!/usr/bin/env python3
"""A stand-in for a coding agent, for tests/cli/agents_test.sh.

Like Claude Code, Codex, Gemini CLI and Amp, it is a long-lived process that
edits files itself and runs each shell command in a fresh process: in its own
session (MODE same), in a new session (setsid), or in a PTY (pty). It does
what the aio-init block tells an agent, prints one line per step, says READY,
and lives until its standard input closes.

usage: fake_agent.py MODE PROJECT register|exec FILE
"""
import os
import pty
import subprocess
import sys

mode, project, how, target = sys.argv[1:5]


def sh(cmd):
    """Runs one shell command the way the mode says; returns (code, output)."""
    if mode in ("same", "setsid"):
        p = subprocess.run(["bash", "-c", cmd], cwd=project, capture_output=True, text=True,
                           start_new_session=(mode == "setsid"))
        return p.returncode, (p.stdout + p.stderr).strip()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(project)
        os.execvp("bash", ["bash", "-c", cmd])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace").replace("\r", "").strip()


def step(name, code, text=""):
    print(f"{name} {code} {text}".strip().replace("\n", " | "), flush=True)


if how == "register":
    step("claim", *sh(f'eval "$(aio register claude --export)" && aio claim file {target}'))
else:
    step("claim", *sh(f"aio claim file {target}"))
try:  # an edit by the agent's own process (its Edit/Write tool)
    with open(os.path.join(project, target), "a") as f:
        f.write("edited by the agent\n")
    step("own-edit", 0)
except OSError as e:
    step("own-edit", e.errno, e.strerror)
step("shell-edit", *sh(f"echo 'by a shell command' >> {target}"))
step("whoami", *sh("cat .aio/whoami"))
step("check", *sh(f"aio check {target}"))
print("READY", flush=True)
sys.stdin.read()
