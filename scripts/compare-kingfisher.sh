#!/usr/bin/env bash
# Side-by-side wall time, CPU and peak memory of secretgate and Kingfisher on one tree, as
# whole processes, alternating runs so machine noise hits both alike. Prints min and median.
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
# shellcheck source-path=SCRIPTDIR source=lib/timing.sh
. "$(dirname "$0")/lib/timing.sh"
out=$timing_dir

for t in "${threads[@]}"; do
  for _ in $(seq "$runs"); do
    measure "secretgate-t$t" "$sg" scan "$dir" --threads "$t" --format json --output "$out/sg.json" --fail-on never
    measure "kingfisher-t$t" "$kf" scan "$dir" --no-validate --no-update-check --git-history none \
      --jobs "$t" --format json --output "$out/kf.json"
  done
  summary "secretgate-t$t"
  summary "kingfisher-t$t"
done
