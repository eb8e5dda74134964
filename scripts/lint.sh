#!/usr/bin/env bash
# Keeps the house the size DESIGN.md §7 asks for, so it stays that way
# without anyone remembering to look:
#   - no source file in core/, fs/ or cli/ over 500 lines;
#   - no function over 80 lines (clang-tidy's readability-function-size);
#     a function that must be longer says why in a comment and carries
#     NOLINT(readability-function-size) on its first line;
#   - core/, fs/ and cli/ are formatted as .clang-format says.
#   scripts/lint.sh [BUILD_DIR]   (BUILD_DIR holds compile_commands.json;
#                                  default build)
# Exit 1 with one line per finding; 0 when the house is in order.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
MAX_FILE_LINES=500
MAX_FUNCTION_LINES=80

sources=$(ls core/*.h core/*.cc fs/*.h fs/*.cc cli/*.h cli/*.cc)
found=0

for f in $sources; do
  n=$(wc -l <"$f")
  if [ "$n" -gt "$MAX_FILE_LINES" ]; then
    echo "lint: $f has $n lines (at most $MAX_FILE_LINES: split it by concern)"
    found=1
  fi
done

if ! clang-format --dry-run --Werror $sources 2>/dev/null; then
  for f in $sources; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
      echo "lint: $f is not formatted (clang-format -i $f)"
  done
  found=1
fi

if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "lint: $BUILD_DIR/compile_commands.json is missing (configure the build first)"
  exit 1
fi
config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: $MAX_FUNCTION_LINES}]}"
tidy=$(printf '%s\n' $sources | grep '\.cc$' |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD_DIR" --quiet \
    -checks='-*,readability-function-size' -config="$config" 2>/dev/null |
  grep -E '(warning|error):' | sed "s|^$PWD/||" | sort -u || true)
if [ -n "$tidy" ]; then
  while IFS= read -r line; do
    case "$line" in
      *readability-function-size*)
        echo "lint: ${line%% \[*} (over $MAX_FUNCTION_LINES lines: split it, or say why and NOLINT it)" ;;
      *) echo "lint: clang-tidy cannot check: $line" ;;
    esac
  done <<<"$tidy"
  found=1
fi

[ "$found" -eq 0 ] && echo "lint: house in order"
exit "$found"
