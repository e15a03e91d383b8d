#!/usr/bin/env bash
# Runs the gate with the action's inputs, which arrive only as environment variables
# (never interpolated into script text). Empty optional inputs are unset so the binary
# applies its own defaults.
set -euo pipefail

for name in SECRETGATE_CONFIG SECRETGATE_CATEGORY SECRETGATE_SCAN SECRETGATE_FAIL_ON SECRETGATE_FAIL_CONFIDENCE SECRETGATE_SUGGEST_FIXES INPUT_TOKEN; do
  if [ -z "${!name:-}" ]; then
    unset "$name"
  fi
done

exec "$SECRETGATE_BIN" ci
