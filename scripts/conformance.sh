#!/usr/bin/env bash
# Runs every known-answer case folder under DIR (default ../shared/conformance)
# through ai8xsim and prints one line per failing case, then "N passed, M failed".
# Usage: scripts/conformance.sh [DIR] [-- extra ai8xsim arguments]
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$here/../shared/conformance}
shift || true
[[ ${1:-} == "--" ]] && shift
bin=${AI8XSIM:-$here/build/bin/ai8xsim}
[[ -x $bin ]] || { echo "conformance: $bin not built (cmake --preset default && cmake --build --preset default)" >&2; exit 2; }
jobs=${JOBS:-$(nproc)}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
run_case() {
  local case=$1 name out rc
  name=$(basename "$case")
  out=$("$bin" --case "$case" "${@:2}" 2>&1)
  rc=$?
  if [[ $rc -eq 0 ]]; then echo pass >"$results/$name"; else
    { echo "rc=$rc"; echo "$out" | grep -E "error|KAT" | head -3; } >"$results/$name.fail"
  fi
}
export -f run_case
export bin results
find "$dir" -mindepth 2 -maxdepth 2 -name case.json -printf '%h\n' | sort | xargs -P "$jobs" -I{} bash -c 'run_case "$@"' _ {} "$@"
failed=0
for f in "$results"/*.fail; do
  [[ -e $f ]] || continue
  failed=$((failed + 1))
  echo "FAIL $(basename "$f" .fail): $(tr '\n' ' ' <"$f")"
done
passed=$(find "$results" -type f ! -name '*.fail' | wc -l)
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
