// Package server runs the MCP server over stdio or streamable HTTP: it builds the
// mcp-go server from the tools, decides where each call's credential comes from,
// and guards the HTTP edge (Host, Origin, body size, shutdown).
package server

import (
	"fmt"
	"log/slog"
	"strings"

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
	// Outbox, set in sandbox mode only, publishes the sandbox's outbox as MCP
	// resources (OutboxURI).
	Outbox Outbox
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
	if len(ts) == 0 {
		// A server with nothing to call is a configuration mistake, not a mode.
		return nil, noToolError(opts)
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
	s := mcpserver.NewMCPServer(Name, opts.Version, sopts...)
	s.AddTools(ts...)
	if opts.Outbox != nil {
		addOutboxResources(s, opts.Outbox)
	}
	return s, nil
}

func noToolError(opts Options) error {
	return fmt.Errorf("no tool left to publish: --read-only keeps only the actions that change nothing, and toolsets %s have none; "+
		"drop --read-only or add a toolset such as tokens, profile, api-keys or teams", strings.Join(opts.Toolsets, ", "))
}

// debugEnabled reports whether the logger writes debug lines.
func debugEnabled(l zerolog.Logger) bool {
	return max(l.GetLevel(), zerolog.GlobalLevel()) <= zerolog.DebugLevel
}
