package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
)

// HTTPOptions configure the streamable HTTP transport.
type HTTPOptions struct {
	// AllowedOrigins are browser origins allowed besides loopback ones, e.g.
	// "https://agents.example.com". Their hosts are allowed as Host too.
	AllowedOrigins []string
	// AllowedHosts are Host header values allowed besides loopback names (for a
	// server reached by name, e.g. behind a load balancer).
	AllowedHosts []string
	// MaxBodyBytes caps a request body (413 beyond); default 1 MiB.
	MaxBodyBytes int64
	// ReadHeaderTimeout cuts off clients that send headers slowly; default 10s.
	ReadHeaderTimeout time.Duration
	// ShutdownTimeout bounds the drain of in-flight calls; default 30s.
	ShutdownTimeout time.Duration
	// DrainDelay is how long the server keeps serving after it is told to stop,
	// with /readyz answering 503, so that a load balancer stops sending before
	// the listener closes. 0 shuts down at once.
	DrainDelay time.Duration
	// SessionSecret signs handshake-era session ids; replicas behind one load
	// balancer share it (MODELSLAB_SESSION_SECRET). Empty: random per process.
	SessionSecret []byte
	// SessionTTL is how long a session id stays valid; default 24h.
	SessionTTL time.Duration
	// MaxSessions caps the handshake-era sessions this replica holds state
	// for; past it the oldest idle one is evicted. 0 means DefaultMaxSessions,
	// negative no cap.
	MaxSessions int
	// RateLimit is the requests a second allowed to /mcp per client address
	// (token bucket of RateBurst, default twice the rate); 0 means no limit.
	RateLimit float64
	RateBurst int
	// TrustedProxies are the CIDRs (or addresses) of proxies whose
	// X-Forwarded-For names the client; without them the client is the peer.
	TrustedProxies []string
	// Mounts are extra handlers by path pattern, behind the same guards (the
	// sandbox's REST API and outbox in --sandbox mode).
	Mounts map[string]http.Handler
	// OAuth, when set (--oauth), makes the server its own OAuth 2.1
	// authorization server and guards /mcp as a resource server; nil builds
	// nothing of it.
	OAuth *OAuthOptions
}

// OAuthOptions configure --oauth (package oauth). The sealing key is
// SessionSecret; an empty one is random per process (one replica only).
type OAuthOptions struct {
	// PublicURL is scheme://host[:port] as clients reach the server; empty:
	// http://<the request's Host>.
	PublicURL string
	// Store is the shared state of replicas (Redis/Valkey); nil: in memory.
	Store oauth.Store
	// AllowInsecureClientMetadata lets Client ID Metadata Documents come over
	// http from loopback or private addresses (tests only).
	AllowInsecureClientMetadata bool
}

// HTTPServer is the streamable HTTP transport: /mcp, /healthz and /readyz.
type HTTPServer struct {
	opts     Options
	hopts    HTTPOptions
	mcp      *mcpserver.StreamableHTTPServer
	handler  http.Handler
	sessions *sessionCap // nil without a cap
	draining atomic.Bool
	log      zerolog.Logger
	// browser is the browser-login manager (nil beyond loopback): a pending
	// login is called off when the server drains.
	browser *browserlogin.Manager
}

// NewHTTP builds the HTTP transport. loopbackOnly says whether the listener is
// on a loopback address: only then may MODELSLAB_AGENT_TOKEN stand in for a
// missing header, since anyone who can reach the port would otherwise use it.
func NewHTTP(opts Options, hopts HTTPOptions, loopbackOnly bool) (*HTTPServer, error) {
	if hopts.MaxBodyBytes <= 0 {
		hopts.MaxBodyBytes = 1 << 20
	}
	if hopts.ReadHeaderTimeout <= 0 {
		hopts.ReadHeaderTimeout = 10 * time.Second
	}
	if hopts.ShutdownTimeout <= 0 {
		hopts.ShutdownTimeout = 30 * time.Second
	}
	if hopts.SessionTTL <= 0 {
		hopts.SessionTTL = 24 * time.Hour
	}
	if hopts.MaxSessions == 0 {
		hopts.MaxSessions = DefaultMaxSessions
	}
	if hopts.RateLimit < 0 {
		return nil, fmt.Errorf("rate limit %g must not be negative", hopts.RateLimit)
	}
	trusted, err := parseTrustedProxies(hopts.TrustedProxies)
	if err != nil {
		return nil, err
	}
	creds := requestCredentials{}
	if loopbackOnly && hopts.OAuth == nil {
		// With --oauth every request carries a grant or X-Agent-Token: no
		// process token stands in for a missing one.
		creds.local = &processCredentials{tok: opts.EnvToken}
	}
	var as *oauth.Server
	if hopts.OAuth != nil {
		if as, err = newOAuth(opts, hopts, trusted); err != nil {
			return nil, err
		}
		creds.oauth = as
		opts.oauth = true
	}
	if len(opts.StateKey) == 0 {
		opts.StateKey = hopts.SessionSecret // replicas then accept each other's confirmation states
	}
	opts.browserLogin = newBrowserLogin(opts, creds)
	ms, err := newMCPServer(opts, creds, true)
	if err != nil {
		return nil, err
	}
	guard, err := newOriginGuard(hopts.AllowedOrigins, hopts.AllowedHosts)
	if err != nil {
		return nil, err
	}
	s := &HTTPServer{opts: opts, hopts: hopts, log: opts.Logger, browser: opts.browserLogin}
	// Session ids are signed, not stored: any replica serves any request, and
	// credentials come from each request's headers, never from the session.
	ids := newSignedSessions(hopts.SessionSecret, hopts.SessionTTL)
	if hopts.MaxSessions > 0 {
		s.sessions = newSessionCap(hopts.MaxSessions, func(id string) bool { _, err := ids.parse(id); return err == nil }, s.evict)
		s.sessions.onEvict, s.sessions.onFull = opts.Metrics.sessionEvicted, opts.Metrics.sessionsFull
		ids.forget = s.sessions.forget
	}
	contextFunc := withRequestToken
	if as != nil {
		contextFunc = withGrantOrAgentToken
	}
	s.mcp = mcpserver.NewStreamableHTTPServer(ms,
		mcpserver.WithSessionIdManager(ids),
		// mcp-go keeps a little state per session; abandoned ones are swept.
		mcpserver.WithSessionIdleTTL(15*time.Minute),
		mcpserver.WithHTTPContextFunc(contextFunc),
		// Our originGuard checks Host for every connection, with the allow-lists;
		// mcp-go's check (loopback connections only) would refuse allowed hosts.
		mcpserver.WithDisableLocalhostProtection(true),
		mcpserver.WithStreamableHTTPLogger(slog.New(zerolog.NewSlogHandler(opts.Logger))),
	)
	mcpHandler := s.limitBody(streamGETOnly(s.mcp))
	if s.sessions != nil {
		mcpHandler = s.sessions.wrap(mcpHandler)
	}
	if as != nil {
		mcpHandler = as.Protect(mcpHandler)
	}
	if hopts.RateLimit > 0 {
		mcpHandler = newAddrLimiter(hopts.RateLimit, hopts.RateBurst, trusted).wrap(mcpHandler, opts.Metrics.rateLimited)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcpHandler)
	for pattern, h := range hopts.Mounts {
		mux.Handle(pattern, h)
	}
	if as != nil {
		as.Routes(mux)
		if opts.SiteURL == "" && opts.Site != nil {
			// Sandbox: the sandbox plays ModelsLab's site on this port.
			mux.Handle(browserlogin.AuthorizePath, opts.Site)
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if s.draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "draining")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	if as != nil {
		guard.crossOrigin = oauth.CrossOrigin
	}
	s.handler = s.closeWhileDraining(guard.wrap(mux))
	return s, nil
}

// newOAuth builds the authorization server for --oauth.
func newOAuth(opts Options, hopts HTTPOptions, trusted []netip.Prefix) (*oauth.Server, error) {
	o := hopts.OAuth
	secret := hopts.SessionSecret
	if len(secret) == 0 {
		// One replica, tokens valid until the process ends.
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	cfg := oauth.Config{PublicURL: o.PublicURL, Secret: secret, Client: opts.Client, Store: o.Store,
		AllowInsecureClientMetadata: o.AllowInsecureClientMetadata, Logger: opts.Logger,
		// The login form's rate limit counts per client, as --rate-limit does.
		ClientIP: func(r *http.Request) string { return (&addrLimiter{trusted: trusted}).clientAddr(r).String() }}
	switch {
	case opts.SiteURL != "":
		cfg.SiteURL = opts.SiteURL
	case opts.Site != nil:
		cfg.SiteSelf = true
	case opts.Client != nil:
		cfg.SiteURL = siteOf(opts.Client.BaseURL())
	}
	return oauth.New(cfg)
}

// Handler returns the whole HTTP handler, guards included.
func (s *HTTPServer) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx ends, then drains: new connections are refused,
// in-flight calls finish (up to ShutdownTimeout), and Serve returns nil.
func (s *HTTPServer) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.hopts.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(s.log, "http: ", 0),
	}
	unused := &unusedConns{}
	srv.ConnState = unused.track
	srv.RegisterOnShutdown(unused.closeAll)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if d := s.hopts.DrainDelay; d > 0 && !errors.Is(context.Cause(ctx), ErrInterrupted) {
		// Still serving: the load balancer sees /readyz fail and moves the
		// traffic; closing the listener at once would fail what it still sends.
		s.log.Info().Dur("drain_delay", d).Msg("stopping: /readyz answers 503, serving on for the drain delay")
		time.Sleep(d)
	}
	s.log.Info().Msg("shutting down: draining in-flight calls")
	if s.browser != nil {
		s.browser.Close() // a call waiting for a browser login ends now, not at the 5-minute timeout
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.hopts.ShutdownTimeout)
	defer cancel()
	s.mcp.CloseSessions(shutdownCtx)
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// streamGETOnly answers a GET of /mcp that does not ask for an event stream
// (curl, a browser, a load balancer's probe) with a short 406 that says what the
// endpoint is, instead of mcp-go's endless empty stream. The MCP spec has a
// client's GET list text/event-stream in Accept; "*/*" does not count, since it
// is what curl sends when nobody asked for a stream.
func streamGETOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && !acceptsEventStream(r.Header.Values("Accept")) {
			// This answer proves the server is up: it says how to talk to it.
			http.Error(w, "406 Not Acceptable: this is an MCP streamable HTTP endpoint, and the server is up. "+
				"Talk to it with an MCP client (the MCP Inspector, Claude, VS Code, Cursor), or send JSON-RPC with POST "+
				"(Content-Type: application/json, Accept: application/json, text/event-stream), "+
				`e.g. {"jsonrpc":"2.0","id":1,"method":"tools/list"}. `+
				"A GET opens the server's event stream and needs Accept: text/event-stream.", http.StatusNotAcceptable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func acceptsEventStream(accept []string) bool {
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/event-stream") {
				return true
			}
		}
	}
	return false
}

// limitBody answers 413 to a body over the limit, before mcp-go reads it.
func (s *HTTPServer) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.hopts.MaxBodyBytes {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if r.ContentLength < 0 {
			// A chunked body has no length to check up front, and mcp-go would
			// turn MaxBytesReader's error into a 400: read it here, within the
			// limit, so that an oversized one gets the same 413.
			body, err := io.ReadAll(io.LimitReader(r.Body, s.hopts.MaxBodyBytes+1))
			if err != nil {
				http.Error(w, "could not read the request body", http.StatusBadRequest)
				return
			}
			if int64(len(body)) > s.hopts.MaxBodyBytes {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.hopts.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// originGuard refuses requests whose Host or Origin is not allowed: the MCP
// specification's defence against DNS rebinding. mcp-go checks neither Origin
// nor, for non-loopback connections, Host.
type originGuard struct {
	origins map[string]bool // scheme://host[:port], lower case
	hosts   map[string]bool // host without port, lower case
	// crossOrigin, when set, names paths any Origin may call (--oauth).
	crossOrigin func(path string) bool
}

func newOriginGuard(origins, hosts []string) (*originGuard, error) {
	g := &originGuard{origins: map[string]bool{}, hosts: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimRight(strings.ToLower(strings.TrimSpace(o)), "/")
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return nil, fmt.Errorf("allowed origin %q must look like https://host[:port]", o)
		}
		g.origins[u.Scheme+"://"+u.Host] = true
		g.hosts[u.Hostname()] = true
	}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		g.hosts[strings.Trim(h, "[]")] = true
	}
	return g, nil
}

func isLoopbackName(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (g *originGuard) hostAllowed(hostport string) bool {
	host := strings.ToLower(hostport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return host != "" && (isLoopbackName(host) || g.hosts[host])
}

func (g *originGuard) originAllowed(origin string) bool {
	u, err := url.Parse(strings.ToLower(origin))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // includes the opaque "null" origin
	}
	return isLoopbackName(u.Hostname()) || g.origins[u.Scheme+"://"+u.Host]
}

func (g *originGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			http.Error(w, "forbidden: Host not allowed (see --allowed-hosts)", http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !g.originAllowed(o) && (g.crossOrigin == nil || !g.crossOrigin(r.URL.Path)) {
			http.Error(w, "forbidden: Origin not allowed (see --allowed-origins)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
