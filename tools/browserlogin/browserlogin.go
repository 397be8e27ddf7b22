// Package browserlogin runs this machine's side of ModelsLab's browser login
// (contract §6): a one-use HTTP callback on 127.0.0.1, the authorize URL that
// sends the person to the site, and the check of what the site sends back.
//
// The site redirects the browser to the callback with the new token in the
// request, so the token reaches this process without passing through the
// model, the MCP client or the person's clipboard. What guards the callback:
//   - it listens on 127.0.0.1 only, on a port picked by the kernel, and only
//     while one login is pending (at most 5 minutes); it is closed afterwards;
//   - the site must echo `state`, 32 random bytes, compared in constant time;
//     the first callback with the right state ends the login, so a state
//     works once;
//   - Host must be a loopback name (no DNS rebinding), bodies are capped at
//     1 MiB and headers must arrive within 5 s;
//   - the page the browser lands on shows no secret, and a GET callback (the
//     token in its query) is answered with a redirect to a page without one.
package browserlogin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// AuthorizePath is the site route that starts a browser login (contract §6).
const AuthorizePath = "/auth/modelslab-cli/oauth/authorize"

// CallbackPath is where the site sends the browser back.
const CallbackPath = "/callback"

// donePath is the page a GET callback is redirected to, so that the address bar
// no longer holds the token.
const donePath = "/callback/done"

// DefaultTimeout is how long a login waits for its callback (the CLI's bound).
const DefaultTimeout = 5 * time.Minute

// maxCallbackBody caps a form POST callback, as the CLI does.
const maxCallbackBody = 1 << 20

// Config configures a Manager.
type Config struct {
	// SiteURL is the site's scheme://host, e.g. https://modelslab.com. Ignored
	// when Site is set.
	SiteURL string
	// Site, when set, serves AuthorizePath on the callback listener itself and
	// the authorize URL points there: the in-process sandbox has no port of
	// its own to send a browser to.
	Site http.Handler
	// ClientName is sent as client_name; default "modelslab-agents-mcp".
	ClientName string
	// Timeout bounds one login; default DefaultTimeout.
	Timeout time.Duration
	// Open opens url in the system browser; nil never opens one.
	Open func(url string) error
	// Logger gets one line per login event; never a token, a state or a URL
	// with a state in it.
	Logger zerolog.Logger
}

// Request is what one login asks the site for.
type Request struct {
	DeviceName  string // default "modelslab-agents-mcp@<hostname>"
	TokenExpiry string // default "1_month"
}

// Grant is what the site sent on a successful callback.
type Grant struct {
	AccessToken          string
	APIKey               string
	Email                string
	ExpiresAt            string
	ModelID              string
	TokenType            string
	TokenExpiry          string
	TokenExpiryEffective string
	TokenLifetimeCapped  bool
}

var (
	// ErrTimeout ends a login whose callback did not come in time.
	ErrTimeout = errors.New("no answer from the browser in time")
	// ErrCancelled ends a login that was called off.
	ErrCancelled = errors.New("the login was cancelled")
	// ErrClosed ends a login because the server is shutting down.
	ErrClosed = errors.New("the server is shutting down")
)

// SiteError is an `error` callback: the site refused, or the person did.
type SiteError struct {
	Code        string
	Description string
}

func (e *SiteError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("the site answered %s: %s", e.Code, e.Description)
	}
	return "the site answered " + e.Code
}

// Manager runs at most one browser login at a time.
type Manager struct {
	cfg Config

	mu       sync.Mutex
	cur      *Login // pending
	finished *Login // ended and not yet reported to anyone
	closed   bool
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.ClientName == "" {
		cfg.ClientName = "modelslab-agents-mcp"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.SiteURL = strings.TrimRight(cfg.SiteURL, "/")
	return &Manager{cfg: cfg}
}

// Login is one browser login: pending until its callback, its timeout or a
// cancel, then ended for good.
type Login struct {
	m *Manager
	// ID names the login to the MCP client (the URL elicitation's id); it is
	// not the state and opens nothing.
	ID string
	// URL is the authorize URL to open. It holds the state, which is not a
	// credential: it only lets the site's answer in.
	URL string
	// Started and Deadline bound the login.
	Started, Deadline time.Time
	// BrowserOpened says the system browser was asked to open URL.
	BrowserOpened bool

	state    []byte
	srv      *http.Server
	ln       net.Listener
	timer    *time.Timer
	onGrant  func(Grant)
	done     chan struct{}
	mu       sync.Mutex
	ended    bool
	grant    *Grant
	err      error
	doneOnce sync.Once
	// redirected: a GET callback was sent on to the done page, which the
	// listener then stays up for (doneServed, or 3 s at most).
	redirected     bool
	doneServed     chan struct{}
	doneServedOnce sync.Once
}

// Pending returns the login in progress, or nil.
func (m *Manager) Pending() *Login {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// TakeFinished returns the last login that ended without anyone having been
// told, and forgets it: a background login is reported once.
func (m *Manager) TakeFinished() *Login {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.finished
	m.finished = nil
	return l
}

// TakeFinishedID is TakeFinished for the login named id only (compared in
// constant time); another login's report is left for its own caller.
func (m *Manager) TakeFinishedID(id string) *Login {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.finished
	if l == nil || subtle.ConstantTimeCompare([]byte(l.ID), []byte(id)) != 1 {
		return nil
	}
	m.finished = nil
	return l
}

// Reported says the outcome of l has been told (by the call that waited for it).
func (m *Manager) Reported(l *Login) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.finished == l {
		m.finished = nil
	}
}

// Start begins a login, or returns the one already pending (started false).
// onGrant runs once, on success, before the login counts as ended: it is where
// the token is adopted, whether or not anyone is waiting.
func (m *Manager) Start(req Request, onGrant func(Grant)) (l *Login, started bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, false, ErrClosed
	}
	if m.cur != nil {
		return m.cur, false, nil
	}
	l, err = m.newLogin(req, onGrant)
	if err != nil {
		return nil, false, err
	}
	m.cur, m.finished = l, nil
	m.cfg.Logger.Info().Str("login", l.ID).Str("callback", l.ln.Addr().String()).Time("deadline", l.Deadline).
		Msg("browser login started")
	if m.cfg.Open != nil {
		if err := m.cfg.Open(l.URL); err != nil {
			m.cfg.Logger.Warn().Str("login", l.ID).Err(err).Msg("could not open the system browser")
		} else {
			l.BrowserOpened = true
		}
	}
	return l, true, nil
}

// Close cancels a pending login and refuses new ones (server shutdown).
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	l := m.cur
	m.mu.Unlock()
	if l != nil {
		l.end(nil, ErrClosed)
	}
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (m *Manager) newLogin(req Request, onGrant func(Grant)) (*Login, error) {
	state, err := randomToken(32)
	if err != nil {
		return nil, err
	}
	id, err := randomToken(16)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("could not listen on 127.0.0.1 for the login callback: %w", err)
	}
	now := time.Now()
	l := &Login{m: m, ID: id, state: []byte(state), ln: ln, onGrant: onGrant, done: make(chan struct{}),
		doneServed: make(chan struct{}), Started: now, Deadline: now.Add(m.cfg.Timeout)}
	origin := "http://" + ln.Addr().String()
	site := m.cfg.SiteURL
	mux := http.NewServeMux()
	mux.HandleFunc(CallbackPath, l.serveCallback)
	mux.HandleFunc(donePath, l.serveDone)
	if m.cfg.Site != nil {
		site = origin
		mux.Handle(AuthorizePath, m.cfg.Site)
	}
	if req.DeviceName == "" {
		host, _ := os.Hostname()
		req.DeviceName = "modelslab-agents-mcp@" + host
	}
	if req.TokenExpiry == "" {
		req.TokenExpiry = "1_month"
	}
	q := url.Values{
		"client_name":  {m.cfg.ClientName},
		"device_name":  {req.DeviceName},
		"redirect_uri": {origin + CallbackPath},
		"state":        {state},
		"token_expiry": {req.TokenExpiry},
	}
	l.URL = site + AuthorizePath + "?" + q.Encode()
	l.srv = &http.Server{
		Handler:           loopbackOnly(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	go func() { _ = l.srv.Serve(ln) }()
	l.mu.Lock()
	l.timer = time.AfterFunc(m.cfg.Timeout, func() { l.end(nil, ErrTimeout) })
	l.mu.Unlock()
	return l, nil
}

// loopbackOnly refuses a Host that is not a loopback name: a page on another
// origin cannot reach the callback through DNS rebinding.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "forbidden: Host not allowed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Done is closed when the login has ended.
func (l *Login) Done() <-chan struct{} { return l.done }

// Result is the outcome once Done is closed: a grant, or why not.
func (l *Login) Result() (*Grant, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.grant, l.err
}

// Ended reports whether the login has ended.
func (l *Login) Ended() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// Cancel ends a pending login (the person declined, or the call was cancelled).
func (l *Login) Cancel() { l.end(nil, ErrCancelled) }

// Wait blocks until the login ends or ctx is done; it reports whether it ended.
func (l *Login) Wait(ctx context.Context) bool {
	select {
	case <-l.done:
		return true
	case <-ctx.Done():
		return false
	}
}

// end finishes the login once: records the outcome, adopts a grant, closes the
// listener (after the response in flight is written) and wakes the waiters.
func (l *Login) end(g *Grant, err error) bool {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return false
	}
	l.ended = true
	l.grant, l.err = g, err
	l.timer.Stop()
	l.mu.Unlock()
	if g != nil && l.onGrant != nil {
		l.onGrant(*g)
	}
	m := l.m
	m.mu.Lock()
	if m.cur == l {
		m.cur = nil
	}
	m.finished = l
	m.mu.Unlock()
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
	}
	m.cfg.Logger.Info().Str("login", l.ID).Str("outcome", outcome).Msg("browser login ended")
	l.doneOnce.Do(func() { close(l.done) })
	go l.shutdown()
	return true
}

// shutdown closes the listener and lets the page being served finish; a GET
// callback's redirect to the done page gets a short grace to be followed.
func (l *Login) shutdown() {
	l.mu.Lock()
	redirected := l.redirected
	l.mu.Unlock()
	if redirected {
		select {
		case <-l.doneServed:
		case <-time.After(3 * time.Second):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	_ = l.srv.Close()
}
