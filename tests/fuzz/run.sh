#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time (the ctest tests fuzz.*):
#   run.sh BINARY SEED_CORPUS OUT_DIR      (AIO_FUZZ_SECONDS, default 20)
# New inputs go to OUT_DIR/<target>/corpus (the committed seeds are only
# read), crashes to OUT_DIR/<target>/artifacts. Appends one line to
# OUT_DIR/summary.txt: target, executions, seconds, coverage (edges),
# features, corpus size, findings. Fails on any finding.
set -uo pipefail
bin=${1:?usage: run.sh BINARY SEED_CORPUS OUT_DIR}
seeds=${2:?}
out=${3:?}
secs=${AIO_FUZZ_SECONDS:-20}
name=$(basename "$bin")
work="$out/$name"
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
start=$(date +%s)
"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" \
  >"$work/log" 2>&1
rc=$?
took=$(($(date +%s) - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n1)
last=$(grep -E '^#[0-9]+' "$work/log" | grep -E 'cov: ' | tail -n1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
findings=$(find "$work/artifacts" -type f | wc -l)
line=$(printf '%-18s %12s %6ss %7s %7s %6s %4s' "$name" "${execs:-?}" "$took" "${cov:-?}" \
  "${ft:-?}" "${corp:-?}" "$findings")
echo "$line" >>"$out/summary.txt"
echo "$line"
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
  echo "---- $name failed (exit $rc); the end of its log ($work/log):"
  tail -n 60 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -f "$a" ] || continue
    echo "---- input $a:"
    od -c "$a" | head -n 20
  done
  exit 1
fi
