package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// accessToken is what an access token seals.
type accessToken struct {
	Grant    string `json:"g"`
	ClientID string `json:"c"`
	Audience string `json:"a"`
	Scope    string `json:"s,omitempty"`
	Upstream string `json:"u"`
	Expires  int64  `json:"e"`
}

// Protect guards the MCP endpoint. A request with `Authorization: Bearer`
// must carry an access token this server issued for this resource, unexpired
// and of a grant not revoked (the spec forbids accepting any other bearer
// token); a request with only X-Agent-Token (a raw ModelsLab token, as the
// hosted server accepts) passes in header mode; a request with neither gets
// 401 and the challenge that starts the client's authorization.
func (s *Server) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := strings.TrimSpace(r.Header.Get("Authorization"))
		if authz == "" {
			if strings.TrimSpace(r.Header.Get("X-Agent-Token")) != "" {
				next.ServeHTTP(w, r)
				return
			}
			s.challenge(w, r, "", "")
			return
		}
		scheme, tok, _ := strings.Cut(authz, " ")
		tok = strings.TrimSpace(tok)
		if !strings.EqualFold(scheme, "bearer") || tok == "" {
			s.challenge(w, r, "invalid_request", "the Authorization header must be: Bearer <access token>")
			return
		}
		g, msg := s.checkAccess(r.Context(), tok, s.resource(r))
		if msg != "" {
			s.challenge(w, r, "invalid_token", msg)
			return
		}
		su := &stepUp{}
		ctx := context.WithValue(context.WithValue(r.Context(), grantKey{}, g), stepUpKey{}, su)
		next.ServeHTTP(&stepUpWriter{ResponseWriter: w, su: su, granted: g.Scope, meta: s.resourceMetadataURL(r)}, r.WithContext(ctx))
	})
}

// checkAccess opens an access token and checks audience, expiry and grant.
func (s *Server) checkAccess(ctx context.Context, tok, resource string) (Grant, string) {
	var at accessToken
	if err := s.seal.open("at", tok, &at); err != nil {
		return Grant{}, "the access token was not issued by this server (a ModelsLab token goes in X-Agent-Token)"
	}
	if at.Audience != resource {
		return Grant{}, "the access token was issued for another resource"
	}
	if s.now().Unix() >= at.Expires {
		return Grant{}, "the access token has expired; refresh it"
	}
	revoked, err := s.store.Revoked(ctx, at.Grant)
	if err != nil {
		s.log.Error().Err(err).Msg("oauth: the store could not be read; refusing the token")
		return Grant{}, "the server could not check the token; try again"
	}
	if revoked {
		return Grant{}, "the grant was revoked; authorize again"
	}
	return Grant{ID: at.Grant, ClientID: at.ClientID, Scope: at.Scope, Token: upstream.Token(at.Upstream)}, ""
}

// challenge answers 401 with the RFC 9728 / RFC 6750 challenge.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request, code, desc string) {
	v := fmt.Sprintf(`Bearer resource_metadata=%q, scope=%q`, s.resourceMetadataURL(r), strings.Join(Scopes, " "))
	if code != "" {
		v += fmt.Sprintf(`, error=%q, error_description=%q`, code, desc)
	}
	w.Header().Set("WWW-Authenticate", v)
	status := http.StatusUnauthorized
	if code == "invalid_request" {
		status = http.StatusBadRequest
	}
	msg := desc
	if msg == "" {
		msg = "authorization required: this server uses OAuth (see the WWW-Authenticate header), or send a ModelsLab token in X-Agent-Token"
	}
	writeJSON(w, status, oauthError{Error: orDefault(code, "unauthorized"), Description: msg})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// issueAccess seals a new access token for a grant.
func (s *Server) issueAccess(g refreshToken) (string, time.Duration, error) {
	ttl := AccessTTL
	if left := time.Unix(g.UpstreamExpires, 0).Sub(s.now()); g.UpstreamExpires != 0 && left < ttl {
		ttl = max(left, 0)
	}
	tok, err := s.seal.seal("at", accessToken{Grant: g.Grant, ClientID: g.ClientID, Audience: g.Audience, Scope: g.Scope,
		Upstream: g.Upstream, Expires: s.now().Add(ttl).Unix()})
	return tok, ttl, err
}
