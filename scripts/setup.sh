#!/usr/bin/env bash
# Installs every build and test dependency of ai8xsim from Debian packages.
# Idempotent: packages already present are not reinstalled, and apt is not
# touched at all when nothing is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libsystemc-dev libyaml-cpp-dev libgtest-dev libgmock-dev libcli11-dev
  nlohmann-json3-dev libhdf5-dev libzip-dev zlib1g-dev libbenchmark-dev
  clang libclang-rt-14-dev libxml2-dev clang-format clang-tidy
  libunicorn-dev gcc
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
