package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// authCode is what a code seals; ID makes it single-use.
type authCode struct {
	Req             authRequest `json:"q"`
	Grant           string      `json:"g"`
	ID              string      `json:"j"`
	Upstream        string      `json:"u"`
	UpstreamExpires int64       `json:"x"` // the grant's end (refresh tokens live no longer)
	Expires         int64       `json:"e"`
}

// refreshToken is what a refresh token seals; ID makes it single-use
// (rotation), Grant ties the chain together for reuse detection.
type refreshToken struct {
	Grant           string `json:"g"`
	ID              string `json:"j"`
	ClientID        string `json:"c"`
	Audience        string `json:"a"`
	Scope           string `json:"s,omitempty"`
	Upstream        string `json:"u"`
	UpstreamExpires int64  `json:"x"`
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, oauthError{code, desc})
}

// readForm accepts a POST of a form of at most 64 KiB, or answers the error.
func readForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return false
	}
	return true
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if !readForm(w, r) {
		return
	}
	if r.URL.Query().Get("code") != "" || r.URL.Query().Get("refresh_token") != "" || r.URL.Query().Get("code_verifier") != "" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "credentials go in the body, never in the URL")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r)
	case "refresh_token":
		s.refresh(w, r)
	case "":
		tokenError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	var c authCode
	if err := s.seal.open("code", f.Get("code"), &c); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code is not one this server issued")
		return
	}
	now := s.now().Unix()
	switch {
	case now >= c.Expires:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code has expired (codes live 60 seconds)")
		return
	case f.Get("client_id") == "":
		// RFC 6749 §4.1.3 and OAuth 2.1: a public client sends its client_id.
		tokenError(w, http.StatusBadRequest, "invalid_request", "client_id is required: send the client_id the code was issued to")
		return
	case f.Get("client_id") != c.Req.ClientID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
		return
	case f.Get("redirect_uri") != c.Req.RedirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request's")
		return
	case !pkceOK(f.Get("code_verifier"), c.Req.Challenge):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	if res := f.Get("resource"); res != "" && strings.TrimSuffix(res, "/") != c.Req.Resource {
		tokenError(w, http.StatusBadRequest, "invalid_target", "resource must be "+c.Req.Resource)
		return
	}
	// Checked last, so that a request that fails the checks above (no
	// verifier) cannot burn someone else's code.
	// A replayed code: whoever redeemed it first may be an attacker, so the
	// grant's tokens go too (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
	if !s.useOnce(w, r, "code:"+c.ID, codeTTL+time.Minute, c.Grant, "the code was already used; the tokens issued for it are revoked") {
		return
	}
	s.issue(w, r, refreshToken{Grant: c.Grant, ClientID: c.Req.ClientID, Audience: c.Req.Resource, Scope: c.Req.Scope,
		Upstream: c.Upstream, UpstreamExpires: c.UpstreamExpires})
}

// pkceOK checks S256 in constant time; the verifier must have the RFC 7636 form.
func pkceOK(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, ch := range verifier {
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || strings.ContainsRune("-._~", ch)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	var rt refreshToken
	if err := s.seal.open("rt", f.Get("refresh_token"), &rt); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is not one this server issued")
		return
	}
	if f.Get("client_id") != "" && f.Get("client_id") != rt.ClientID {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
		return
	}
	if s.now().Unix() >= rt.UpstreamExpires {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the grant has expired; authorize again")
		return
	}
	if res := f.Get("resource"); res != "" && strings.TrimSuffix(res, "/") != rt.Audience {
		tokenError(w, http.StatusBadRequest, "invalid_target", "resource must be "+rt.Audience)
		return
	}
	if sc := f.Get("scope"); sc != "" {
		for _, x := range strings.Fields(sc) {
			if rt.Scope != "" && !strings.Contains(" "+rt.Scope+" ", " "+x+" ") {
				tokenError(w, http.StatusBadRequest, "invalid_scope", "a refresh cannot add scope "+x)
				return
			}
		}
	}
	revoked, err := s.store.Revoked(r.Context(), rt.Grant)
	if err != nil {
		tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the server could not check the grant; try again")
		return
	}
	if revoked {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the grant was revoked; authorize again")
		return
	}
	// Rotation (OAuth 2.1 §4.3.1): issue moves the grant's chain on from this
	// token; an old refresh token used again means two parties hold the
	// chain, and the grant ends.
	s.issue(w, r, rt)
}

// useOnce marks a single-use value used; a second use revokes its grant. It
// answers the error itself and reports whether to go on.
func (s *Server) useOnce(w http.ResponseWriter, r *http.Request, id string, ttl time.Duration, grant, reused string) bool {
	first, err := s.store.Use(r.Context(), id, ttl)
	if err != nil {
		tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the server could not record the use; try again")
		return false
	}
	if !first {
		s.RevokeGrant(r.Context(), grant)
		tokenError(w, http.StatusBadRequest, "invalid_grant", reused)
		return false
	}
	return true
}

// issue answers with a new access token and a new refresh token of the grant.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, g refreshToken) {
	at, ttl, err := s.issueAccess(g)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	prev := g.ID // "" for a code's first refresh token
	g.ID = randomID()
	rt, err := s.seal.seal("rt", g)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", "could not issue a token")
		return
	}
	// The grant's current refresh token becomes this one; only the current
	// one can be used, once (one store entry per grant, however often it
	// refreshes).
	ok, err := s.store.Rotate(r.Context(), g.Grant, prev, g.ID, time.Unix(g.UpstreamExpires, 0).Sub(s.now())+time.Minute)
	if err != nil {
		tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the server could not record the refresh; try again")
		return
	}
	if !ok {
		if prev != "" {
			s.RevokeGrant(r.Context(), g.Grant)
		}
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was already used (or its grant has ended); the grant is revoked, authorize again")
		return
	}
	w.Header().Set("Pragma", "no-cache")
	out := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(ttl.Seconds()), "refresh_token": rt}
	if g.Scope != "" {
		out["scope"] = g.Scope
	} else {
		out["scope"] = strings.Join(Scopes, " ")
	}
	writeJSON(w, http.StatusOK, out)
}

// serveRevoke is RFC 7009: an access or refresh token ends its whole grant,
// and the ModelsLab token sealed in it is logged out. Always 200.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if !readForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	var grant, up string
	var at accessToken
	var rt refreshToken
	if s.seal.open("at", tok, &at) == nil {
		grant, up = at.Grant, at.Upstream
	} else if s.seal.open("rt", tok, &rt) == nil {
		grant, up = rt.Grant, rt.Upstream
	}
	if grant != "" {
		s.RevokeGrant(r.Context(), grant)
		if _, err := s.cfg.Client.Logout(r.Context(), upstream.Token(up)); err != nil {
			s.log.Warn().Err(err).Msg("oauth: the grant is revoked, but ModelsLab did not confirm the logout of its token")
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
