#!/usr/bin/env bash
# Two `http --oauth` replicas behind HAProxy with a shared Redis (Debian's
# packages, redis-server started by the test on 127.0.0.1): a token issued by
# one replica works on the other, and a replayed code or an old refresh token
# is refused on the other replica. The Go test
# (cmd/modelslab-agents-mcp/haproxy_oauth_test.go) starts every process; the
# RedisStore's own test runs too. Runnable alone: bash .ci/haproxy-oauth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for pkg in haproxy redis-server; do
  if ! command -v $pkg >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
  fi
done
# Debian's package starts a redis-server service of its own where systemd runs; the tests start theirs on a free port.
go test -count=1 -run '^TestRedisStore' -v ./server/oauth
MODELSLAB_TEST_HAPROXY=$(command -v haproxy) MODELSLAB_TEST_REDIS=$(command -v redis-server) \
  go test -count=1 -timeout 5m -run '^TestOAuthReplicasBehindHAProxy$' -v ./cmd/modelslab-agents-mcp
