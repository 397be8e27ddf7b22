package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// Outbox is the embedded sandbox's outbox: the mail a real control plane would
// have sent. *sandbox.Sandbox implements it.
type Outbox interface {
	// Outbox returns the mail sent to email, oldest first; "" returns all of it.
	Outbox(email string) []sandbox.Mail
}

// OutboxURI is the sandbox-only resource with every mail; OutboxURI + "/" + an
// email address is the mail sent to that address (RFC 6570 reserved expansion,
// so the "@" may stay as it is).
const OutboxURI = tools.SandboxOutboxURI

// sandboxMail gives the tools the outbox, for their sandbox-only notes.
func sandboxMail(ob Outbox) func(string) []tools.SandboxMail {
	return func(email string) []tools.SandboxMail {
		var out []tools.SandboxMail
		for _, m := range ob.Outbox(email) {
			out = append(out, tools.SandboxMail{Kind: m.Kind, To: m.To, Code: m.Code, InviteID: m.InviteID})
		}
		return out
	}
}

// addOutboxResources publishes the outbox as MCP resources, in sandbox mode
// only: over stdio there is no port for GET /sandbox/outbox, and a log line on
// stderr never reaches the agent, so this is how a signup, a password reset or
// an invitation is finished from inside MCP.
func addOutboxResources(s *mcpserver.MCPServer, ob Outbox) {
	read := func(uri, email string) ([]mcp.ResourceContents, error) {
		mails := ob.Outbox(email)
		if mails == nil {
			mails = []sandbox.Mail{}
		}
		raw, err := json.Marshal(map[string]any{"sandbox_only": true, "email": email, "mails": mails})
		if err != nil {
			return nil, err
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(raw)}}, nil
	}
	s.AddResource(mcp.NewResource(OutboxURI, "sandbox-outbox",
		mcp.WithResourceDescription("SANDBOX ONLY (offline, made-up data): every email the sandbox would have sent, oldest first: "+
			"verification codes, password-reset tokens and team invitations (invite_id). A real ModelsLab server has no such resource."),
		mcp.WithMIMEType("application/json"),
	), func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		return read(req.Params.URI, "")
	})
	s.AddResourceTemplate(mcp.NewResourceTemplate(OutboxURI+"/{+email}", "sandbox-outbox-for-address",
		mcp.WithTemplateDescription("SANDBOX ONLY (offline, made-up data): the emails the sandbox would have sent to one address, oldest first, "+
			"e.g. "+OutboxURI+"/demo@sandbox.test: the verification_code for verify-email, the token for reset-password, the invite_id for accept-invite."),
		mcp.WithTemplateMIMEType("application/json"),
	), func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		email, err := url.PathUnescape(strings.TrimPrefix(req.Params.URI, OutboxURI+"/"))
		if err != nil || email == "" || !strings.Contains(email, "@") {
			return nil, fmt.Errorf("%s: want %s/ followed by an email address, e.g. %s/demo@sandbox.test", req.Params.URI, OutboxURI, OutboxURI)
		}
		return read(req.Params.URI, email)
	})
}
