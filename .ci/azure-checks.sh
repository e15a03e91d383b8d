#!/usr/bin/env bash
# Azure DevOps task and extension checks, called by .ci/run (idempotent, offline apart from
# the npm registry and PyPI):
#   1. install azure-task's packages from its lockfile and run its mocha tests
#      (MockTestRunner, with the offline Node workaround inside the suite);
#   2. validate task.json and vss-extension.json against the schemas in tests/specs;
#   3. package the extension with tfx into dist/<publisher>.<id>-<version>.vsix, from a staging copy of the
#      task that holds only its runtime packages and the bundled binaries.
# Binaries: put them in azure-task/bin/<os>-<arch>/ (release builds), or set
# SECRETGATE_TASK_BINARY to one Linux x64 binary to bundle; without either the package
# has no binary and says so.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

specs=${SECRETGATE_SPECS:-$root/tests/specs}
if [ ! -f "$specs/azure-pipelines-task.schema.json" ]; then
  echo "azure-checks: $specs/azure-pipelines-task.schema.json is missing (set SECRETGATE_SPECS)" >&2
  exit 1
fi

npm_install() {
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error "$@"
  else
    npm install --no-audit --no-fund --loglevel=error "$@"
  fi
}

echo "== azure-task: install and test"
(cd azure-task && npm_install && npm test)

echo "== schemas: task.json, vss-extension.json"
if [ ! -x .venv-tools/bin/check-jsonschema ]; then
  python3 -m venv .venv-tools
  .venv-tools/bin/pip install --quiet --disable-pip-version-check check-jsonschema
fi
.venv-tools/bin/check-jsonschema --regex-variant python \
  --schemafile "$specs/azure-pipelines-task.schema.json" azure-task/task.json
.venv-tools/bin/check-jsonschema \
  --schemafile "$specs/vss-extension.schema.json" vss-extension.json

echo "== extension: stage and package"
stage=dist/azure-extension-stage
rm -rf "$stage"
mkdir -p "$stage/azure-task"
cp vss-extension.json LICENSE-MIT "$stage/"
cp -R azure-extension "$stage/"
cp azure-task/task.json azure-task/index.js azure-task/lib.js azure-task/icon.png \
   azure-task/package.json azure-task/package-lock.json "$stage/azure-task/"
(cd "$stage/azure-task" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
if [ -d azure-task/bin ]; then
  cp -R azure-task/bin "$stage/azure-task/"
elif [ -n "${SECRETGATE_TASK_BINARY:-}" ]; then
  mkdir -p "$stage/azure-task/bin/linux-x64"
  cp "$SECRETGATE_TASK_BINARY" "$stage/azure-task/bin/linux-x64/secretgate"
else
  echo "note: no secretgate binaries bundled (azure-task/bin/ absent, SECRETGATE_TASK_BINARY unset)"
fi
mkdir -p dist
rm -f dist/*.vsix
azure-task/node_modules/.bin/tfx extension create --no-prompt \
  --root "$stage" --manifest-globs vss-extension.json --output-path dist/
vsix=$(ls dist/*.vsix)

# The package must hold the task as the agent loads it.
python3 - "$vsix" <<'PY'
import json, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["azure-task/task.json", "azure-task/index.js", "azure-task/lib.js",
        "azure-task/node_modules/azure-pipelines-task-lib/task.js", "extension.vsixmanifest"]
missing = [n for n in need if n not in names]
dev = [n for n in names if n.startswith(("azure-task/node_modules/mocha/", "azure-task/node_modules/tfx-cli/", "azure-task/tests/"))]
if missing or dev:
    sys.exit(f"{sys.argv[1]}: missing {missing}, unexpected {sorted(dev)[:5]}")
print(f"{sys.argv[1]}: {len(names)} files, task and runtime packages present")
PY
echo "azure-checks: ok"
