#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to an enforced project:
# installs the packages aio needs, builds it, installs aio, aio-context and
# aio-init into /usr/local/bin (PREFIX=... to change), prepares the project
# for agents (aio-init) and mounts it in place with claims enforced.
#   scripts/setup.sh PROJECT [aio mount options, e.g. --mode strict]
#   scripts/setup.sh          build and install only, then show `aio status`
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
aio_install_deps

PREFIX=${PREFIX:-/usr/local}
BUILD_DIR=${BUILD_DIR:-build-release}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DAIO_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target aio
sudo=()
if [ ! -w "$PREFIX/bin" ] && [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
"${sudo[@]}" cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
echo "installed: $PREFIX/bin/aio (with aio-context and aio-init)"

if [ $# -ge 1 ]; then
  project=$1
  shift
  mkdir -p "$project"
  "$PREFIX/bin/aio-init" "$project"
  "$PREFIX/bin/aio" mount "$project" "$@"
  "$PREFIX/bin/aio" mounts
  echo "agents: cd $project && eval \"\$(aio register claude --export)\"; unmount with: aio unmount $project"
else
  "$PREFIX/bin/aio" status
fi
