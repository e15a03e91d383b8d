#!/usr/bin/env bash
# Lints the GitHub Action and workflows: zizmor (security audit, offline) and the JSON
# schemas for action.yml and each workflow. Tools come from PyPI into .venv-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

specs="${SECRETGATE_SPECS:-tests/specs}"
for schema in github-action.schema.json github-workflow.schema.json; do
  if [ ! -f "$specs/$schema" ]; then
    echo "github-checks: $specs/$schema is missing (set SECRETGATE_SPECS to the specs folder)" >&2
    exit 1
  fi
done

venv=.venv-tools
if [ ! -x "$venv/bin/zizmor" ] || [ ! -x "$venv/bin/check-jsonschema" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "zizmor>=1.32,<2" "check-jsonschema>=0.33,<1"
fi

echo "github-checks: zizmor --offline"
"$venv/bin/zizmor" --offline --no-progress action.yml .github/workflows

echo "github-checks: action.yml against github-action.schema.json"
"$venv/bin/check-jsonschema" --schemafile "$specs/github-action.schema.json" action.yml

echo "github-checks: workflows against github-workflow.schema.json"
"$venv/bin/check-jsonschema" --schemafile "$specs/github-workflow.schema.json" .github/workflows/*.yml

echo "github-checks: bash -n action/*.sh"
for script in action/*.sh; do
  bash -n "$script"
done
echo "github-checks: action/test-install.sh"
bash action/test-install.sh
echo "github-checks: ok"
