#!/usr/bin/env bash
# Sums build-fuzz/ledger.tsv (written by scripts/fuzz.sh) per target, as the markdown table
# of docs/fuzzing.md: executions, seconds, last coverage and findings.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ledger="${1:-$root/build-fuzz/ledger.tsv}"
awk -F'\t' '
  { t = $2; sub(/s$/, "", $3); execs[t] += $4; secs[t] += $3; cov[t] = $5; sub(/ corp:.*/, "", cov[t]);
    if ($6 ~ /finding/) found[t]++; if (!(t in seen)) { seen[t] = 1; order[++n] = t } }
  END { for (i = 1; i <= n; i++) { t = order[i];
          printf "| %s | %d | %d min | %s | %d |\n", t, execs[t], secs[t] / 60, cov[t], found[t] } }
' "$ledger"
