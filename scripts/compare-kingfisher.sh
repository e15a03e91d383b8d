#!/usr/bin/env bash
# Side-by-side wall time and peak memory of secretgate and Kingfisher on one tree, as whole
# processes, alternating runs so machine noise hits both alike. Prints min and median.
#   scripts/compare-kingfisher.sh DIR [RUNS] [THREADS...]
# Needs GNU time (/usr/bin/time) and `kingfisher` on PATH (PyPI `kingfisher-bin`).
set -euo pipefail
dir=${1:?usage: compare-kingfisher.sh DIR [RUNS] [THREADS...]}
runs=${2:-5}
shift $(( $# >= 2 ? 2 : 1 ))
[ $# -gt 0 ] || set -- 1 2
threads=("$@")
sg=${SECRETGATE:-target/release/secretgate}
kf=${KINGFISHER:-kingfisher}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # label cmd... -> appends "seconds kib" to $out/label
  local label=$1; shift
  /usr/bin/time -q -f "%e %M" -o "$out/t" "$@" >/dev/null 2>&1 || true
  cat "$out/t" >> "$out/$label"
}
summary() { # label
  sort -n "$out/$1" | awk -v l="$1" '{t[NR]=$1; m[NR]=$2} END {
    printf "%-16s min %.2f s  median %.2f s  peak RSS %.0f MB  (%d runs)\n", l, t[1], t[int((NR+1)/2)], m[int((NR+1)/2)]/1024, NR }'
}
for t in "${threads[@]}"; do
  for _ in $(seq "$runs"); do
    measure "secretgate-t$t" "$sg" scan "$dir" --threads "$t" --format json --output "$out/sg.json" --fail-on never
    measure "kingfisher-t$t" "$kf" scan "$dir" --no-validate --no-update-check --git-history none \
      --jobs "$t" --format json --output "$out/kf.json"
  done
  summary "secretgate-t$t"
  summary "kingfisher-t$t"
done
