#!/usr/bin/env bash
# Regenerates docs/img/mnist-memory.svg and docs/img/kws20_v3-memory.svg (the
# "Memory maps" pictures of docs/memory-layout.md) from the shared known-answer
# cases, with the code that draws --memory-map (sim/check/memory_map.cpp).
# Usage: scripts/memory-map-figures.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
cmake --build "$build" --target test_memory_map -j 2
AI8X_UPDATE_FIGURES=1 "$build/bin/test_memory_map" --gtest_filter='MemoryMap.DocumentationFigures'
ls -l docs/img/mnist-memory.svg docs/img/kws20_v3-memory.svg
