#!/usr/bin/env bash
# The reports of an AIO_SANITIZE build (cmake/sanitize.cmake).
#   reports.sh DIR          fails when any process left a report in DIR,
#                           printing the start of each (ctest: sanitize.reports)
#   reports.sh --clean DIR  empties DIR before a run (ctest: sanitize.clean).
#                           It must exist: a runtime that cannot open its
#                           report file dies with only a line on stderr.
set -uo pipefail
if [ "${1:-}" = "--clean" ]; then
  dir=${2:?usage: reports.sh --clean DIR}
  rm -rf "$dir" && mkdir -p "$dir" && chmod 1777 "$dir"  # 1777: any user may report
  exit
fi
dir=${1:?usage: reports.sh [--clean] DIR}
shopt -s nullglob
reports=("$dir"/report.*)
if [ ${#reports[@]} -eq 0 ]; then
  echo "no sanitizer reports in $dir"
  exit 0
fi
for r in "${reports[@]}"; do
  echo "==== $r"
  head -n 80 "$r"
done
echo "${#reports[@]} sanitizer report(s) in $dir" >&2
exit 1
