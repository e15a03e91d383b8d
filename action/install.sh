#!/usr/bin/env bash
# Installs the secretgate binary for the runner's OS and architecture and writes its path to
# the step output `bin`.
#
# - `version` input set, or the action used at a release tag (`@v1.2.3`, or a major tag
#   such as `@v1` that points at a release commit): download that release's asset and
#   verify its SHA-256 against `action/checksums.txt` from the action's own checkout when it
#   lists the asset (pinned together with the ref), else against the release's
#   `checksums.txt`. A mismatch fails the step.
# - Any other ref (a branch or a commit SHA, or `uses: ./`): build from the action's source
#   with `cargo install --locked --path`.
#
# Inputs arrive as environment variables only: SECRETGATE_VERSION, SECRETGATE_ACTION_REF,
# SECRETGATE_ACTION_REPOSITORY, plus the runner's GITHUB_*/RUNNER_* variables.
set -euo pipefail

die() {
  echo "::error title=secretgate install::$*"
  exit 1
}

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this from action.yml}"
root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/secretgate"
if command -v cygpath >/dev/null 2>&1; then
  # Git Bash on Windows: use a POSIX path so the binary can be executed by path.
  root="$(cygpath -u "$root")"
  action_path="$(cygpath -u "$action_path")"
fi
mkdir -p "$root/bin"

exe=""
case "${RUNNER_OS:-$(uname -s)}" in
  Linux) os="unknown-linux-musl" ;;
  macOS | Darwin) os="apple-darwin" ;;
  Windows | MINGW* | MSYS*) os="pc-windows-msvc"; exe=".exe" ;;
  *) die "unsupported runner OS '${RUNNER_OS:-unknown}'" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  X64 | x86_64 | amd64) arch="x86_64" ;;
  ARM64 | arm64 | aarch64) arch="aarch64" ;;
  *) arch="" ;;
esac

# Which release, if any.
version="${SECRETGATE_VERSION:-}"
version="${version#v}"
ref="${SECRETGATE_ACTION_REF:-}"
if [ -z "$version" ] && [[ "$ref" =~ ^v([0-9]+)(\.[0-9]+)?(\.[0-9]+)?$ ]]; then
  # A version tag points at a release commit: the source's version is the release.
  cargo_version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$action_path/Cargo.toml" | head -n 1)"
  case "$cargo_version." in
    "${ref#v}".*) version="$cargo_version" ;;
    *) echo "::warning title=secretgate install::ref $ref does not match the source version $cargo_version; building from source" ;;
  esac
fi
if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  die "version '$version' is not a release version such as 1.2.3"
fi

bin="$root/bin/secretgate$exe"

build_from_source() {
  command -v cargo >/dev/null 2>&1 \
    || die "no release to download for this ref and no cargo to build one: use a release tag (uses: owner/secretgate@v1) or install Rust first"
  echo "Building secretgate from $action_path (ref '${ref:-local}')"
  cargo install --locked --quiet --path "$action_path" --root "$root"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# The hash listed for $asset in a `sha256sum`-style file.
listed_hash() {
  awk -v a="$2" '$2 == a || $2 == "*" a { print tolower($1); exit }' "$1" 2>/dev/null || true
}

if [ -z "$version" ]; then
  build_from_source
elif [ -z "$arch" ]; then
  echo "::warning title=secretgate install::no release build for ${RUNNER_ARCH:-this architecture}; building from source"
  build_from_source
else
  repo="${SECRETGATE_ACTION_REPOSITORY:-}"
  [ -n "$repo" ] || die "cannot tell which repository the action comes from (github.action_repository is empty)"
  asset="secretgate-$arch-$os$exe"
  base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/v$version"
  echo "Downloading $asset from release v$version of $repo"
  curl --fail --silent --show-error --location --retry 3 --proto '=https' \
    --output "$root/$asset" "$base/$asset" \
    || die "cannot download $base/$asset"

  expected="$(listed_hash "$action_path/action/checksums.txt" "$asset")"
  source="action/checksums.txt at $ref"
  if [ -z "$expected" ]; then
    curl --fail --silent --show-error --location --retry 3 --proto '=https' \
      --output "$root/checksums.txt" "$base/checksums.txt" \
      || die "cannot download $base/checksums.txt"
    expected="$(listed_hash "$root/checksums.txt" "$asset")"
    source="checksums.txt of release v$version"
  fi
  [ -n "$expected" ] || die "$asset is not listed in $source"
  actual="$(sha256_of "$root/$asset")"
  if [ "$actual" != "$expected" ]; then
    rm -f "$root/$asset"
    die "SHA-256 mismatch for $asset: expected $expected ($source), got $actual"
  fi
  echo "SHA-256 verified against $source"
  mv "$root/$asset" "$bin"
  chmod +x "$bin"
fi

"$bin" --version
echo "bin=$bin" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
