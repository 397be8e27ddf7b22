// Package server runs the MCP server over stdio or streamable HTTP: it builds the
// mcp-go server from the tools, decides where each call's credential comes from,
// and guards the HTTP edge (Host, Origin, body size, shutdown).
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Name is the MCP server name announced to clients.
const Name = "modelslab-agents-mcp"

// Options configure the MCP server on either transport.
type Options struct {
	Version string
	Client  *upstream.Client
	Logger  zerolog.Logger
	// Metrics, when set, records tool calls and HTTP sessions.
	Metrics *Metrics
	// ReadOnly publishes and accepts only actions that change nothing.
	ReadOnly bool
	// Toolsets limits the published tools: toolset names, "default" (the five
	// account toolsets, also what empty means) or "all" (all ten).
	Toolsets []string
	// MaxCharge is --max-charge: the largest single charge in USD; 0 means
	// tools.DefaultMaxCharge.
	MaxCharge float64
	// RevealTokens returns bearer tokens and the default API key whole. Over
	// HTTP without OAuth a new token is whole regardless (the caller must send
	// it back); with OAuth it is always masked.
	RevealTokens bool
	// EnvToken is MODELSLAB_AGENT_TOKEN: the starting token over stdio, and the
	// fallback over HTTP when the server listens on loopback only.
	EnvToken upstream.Token

	// Browser login and confirmations (issue 11).

	// SiteURL is the site browser-login sends the person to; "" means the
	// scheme and host of the control plane's base URL.
	SiteURL string
	// Site, in sandbox mode, serves the site's authorize page on the login's
	// own loopback listener (the in-process sandbox has no port).
	Site http.Handler
	// OpenBrowser opens the system browser; nil never does (--no-browser).
	OpenBrowser func(url string) error
	// ConfirmDestructive is tools.ConfirmAuto ("" too) or tools.ConfirmNever.
	ConfirmDestructive string
	// StateKey signs confirmation states; over HTTP it defaults to the
	// session secret. Empty: random per process.
	StateKey []byte
	// browserLogin, when set, is the manager to use (HTTP keeps it to cancel a
	// pending login when it drains).
	browserLogin *browserlogin.Manager

	// oauth says HTTP runs with --oauth (set by NewHTTP).
	oauth bool

	// Outbox, set in sandbox mode only, publishes the sandbox's outbox as MCP
	// resources (OutboxURI).
	Outbox Outbox
	// SessionStore, set for a sandbox with a state file, keeps the stdio
	// session's token there, so that the next process continues the session
	// (clients such as the Inspector's CLI start one per call). Never for a
	// real control plane: a real token is never written to disk.
	SessionStore SessionStore
}

// SessionStore keeps the one stdio session's token beyond the process.
type SessionStore interface {
	SessionToken() string
	SetSessionToken(tok string)
}

const instructions = `This server manages a ModelsLab account through the Agent Control Plane.
%s
A new account needs agent-auth "signup", then "verify-email" with the code from the email.
Every tool takes an "action" parameter; each action's other parameters are listed in the tool's schema.
Errors say what went wrong and the next step; nothing is sent to ModelsLab when the input is invalid.`

// How authentication works, per transport: what the instructions promise
// must hold there.
const (
	authStdio = `Authenticate first: agent-auth action "browser-login" (the person logs in on the ModelsLab page; no password in the chat) or "login" (email, password) — the session then uses the new token for every other tool.`
	authHTTP  = `Over HTTP this server remembers no credential between requests: each request must carry a ModelsLab token in the Authorization: Bearer (or X-Agent-Token) header, which the MCP client sets. agent-auth "login" returns the token whole for the client to send back in that header; the model cannot make the client do it, so a client that connects by URL only needs a server started with --oauth.`
	authOAuth = `Authorization is OAuth: the MCP client signed the person in with ModelsLab in the browser, and every call uses that grant; no login through the tools is needed. agent-auth "logout" ends the grant (the client then authorizes again).`
)

// newMCPServer builds the mcp-go server with the published tools.
func newMCPServer(opts Options, creds tools.Credentials, overHTTP bool) (*mcpserver.MCPServer, error) {
	sets, err := tools.ExpandToolsets(opts.Toolsets)
	if err != nil {
		return nil, err
	}
	opts.Toolsets = sets
	deps := tools.Deps{
		Client: opts.Client, Creds: creds, RevealTokens: opts.RevealTokens, HTTP: overHTTP, OAuth: opts.oauth, Logger: opts.Logger,
		ObserveCall: opts.Metrics.callObserver(), MaxCharge: opts.MaxCharge,
	}
	addBrowserLogin(&deps, opts, creds)
	if opts.Outbox != nil {
		deps.SandboxMail = sandboxMail(opts.Outbox)
	}
	ts, err := tools.Build(deps, tools.Filter{ReadOnly: opts.ReadOnly, Toolsets: opts.Toolsets})
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		// A server with nothing to call is a configuration mistake, not a mode.
		return nil, noToolError(opts)
	}
	sopts := []mcpserver.ServerOption{
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithInstructions(instructionsFor(opts, overHTTP)),
		// Our handlers turn panics into tool results; this catches the rest of mcp-go's path.
		mcpserver.WithRecovery(),
	}
	hooks := &mcpserver.Hooks{} // the one Hooks of this server: add to it, a second WithHooks would replace it
	sopts = append(sopts, opts.Metrics.serverOptions(overHTTP, hooks)...)
	// mcp-go's request logger writes two INFO lines per call (mcp.request and
	// mcp.tool) that repeat the tools' own "tool call" line, so with the default
	// level every call cost three JSON lines and three writes to stderr. They
	// are only wanted when debugging.
	if debugEnabled(opts.Logger) {
		sopts = append(sopts, mcpserver.WithLogger(slog.New(zerolog.NewSlogHandler(opts.Logger))))
	}
	if opts.oauth {
		hooks.AddAfterCallTool(stepUpOnInsufficientScope)
	}
	lean := leanCallSchemas(ts)
	hooks.AddAfterListTools(lean.publish)
	ts = append(ts, unknownTools(ts, hooks, tools.Filter{ReadOnly: opts.ReadOnly, Toolsets: opts.Toolsets}))
	sopts = append(sopts, mcpserver.WithHooks(hooks))
	s := mcpserver.NewMCPServer(Name, opts.Version, sopts...)
	s.AddTools(ts...)
	if opts.Outbox != nil {
		addOutboxResources(s, opts.Outbox)
	}
	return s, nil
}

// instructionsFor adapts the instructions to what is published: without
// agent-auth's writes there is no login to point to, and in sandbox mode the
// outbox is where the emails are.
func instructionsFor(opts Options, overHTTP bool) string {
	if sets, err := tools.ExpandToolsets(opts.Toolsets); err == nil {
		opts.Toolsets = sets
	}
	auth := authStdio
	switch {
	case opts.oauth:
		auth = authOAuth
	case overHTTP:
		auth = authHTTP
	}
	out := fmt.Sprintf(instructions, auth)
	if opts.ReadOnly || !slices.Contains(opts.Toolsets, "auth") {
		out = `This server manages a ModelsLab account through the Agent Control Plane.
It does not publish agent-auth login here (read-only mode or toolsets): %s
Every tool takes an "action" parameter; each action's other parameters are listed in the tool's schema.
Errors say what went wrong and the next step; nothing is sent to ModelsLab when the input is invalid.`
		from := "calls use the token the server was started with (MODELSLAB_AGENT_TOKEN)."
		switch {
		case opts.oauth:
			from = "calls use the MCP client's OAuth authorization (the person signed in with ModelsLab in the browser), or a ModelsLab token in the X-Agent-Token header."
		case overHTTP:
			from = "calls use the ModelsLab token in each request's Authorization: Bearer (or X-Agent-Token) header."
		}
		out = fmt.Sprintf(out, from)
	}
	if slices.Contains(opts.Toolsets, "billing") || slices.Contains(opts.Toolsets, "wallet") || slices.Contains(opts.Toolsets, "subscriptions") {
		out += "\nActions that move money ask the person first where the client can ask, are refused above the server's --max-charge, and never take card numbers: a person pays on a Stripe Checkout page (fund or create without payment_method_id, or a payment link)."
	}
	if opts.Outbox != nil {
		out += "\nSANDBOX MODE (offline, made-up data): emails are not sent; the results of signup, resend-verification, forgot-password and team invitations carry the code in a note, and the resource " +
			OutboxURI + "/{email} holds every email."
	}
	return out
}

func noToolError(opts Options) error {
	return fmt.Errorf("no tool left to publish: --read-only keeps only the actions that change nothing, and toolsets %s have none; "+
		"drop --read-only or add a toolset such as tokens, profile, api-keys or teams", strings.Join(opts.Toolsets, ", "))
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

// stepUpOnInsufficientScope (--oauth) asks for the 403 step-up challenge
// when a call failed because the grant lacks a ModelsLab scope.
func stepUpOnInsufficientScope(ctx context.Context, _ any, _ *mcp.CallToolRequest, result any) {
	if res, ok := result.(*mcp.CallToolResult); ok {
		if scope := tools.RequiredScope(res); scope != "" {
			oauth.RequireScope(ctx, scope)
		}
	}
}

// unknownToolName is a tool registered but never listed: a tools/call of a
// name this server does not publish is sent to it, so that the caller gets a
// tool error with the nearest name and the list, as for an unknown action,
// instead of mcp-go's bare "tool not found" (whose message a hook cannot
// change). The MCP spec allows either; a tool error is what the model reads.
const unknownToolName = "modelslab-agents-mcp/unknown-tool"

// unknownTools returns the fallback tool and hooks the routing to it.
func unknownTools(ts []mcpserver.ServerTool, hooks *mcpserver.Hooks, f tools.Filter) mcpserver.ServerTool {
	names := make([]string, 0, len(ts))
	known := map[string]bool{}
	for _, t := range ts {
		names = append(names, t.Tool.Name)
		known[t.Tool.Name] = true
	}
	hooks.AddBeforeCallTool(func(_ context.Context, _ any, req *mcp.CallToolRequest) {
		if !known[req.Params.Name] {
			req.Params.Arguments = map[string]any{"name": req.Params.Name}
			req.Params.Name = unknownToolName
		}
	})
	hooks.AddAfterListTools(func(_ context.Context, _ any, _ *mcp.ListToolsRequest, res *mcp.ListToolsResult) {
		if res != nil {
			res.Tools = slices.DeleteFunc(res.Tools, func(t mcp.Tool) bool { return t.Name == unknownToolName })
		}
	})
	return mcpserver.ServerTool{
		Tool: mcp.Tool{Name: unknownToolName, RawInputSchema: callSchema},
		Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			name, _ := req.GetArguments()["name"].(string)
			return tools.UnknownTool(name, names, f), nil
		},
	}
}

// debugEnabled reports whether the logger writes debug lines.
func debugEnabled(l zerolog.Logger) bool {
	return max(l.GetLevel(), zerolog.GlobalLevel()) <= zerolog.DebugLevel
}
