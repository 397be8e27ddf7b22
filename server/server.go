// Package server runs the MCP server over stdio or streamable HTTP: it builds the
// mcp-go server from the tools, decides where each call's credential comes from,
// and guards the HTTP edge (Host, Origin, body size, shutdown).
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Name is the MCP server name announced to clients.
const Name = "modelslab-agents-mcp"

// Options configure the MCP server on either transport.
type Options struct {
	Version string
	Client  *upstream.Client
	Logger  zerolog.Logger
	// ReadOnly publishes and accepts only actions that change nothing.
	ReadOnly bool
	// Toolsets limits the published tools; empty means all.
	Toolsets []string
	// RevealTokens returns bearer tokens whole over stdio (HTTP always does).
	RevealTokens bool
	// EnvToken is MODELSLAB_AGENT_TOKEN: the starting token over stdio, and the
	// fallback over HTTP when the server listens on loopback only.
	EnvToken upstream.Token
}

const instructions = `This server manages a ModelsLab account through the Agent Control Plane.
Authenticate first: agent-auth action "login" (email, password) — the session then uses the returned token for every other tool.
A new account needs agent-auth "signup", then "verify-email" with the code from the email.
Every tool takes an "action" parameter; each action's other parameters are listed in the tool's schema.
Errors say what went wrong and the next step; nothing is sent to ModelsLab when the input is invalid.`

// newMCPServer builds the mcp-go server with the published tools.
func newMCPServer(opts Options, creds tools.Credentials, overHTTP bool) (*mcpserver.MCPServer, error) {
	reveal := opts.RevealTokens || overHTTP // over HTTP the caller must send the token back
	ts, err := tools.Build(tools.Deps{
		Client: opts.Client, Creds: creds, RevealTokens: reveal, HTTP: overHTTP, Logger: opts.Logger,
	}, tools.Filter{ReadOnly: opts.ReadOnly, Toolsets: opts.Toolsets})
	if err != nil {
		return nil, err
	}
	sopts := []mcpserver.ServerOption{
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithInstructions(instructions),
		// Our handlers turn panics into tool results; this catches the rest of mcp-go's path.
		mcpserver.WithRecovery(),
	}
	// mcp-go's request logger writes two INFO lines per call (mcp.request and
	// mcp.tool) that repeat the tools' own "tool call" line, so with the default
	// level every call cost three JSON lines and three writes to stderr. They
	// are only wanted when debugging.
	if debugEnabled(opts.Logger) {
		sopts = append(sopts, mcpserver.WithLogger(slog.New(zerolog.NewSlogHandler(opts.Logger))))
	}
	hooks := &mcpserver.Hooks{} // the one Hooks of this server: add to it, a second WithHooks would replace it
	lean := leanCallSchemas(ts)
	hooks.AddAfterListTools(lean.publish)
	sopts = append(sopts, mcpserver.WithHooks(hooks))
	s := mcpserver.NewMCPServer(Name, opts.Version, sopts...)
	s.AddTools(ts...)
	return s, nil
}

// callSchema is what mcp-go keeps as a tool's input schema when the published
// one has no x-mcp-header annotation. For every 2026-07-28 tools/call over HTTP,
// mcp-go v1.2.1 looks for x-mcp-header annotations by re-encoding the tool's
// registered input schema and decoding it again (mcp.ExtractParamHeaderBindings
// via remarshal), which for our 1.5–4 KB schemas written for models was more
// work than the rest of the call's JSON. A schema without properties declares
// the same headers (none) and reads in a few hundred nanoseconds.
var callSchema = json.RawMessage(`{"type":"object"}`)

// publishedSchemas restores the full input schemas in tools/list answers.
type publishedSchemas map[string]json.RawMessage

// leanCallSchemas registers each tool with callSchema where that changes no
// header binding, and returns the full schemas to publish. Nothing else in
// mcp-go reads a registered input schema unless WithInputSchemaValidation is on,
// which this server does not use (its own validator gives better messages).
func leanCallSchemas(ts []mcpserver.ServerTool) publishedSchemas {
	full := publishedSchemas{}
	for i := range ts {
		raw := ts[i].Tool.RawInputSchema
		if len(raw) == 0 || bytes.Contains(raw, []byte("x-mcp-header")) {
			continue
		}
		full[ts[i].Tool.Name] = raw
		ts[i].Tool.RawInputSchema = callSchema
	}
	return full
}

// publish is an after-tools/list hook: the result holds copies of the
// registered tools, made for this answer, so they are changed in place.
func (p publishedSchemas) publish(_ context.Context, _ any, _ *mcp.ListToolsRequest, res *mcp.ListToolsResult) {
	if res == nil {
		return
	}
	for i := range res.Tools {
		if raw, ok := p[res.Tools[i].Name]; ok {
			res.Tools[i].RawInputSchema = raw
		}
	}
}

// debugEnabled reports whether the logger writes debug lines.
func debugEnabled(l zerolog.Logger) bool {
	return max(l.GetLevel(), zerolog.GlobalLevel()) <= zerolog.DebugLevel
}
