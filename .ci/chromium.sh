#!/usr/bin/env bash
# Browser login and paying in a real browser: Debian's chromium (headless)
# driven by playwright-core from npm opens the sandbox's login page and submits
# it (the Go test checks the MCP session is then logged in), and funds the
# wallet in one tool call by pressing Pay on the sandbox's Checkout page that a
# URL elicitation sent it to (issue 17). Runs alone too:
#   bash .ci/chromium.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PLAYWRIGHT_PKG=playwright-core@1.65.1

if ! command -v chromium >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version

npmdir=$(mktemp -d)
trap 'rm -rf "$npmdir"' EXIT
(cd "$npmdir" && npm init -y >/dev/null && npm install --no-audit --no-fund --progress=false --loglevel=error "$PLAYWRIGHT_PKG" >/dev/null)

CHROMIUM=$(command -v chromium) NODE_PATH="$npmdir/node_modules" MODELSLAB_CHROMIUM_TEST=1 \
  go test -count=1 -run '^(TestChromiumBrowserLogin|TestChromiumCheckout)$' -v ./cmd/modelslab-agents-mcp
