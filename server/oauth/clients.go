package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// client is a registered client, whichever way it registered.
type client struct {
	ID           string
	Name         string
	RedirectURIs []string
	// Metadata says the client id is a Client ID Metadata Document URL.
	Metadata bool
}

// registered is what a dynamically registered client id seals: the
// registration itself, so any replica knows the client with no database.
type registered struct {
	Name         string   `json:"n,omitempty"`
	RedirectURIs []string `json:"r"`
	Issued       int64    `json:"i"`
}

const (
	maxRedirectURIs = 10
	maxURILen       = 2000
	maxNameLen      = 100
	cimdMaxBytes    = 64 << 10
	cimdTimeout     = 5 * time.Second
	cimdCacheMax    = 1000
	cimdCacheTTL    = 5 * time.Minute
	// cimdFailTTL keeps a failed fetch's answer briefly, so that repeated
	// authorize requests naming a bad URL do not each send a request out.
	cimdFailTTL = 30 * time.Second
)

// clientMetadata is the part of RFC 7591 metadata (and of a Client ID
// Metadata Document) this server reads.
type clientMetadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
}

// check validates the metadata for a public client of the code flow.
func (m *clientMetadata) check() error {
	if len(m.RedirectURIs) == 0 {
		return errors.New("redirect_uris: at least one redirect URI is required")
	}
	if len(m.RedirectURIs) > maxRedirectURIs {
		return fmt.Errorf("redirect_uris: at most %d", maxRedirectURIs)
	}
	for _, u := range m.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return fmt.Errorf("redirect_uris: %q: %w", u, err)
		}
	}
	if a := m.TokenEndpointAuthMethod; a != "" && a != "none" {
		return fmt.Errorf("token_endpoint_auth_method %q: only public clients (none) are supported: PKCE protects the code", a)
	}
	for _, g := range m.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return fmt.Errorf("grant_types: %q is not supported (authorization_code, refresh_token)", g)
		}
	}
	for _, t := range m.ResponseTypes {
		if t != "code" {
			return fmt.Errorf("response_types: %q is not supported (code)", t)
		}
	}
	if len(m.ClientName) > maxNameLen {
		m.ClientName = m.ClientName[:maxNameLen]
	}
	return nil
}

// checkRedirectURI accepts https URLs, http on a loopback address (RFC 8252
// §7.3) and private-use schemes of native apps (§7.1); never a fragment.
func checkRedirectURI(raw string) error {
	if len(raw) > maxURILen {
		return errors.New("too long")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return errors.New("not an absolute URL")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("a redirect URI has no fragment")
	}
	if u.User != nil {
		// https://claude.ai@evil.example/ reads as claude.ai to a hurried eye.
		return errors.New("a redirect URI has no user info (name@ before the host)")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Host == "" {
			return errors.New("no host")
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return errors.New("http is allowed only on a loopback address (127.0.0.1, [::1], localhost); use https")
		}
	case "javascript", "data", "file", "vbscript", "blob", "about":
		return errors.New("scheme not allowed")
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}

// redirectAllowed is exact string matching, except that for a loopback
// redirect URI the port is ignored: native apps listen on a port of the
// moment (RFC 8252 §7.3).
func redirectAllowed(registered []string, got string) bool {
	for _, r := range registered {
		if r == got {
			return true
		}
		ru, err1 := url.Parse(r)
		gu, err2 := url.Parse(got)
		if err1 != nil || err2 != nil || ru.Scheme != "http" || gu.Scheme != "http" || !isLoopbackHost(ru.Hostname()) {
			continue
		}
		// No "#" at all (an empty fragment would carry the code into the
		// fragment of the page), and a port a socket can have.
		if ru.Hostname() == gu.Hostname() && ru.EscapedPath() == gu.EscapedPath() && ru.RawQuery == gu.RawQuery &&
			gu.User == nil && !strings.Contains(got, "#") && portOK(gu.Port()) {
			return true
		}
	}
	return false
}

// portOK accepts no port or a port number 1-65535.
func portOK(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// serveRegister is RFC 7591 dynamic registration. The client id is the
// sealed registration: stateless, and no replica needs to have seen it.
func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	var m clientMetadata
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&m); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "the body must be a JSON object of client metadata (RFC 7591)"})
		return
	}
	if err := m.check(); err != nil {
		code := "invalid_client_metadata"
		if strings.HasPrefix(err.Error(), "redirect_uris") {
			code = "invalid_redirect_uri"
		}
		writeJSON(w, http.StatusBadRequest, oauthError{code, err.Error()})
		return
	}
	now := s.now().Unix()
	id, err := s.seal.seal("cid", registered{Name: m.ClientName, RedirectURIs: m.RedirectURIs, Issued: now})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "could not register"})
		return
	}
	s.log.Info().Str("client_name", m.ClientName).Msg("oauth: client registered")
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id": id, "client_id_issued_at": now, "client_name": m.ClientName, "redirect_uris": m.RedirectURIs,
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": "none",
	})
}

// lookupClient finds a client by id: a sealed registration, or the URL of a
// Client ID Metadata Document.
func (s *Server) lookupClient(ctx context.Context, id string) (*client, error) {
	if strings.HasPrefix(id, "mla_cid.") {
		var reg registered
		if err := s.seal.open("cid", id, &reg); err != nil {
			return nil, errors.New("client_id is not one this server registered (was the server's secret changed?): register again")
		}
		return &client{ID: id, Name: reg.Name, RedirectURIs: reg.RedirectURIs}, nil
	}
	if strings.HasPrefix(id, "https://") || (s.cfg.AllowInsecureClientMetadata && strings.HasPrefix(id, "http://")) {
		return s.cimd.get(ctx, id)
	}
	return nil, errors.New("unknown client_id: register (RFC 7591) or use a Client ID Metadata Document URL (https)")
}

// cimdCache fetches Client ID Metadata Documents with SSRF guards and keeps
// them a few minutes, bounded.
type cimdCache struct {
	insecure bool
	http     *http.Client
	mu       sync.Mutex
	entries  map[string]cimdEntry
}

type cimdEntry struct {
	c   *client
	err error // a failed fetch, kept for cimdFailTTL
	exp time.Time
}

func newCIMDCache(insecure bool) *cimdCache {
	d := &net.Dialer{Timeout: cimdTimeout}
	if !insecure {
		// The address is checked at dial time, after resolution: a name that
		// resolves (or rebinds) to a private address is refused too.
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("client metadata: unexpected address %q", address)
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("client metadata: %s is not a public address", ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through an environment proxy: the guard checks the real peer
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   cimdTimeout,
		ResponseHeaderTimeout: cimdTimeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	return &cimdCache{insecure: insecure, entries: map[string]cimdEntry{}, http: &http.Client{
		Transport: tr, Timeout: cimdTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// publicAddr is false for loopback, private (RFC 1918, ULA), link-local,
// CGNAT, unspecified, multicast and other special-use addresses.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func (c *cimdCache) get(ctx context.Context, id string) (*client, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[id]; ok && now.Before(e.exp) {
		c.mu.Unlock()
		return e.c, e.err
	}
	c.mu.Unlock()
	cl, err := c.fetch(ctx, id)
	entry := cimdEntry{c: cl, exp: now.Add(cimdCacheTTL)}
	if err != nil {
		entry = cimdEntry{err: err, exp: now.Add(cimdFailTTL)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= cimdCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.exp) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < cimdCacheMax {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[id] = entry
	return entry.c, entry.err
}

func (c *cimdCache) fetch(ctx context.Context, id string) (*client, error) {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Trim(u.Path, "/") == "" || len(id) > maxURILen {
		return nil, errors.New("client_id URL: want https://host/path (a path, no credentials, no fragment)")
	}
	if u.Scheme != "https" && !(c.insecure && u.Scheme == "http") {
		return nil, errors.New("client_id URL: a Client ID Metadata Document must be served over https")
	}
	ctx, cancel := context.WithTimeout(ctx, cimdTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, errors.New("client_id URL could not be requested")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "not a public address") {
			return nil, errors.New("client_id URL resolves to a loopback, private or link-local address: refused")
		}
		return nil, errors.New("client_id URL could not be fetched (network error or timeout)")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("client_id URL answered HTTP %d (redirects are not followed)", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cimdMaxBytes+1))
	if err != nil {
		return nil, errors.New("client_id URL: the document could not be read")
	}
	if len(body) > cimdMaxBytes {
		return nil, errors.New("client_id URL: the document is larger than 64 KiB")
	}
	var m clientMetadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, errors.New("client_id URL: the document is not a JSON object")
	}
	if m.ClientID != id {
		return nil, errors.New("client_id URL: the document's client_id must equal its URL")
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("client_id URL: %w", err)
	}
	name := m.ClientName
	if name == "" {
		name = u.Host
	}
	return &client{ID: id, Name: name, RedirectURIs: m.RedirectURIs, Metadata: true}, nil
}
