#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: core unit tests, CLI
# end-to-end scripts, the mount tests that use real FUSE, and pjdfstest
# through the mount (ctest label posix: scripts/posix.sh --subset).
#   scripts/test.sh            build in ./build and run ctest
#   BUILD_DIR=... scripts/test.sh
# Under CI=true a missing /dev/fuse is a failure, not a reason to skip.
set -euo pipefail
cd "$(dirname "$0")/.."
AIO_ROOT=$PWD
. scripts/deps.sh
aio_install_deps

if [ ! -c /dev/fuse ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "aio: /dev/fuse is missing; the mount tests cannot run (CI=true makes this a failure)" >&2
    exit 1
  fi
  echo "aio: /dev/fuse is missing; the mount tests will skip" >&2
fi

BUILD_DIR=${BUILD_DIR:-build}
# -DAIO_TEST_POSIX=ON: pjdfstest through the mount (scripts/posix.sh) as ctest test posix.pjdfstest.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIO_TEST_POSIX=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 900

# ---- sanitizers and fuzzing ----
# One clang build (build-asan/: ASan + UBSan, libFuzzer coverage; -O1 and
# line tables only, to build in a fraction of the time): the unit and mount
# tests again under the sanitizers (a finding in any process, the mount
# daemon too, fails sanitize.reports; the CLI scripts' crash loops take too
# long there for CI: `ctest -L cli` in build-asan runs them), then every
# libFuzzer target for AIO_FUZZ_SECONDS (default 20) each (scripts/fuzz.sh
# on the same build). Both run whatever the other gives; one summary at the
# end. AIO_SKIP_SANITIZE=1 skips this block.
if [ "${AIO_SKIP_SANITIZE:-}" != 1 ]; then
  cd "$AIO_ROOT"
  aio_install_deps clang libclang-rt-14-dev
  san_rc=0 fuzz_rc=0
  t0=$(date +%s)
  CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DAIO_SANITIZE=address,undefined -DAIO_FUZZ=ON \
    -DAIO_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$(nproc)"
  t1=$(date +%s)
  (cd build-asan && ctest --output-on-failure -j"$(nproc)" --timeout 900 -L 'core|fs|sanitize' |
    tee ctest.log) || san_rc=$?
  t2=$(date +%s)
  FUZZ_BUILD_DIR=build-asan bash scripts/fuzz.sh "${AIO_FUZZ_SECONDS:-20}" || fuzz_rc=$?
  t3=$(date +%s)
  echo
  echo "==== sanitizers and fuzzing"
  echo "asan+ubsan: build $((t1 - t0))s, tests $((t2 - t1))s: $(grep -E 'tests passed' build-asan/ctest.log || echo 'no ctest summary')"
  echo "fuzz:       $((t3 - t2))s, exit $fuzz_rc"
  [ "$san_rc" -eq 0 ] && [ "$fuzz_rc" -eq 0 ]
fi
