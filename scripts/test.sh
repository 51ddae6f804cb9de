#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors and runs every test
# (unit tests, reader and malformed-input tables, --describe against the
# generator's layer tables, and every known-answer case).
#   scripts/test.sh            the CI preset (build/)
#   scripts/test.sh --sanitize the ASan + UBSan preset (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=ci
if [[ ${1:-} == "--sanitize" ]]; then preset=asan; fi
scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
