#!/usr/bin/env bash
# Pins a release in the action, for the release workflow:
#   scripts/release-pin.sh VERSION BASE_SHA CHECKSUMS_FILE
# Creates, through the GitHub API, the commit BASE_SHA + action/version.txt (VERSION) +
# action/checksums.txt (the release's SHA-256 sums), then the tag vVERSION and the branch
# release/vVERSION at it, and prints the commit's SHA. The binaries were built from BASE_SHA;
# the pin commit changes only those two files, so the tag's source is the built source and
# its action verifies the binaries with hashes that travel with the tag (RELEASING.md).
# Needs GH_TOKEN (contents: write) and GITHUB_REPOSITORY.
set -euo pipefail

version="${1:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
base="${2:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
sums="${3:?usage: $0 VERSION BASE_SHA CHECKSUMS_FILE}"
repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"

[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "release-pin: bad version '$version'" >&2; exit 1; }
[[ "$base" =~ ^[0-9a-f]{40}$ ]] || { echo "release-pin: bad commit '$base'" >&2; exit 1; }

checksums="# SHA-256 of the assets of release v$version (action/version.txt), in sha256sum format,
# committed by the release workflow. The action verifies the binary it downloads against
# these lines, which travel with this ref (RELEASING.md).
$(grep -v '^#' "$sums")
"
base_tree=$(gh api "repos/$repo/git/commits/$base" --jq .tree.sha)
tree=$(jq -n --arg base "$base_tree" --arg version "$version"$'\n' --arg sums "$checksums" '{
  base_tree: $base,
  tree: [
    {path: "action/version.txt", mode: "100644", type: "blob", content: $version},
    {path: "action/checksums.txt", mode: "100644", type: "blob", content: $sums}
  ]}' | gh api "repos/$repo/git/trees" --input - --jq .sha)
message="Pin release v$version in the action

action/version.txt and action/checksums.txt name the release and the SHA-256
of its binaries, so the action at this commit (tag v$version, and the major tag
when it moves here) installs exactly those binaries."
commit=$(jq -n --arg tree "$tree" --arg parent "$base" --arg message "$message" \
  '{message: $message, tree: $tree, parents: [$parent]}' \
  | gh api "repos/$repo/git/commits" --input - --jq .sha)
gh api "repos/$repo/git/refs" -f ref="refs/tags/v$version" -f sha="$commit" --silent
gh api "repos/$repo/git/refs" -f ref="refs/heads/release/v$version" -f sha="$commit" --silent
echo "$commit"
