package server

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// processCredentials serves stdio: one local user, one token for the process.
// A login made through a tool authenticates the calls that follow it.
type processCredentials struct {
	mu  sync.RWMutex
	tok upstream.Token
	// store, when set, holds the token instead of tok, shared with the other
	// processes of the same sandbox (read at each call: one may have logged in).
	store SessionStore
}

func (p *processCredentials) Token(context.Context) upstream.Token {
	if p.store != nil {
		return upstream.Token(p.store.SessionToken())
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.tok
}

func (p *processCredentials) Adopt(_ context.Context, tok upstream.Token) bool {
	if p.store != nil {
		p.store.SetSessionToken(string(tok))
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tok = tok
	return true
}

// AdoptLocal keeps a browser login's token: stdio has one local user.
func (p *processCredentials) AdoptLocal(ctx context.Context, tok upstream.Token) bool {
	return p.Adopt(ctx, tok)
}

func (p *processCredentials) hasLocalUser() bool { return true }

func (p *processCredentials) Drop(_ context.Context, tok upstream.Token) {
	if p.store != nil {
		if p.store.SessionToken() == string(tok) {
			p.store.SetSessionToken("")
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tok == tok { // a newer login may have replaced it meanwhile
		p.tok = ""
	}
}

type tokenKey struct{}

// requestCredentials serves HTTP: many users, no credential remembered between
// requests. Each request's header is the token for that call; a session id is
// never taken as proof of identity.
type requestCredentials struct {
	// local is the one local user's token, only when listening on loopback:
	// MODELSLAB_AGENT_TOKEN, or what a browser login adopted. It stands in for
	// a missing header.
	local *processCredentials
	// oauth, with --oauth, ends a request's grant when its ModelsLab token is
	// logged out through a tool.
	oauth *oauth.Server
}

func (r requestCredentials) Token(ctx context.Context) upstream.Token {
	if g, ok := oauth.GrantFrom(ctx); ok {
		return g.Token
	}
	if tok, ok := ctx.Value(tokenKey{}).(upstream.Token); ok && tok != "" {
		return tok
	}
	if r.local == nil {
		return ""
	}
	return r.local.Token(ctx)
}

// Adopt keeps nothing: a login's token goes back to the caller, who sends it.
func (requestCredentials) Adopt(context.Context, upstream.Token) bool { return false }

// AdoptLocal keeps a browser login's token for the local user (loopback only):
// the browser login's point is that the token never passes through the client.
func (r requestCredentials) AdoptLocal(ctx context.Context, tok upstream.Token) bool {
	if r.local == nil {
		return false
	}
	return r.local.Adopt(ctx, tok)
}

func (r requestCredentials) hasLocalUser() bool { return r.local != nil }

// Drop forgets the local token once it is revoked; a header's is the caller's.
func (r requestCredentials) Drop(ctx context.Context, tok upstream.Token) {
	if g, ok := oauth.GrantFrom(ctx); ok && g.Token == tok && r.oauth != nil {
		r.oauth.RevokeGrant(ctx, g.ID) // logout through a tool ends the grant, not only its ModelsLab token
	}
	if r.local != nil {
		r.local.Drop(ctx, tok)
	}
}

// withRequestToken is the mcp-go HTTP context function: it runs for every POST,
// so the token is always the current request's.
func withRequestToken(ctx context.Context, r *http.Request) context.Context {
	if tok := tokenFromHeaders(r.Header); tok != "" {
		return context.WithValue(ctx, tokenKey{}, tok)
	}
	return ctx
}

// withGrantOrAgentToken is the context function with --oauth: the grant that
// oauth.Protect found for the request's access token, else X-Agent-Token. The
// Authorization header is never read as a ModelsLab token: it carries only
// this server's access tokens.
func withGrantOrAgentToken(ctx context.Context, r *http.Request) context.Context {
	if g, ok := oauth.GrantFrom(r.Context()); ok {
		return oauth.WithGrant(ctx, g)
	}
	if tok := upstream.Token(strings.TrimSpace(r.Header.Get("X-Agent-Token"))); tok != "" {
		return context.WithValue(ctx, tokenKey{}, tok)
	}
	return ctx
}

// tokenFromHeaders reads `Authorization: Bearer <token>`, else `X-Agent-Token`.
func tokenFromHeaders(h http.Header) upstream.Token {
	if v := strings.TrimSpace(h.Get("Authorization")); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return upstream.Token(strings.TrimSpace(v[7:]))
	}
	return upstream.Token(strings.TrimSpace(h.Get("X-Agent-Token")))
}
