#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a working aio:
# installs the packages it needs, builds it, installs aio, aio-context and
# aio-init into /usr/local/bin (PREFIX=... to change), and shows `aio status`.
#   scripts/setup.sh [project]   also prepares the project for agents (aio-init)
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
echo "installed: $(command -v aio || echo "$PREFIX/bin/aio")"
if [ $# -ge 1 ]; then
  "$PREFIX/bin/aio-init" "$1"
fi
"$PREFIX/bin/aio" status
