#!/usr/bin/env bash
# Counts the FUSE requests the kernel sends while a command runs, by opcode,
# from the fuse:fuse_request_send tracepoint (needs root and tracefs; every
# FUSE mount of the machine is counted). The tool behind the round-trip
# counts in the issue notes: on a 2-core VM each synchronous request costs
# about 17 µs, so what a workload costs through a mount is mostly how many
# it sends.
#
#   bench/fuse-ops.sh COMMAND [ARG...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bench/fuse-ops.sh COMMAND [ARG...]" >&2; exit 2; }
T=/sys/kernel/tracing
[ -d "$T/events/fuse" ] || mount -t tracefs nodev "$T" 2>/dev/null || true
[ -w "$T/events/fuse/fuse_request_send/enable" ] ||
  { echo "fuse-ops: no writable fuse tracepoint under $T (root and tracefs needed)" >&2; exit 3; }
echo 0 >"$T/tracing_on"
: >"$T/trace"
echo 1 >"$T/events/fuse/fuse_request_send/enable"
trap 'echo 0 >"$T/events/fuse/fuse_request_send/enable"; echo 0 >"$T/tracing_on"' EXIT
echo 1 >"$T/tracing_on"
rc=0
"$@" || rc=$?
echo 0 >"$T/tracing_on"
grep -o 'opcode [0-9]* ([A-Z_0-9]*)' "$T/trace" | awk '{print $3}' | tr -d '()' |
  sort | uniq -c | sort -rn | awk '{printf "%8d %s\n", $1, $2; n += $1} END {printf "%8d total\n", n}' >&2
exit $rc
