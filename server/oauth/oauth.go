// Package oauth makes the HTTP server its own OAuth 2.1 authorization server
// and a resource server by the MCP authorization specification (2025-06-18,
// 2025-11-25, 2026-07-28): RFC 9728 protected resource metadata, RFC 8414
// authorization server metadata, the code flow with PKCE S256, RFC 8707
// audience binding, RFC 9207 `iss`, RFC 7009 revocation, RFC 7591 dynamic
// registration and Client ID Metadata Documents.
//
// The login page behind /oauth/authorize is ModelsLab's login: the person's
// email and password go from the page to this server to ModelsLab's
// POST /auth/login, or the person signs in on ModelsLab's site (contract §6).
// The ModelsLab token that comes back never leaves the server in the clear: it
// is sealed (AES-256-GCM, key from HKDF of the session secret) inside the
// access and refresh tokens this server issues, so replicas that share the
// secret accept each other's tokens with no database. Only single-use codes,
// refresh-token rotation and revocation need shared state (Store).
//
// Nothing here is constructed unless --oauth is on.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Paths this package serves.
const (
	PathResourceMetadata = "/.well-known/oauth-protected-resource"
	PathServerMetadata   = "/.well-known/oauth-authorization-server"
	PathOpenIDConfig     = "/.well-known/openid-configuration"
	PathAuthorize        = "/oauth/authorize"
	PathToken            = "/oauth/token"
	PathRegister         = "/oauth/register"
	PathRevoke           = "/oauth/revoke"
	PathLogin            = "/oauth/login"
	PathResend           = "/oauth/resend-verification"
	PathSite             = "/oauth/site"
	PathConsent          = "/oauth/consent"
	// PathSiteCallback is where ModelsLab's site sends the browser back: the
	// contract (§6) knows of "/callback" on a loopback address only.
	PathSiteCallback = "/callback"
	// MCPPath is the protected resource's path.
	MCPPath = "/mcp"
)

// Scopes are the ModelsLab scopes (contract §2 and §7) a grant may hold.
var Scopes = []string{
	"profile:read", "profile:write", "tokens:read", "tokens:write", "api-keys:read", "api-keys:write",
	"teams:read", "teams:write", "usage:read", "models:read", "files:write", "billing:read", "billing:write",
	"wallet:read", "wallet:write", "subscriptions:read", "subscriptions:write",
}

// Lifetimes.
const (
	AccessTTL  = time.Hour
	RefreshTTL = 30 * 24 * time.Hour // ModelsLab's token_expiry 1_month, asked for at login
	codeTTL    = 60 * time.Second
	formTTL    = 10 * time.Minute
	// upstreamExpiry is the ModelsLab token's lifetime asked for at login.
	upstreamExpiry = "1_month"
)

// Config configures the authorization and resource server.
type Config struct {
	// PublicURL is scheme://host[:port] as clients reach the server (behind a
	// proxy, what the proxy serves); the issuer, and PublicURL+"/mcp" the
	// resource. Empty: http://<the request's Host> (loopback use; the Host is
	// already checked against the allow-lists).
	PublicURL string
	// Secret keys the sealing (MODELSLAB_SESSION_SECRET); required.
	Secret []byte
	// Client calls ModelsLab (login, logout).
	Client *upstream.Client
	// SiteURL is ModelsLab's site (contract §6). Empty with SiteSelf: this
	// server's own origin (the sandbox serves the site route here).
	SiteURL  string
	SiteSelf bool
	// Store holds used codes and refresh tokens and revoked grants; nil means
	// a MemoryStore (one replica).
	Store Store
	// AllowInsecureClientMetadata lets Client ID Metadata Documents be fetched
	// over http and from loopback and private addresses. For tests only.
	AllowInsecureClientMetadata bool
	// TrustedProxies decides the client address for the login rate limit.
	ClientIP func(*http.Request) string
	Logger   zerolog.Logger
	now      func() time.Time
}

// Server is the authorization server and the resource server's guard.
type Server struct {
	cfg     Config
	seal    *sealer
	store   Store
	cimd    *cimdCache
	limiter *loginLimiter
	log     zerolog.Logger
	now     func() time.Time
}

// New validates cfg and returns the server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("oauth: the secret must be at least 32 bytes")
	}
	if cfg.Client == nil {
		return nil, errors.New("oauth: no upstream client")
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("public URL %q: want scheme://host[:port] with no path", cfg.PublicURL)
		}
		cfg.PublicURL = u.Scheme + "://" + u.Host
	}
	sl, err := newSealer(cfg.Secret)
	if err != nil {
		return nil, err
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore(0)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = peerIP
	}
	return &Server{cfg: cfg, seal: sl, store: cfg.Store, cimd: newCIMDCache(cfg.AllowInsecureClientMetadata),
		limiter: newLoginLimiter(), log: cfg.Logger, now: cfg.now}, nil
}

// Routes adds the metadata, authorization-server and login endpoints to mux.
func (s *Server) Routes(mux *http.ServeMux) {
	prm := cors(http.HandlerFunc(s.serveResourceMetadata))
	mux.Handle(PathResourceMetadata, prm)
	mux.Handle(PathResourceMetadata+MCPPath, prm)
	asm := cors(http.HandlerFunc(s.serveServerMetadata))
	mux.Handle(PathServerMetadata, asm)
	mux.Handle(PathOpenIDConfig, asm)
	// Path-insertion forms some clients probe for an issuer with a path.
	mux.Handle(PathServerMetadata+MCPPath, asm)
	mux.Handle(PathOpenIDConfig+MCPPath, asm)
	mux.HandleFunc(PathAuthorize, s.serveAuthorize)
	mux.Handle(PathToken, cors(http.HandlerFunc(s.serveToken)))
	mux.Handle(PathRegister, cors(http.HandlerFunc(s.serveRegister)))
	mux.Handle(PathRevoke, cors(http.HandlerFunc(s.serveRevoke)))
	mux.HandleFunc(PathLogin, s.serveLogin)
	mux.HandleFunc(PathResend, s.serveResend)
	mux.HandleFunc(PathSite, s.serveSite)
	mux.HandleFunc(PathSiteCallback, s.serveSiteCallback)
	mux.HandleFunc(PathConsent, s.serveConsent)
}

// CrossOrigin reports whether path is meant to be called from other origins,
// so that the HTTP edge's Origin check (a defence of /mcp and of the forms)
// must let it through: the metadata and the token, registration and
// revocation endpoints read no cookie (browser-based clients call them), and
// ModelsLab's site may post its answer to the callback, which its state and
// the browser's cookie guard.
func CrossOrigin(path string) bool {
	switch path {
	case PathToken, PathRegister, PathRevoke, PathSiteCallback:
		return true
	}
	return strings.HasPrefix(path, "/.well-known/")
}

// base is the issuer: the public URL, else the request's own origin.
func (s *Server) base(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return "http://" + r.Host
}

// resource is the protected resource's URL (the audience of our tokens).
func (s *Server) resource(r *http.Request) string { return s.base(r) + MCPPath }

func (s *Server) resourceMetadataURL(r *http.Request) string {
	return s.base(r) + PathResourceMetadata + MCPPath
}

func (s *Server) serveResourceMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.resource(r),
		"authorization_servers":    []string{s.base(r)},
		"scopes_supported":         Scopes,
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "ModelsLab Agent Control Plane (modelslab-agents-mcp)",
	})
}

func (s *Server) serveServerMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	b := s.base(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         b,
		"authorization_endpoint":                         b + PathAuthorize,
		"token_endpoint":                                 b + PathToken,
		"registration_endpoint":                          b + PathRegister,
		"revocation_endpoint":                            b + PathRevoke,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"scopes_supported":                               Scopes,
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
		// OpenID discovery readers expect these; no ID tokens are issued.
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"none"},
	})
}

// cors lets browser-based clients (the Inspector's web UI) read the metadata
// and use the token, registration and revocation endpoints: none of them
// reads a cookie, so any origin may call them.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, oauthError{"invalid_request", "method not allowed; use " + allow})
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// grantKey carries the Grant of a request that presented our access token.
type grantKey struct{}

// Grant is what a valid access token stands for.
type Grant struct {
	ID       string
	ClientID string
	Scope    string
	// Token is the ModelsLab token the tools call with.
	Token upstream.Token
}

// GrantFrom returns the request's grant, if its access token was ours and valid.
func GrantFrom(ctx context.Context) (Grant, bool) {
	g, ok := ctx.Value(grantKey{}).(Grant)
	return g, ok
}

// WithGrant returns ctx carrying g (for a context not derived from the request's).
func WithGrant(ctx context.Context, g Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

// RevokeGrant ends a grant (a tool's logout): no token of it is accepted again.
func (s *Server) RevokeGrant(ctx context.Context, id string) {
	if err := s.store.Revoke(ctx, id, RefreshTTL); err != nil {
		s.log.Error().Err(err).Msg("oauth: could not record the grant's revocation")
		return
	}
	s.log.Info().Str("grant", id).Msg("oauth: grant revoked")
}
