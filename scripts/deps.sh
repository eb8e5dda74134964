#!/usr/bin/env bash
# Installs the Debian packages aio needs to build, test and run, if missing.
# Works as root or as a user with sudo. Sourced by setup.sh and test.sh.
set -euo pipefail

AIO_PACKAGES=(cmake g++ make pkg-config nlohmann-json3-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libfuse3-dev fuse3 libgit2-dev git jq
  util-linux libcap2-bin clang-format clang-tidy python3 procps
  etcd-server etcd-client libcurl4-openssl-dev)

# aio_install_deps [PACKAGE...]: AIO_PACKAGES and any given (scripts/fuzz.sh: clang).
aio_install_deps() {
  local missing=() p
  for p in "${AIO_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "aio: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  echo "aio: installing ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
