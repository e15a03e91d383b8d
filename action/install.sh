#!/usr/bin/env bash
# Installs the secretgate binary for the runner's OS and architecture and writes its path to
# the step output `bin`. Every way ends in a binary that was checked, or in a failed step.
#
# - Default: the release pinned in this action's own files. `action/version.txt` names it and
#   `action/checksums.txt` holds the SHA-256 of each of its assets; the release workflow
#   commits both together (RELEASING.md), so `@v1`, `@v1.2.3` and a full commit SHA of the
#   action all install the same, verified binary. A hash that differs fails the step.
# - `version: X.Y.Z` other than the pinned one: no committed checksums exist for it, so the
#   binary must pass `gh attestation verify` (build provenance from the release workflow);
#   without `gh` the step fails and says how to fix it.
# - `version: source`: build from the action's checkout with `cargo install --locked`.
# - `binary: PATH`: use a preinstalled secretgate (self-hosted and air-gapped runners).
# - Verified downloads are kept in the runner's tool cache and checked again on every use.
#
# Inputs arrive as environment variables only: SECRETGATE_VERSION, SECRETGATE_BINARY,
# SECRETGATE_ACTION_REPOSITORY, plus the runner's GITHUB_*/RUNNER_* variables.
# SECRETGATE_DOWNLOAD_BASE replaces `<server>/<repo>/releases/download` (a mirror; the
# tests point it at a server on 127.0.0.1).
set -euo pipefail

die() {
  echo "::error title=secretgate install::$*"
  exit 1
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this from action.yml}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/secretgate"
tool_cache="${RUNNER_TOOL_CACHE:-$temp/tool-cache}"
if command -v cygpath >/dev/null 2>&1; then
  # Git Bash on Windows: POSIX paths, so the binary can be executed by path.
  temp="$(cygpath -u "$temp")"
  tool_cache="$(cygpath -u "$tool_cache")"
  action_path="$(cygpath -u "$action_path")"
fi
mkdir -p "$temp"

write_output() {
  "$1" --version || die "$1 does not run on this runner"
  echo "bin=$1" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

# 1. A preinstalled binary.
if [ -n "${SECRETGATE_BINARY:-}" ]; then
  [ -f "$SECRETGATE_BINARY" ] && [ -x "$SECRETGATE_BINARY" ] \
    || die "binary '$SECRETGATE_BINARY' is not an executable file"
  echo "Using the preinstalled $SECRETGATE_BINARY"
  write_output "$SECRETGATE_BINARY"
  exit 0
fi

# 2. A source build, only when asked for.
version="${SECRETGATE_VERSION:-}"
version="${version#v}"
if [ "$version" = "source" ]; then
  command -v cargo >/dev/null 2>&1 \
    || die "version: source needs Rust (cargo) on the runner; install it first (for example dtolnay/rust-toolchain)"
  echo "Building secretgate from $action_path"
  cargo install --locked --quiet --path "$action_path" --root "$temp"
  exe=""
  [ -f "$temp/bin/secretgate.exe" ] && exe=".exe"
  write_output "$temp/bin/secretgate$exe"
  exit 0
fi

# 3. A release binary.
exe=""
case "${RUNNER_OS:-$(uname -s)}" in
  Linux) os="unknown-linux-musl" ;;
  macOS | Darwin) os="apple-darwin" ;;
  Windows | MINGW* | MSYS*) os="pc-windows-msvc"; exe=".exe" ;;
  *) os="" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  X64 | x86_64 | amd64) arch="x86_64" ;;
  ARM64 | arm64 | aarch64) arch="aarch64" ;;
  *) arch="" ;;
esac
if [ -z "$os" ] || [ -z "$arch" ]; then
  die "no secretgate release build for ${RUNNER_OS:-$(uname -s)} ${RUNNER_ARCH:-$(uname -m)}: set 'binary' to a preinstalled secretgate, or 'version: source' to build it with cargo"
fi
asset="secretgate-$arch-$os$exe"

pinned_version=""
if [ -f "$action_path/action/version.txt" ]; then
  pinned_version="$(tr -d ' \r\n' < "$action_path/action/version.txt")"
fi
[ -n "$version" ] || version="$pinned_version"
[ -n "$version" ] \
  || die "this action ref pins no secretgate release (action/version.txt is empty): use a released ref such as secretgate/secretgate@v1, or set 'version: source'"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] \
  || die "version '$version' is not a release version such as 1.2.3 (or 'source')"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# The hash listed for $2 in the `sha256sum`-style file $1.
listed_hash() {
  awk -v a="$2" '{ sub(/\r$/, "") } $2 == a || $2 == "*" a { print tolower($1); exit }' "$1" 2>/dev/null || true
}

expected=""
if [ "$version" = "$pinned_version" ]; then
  expected="$(listed_hash "$action_path/action/checksums.txt" "$asset")"
  [ -n "$expected" ] \
    || die "$asset is not listed in action/checksums.txt for the pinned release $version: this action ref is incomplete, use a released ref (@v1) or 'version: source'"
fi

# Checks $1 against the committed hash, or its build provenance when the version is not
# pinned here. Returns non-zero with a message on stderr when it does not pass.
verify() {
  local file="$1" actual
  if [ -n "$expected" ]; then
    actual="$(sha256_of "$file")"
    if [ "$actual" != "$expected" ]; then
      echo "SHA-256 mismatch for $asset $version: expected $expected (action/checksums.txt), got $actual" >&2
      return 1
    fi
    echo "SHA-256 of $asset verified against action/checksums.txt ($version)"
  else
    command -v gh >/dev/null 2>&1 || {
      echo "version $version is not the release this action ref pins (${pinned_version:-none}), and without the GitHub CLI (gh) its build provenance cannot be checked: use the action at the ref of that release (uses: secretgate/secretgate@v$version), or install gh" >&2
      return 1
    }
    GH_TOKEN="${GH_TOKEN:-${INPUT_TOKEN:-}}" gh attestation verify "$file" --repo "$repo" >&2 || {
      echo "gh attestation verify found no valid build provenance from $repo for $asset $version" >&2
      return 1
    }
    echo "Build provenance of $asset verified with gh attestation verify ($version)"
  fi
}

repo="${SECRETGATE_ACTION_REPOSITORY:-}"
[ -n "$repo" ] || repo="secretgate/secretgate"

cache_dir="$tool_cache/secretgate/$version/$arch-$os"
bin="$cache_dir/secretgate$exe"
if [ -f "$cache_dir.complete" ] && [ -f "$bin" ]; then
  if message="$(verify "$bin" 2>&1)"; then
    echo "$message"
    echo "Using the cached $bin"
    write_output "$bin"
    exit 0
  fi
  echo "::warning title=secretgate install::the cached $bin failed verification; downloading it again"
  rm -rf "$cache_dir" "$cache_dir.complete"
fi

base="${SECRETGATE_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}"
url="$base/v$version/$asset"
proto="=https"
case "$url" in http://127.0.0.1[:/]*) proto="=http" ;; esac
echo "Downloading $url"
download="$temp/$asset"
rm -f "$download"
curl --fail --silent --show-error --location --retry 3 --proto "$proto" --proto-redir "$proto" \
  --output "$download" "$url" \
  || die "cannot download $asset of release $version from $url (is $version released for $arch-$os?)"
if ! message="$(verify "$download" 2>&1)"; then
  rm -f "$download"
  die "refusing to run the downloaded binary: $message"
fi
echo "$message"
mkdir -p "$cache_dir"
mv "$download" "$bin"
chmod +x "$bin"
touch "$cache_dir.complete"
write_output "$bin"
