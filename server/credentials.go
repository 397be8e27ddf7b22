package server

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// processCredentials serves stdio: one local user, one token for the process.
// A login made through a tool authenticates the calls that follow it.
type processCredentials struct {
	mu  sync.RWMutex
	tok upstream.Token
}

func (p *processCredentials) Token(context.Context) upstream.Token {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.tok
}

func (p *processCredentials) Adopt(_ context.Context, tok upstream.Token) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tok = tok
	return true
}

func (p *processCredentials) Drop(_ context.Context, tok upstream.Token) {
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
	// fallback is MODELSLAB_AGENT_TOKEN, set only when listening on loopback.
	fallback upstream.Token
}

func (r requestCredentials) Token(ctx context.Context) upstream.Token {
	if tok, ok := ctx.Value(tokenKey{}).(upstream.Token); ok && tok != "" {
		return tok
	}
	return r.fallback
}

func (requestCredentials) Adopt(context.Context, upstream.Token) bool { return false }
func (requestCredentials) Drop(context.Context, upstream.Token)       {}

// withRequestToken is the mcp-go HTTP context function: it runs for every POST,
// so the token is always the current request's.
func withRequestToken(ctx context.Context, r *http.Request) context.Context {
	if tok := tokenFromHeaders(r.Header); tok != "" {
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
