#!/usr/bin/env bash
# clang-format (check only) and clang-tidy over the project's sources.
#   scripts/lint.sh          check formatting and run clang-tidy
#   scripts/lint.sh --format check formatting only (fast; part of ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
[[ ${1:-} == "--format" ]] && exit 0
[[ -f build/compile_commands.json ]] || cmake --preset default >/dev/null
mapfile -t sources < <(git ls-files 'sim/*.cpp' 'models/*.cpp')
# Collect first: clang-tidy exits non-zero on findings, which must not hide them.
findings=$(printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null |
  grep -E "(warning|error):" || true)
if [[ -n $findings ]]; then
  echo "$findings"
  exit 1
fi
echo "clang-tidy: ${#sources[@]} files clean"
