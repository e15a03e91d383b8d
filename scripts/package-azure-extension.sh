#!/usr/bin/env bash
# Packages the Azure DevOps extension (.vsix) with the secretgate binaries inside, for CI
# (.ci/azure-checks.sh) and the release workflow alike:
#   scripts/package-azure-extension.sh BIN_DIR OUT_DIR
# BIN_DIR holds <os>-<arch>/secretgate[.exe] folders (linux-x64, linux-arm64, osx-x64,
# osx-arm64, win-x64, win-arm64), the layout azure-task/lib.js looks for. The task is staged
# with its runtime packages only (npm ci --omit=dev); tfx comes from azure-task's lockfile.
# Fails when BIN_DIR holds no binary: a task without one cannot run on any agent.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir=$(cd "${1:?usage: $0 BIN_DIR OUT_DIR}" && pwd)
out_dir="${2:?usage: $0 BIN_DIR OUT_DIR}"
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

shipped=()
for folder in linux-x64 linux-arm64 osx-x64 osx-arm64 win-x64 win-arm64; do
  exe=secretgate
  case "$folder" in win-*) exe=secretgate.exe ;; esac
  if [ -f "$bin_dir/$folder/$exe" ]; then
    shipped+=("$folder/$exe")
  fi
done
if [ "${#shipped[@]}" -eq 0 ]; then
  echo "package-azure-extension: no secretgate binary under $bin_dir (<os>-<arch>/secretgate[.exe])" >&2
  exit 1
fi

stage="$root/dist/azure-extension-stage"
rm -rf "$stage"
mkdir -p "$stage/azure-task/bin"
cp "$root/vss-extension.json" "$root/LICENSE-MIT" "$stage/"
cp -R "$root/azure-extension" "$stage/"
cp "$root"/azure-task/{task.json,index.js,lib.js,icon.png,package.json,package-lock.json} "$stage/azure-task/"
(cd "$stage/azure-task" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
for file in "${shipped[@]}"; do
  mkdir -p "$stage/azure-task/bin/$(dirname "$file")"
  cp "$bin_dir/$file" "$stage/azure-task/bin/$file"
  chmod 755 "$stage/azure-task/bin/$file"
done

if [ ! -x "$root/azure-task/node_modules/.bin/tfx" ]; then
  (cd "$root/azure-task" && npm ci --no-audit --no-fund --loglevel=error)
fi
version=$(node -p "require('$root/vss-extension.json').version")
rm -f "$out_dir"/*.vsix
"$root/azure-task/node_modules/.bin/tfx" extension create --no-prompt \
  --root "$stage" --manifest-globs vss-extension.json --output-path "$out_dir/"
vsix=$(ls "$out_dir"/*.vsix)

# The package must hold the task as the agent loads it, with each binary byte for byte.
python3 - "$vsix" "$bin_dir" "$version" "${shipped[@]}" <<'PY'
import hashlib, json, sys, zipfile
vsix, bin_dir, version, shipped = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
z = zipfile.ZipFile(vsix)
names = set(z.namelist())
need = ["azure-task/task.json", "azure-task/index.js", "azure-task/lib.js",
        "azure-task/node_modules/azure-pipelines-task-lib/task.js", "extension.vsixmanifest"]
missing = [n for n in need if n not in names]
dev = [n for n in names if n.startswith(("azure-task/node_modules/mocha/", "azure-task/node_modules/tfx-cli/", "azure-task/tests/"))]
if missing or dev:
    sys.exit(f"{vsix}: missing {missing}, unexpected {sorted(dev)[:5]}")
for rel in shipped:
    packed = z.read(f"azure-task/bin/{rel}")
    with open(f"{bin_dir}/{rel}", "rb") as f:
        if hashlib.sha256(packed).digest() != hashlib.sha256(f.read()).digest():
            sys.exit(f"{vsix}: azure-task/bin/{rel} differs from {bin_dir}/{rel}")
task = json.loads(z.read("azure-task/task.json"))
v = task["version"]
if f"{v['Major']}.{v['Minor']}.{v['Patch']}" != version:
    sys.exit(f"{vsix}: task.json version {v} is not the extension's {version}")
if not {"Node24", "Node20_1"} <= set(task["execution"]):
    sys.exit(f"{vsix}: task.json lacks the Node24 and Node20_1 handlers")
print(f"{vsix}: {len(names)} files; binaries {', '.join(shipped)}")
PY
