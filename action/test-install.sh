#!/usr/bin/env bash
# Tests install.sh offline: a stand-in `curl` serves a fake release from a local folder and
# a stand-in `cargo` records a source build, so each branch of the script runs for real
# (version from the ref, SHA-256 check against the pinned or the release checksums, refusal
# on a mismatch, source build for branch refs) without the network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "test-install: FAIL: $*" >&2; exit 1; }

# The action checkout: install.sh, a Cargo.toml, and optionally pinned checksums.
action="$work/action-src"
mkdir -p "$action/action" "$work/bin" "$work/release"
cp "$here/install.sh" "$action/action/install.sh"
printf '[package]\nname = "secretgate"\nversion = "1.2.3"\n' > "$action/Cargo.toml"

# A fake release asset: a script that answers --version.
asset="secretgate-x86_64-unknown-linux-musl"
printf '#!/bin/sh\necho "secretgate 1.2.3 (fake)"\n' > "$work/release/$asset"
(cd "$work/release" && sha256sum "$asset" > checksums.txt)

cat > "$work/bin/curl" <<'CURL'
#!/usr/bin/env bash
# curl --fail ... --output FILE URL: copy the URL's last part from $FAKE_RELEASE.
out=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    --proto | --retry) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "$url" >> "$FAKE_LOG"
cp "$FAKE_RELEASE/${url##*/}" "$out" 2>/dev/null || exit 22
CURL
cat > "$work/bin/cargo" <<'CARGO'
#!/usr/bin/env bash
# cargo install --locked --quiet --path P --root R: record it, leave a binary behind.
echo "cargo $*" >> "$FAKE_LOG"
root=""; while [ $# -gt 0 ]; do [ "$1" = "--root" ] && root="$2"; shift; done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "secretgate (built)"\n' > "$root/bin/secretgate"
chmod +x "$root/bin/secretgate"
CARGO
chmod +x "$work/bin/curl" "$work/bin/cargo"

run() { # run <ref> <version> -> exit code; output in $work/out
  rm -rf "$work/temp" && mkdir -p "$work/temp"
  : > "$work/log"; : > "$work/gh_output"
  set +e
  env PATH="$work/bin:$PATH" FAKE_RELEASE="$work/release" FAKE_LOG="$work/log" \
    GITHUB_ACTION_PATH="$action" RUNNER_TEMP="$work/temp" RUNNER_OS=Linux RUNNER_ARCH=X64 \
    GITHUB_OUTPUT="$work/gh_output" GITHUB_SERVER_URL=https://github.com \
    SECRETGATE_ACTION_REF="$1" SECRETGATE_VERSION="$2" SECRETGATE_ACTION_REPOSITORY=secretgate/secretgate \
    bash "$action/action/install.sh" > "$work/out" 2>&1
  local code=$?
  set -e
  return $code
}

# A release tag: download, verify against the release's checksums.txt.
run v1.2.3 "" || fail "release tag: $(cat "$work/out")"
grep -q "releases/download/v1.2.3/$asset" "$work/log" || fail "wrong asset URL: $(cat "$work/log")"
grep -q "verified against checksums.txt of release v1.2.3" "$work/out" || fail "not verified: $(cat "$work/out")"
grep -q "^bin=.*/secretgate$" "$work/gh_output" || fail "no bin output"

# A major tag at the release commit: the same release.
run v1 "" || fail "major tag: $(cat "$work/out")"
grep -q "download/v1.2.3/" "$work/log" || fail "major tag did not map to v1.2.3"

# A tampered asset is refused.
cp "$work/release/$asset" "$work/good"
printf '#!/bin/sh\necho evil\n' > "$work/release/$asset"
if run v1.2.3 ""; then fail "tampered asset accepted"; fi
grep -q "SHA-256 mismatch" "$work/out" || fail "no mismatch message: $(cat "$work/out")"
[ ! -s "$work/gh_output" ] || fail "bin output written for a bad asset"
cp "$work/good" "$work/release/$asset"

# Checksums pinned in the action's checkout win over the release's file.
echo "0000000000000000000000000000000000000000000000000000000000000000  $asset" > "$action/action/checksums.txt"
if run v1.2.3 ""; then fail "pinned checksum ignored"; fi
grep -q "action/checksums.txt at v1.2.3" "$work/out" || fail "pinned file not used: $(cat "$work/out")"
rm "$action/action/checksums.txt"

# A branch or SHA ref builds from source; so does a local action (no ref).
run main "" || fail "branch: $(cat "$work/out")"
grep -q "^cargo install --locked --quiet --path $action" "$work/log" || fail "no source build: $(cat "$work/log")"
run "" "" || fail "local: $(cat "$work/out")"
grep -q "^cargo install" "$work/log" || fail "no source build for a local action"

# An explicit version input downloads that release; a malformed one is refused.
run main 1.2.3 || fail "version input: $(cat "$work/out")"
grep -q "download/v1.2.3/" "$work/log" || fail "version input ignored"
if run main '1.2.3; rm -rf /'; then fail "malformed version accepted"; fi

echo "test-install: ok"
