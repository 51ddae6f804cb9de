#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in build-fuzz/ and runs each
# for the given number of seconds, one after another, on one core.
#
#   scripts/fuzz.sh [seconds per target] [target...]     (default: 60 s, every target)
#
# On the first run each corpus (build-fuzz/corpus/<target>) is seeded from the shared corpus
# (../shared/data, ../shared/conformance); later runs continue from what the corpus holds.
# Per target it prints the executions, the coverage (cov/ft/corp from libFuzzer's last status
# line) and any crash file (build-fuzz/crashes/<target>/), and appends the run to
# build-fuzz/ledger.tsv. Exits 1 if any target found something.
# See docs/fuzzing.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-fuzz"
shared="${AI8X_SHARED_DIR:-$root/../shared}"
seconds="${1:-60}"
shift || true
all_targets=(npy zip pickle checkpoint network_yaml expected_json sampleoutput_h trace)
targets=("$@")
if ((${#targets[@]} == 0)); then targets=("${all_targets[@]}"); fi

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: scripts/fuzz.sh [seconds per target] [target...]" >&2
  exit 2
fi

# --- build
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DAI8X_FUZZ=ON -DAI8X_BUILD_TESTS=OFF -DAI8X_BUILD_BENCH=OFF -DAI8X_SHARED_DIR="$shared" >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

# --- seeds: files of the shared corpus, named by content so duplicates collapse
add_seed() {  # add_seed <target> <file>
  local sum
  sum=$(sha1sum "$2" | cut -c1-40)
  cp "$2" "$build/corpus/$1/$sum"
}

# Files under the shared directories up to a size, found by name.
shared_files() {  # shared_files <max bytes> <find -name pattern>...
  local max=$1
  shift
  find "$shared/data" "$shared/conformance" -type f -size -"$((max + 1))"c \( "$@" \) 2>/dev/null | sort
}

is_zip() { [[ $(head -c 2 "$1") == PK ]]; }

seed_target() {
  local t=$1 f
  case "$t" in
    npy)
      while read -r f; do add_seed npy "$f"; done < <(shared_files 65536 -name '*.npy')
      ;;
    zip)
      while read -r f; do is_zip "$f" && add_seed zip "$f"; done < <(shared_files 100000 -name '*.pth.tar')
      ;;
    checkpoint)
      while read -r f; do add_seed checkpoint "$f"; done < <(shared_files 100000 -name '*.pth.tar')
      ;;
    pickle)
      # data.pkl of every zip checkpoint, and whole small legacy checkpoints (pickles back to back).
      local tmp
      tmp=$(mktemp)
      while read -r f; do
        if is_zip "$f"; then
          if command -v unzip >/dev/null; then
            unzip -p "$f" '*/data.pkl' >"$tmp" 2>/dev/null && add_seed pickle "$tmp"
          fi
        elif (($(stat -c %s "$f") <= 100000)); then
          add_seed pickle "$f"
        fi
      done < <(shared_files $((64 << 20)) -name '*.pth.tar')
      rm -f "$tmp"
      ;;
    network_yaml)
      while read -r f; do add_seed network_yaml "$f"; done < <(shared_files 65536 -name '*.yaml')
      ;;
    expected_json)
      while read -r f; do add_seed expected_json "$f"; done < <(shared_files 16384 -name 'expected.json')
      ;;
    trace)
      # The register traces of the conformance cases, cut to their first 64 KiB (the reader is
      # line based: the head of a trace exercises every record kind but the final WAIT_IRQ).
      while read -r f; do
        head -c 65536 "$f" >"$build/corpus/trace/tmp" && add_seed trace "$build/corpus/trace/tmp"
      done < <(find "$shared/conformance" -name registers.txt | sort | awk 'NR % 8 == 1')
      rm -f "$build/corpus/trace/tmp"
      ;;
    sampleoutput_h)
      # The shared corpus has no sampleoutput.h: write small expected.json files in its format.
      printf '// This file was @generated automatically\n\n#define SAMPLE_OUTPUT { \\\n  0x50400000, 0xffffffff, 0x00000002, 0x00000001, 0xfffffffe, 0x00000000 \\\n}\n' \
        >"$build/corpus/sampleoutput_h/handwritten"
      if command -v python3 >/dev/null; then
        local out="$build/corpus/sampleoutput_h"
        shared_files 4096 -name 'expected.json' | head -n 64 | python3 -c '
import json, sys, hashlib
for path in sys.stdin.read().split():
    values = []
    for c in json.load(open(path))["checks"]:
        values += [c["addr"], c["mask"], len(c["words"])] + c["words"]
    values.append(0)
    items = ", ".join("0x%08x" % v for v in values)
    text = "// This file was @generated automatically\n\n#define SAMPLE_OUTPUT { \\\n  " + items + " \\\n}\n"
    name = hashlib.sha1(text.encode()).hexdigest()
    open(sys.argv[1] + "/" + name, "w").write(text)
' "$out"
      fi
      ;;
  esac
}

# --- run
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$crashes" "$build/logs"
  if [[ -z $(ls -A "$corpus") ]]; then
    seed_target "$t"
    echo "fuzz: $t: seeded $(ls "$corpus" | wc -l) inputs from $shared"
  fi
  echo "fuzz: $t: ${seconds}s (log: $log)"
  rc=0
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1 || true)
  line="$t: ${execs:-?} executions (${rate:-?}/s), ${cov:-no coverage reported}"
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if ((rc == 72)) && [[ -z $artifact ]]; then
    line+=", interrupted by a signal before the time was up"  # libFuzzer's -interrupted_exitcode
  elif ((rc != 0)) || [[ -n $artifact ]]; then
    failed=1
    line+=", FINDING (exit $rc): ${artifact:-see $log}"
  fi
  echo "fuzz: $line"
  summary+=("$line")
  # The ledger keeps every run, so executions add up across runs and sessions (docs/fuzzing.md).
  printf '%s\t%s\t%ss\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" "${execs:-?}" "${cov:-?}" \
    "$([[ $line == *FINDING* ]] && echo finding || echo clean)" >>"$build/ledger.tsv"
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
