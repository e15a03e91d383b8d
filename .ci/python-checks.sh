#!/usr/bin/env bash
# The PyPI wheel and the pre-commit hook, end to end (tools from PyPI only):
#   1. build the `secretgate-cli` wheel with maturin (python/pyproject.toml, `bin` bindings;
#      after .ci/run's `cargo build --release` this reuses that build);
#   2. install it and the root pre-commit shim into a fresh venv, with the wheel found
#      locally instead of on PyPI, and run the installed `secretgate`;
#   3. run the hook as users do (`pre-commit try-repo`) on a git repository whose staged
#      change adds a token (must fail, naming the rule, without the secret) and on one
#      without (must pass). pre-commit installs the hook from this checkout, and must take
#      the wheel, not compile.
# SECRETGATE_WHEEL_PROFILE picks the cargo profile (default release).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

venv=.venv-tools
if [ ! -x "$venv/bin/maturin" ]; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
fi

version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
wheels="$root/dist/wheels"
rm -rf "$wheels"
echo "== python: maturin build (profile ${SECRETGATE_WHEEL_PROFILE:-release})"
(cd python && "$root/$venv/bin/maturin" build --locked --profile "${SECRETGATE_WHEEL_PROFILE:-release}" --out "$wheels")
wheel=$(ls "$wheels"/secretgate_cli-"$version"-*.whl)
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
scripts = [n for n in names if "/scripts/secretgate" in n]
if len(scripts) != 1:
    sys.exit(f"{sys.argv[1]}: expected one secretgate script in the wheel, found {scripts}")
print(f"{sys.argv[1]}: carries {scripts[0]}")
PY

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== python: install the wheel and the pre-commit shim"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "setuptools>=68" wheel "pre-commit>=3,<5"
# The shim's dependency (secretgate-cli==$version) must resolve to the local wheel only.
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links "$wheels" --no-build-isolation "$root"
installed="$("$work/venv/bin/secretgate" --version)"
[ "$installed" = "secretgate $version" ] || { echo "python-checks: installed '$installed', expected secretgate $version" >&2; exit 1; }
echo "installed: $installed"

echo "== python: the pre-commit hook, installed by pre-commit itself"
repo="$work/repo"
git init --quiet "$repo"
git -C "$repo" config user.email ci@example.invalid
git -C "$repo" config user.name ci
echo "hello" > "$repo/clean.txt"
git -C "$repo" add clean.txt
hook() {
  (cd "$repo" && PRE_COMMIT_HOME="$work/pre-commit-home" PIP_FIND_LINKS="$wheels" \
    "$work/venv/bin/pre-commit" try-repo "$root" secretgate --verbose) > "$work/hook.log" 2>&1
}
hook || { cat "$work/hook.log" >&2; echo "python-checks: the hook failed on a clean change" >&2; exit 1; }
# Assembled at run time, so this script is not itself a finding.
printf 'token = "%s%s"\n' "ghp_uVAgrEAjRWPLQCMK5kN1" "LZTSj1OLXd2tKxnF" > "$repo/app.py"
git -C "$repo" add app.py
if hook; then
  cat "$work/hook.log" >&2
  echo "python-checks: the hook passed a staged token" >&2
  exit 1
fi
grep -q "github-pat" "$work/hook.log" || { cat "$work/hook.log" >&2; echo "python-checks: the hook did not name the rule" >&2; exit 1; }
if grep -q "LZTSj1OLXd2tKxnF" "$work/hook.log"; then
  echo "python-checks: the hook printed the secret" >&2
  exit 1
fi
if grep -qi "cargo\|rustc" "$work/hook.log"; then
  echo "python-checks: the hook compiled Rust" >&2
  exit 1
fi
echo "python-checks: ok"
