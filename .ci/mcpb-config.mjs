// Prints the MCP client config (Claude Desktop's mcpServers form) that a host
// makes from an unpacked bundle: @anthropic-ai/mcpb's own getMcpConfigForManifest,
// the code that turns manifest.json's mcp_config into a command line (platform
// override, user_config defaults and values, ${__dirname}), for this platform.
//
// node mcpb-config.mjs UNPACKED_DIR NAME '{"sandbox":true}'
import { readFileSync } from "node:fs";
import { resolve, sep } from "node:path";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const [dir, name, userConfigJSON] = process.argv.slice(2);
if (!dir || !name) {
  console.error("usage: node mcpb-config.mjs UNPACKED_DIR NAME [USER_CONFIG_JSON]");
  process.exit(2);
}
const extensionPath = resolve(dir);
const manifest = JSON.parse(readFileSync(`${extensionPath}/manifest.json`, "utf8"));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath,
  systemDirs: {},
  userConfig: JSON.parse(userConfigJSON || "{}"),
  pathSeparator: sep,
});
if (!config) {
  console.error("the manifest gave no MCP config (a required user_config value missing?)");
  process.exit(1);
}
// Only what a client config holds: the host drops platform_overrides too.
const { command, args, env } = config;
process.stdout.write(JSON.stringify({ mcpServers: { [name]: { command, args, env } } }, null, 2) + "\n");
