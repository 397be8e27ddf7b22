#!/usr/bin/env bash
# Replicas behind a real load balancer: HAProxy (Debian's package) round-robin
# in front of three `http` replicas that share MODELSLAB_SESSION_SECRET and one
# control plane, health-checking /readyz. The Go test
# (cmd/modelslab-agents-mcp/haproxy_test.go) starts every process on loopback
# and drives it with the official Go SDK client: the journey in both protocol
# eras, then 200 clients x 20 calls with one replica stopped by SIGTERM midway.
# Runnable alone: bash .ci/haproxy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v haproxy >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq haproxy >/dev/null
fi
haproxy -v | sed -n 1p  # sed reads to the end: head would leave haproxy a SIGPIPE, fatal under pipefail
MODELSLAB_TEST_HAPROXY=$(command -v haproxy) \
  go test -count=1 -timeout 5m -run '^TestReplicasBehindHAProxy$' -v ./cmd/modelslab-agents-mcp
