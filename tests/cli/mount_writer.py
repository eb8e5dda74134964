#!/usr/bin/env python3
"""A writer under load through an aio mount, for the crash tests.

    mount_writer.py KIND PROJECT NAME ACK

KIND is what it writes, in a loop until an operation fails (the daemon
died) or it is killed:
  files   saves PROJECT/NAME/f<k> (write and close; every other one fsynced
          before the close) with content file_content(NAME, k)
  claims  appends "file NAME/c<k>" to PROJECT/.aio/claims
  notes   appends "NAME note <k>" to PROJECT/.aio/context/decision
After each operation the system acknowledged (the close returned), it
appends one line to ACK (outside the mount) with one write(2): the file's
path relative to PROJECT, the claim's target or the note's text. So ACK
holds only what was acknowledged, never half a line.

    mount_writer.py append FILE LINE

appends LINE and a newline to FILE with one write(2) (a shell's echo may
split a long line, and dash calls every failed write an I/O error): exit 0,
or 1 with one line naming the error.

    mount_writer.py verify PROJECT NAME ACK

checks that every file ACK lists has its content under PROJECT (the bare
directory, once unmounted): prints one line per file lost or wrong, exit 1
if any, else the number checked.
"""
import os
import sys


def file_content(name, k):
    return f"{name} f{k} " + "x" * (k * 37 % 3000) + "\n"


def save(project, name, k):
    rel = f"{name}/f{k}"
    fd = os.open(os.path.join(project, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        data = file_content(name, k).encode()
        while data:
            data = data[os.write(fd, data):]
        if k % 2:
            os.fsync(fd)
    finally:
        os.close(fd)
    return rel


def append(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def verify(project, name, ack_path):
    bad = 0
    with open(ack_path) as f:
        acked = [line.rstrip("\n") for line in f if line.strip()]
    for rel in acked:
        k = int(rel.rsplit("/f", 1)[1])
        try:
            with open(os.path.join(project, rel)) as f:
                got = f.read()
        except OSError as e:
            print(f"{rel}: acknowledged but lost ({e})")
            bad += 1
            continue
        if got != file_content(name, k):
            print(f"{rel}: acknowledged but holds {len(got)} bytes, not its {len(file_content(name, k))}")
            bad += 1
    if bad:
        return 1
    print(len(acked))
    return 0


def main():
    if sys.argv[1] == "append":
        try:
            append(sys.argv[2], sys.argv[3])
        except OSError as e:
            print(f"{sys.argv[2]}: {e.strerror}", file=sys.stderr)
            return 1
        return 0
    kind, project, name, ack_path = sys.argv[1:5]
    if kind == "verify":
        return verify(project, name, ack_path)
    ack = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if kind == "files":
            os.makedirs(os.path.join(project, name), exist_ok=True)
    except OSError as e:
        print(f"{name}: stopped before the first file: {e}", file=sys.stderr)
        return 0
    k = 0
    while True:
        k += 1
        try:
            if kind == "files":
                done = save(project, name, k)
            elif kind == "claims":
                done = f"{name}/c{k}"
                append(os.path.join(project, ".aio/claims"), "file " + done)
            else:
                done = f"{name} note {k}"
                append(os.path.join(project, ".aio/context/decision"), done)
        except OSError as e:
            print(f"{name}: stopped after {k - 1} at {kind} {k}: {e}", file=sys.stderr)
            return 0
        os.write(ack, (done + "\n").encode())


if __name__ == "__main__":
    sys.exit(main())
