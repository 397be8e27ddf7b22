#!/usr/bin/env bash
# MCP authorization with real clients, on the sandbox (`http --oauth`): the
# TypeScript SDK's auth() through dynamic registration and a Client ID Metadata
# Document (served over https on 127.0.0.1 with a throw-away certificate that
# the server trusts through SSL_CERT_FILE; --oauth-allow-insecure-client-metadata
# lets it be fetched from loopback), the pages driven with form posts, then the
# same in headless Chromium (Debian's chromium, playwright-core from npm), the
# "Continue with ModelsLab" site route included. Runs alone too:
#   bash .ci/oauth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
SDK_PKG=@modelcontextprotocol/sdk@1.32.2
PLAYWRIGHT_PKG=playwright-core@1.65.1

for pkg in chromium openssl; do
  if ! command -v $pkg >/dev/null; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
  fi
done

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -- "-$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --progress=false --loglevel=error "$SDK_PKG" "$PLAYWRIGHT_PKG" >/dev/null)
cp .ci/oauth-clients.mjs "$work/"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
go build -o "$work/mcp" ./cmd/modelslab-agents-mcp

SSL_CERT_FILE="$work/cert.pem" setsid "$work/mcp" http --sandbox --oauth --oauth-allow-insecure-client-metadata \
  --addr 127.0.0.1:0 --log-format json 2>"$work/server.log" &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/mcp' "$work/server.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log"; echo "server did not start"; exit 1; }
demo=$(grep -oE 'demo account: email [^ ]+  password [^ ]+' "$work/server.log" | head -1)
export DEMO_EMAIL=$(echo "$demo" | awk '{print $4}') DEMO_PASSWORD=$(echo "$demo" | awk '{print $6}')
[ -n "$DEMO_EMAIL" ] && [ -n "$DEMO_PASSWORD" ] || { cat "$work/server.log"; echo "no demo account in the banner"; exit 1; }
export TLS_CERT="$work/cert.pem" TLS_KEY="$work/key.pem" CHROMIUM=$(command -v chromium)

echo "-- TypeScript SDK, pages driven with form posts (DCR, CIMD)"
(cd "$work" && node oauth-clients.mjs "$url" forms)
echo "-- TypeScript SDK, pages in headless Chromium (DCR, CIMD, Continue with ModelsLab)"
(cd "$work" && node oauth-clients.mjs "$url" chromium)

# Nothing secret reached the log (its JSON lines; the banner prints the sandbox's made-up demo password on purpose).
if grep '^{' "$work/server.log" | grep -E '[0-9]+\|[A-Za-z0-9]{20,}|mla_(at|rt|code)\.|'"$DEMO_PASSWORD"; then
  echo "a token or the password reached the server log"; exit 1
fi
echo "oauth: real clients passed"
