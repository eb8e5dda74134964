#!/usr/bin/env python3
"""Inputs of scripts/bench.sh, generated fast and deterministically.

  gen.py state HOME PROJECT NCLAIMS   $AIO_HOME/state.json: two live instances
                                      holding NCLAIMS claims in PROJECT
  gen.py tree OUT.tar NFILES [TOP]    a source tree of NFILES files ("TOP/...",
                                      TOP defaulting to "tree")
  gen.py cproject OUT.tar NFILES      a C project of NFILES .c files and a
                                      Makefile ("cproj/...")

The state is written the way core/json_codec.cc encodes it (the playbook's
schema, camelCase keys). The claims are 60% files, 20% directories and 20%
glob patterns, alternating between the instances, and none of them covers
run*/ (where the benchmark works), so every write is allowed but each check
still has to look: file claims by path, directory claims by every ancestor,
and every pattern ("**/*.gen<k>.go" is tried against every basename).

Archive members carry an mtime a day in the past, so `git add` right after
extracting sees no "racily clean" entries.
"""
import io
import json
import os
import random
import sys
import tarfile
import time


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def claim_target(k):
    r = k % 10
    if r < 6:
        return "file", f"src/m{k % 211}/f{k}.ts"
    if r < 8:
        return "directory", f"lib/d{k}"
    return "pattern", [f"src/g{k}/**/*.ts", f"**/*.gen{k}.go", f"docs/s{k}/*.md",
                       f"test/t{k}/**"][(k // 10) % 4]


def write_state(home, project, nclaims):
    now = int(time.time())
    q = json.dumps
    insts = [(f"claude-{now - 120}-0000000a", "claude"), (f"codex-{now - 60}-0000000b", "codex")]
    claims = []
    owned = {i: [] for i, _ in insts}
    for k in range(nclaims):
        inst = insts[k % 2][0]
        kind, target = claim_target(k)
        cid = f"claim-{now - 30}-{k:08x}"
        owned[inst].append(cid)
        text = ('{"id":%s,"instanceId":%s,"type":%s,"target":%s,"project":%s,'
                '"exclusive":true,"claimedAt":"%s","expiresAt":null}'
                % (q(cid), q(inst), q(kind), q(target), q(project), iso(now - 30)))
        claims.append((cid, text))
    out = ['{\n  "schemaVersion": 1,\n  "instances": {']
    out.append(",".join(
        ('\n    %s: {"id":%s,"tool":%s,"project":%s,"pid":%d,"status":"active",'
         '"currentTask":null,"beadsIssue":null,"startedAt":"%s","lastHeartbeat":"%s",'
         '"claims":[%s],"sid":0,"sidStart":0}')
        % (q(i), q(i), q(tool), q(project), 1, iso(now - 120), iso(now),
           ",".join(q(c) for c in owned[i]))
        for i, tool in insts))
    out.append('\n  },\n  "claims": {')
    out.append(",".join("\n    %s: %s" % (q(cid), c) for cid, c in claims))
    out.append('\n  },\n  "context": [],\n  "aioSeq": 1\n}\n')
    os.makedirs(home, mode=0o700, exist_ok=True)
    tmp = os.path.join(home, "state.json.tmp")
    with open(tmp, "w") as f:
        f.write("".join(out))
    os.rename(tmp, os.path.join(home, "state.json"))
    print(f"{insts[0][0]} {insts[1][0]}")


class Tar:
    def __init__(self, path):
        self.tar = tarfile.open(path, "w", format=tarfile.GNU_FORMAT)
        self.mtime = int(time.time()) - 86400
        self.dirs = set()

    def _dir(self, d):
        if not d or d in self.dirs:
            return
        self._dir(os.path.dirname(d))
        info = tarfile.TarInfo(d)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        info.mtime = self.mtime
        self.tar.addfile(info)
        self.dirs.add(d)

    def add(self, name, data, mode=0o644):
        self._dir(os.path.dirname(name))
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        info.mtime = self.mtime
        self.tar.addfile(info, io.BytesIO(data))

    def close(self):
        self.tar.close()


WORDS = ("alpha beta gamma delta state claim mount guard policy index path glob "
         "return value error status result thread cache inode read write open close "
         "the of to and in is for on with as by at from this that").split()


def text_pool(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()


def write_tree(out, nfiles, top="tree"):
    # ~100 files per directory, two levels of directories, sizes 100 B - 4 KB.
    rng = random.Random(1)
    pool = text_pool(rng, 1 << 16)
    exts = [".c", ".h", ".py", ".md", ".txt", ".json", ".ts", ".rs"]
    tar = Tar(out)
    per_dir = 100
    for i in range(nfiles):
        d = i // per_dir
        name = f"{top}/pkg{d // 20:02d}/mod{d % 20:02d}/file{i:05d}{exts[i % len(exts)]}"
        size = rng.randint(100, 4000)
        off = rng.randrange(0, len(pool) - size)
        tar.add(name, f"// {name} #{i}\n".encode() + pool[off:off + size])
    tar.add(f"{top}/README.md", b"generated tree for scripts/bench.sh\n")
    tar.close()


def write_cproject(out, nfiles):
    tar = Tar(out)
    tar.add("cproj/include/common.h",
            b"#pragma once\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
            b"struct item { int key; double value; char name[32]; };\n"
            b"int compare_items(const void *a, const void *b);\n")
    tar.add("cproj/src/common.c",
            b'#include "common.h"\nint compare_items(const void *a, const void *b) {\n'
            b"  const struct item *x = a, *y = b;\n  return (x->key > y->key) - (x->key < y->key);\n}\n")
    calls = []
    for i in range(nfiles):
        body = [f'#include "common.h"\n',
                f"static struct item table_{i}[64];\n"]
        for f in range(6):
            body.append(
                f"static double helper_{i}_{f}(int n) {{\n"
                f"  double acc = {f}.5;\n"
                f"  for (int k = 0; k < n; ++k) {{\n"
                f"    table_{i}[k % 64].key = (k * {f + 7}) ^ {i};\n"
                f"    table_{i}[k % 64].value += acc / (k + 1);\n"
                f"    acc += table_{i}[(k * 3) % 64].value;\n"
                f"  }}\n"
                f"  snprintf(table_{i}[0].name, sizeof table_{i}[0].name, \"h%d\", n);\n"
                f"  return acc;\n}}\n")
        body.append(f"double unit_{i}(int n) {{\n  double s = 0;\n")
        for f in range(6):
            body.append(f"  s += helper_{i}_{f}(n + {f});\n")
        body.append(f"  qsort(table_{i}, 64, sizeof table_{i}[0], compare_items);\n"
                    f"  return s + table_{i}[0].key;\n}}\n")
        tar.add(f"cproj/src/unit{i:03d}.c", "".join(body).encode())
        calls.append(f"  extern double unit_{i}(int); s += unit_{i}(argc);\n")
    tar.add("cproj/src/main.c",
            ('#include "common.h"\nint main(int argc, char **argv) {\n  (void)argv;\n'
             "  double s = 0;\n" + "".join(calls) + '  printf("%f\\n", s);\n  return 0;\n}\n')
            .encode())
    tar.add("cproj/Makefile",
            b"CC ?= cc\nCFLAGS ?= -O1 -g\n"
            b"SRCS := $(wildcard src/*.c)\nOBJS := $(SRCS:src/%.c=obj/%.o)\n"
            b"app: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n"
            b"obj/%.o: src/%.c include/common.h | obj\n\t$(CC) $(CFLAGS) -Iinclude -c -o $@ $<\n"
            b"obj:\n\tmkdir -p obj\n")
    tar.close()


def main(argv):
    if len(argv) == 5 and argv[1] == "state":
        write_state(argv[2], argv[3], int(argv[4]))
    elif len(argv) in (4, 5) and argv[1] == "tree":
        write_tree(argv[2], int(argv[3]), *argv[4:])
    elif len(argv) == 4 and argv[1] == "cproject":
        write_cproject(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
