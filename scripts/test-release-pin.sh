#!/usr/bin/env bash
# Tests scripts/release-pin.sh against a server on 127.0.0.1 that plays GitHub's Git data
# API (commits, trees, refs) the way the release workflow uses it: it checks each request's
# token, method, path and body, creates objects, and refuses a ref that exists (422). Then
# the pinned files it received go into an action checkout, and action/install.sh must
# install the release binary with them, and refuse a different one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-release-pin: FAIL: $*" >&2; exit 1; }

base=0123456789abcdef0123456789abcdef01234567
cat > "$work/api.py" <<'PY'
import hashlib, json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state_dir, port_file, base = sys.argv[1], sys.argv[2], sys.argv[3]
PREFIX = "/repos/secretgate/secretgate/"
trees, commits, refs = {}, {base: {"tree": "basetree0", "parents": []}}, {}

def digest(obj):
    return hashlib.sha1(json.dumps(obj, sort_keys=True).encode()).hexdigest()

class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def problem(self):
        if self.headers.get("Authorization") != "Bearer test-token":
            return 401, {"message": "Bad credentials"}
        if self.headers.get("Accept") != "application/vnd.github+json":
            return 415, {"message": "Accept must be application/vnd.github+json"}
        if not self.path.startswith(PREFIX):
            return 404, {"message": "Not Found"}
        return None

    def do_GET(self):
        if (p := self.problem()):
            return self.reply(*p)
        path = self.path[len(PREFIX):]
        if path.startswith("git/commits/") and path[12:] in commits:
            sha = path[12:]
            return self.reply(200, {"sha": sha, "tree": {"sha": commits[sha]["tree"]}})
        self.reply(404, {"message": "Not Found"})

    def do_POST(self):
        if (p := self.problem()):
            return self.reply(*p)
        path = self.path[len(PREFIX):]
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        except ValueError:
            return self.reply(400, {"message": "Problems parsing JSON"})
        if path == "git/trees":
            if body.get("base_tree") not in [c["tree"] for c in commits.values()] + list(trees):
                return self.reply(422, {"message": "base_tree is not a tree"})
            for e in body.get("tree", []):
                if set(e) != {"path", "mode", "type", "content"} or e["mode"] != "100644" or e["type"] != "blob":
                    return self.reply(422, {"message": f"bad tree entry {e}"})
            sha = digest(body)
            trees[sha] = body
            return self.reply(201, {"sha": sha})
        if path == "git/commits":
            if body.get("tree") not in trees or any(p not in commits for p in body.get("parents", [])) or not body.get("message"):
                return self.reply(422, {"message": "bad commit"})
            sha = digest(body)
            commits[sha] = body
            return self.reply(201, {"sha": sha})
        if path == "git/refs":
            ref, sha = body.get("ref", ""), body.get("sha")
            if not ref.startswith("refs/") or sha not in commits:
                return self.reply(422, {"message": "bad ref"})
            if ref in refs:
                return self.reply(422, {"message": "Reference already exists"})
            refs[ref] = sha
            with open(os.path.join(state_dir, "state.json"), "w") as f:
                json.dump({"trees": trees, "commits": commits, "refs": refs}, f)
            return self.reply(201, {"ref": ref, "object": {"sha": sha}})
        self.reply(404, {"message": "Not Found"})

server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
PY
python3 "$work/api.py" "$work" "$work/port" "$base" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the API server did not start"

# The release's binaries and checksums, as the release job has them.
mkdir -p "$work/www/v1.2.3"
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin \
              aarch64-apple-darwin x86_64-pc-windows-msvc.exe aarch64-pc-windows-msvc.exe; do
  printf '#!/bin/sh\necho "secretgate 1.2.3 (%s)"\n' "$target" > "$work/www/v1.2.3/secretgate-$target"
done
(cd "$work/www/v1.2.3" && sha256sum secretgate-* > "$work/checksums.txt")

pin() {
  env GH_TOKEN="${TOKEN:-test-token}" GITHUB_REPOSITORY=secretgate/secretgate \
    GITHUB_API_URL="http://127.0.0.1:$(cat "$work/port")" \
    bash "$root/scripts/release-pin.sh" "$@"
}

commit="$(pin 1.2.3 "$base" "$work/checksums.txt")" || fail "release-pin failed"
python3 - "$work/state.json" "$commit" "$base" "$work" <<'PY' || fail "the pin commit is wrong"
import json, sys
state, commit, base, work = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
assert state["refs"] == {"refs/tags/v1.2.3": commit, "refs/heads/release/v1.2.3": commit}, state["refs"]
c = state["commits"][commit]
assert c["parents"] == [base], c
assert c["message"].startswith("Pin release v1.2.3 in the action"), c["message"]
tree = state["trees"][c["tree"]]
assert tree["base_tree"] == "basetree0", tree
files = {e["path"]: e["content"] for e in tree["tree"]}
assert set(files) == {"action/version.txt", "action/checksums.txt"}, files
assert files["action/version.txt"] == "1.2.3\n", files
for rel, text in files.items():
    with open(f"{work}/{rel.replace('/', '-')}", "w") as f:
        f.write(text)
PY

# A second run for the same version must fail: the tag exists.
if pin 1.2.3 "$base" "$work/checksums.txt" > /dev/null 2> "$work/err"; then fail "an existing tag was overwritten"; fi
grep -q "Reference already exists" "$work/err" || fail "no clear error: $(cat "$work/err")"
# A refused token and bad arguments fail too.
if TOKEN=wrong pin 1.2.4 "$base" "$work/checksums.txt" > /dev/null 2> "$work/err"; then fail "bad token accepted"; fi
grep -q "Bad credentials" "$work/err" || fail "no clear error: $(cat "$work/err")"
if pin 'v1; rm' "$base" "$work/checksums.txt" 2> /dev/null; then fail "bad version accepted"; fi

# The files it committed make action/install.sh install the release binary, and only it.
action="$work/action-src"
mkdir -p "$action/action"
cp "$root/action/install.sh" "$action/action/"
cp "$work/action-version.txt" "$action/action/version.txt"
cp "$work/action-checksums.txt" "$action/action/checksums.txt"
# shellcheck source-path=SCRIPTDIR source=release-server.sh
. "$root/scripts/release-server.sh"
start_release_server "$work/www" "$work/release-requests" || fail "the release server did not start"
release_pid=$release_server_pid
trap 'kill "$release_pid" 2>/dev/null || true; cleanup' EXIT
install() {
  : > "$work/out"
  env GITHUB_ACTION_PATH="$action" RUNNER_TEMP="$work/temp" RUNNER_TOOL_CACHE="$work/cache" \
    RUNNER_OS=Linux RUNNER_ARCH=ARM64 GITHUB_OUTPUT="$work/out" \
    SECRETGATE_DOWNLOAD_BASE="$release_base" bash "$action/action/install.sh" > "$work/install.log" 2>&1
}
install || fail "install.sh refused the pinned release: $(cat "$work/install.log")"
grep -q "secretgate 1.2.3 (aarch64-unknown-linux-musl)" "$work/install.log" || fail "$(cat "$work/install.log")"
rm -rf "$work/cache"
echo 'echo other' >> "$work/www/v1.2.3/secretgate-aarch64-unknown-linux-musl"
if install; then fail "install.sh accepted a binary the pin does not list"; fi
grep -q "SHA-256 mismatch" "$work/install.log" || fail "$(cat "$work/install.log")"
echo "test-release-pin: ok"
