#!/usr/bin/env bash
# Installs dependencies, builds ai8xsim and runs the shipped ECG example:
# a Conv1d beat classifier for MAX78002 with its known answer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target ai8xsim
build/bin/ai8xsim --config yaml/ecg-net.yaml --kat kat/sample_ecg_1x128.npy --class-names N,S,V,F,Q "$@"
