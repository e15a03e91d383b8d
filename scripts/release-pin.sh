#!/usr/bin/env bash
# Pins a release in the action, for the release workflow:
#   scripts/release-pin.sh VERSION BASE_SHA CHECKSUMS_FILE
# Creates, through the GitHub API, the commit BASE_SHA + action/version.txt (VERSION) +
# action/checksums.txt (the release's SHA-256 sums), then the tag vVERSION and the branch
# release/vVERSION at it, and prints the commit's SHA. The binaries were built from BASE_SHA;
# the pin commit changes only those two files, so the tag's source is the built source and
# its action verifies the binaries with hashes that travel with the tag (RELEASING.md).
# Needs GH_TOKEN (contents: write) and GITHUB_REPOSITORY; GITHUB_API_URL (set on runners)
# picks the API. curl and jq only, so scripts/test-release-pin.sh can run it against a
# local server.
set -euo pipefail

version="${1:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
base="${2:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
sums="${3:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"

[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "release-pin: bad version '$version'" >&2; exit 1; }
[[ "$base" =~ ^[0-9a-f]{40}$ ]] || { echo "release-pin: bad commit '$base'" >&2; exit 1; }
api="${GITHUB_API_URL:-https://api.github.com}/repos/$repo"
# The token goes to curl in a file, never on its command line.
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
printf 'Authorization: Bearer %s\n' "${GH_TOKEN:?GH_TOKEN is not set}" > "$headers"

# call METHOD PATH [JSON]: the response body; fails with the API's answer on an HTTP error.
call() {
  local out
  if ! out=$(curl --silent --show-error --fail-with-body -X "$1" \
    -H "@$headers" -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" ${3:+--data-binary "$3"} "$api/$2"); then
    echo "release-pin: $1 $2 failed: $out" >&2
    return 1
  fi
  printf '%s' "$out"
}

checksums="# SHA-256 of the assets of release v$version (action/version.txt), in sha256sum format,
# committed by the release workflow. The action verifies the binary it downloads against
# these lines, which travel with this ref (RELEASING.md).
$(grep -v '^#' "$sums")
"
base_tree=$(call GET "git/commits/$base" | jq -er .tree.sha)
tree_request=$(jq -n --arg base "$base_tree" --arg version "$version"$'\n' --arg sums "$checksums" '{
  base_tree: $base,
  tree: [
    {path: "action/version.txt", mode: "100644", type: "blob", content: $version},
    {path: "action/checksums.txt", mode: "100644", type: "blob", content: $sums}
  ]}')
tree=$(call POST git/trees "$tree_request" | jq -er .sha)
message="Pin release v$version in the action

action/version.txt and action/checksums.txt name the release and the SHA-256
of its binaries, so the action at this commit (tag v$version, and the major tag
when it moves here) installs exactly those binaries."
commit_request=$(jq -n --arg tree "$tree" --arg parent "$base" --arg message "$message" \
  '{message: $message, tree: $tree, parents: [$parent]}')
commit=$(call POST git/commits "$commit_request" | jq -er .sha)
call POST git/refs "$(jq -n --arg ref "refs/tags/v$version" --arg sha "$commit" '{ref: $ref, sha: $sha}')" > /dev/null
call POST git/refs "$(jq -n --arg ref "refs/heads/release/v$version" --arg sha "$commit" '{ref: $ref, sha: $sha}')" > /dev/null
echo "$commit"
