#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: core unit tests, CLI
# end-to-end scripts, the mount tests that use real FUSE, and pjdfstest
# through the mount (ctest label posix: scripts/posix.sh --subset).
#   scripts/test.sh            build in ./build and run ctest
#   BUILD_DIR=... scripts/test.sh
# Under CI=true a missing /dev/fuse is a failure, not a reason to skip.
set -euo pipefail
cd "$(dirname "$0")/.."
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
