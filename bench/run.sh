#!/usr/bin/env bash
# Measures ai8xsim against its aims and prints the ratios.
#   whole-process known-answer time per network (aim for mnist: 25 ms; the
#   vendor generator takes about 2.6 s for the same known answer)
#   engine compute per network and MAC/s (aim for mnist: 0.14 ms, ten times
#   faster than the silicon's 1410 us)
#   simulated accelerator cycles per second of the SystemC model (--model
#   systemc, replay only; aim: 5 million/s), with the layer check and without
#   (--no-layer-check)
#   wall time of a whole directory of known-answer cases
# Usage: bench/run.sh [CONFORMANCE_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$here/../shared/conformance}
cmake --preset default >/dev/null
cmake --build --preset default --target ai8xsim >/dev/null
bin=$here/build/bin/ai8xsim

# Median wall time of N runs of a command, in milliseconds.
median_ms() {
  local n=$1; shift
  local times=()
  for ((i = 0; i < n; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

largest=$(for c in "$dir"/*/; do echo "$(stat -c %s "$c/sample.npy") $c"; done | sort -n | tail -1 | cut -d' ' -f2)
printf '%-34s %12s %12s %14s %10s\n' network "process ms" "engine ms" "MAC/s" MACs
for c in "$dir/demo85-mnist" "$dir/demo85-cifar-10" "$dir/demo85-kws20_v3" "${largest%/}"; do
  [[ -d $c ]] || continue
  process=$(median_ms 11 "$bin" --case "$c")
  line=$("$bin" --case "$c" --bench 21 2>/dev/null)
  macs=$(sed -E 's/engine: ([0-9]+) MACs.*/\1/' <<<"$line")
  engine=$(sed -E 's/.*median ([0-9.]+) s.*/\1/' <<<"$line")
  rate=$(sed -E 's/.*runs, ([0-9.e+]+) MAC.*/\1/' <<<"$line")
  printf '%-34s %12s %12.3f %14s %10s\n' "$(basename "$c")" "$process" "$(awk "BEGIN{print $engine*1000}")" "$rate" "$macs"
  if [[ $(basename "$c") == demo85-mnist ]]; then mnist_process=$process; mnist_engine=$engine; fi
done
echo
if [[ -n ${mnist_process:-} ]]; then
  awk -v p="$mnist_process" -v e="$mnist_engine" 'BEGIN {
    printf "mnist whole process / aim 25 ms          = %.2f\n", p / 25
    printf "vendor generator 2600 ms / mnist process = %.0f\n", 2600 / p
    printf "mnist engine / aim 0.14 ms               = %.2f\n", e * 1000 / 0.14
    printf "silicon 1410 us / mnist engine           = %.2f\n", 1.410 / (e * 1000)
  }'
fi
echo
# Median simulated cycles/s of 5 runs of `--model systemc ARGS...` on a case.
model_rate() {
  local c=$1; shift
  local rates=() out
  for ((i = 0; i < 5; i++)); do
    out=$("$bin" --case "$c" --model systemc "$@" 2>/dev/null || true)
    rates+=("$(sed -nE 's/^wall [0-9.]+ ms, ([0-9.e+]+) simulated cycles\/s.*/\1/p' <<<"$out")")
  done
  printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# "checked": the default run, with the access log and every layer compared
# with the fast engine; "model": --no-layer-check, the model alone.
printf '%-24s %10s %14s %10s %14s %10s\n' network cycles "checked cyc/s" "/ aim 5M" "model cyc/s" "/ aim 5M"
for c in "$dir/demo85-mnist" "$dir/demo85-cifar-10" "$dir/demo85-kws20_v3"; do
  [[ -d $c ]] || continue
  cycles=$("$bin" --case "$c" --model systemc --no-layer-check 2>/dev/null | sed -nE 's/.* ([0-9]+) cycles \(.*/\1/p' | head -n 1)
  checked=$(model_rate "$c")
  alone=$(model_rate "$c" --no-layer-check)
  printf '%-24s %10s %14s %10.2f %14s %10.2f\n' "$(basename "$c")" "$cycles" "$checked" \
    "$(awk "BEGIN{print $checked/5e6}")" "$alone" "$(awk "BEGIN{print $alone/5e6}")"
done
echo
t0=$(date +%s%N)
"$here/scripts/conformance.sh" "$dir" | tail -1
t1=$(date +%s%N)
echo "conformance directory wall time: $(((t1 - t0) / 1000000)) ms"
