#!/usr/bin/env bash
# CI stage: `doctor --sandbox`, the README's command word for word, is doctor's
# own test: against the embedded sandbox every check passes and it exits 0.
# Runs alone: bash .ci/doctor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmd='go run ./cmd/modelslab-agents-mcp doctor --sandbox'
grep -qF "$cmd" README.md || { echo "README no longer gives: $cmd"; exit 1; }
out=$($cmd --log-level error)
echo "$out"
grep -q 'Result: the server can work with this account.' <<<"$out" || { echo "doctor --sandbox did not pass"; exit 1; }
if grep -q '\[fail\]\|\[warn\]' <<<"$out"; then echo "doctor --sandbox found differences in the sandbox"; exit 1; fi
json=$($cmd --json --log-level error)
grep -q '"can_work": true' <<<"$json" || { echo "$json"; echo "doctor --sandbox --json: can_work is not true"; exit 1; }
# Non-zero when the server cannot work: no token, a closed port.
if MODELSLAB_BASE_URL=http://127.0.0.1:9/api/agents/v1 MODELSLAB_AGENT_TOKEN= go run ./cmd/modelslab-agents-mcp doctor --log-level error >/dev/null 2>&1; then
  echo "doctor exited 0 against a closed port"; exit 1
fi
echo "doctor: ok"
