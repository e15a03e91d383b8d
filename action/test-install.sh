#!/usr/bin/env bash
# Tests install.sh against a real HTTP server on 127.0.0.1 that plays a GitHub release
# download (`/v<version>/<asset>`), with real curl and real SHA-256 checks: the pinned
# release with the right and a wrong checksum, a missing asset, an unsupported platform, the
# tool cache (and a tampered cache entry), a preinstalled binary, `version: source`, and a
# version that is not pinned (gh attestation verify, or a clear refusal without gh).
# Only `cargo` and `gh` are stand-ins: they record their arguments, and the stand-in gh
# passes or fails as the case says. The PATH holds only the tools install.sh needs, so a gh
# on this machine cannot change the outcome.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1; else shasum -a 256 "$1" | cut -d ' ' -f 1; fi
}

# The action checkout: install.sh and the pinned release (version.txt, checksums.txt).
action="$work/action-src"
mkdir -p "$action/action" "$work/tools" "$work/stand-ins" "$work/www/v1.2.3" "$work/www/v1.3.0"
cp "$here/install.sh" "$action/action/install.sh"
echo "1.2.3" > "$action/action/version.txt"

# Release assets: scripts that answer --version. The macOS arm64 asset is listed in the
# checksums but missing from the release.
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-msvc.exe; do
  printf '#!/bin/sh\necho "secretgate 1.2.3 (%s)"\n' "$target" > "$work/www/v1.2.3/secretgate-$target"
done
printf '#!/bin/sh\necho "secretgate 1.3.0"\n' > "$work/www/v1.3.0/secretgate-x86_64-unknown-linux-musl"
{
  echo "# pinned with the action"
  for f in "$work"/www/v1.2.3/*; do echo "$(sha256 "$f")  ${f##*/}"; done
  echo "1111111111111111111111111111111111111111111111111111111111111111  secretgate-aarch64-apple-darwin"
} > "$action/action/checksums.txt"

# The release server: serves $work/www on 127.0.0.1 and logs each requested path.
# shellcheck source-path=SCRIPTDIR source=../scripts/release-server.sh
. "$here/../scripts/release-server.sh"
start_release_server "$work/www" "$work/requests" || fail "the release server did not start"
server_pid=$release_server_pid
base=$release_base

# Only the tools install.sh uses, plus the stand-ins.
for tool in bash sh env curl awk sha256sum shasum cut tr mkdir rm mv chmod touch cat uname; do
  if command -v "$tool" >/dev/null 2>&1; then ln -s "$(command -v "$tool")" "$work/tools/$tool"; fi
done
cat > "$work/stand-ins/cargo" <<'SH'
#!/usr/bin/env bash
# cargo install --locked --quiet --path P --root R: record it, leave a binary behind.
echo "cargo $*" >> "$STAND_IN_LOG"
root=""; while [ $# -gt 0 ]; do [ "$1" = "--root" ] && root="$2"; shift; done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "secretgate (built)"\n' > "$root/bin/secretgate"
chmod +x "$root/bin/secretgate"
SH
cat > "$work/stand-ins/gh" <<'SH'
#!/usr/bin/env bash
echo "gh $*" >> "$STAND_IN_LOG"
[ "${STAND_IN_GH:-}" = "pass" ]
SH
chmod +x "$work/stand-ins/cargo" "$work/stand-ins/gh"

# run <os> <arch> [VAR=value...]: install.sh's exit code; output in $work/out.
run() {
  local os="$1" arch="$2"
  shift 2
  : > "$work/requests"; : > "$work/stand-ins.log"; : > "$work/gh_output"
  local path="$work/tools"
  case " $* " in *" WITH_STAND_INS=1 "*) path="$work/stand-ins:$work/tools" ;; esac
  set +e
  env -i PATH="$path" HOME="$work" STAND_IN_LOG="$work/stand-ins.log" \
    GITHUB_ACTION_PATH="$action" RUNNER_TEMP="$work/temp" RUNNER_TOOL_CACHE="$work/cache" \
    RUNNER_OS="$os" RUNNER_ARCH="$arch" GITHUB_OUTPUT="$work/gh_output" \
    SECRETGATE_ACTION_REPOSITORY=secretgate/secretgate SECRETGATE_DOWNLOAD_BASE="$base" \
    "$@" bash "$action/action/install.sh" > "$work/out" 2>&1
  local code=$?
  set -e
  return $code
}
out() { cat "$work/out"; }
expect_output() { grep -q -- "$1" "$work/out" || fail "$2: expected '$1' in: $(out)"; }
expect_no_bin() { [ ! -s "$work/gh_output" ] || fail "$1: bin output written: $(cat "$work/gh_output")"; }

# The pinned release, right checksum: downloaded, verified, cached, run.
run Linux X64 || fail "pinned release: $(out)"
grep -qx "/v1.2.3/secretgate-x86_64-unknown-linux-musl" "$work/requests" || fail "asset URL: $(cat "$work/requests")"
expect_output "verified against action/checksums.txt (1.2.3)" "pinned release"
expect_output "secretgate 1.2.3 (x86_64-unknown-linux-musl)" "pinned release runs"
grep -qx "bin=$work/cache/secretgate/1.2.3/x86_64-unknown-linux-musl/secretgate" "$work/gh_output" \
  || fail "bin output: $(cat "$work/gh_output")"

# The second run takes the verified binary from the tool cache, without a download.
run Linux X64 || fail "cached: $(out)"
[ ! -s "$work/requests" ] || fail "cached binary downloaded again: $(cat "$work/requests")"
expect_output "Using the cached" "cache"

# A cached binary that no longer matches is replaced by a verified download.
printf '#!/bin/sh\necho tampered\n' > "$work/cache/secretgate/1.2.3/x86_64-unknown-linux-musl/secretgate"
run Linux X64 || fail "tampered cache: $(out)"
expect_output "failed verification; downloading it again" "tampered cache"
grep -q "/v1.2.3/" "$work/requests" || fail "tampered cache not downloaded again"

# A checkout with CRLF line ends (git on Windows) pins the same release.
cp "$action/action/checksums.txt" "$work/checksums.lf"
cp "$action/action/version.txt" "$work/version.lf"
sed -i 's/$/\r/' "$action/action/checksums.txt" "$action/action/version.txt"
rm -rf "$work/cache"
run Linux X64 || fail "CRLF checkout: $(out)"
expect_output "verified against action/checksums.txt (1.2.3)" "CRLF checkout"
cp "$work/checksums.lf" "$action/action/checksums.txt"
cp "$work/version.lf" "$action/action/version.txt"

# Other platforms pick their asset; Windows adds .exe.
run Linux ARM64 || fail "linux arm64: $(out)"
expect_output "secretgate 1.2.3 (aarch64-unknown-linux-musl)" "linux arm64"
run Windows X64 || fail "windows: $(out)"
grep -qx "/v1.2.3/secretgate-x86_64-pc-windows-msvc.exe" "$work/requests" || fail "windows asset: $(cat "$work/requests")"

# Wrong checksum: the release's binary is not the one pinned; refused, nothing cached.
printf '#!/bin/sh\necho evil\n' > "$work/www/v1.2.3/secretgate-aarch64-unknown-linux-musl"
rm -rf "$work/cache"
if run Linux ARM64; then fail "wrong checksum accepted: $(out)"; fi
expect_output "refusing to run the downloaded binary: SHA-256 mismatch for secretgate-aarch64-unknown-linux-musl 1.2.3" "wrong checksum"
expect_no_bin "wrong checksum"
if grep -q evil "$work/out"; then fail "the refused binary was run"; fi
[ ! -e "$work/cache/secretgate/1.2.3/aarch64-unknown-linux-musl.complete" ] || fail "refused binary cached"

# Missing asset: listed in the checksums, absent from the release.
if run macOS ARM64; then fail "missing asset accepted: $(out)"; fi
expect_output "cannot download secretgate-aarch64-apple-darwin of release 1.2.3" "missing asset"
expect_no_bin "missing asset"

# Unsupported platforms fail before any download and say what to do instead.
if run Linux X86; then fail "32-bit x86 accepted: $(out)"; fi
expect_output "no secretgate release build for Linux X86: set 'binary'" "unsupported arch"
if run FreeBSD X64; then fail "FreeBSD accepted: $(out)"; fi
expect_output "no secretgate release build for FreeBSD X64" "unsupported OS"
[ ! -s "$work/requests" ] || fail "unsupported platform downloaded: $(cat "$work/requests")"

# A version that is not pinned here: only with verified build provenance.
if run Linux X64 SECRETGATE_VERSION=1.3.0; then fail "unpinned version without gh accepted: $(out)"; fi
expect_output "without the GitHub CLI (gh) its build provenance cannot be checked" "unpinned, no gh"
expect_no_bin "unpinned, no gh"
if run Linux X64 SECRETGATE_VERSION=1.3.0 WITH_STAND_INS=1 STAND_IN_GH=fail; then fail "failed attestation accepted: $(out)"; fi
expect_output "no valid build provenance from secretgate/secretgate" "attestation fails"
grep -q "^gh attestation verify .*/secretgate-x86_64-unknown-linux-musl --repo secretgate/secretgate$" "$work/stand-ins.log" \
  || fail "gh call: $(cat "$work/stand-ins.log")"
run Linux X64 SECRETGATE_VERSION=v1.3.0 WITH_STAND_INS=1 STAND_IN_GH=pass || fail "attested version: $(out)"
expect_output "secretgate 1.3.0" "attested version runs"

# An action ref that pins no release, and malformed versions, fail with a clear message.
mv "$action/action/version.txt" "$work/version.txt"
if run Linux X64; then fail "no pinned release accepted: $(out)"; fi
expect_output "this action ref pins no secretgate release" "no pin"
mv "$work/version.txt" "$action/action/version.txt"
if run Linux X64 'SECRETGATE_VERSION=1.2.3; rm -rf /'; then fail "malformed version accepted"; fi
expect_output "is not a release version" "malformed version"

# version: source builds from the action's checkout, and needs cargo.
run Linux X64 SECRETGATE_VERSION=source WITH_STAND_INS=1 || fail "source: $(out)"
grep -q "^cargo install --locked --quiet --path $action --root " "$work/stand-ins.log" || fail "no source build: $(cat "$work/stand-ins.log")"
expect_output "secretgate (built)" "source build runs"
[ ! -s "$work/requests" ] || fail "source build downloaded"
if run Linux X64 SECRETGATE_VERSION=source; then fail "source build without cargo: $(out)"; fi
expect_output "version: source needs Rust (cargo)" "source without cargo"

# A preinstalled binary is used as it is; a path that is not one is refused.
printf '#!/bin/sh\necho "secretgate 1.2.3 (preinstalled)"\n' > "$work/preinstalled"
chmod +x "$work/preinstalled"
run Linux X86 SECRETGATE_BINARY="$work/preinstalled" || fail "preinstalled: $(out)"
expect_output "secretgate 1.2.3 (preinstalled)" "preinstalled"
grep -qx "bin=$work/preinstalled" "$work/gh_output" || fail "preinstalled bin output"
if run Linux X64 SECRETGATE_BINARY="$work/nothing-here"; then fail "missing preinstalled binary accepted"; fi
expect_output "is not an executable file" "missing preinstalled"

echo "test-install: ok"
