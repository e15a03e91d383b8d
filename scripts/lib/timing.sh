# Whole-process timing shared by the compare-* scripts: source it, then `measure LABEL CMD…`
# once per run (alternating tools, so machine noise hits all alike) and `summary LABEL`.
# Needs GNU time (/usr/bin/time). Peak RSS is GNU time's %M: the largest single process of
# the tree, so the git processes a scanner starts count when they are the largest.
# Results go to a temporary directory, $timing_dir, removed on exit; scripts may put their
# scanners' outputs there too.

timing_dir=$(mktemp -d)
trap 'rm -rf "$timing_dir"' EXIT

# measure LABEL CMD… : runs CMD (output discarded, failures tolerated: a scanner that finds
# secrets exits non-zero) and appends "wall user sys kib" to $timing_dir/LABEL.
measure() {
  local label=$1; shift
  /usr/bin/time -q -f "%e %U %S %M" -o "$timing_dir/time" "$@" >/dev/null 2>&1 || true
  cat "$timing_dir/time" >> "$timing_dir/$label"
}

# summary LABEL : min and median wall time, min and median CPU (user + system), median peak
# RSS, over the runs measured so far.
summary() {
  local file=$timing_dir/$1
  awk -v l="$1" '{ wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
      return a[int((n + 1) / 2)]
    }
    END {
      w = median(wall, NR); wmin = wall[1]
      c = median(cpu, NR); cmin = cpu[1]
      printf "%-16s wall min %.2f s median %.2f s | CPU min %.2f s median %.2f s | peak RSS %.0f MB (%d runs)\n",
        l, wmin, w, cmin, c, median(rss, NR) / 1024, NR
    }' "$file"
}
