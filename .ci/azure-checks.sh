#!/usr/bin/env bash
# Azure DevOps task and extension checks, called by .ci/run (idempotent, offline apart from
# the npm registry and PyPI):
#   1. install azure-task's packages from its lockfile and run its mocha tests
#      (MockTestRunner, with the offline Node workaround inside the suite);
#   2. validate task.json and vss-extension.json against the schemas in tests/specs;
#   3. package the extension with tfx into dist/<publisher>.<id>-<version>.vsix with
#      scripts/package-azure-extension.sh (the release uses the same script), and check that
#      the package holds the task, its runtime packages and each binary byte for byte.
# Binaries: put them in azure-task/bin/<os>-<arch>/ (release builds), or set
# SECRETGATE_TASK_BINARY to one Linux x64 binary to bundle (.ci/run passes its release
# build). Without either the check fails: a task without a binary cannot run.
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
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
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

echo "== extension: package with binaries"
if [ -d azure-task/bin ]; then
  bin_dir=azure-task/bin
elif [ -n "${SECRETGATE_TASK_BINARY:-}" ]; then
  [ -f "$SECRETGATE_TASK_BINARY" ] || { echo "azure-checks: SECRETGATE_TASK_BINARY=$SECRETGATE_TASK_BINARY is not a file" >&2; exit 1; }
  bin_dir=dist/azure-bin
  rm -rf "$bin_dir"
  mkdir -p "$bin_dir/linux-x64"
  cp "$SECRETGATE_TASK_BINARY" "$bin_dir/linux-x64/secretgate"
else
  echo "azure-checks: no binary to bundle: build one (cargo build --release) and set" >&2
  echo "  SECRETGATE_TASK_BINARY=target/release/secretgate, or fill azure-task/bin/<os>-<arch>/" >&2
  exit 1
fi
bash scripts/package-azure-extension.sh "$bin_dir" dist
echo "azure-checks: ok"
