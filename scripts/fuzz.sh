#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz; clang, ASan + UBSan) in
# build-fuzz/ (or $FUZZ_BUILD_DIR) and runs each for SECONDS (default 60),
# two at a time, from its committed seed corpus:
#   scripts/fuzz.sh [SECONDS]
# Prints, per target: executions, wall time, coverage (edges), features,
# corpus size and findings. A finding (crash, sanitizer report, broken
# property) fails the run; the input is kept in build-fuzz/fuzz/<target>/
# artifacts/ and should become a table row in tests/core beside its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
. scripts/deps.sh
aio_install_deps clang libclang-rt-14-dev

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# A build already configured for fuzzing (scripts/test.sh's build-asan) is
# used as it is; otherwise one is configured here.
if ! grep -q '^AIO_FUZZ:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIO_FUZZ=ON \
    -DAIO_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target fuzz_all
rm -f "$BUILD_DIR/fuzz/summary.txt"
rc=0
(cd "$BUILD_DIR" && AIO_FUZZ_SECONDS=$SECS ctest -L fuzz -j"$(nproc)" --output-on-failure) || rc=$?
echo
printf '%-18s %12s %7s %7s %7s %6s %4s\n' target executions time cov ft corpus finds
sort "$BUILD_DIR/fuzz/summary.txt" 2>/dev/null || true
exit "$rc"
