package browserlogin

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func start(t *testing.T, cfg Config) (*Manager, *Login, *atomic.Int32) {
	t.Helper()
	if cfg.SiteURL == "" && cfg.Site == nil {
		cfg.SiteURL = "https://site.invalid"
	}
	m := New(cfg)
	t.Cleanup(m.Close)
	var grants atomic.Int32
	l, started, err := m.Start(Request{DeviceName: "test-device", TokenExpiry: "1_week"}, func(Grant) { grants.Add(1) })
	if err != nil || !started {
		t.Fatalf("Start: %v %v", started, err)
	}
	return m, l, &grants
}

// parts returns the callback address and the state from an authorize URL.
func parts(t *testing.T, l *Login) (callback, state string, q url.Values) {
	t.Helper()
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	q = u.Query()
	return q.Get("redirect_uri"), q.Get("state"), q
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuthorizeURL(t *testing.T) {
	_, l, _ := start(t, Config{SiteURL: "https://modelslab.example/"})
	u, _ := url.Parse(l.URL)
	if u.Scheme != "https" || u.Host != "modelslab.example" || u.Path != AuthorizePath {
		t.Errorf("authorize URL %s, want the site's %s", l.URL, AuthorizePath)
	}
	cb, state, q := parts(t, l)
	if q.Get("client_name") != "modelslab-agents-mcp" || q.Get("device_name") != "test-device" || q.Get("token_expiry") != "1_week" {
		t.Errorf("query %v", q)
	}
	cu, err := url.Parse(cb)
	if err != nil || cu.Scheme != "http" || cu.Hostname() != "127.0.0.1" || cu.Port() == "" || cu.Path != CallbackPath {
		t.Errorf("redirect_uri %q, want http://127.0.0.1:<port>/callback", cb)
	}
	if raw, err := decodeState(state); err != nil || len(raw) != 32 {
		t.Errorf("state %q: %d bytes (%v), want 32 bytes base64url", state, len(raw), err)
	}
	if strings.Contains(l.URL, l.ID) {
		t.Errorf("the login id is in the URL")
	}
	_, l2, _ := start(t, Config{})
	if _, s2, _ := parts(t, l2); s2 == state {
		t.Errorf("two logins share a state")
	}
}

func TestGetCallbackSuccess(t *testing.T) {
	m, l, grants := start(t, Config{})
	cb, state, _ := parts(t, l)
	q := url.Values{"state": {state}, "access_token": {"7|secret-token-value"}, "api_key": {"sk_secret"},
		"email": {"person@example.com"}, "expires_at": {"2027-01-01T00:00:00Z"}, "token_type": {"Bearer"},
		"token_expiry": {"1_week"}, "token_expiry_effective": {"1_week"}, "token_lifetime_capped": {"1"}}
	resp, err := noRedirect.Get(cb + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != donePath {
		t.Fatalf("GET callback: %s Location %q, want 303 to %s", resp.Status, resp.Header.Get("Location"), donePath)
	}
	if !l.Wait(context.Background()) {
		t.Fatal("not ended")
	}
	g, err := l.Result()
	if err != nil || g.AccessToken != "7|secret-token-value" || g.APIKey != "sk_secret" || g.Email != "person@example.com" ||
		!g.TokenLifetimeCapped || g.TokenExpiryEffective != "1_week" {
		t.Fatalf("result %+v %v", g, err)
	}
	if grants.Load() != 1 {
		t.Errorf("onGrant ran %d times, want 1", grants.Load())
	}
	origin := strings.TrimSuffix(cb, CallbackPath)
	resp, err = http.Get(origin + donePath)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if !strings.Contains(page, "person@example.com") || !strings.Contains(page, "You may close this tab") {
		t.Errorf("done page: %s", page)
	}
	if strings.Contains(page, "secret") {
		t.Errorf("done page shows a secret: %s", page)
	}
	if m.Pending() != nil {
		t.Errorf("still pending")
	}
	if m.TakeFinished() != l || m.TakeFinished() != nil {
		t.Errorf("TakeFinished must return the ended login once")
	}
	waitClosed(t, cb)
}

// waitClosed: the listener is gone once the login ended (after the grace for
// the done page).
func waitClosed(t *testing.T, cb string) {
	t.Helper()
	host := strings.TrimPrefix(strings.TrimSuffix(cb, CallbackPath), "http://")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the callback listener %s is still open", host)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPostCallbackSuccessAndReuse(t *testing.T) {
	_, l, grants := start(t, Config{})
	cb, state, _ := parts(t, l)
	form := url.Values{"state": {state}, "access_token": {"8|another-secret"}, "email": {"a@b.c"}}
	resp, err := http.PostForm(cb, form)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Logged in") || strings.Contains(page, "another-secret") {
		t.Fatalf("POST callback: %s %s", resp.Status, page)
	}
	if g, err := l.Result(); err != nil || g.AccessToken != "8|another-secret" {
		t.Fatalf("result %+v %v", g, err)
	}
	// The same state again: refused while the listener lingers, then no listener.
	if resp, err := http.PostForm(cb, form); err == nil {
		page := body(t, resp)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "already") {
			t.Errorf("reused state: %s %s", resp.Status, page)
		}
	}
	if grants.Load() != 1 {
		t.Errorf("onGrant ran %d times", grants.Load())
	}
	waitClosed(t, cb)
}

func TestWrongStateKeepsWaiting(t *testing.T) {
	_, l, grants := start(t, Config{})
	cb, state, _ := parts(t, l)
	for _, bad := range []string{"", "x", state[:len(state)-1], state + "A", strings.ToUpper(state)} {
		if bad == state {
			continue
		}
		resp, err := http.Get(cb + "?" + url.Values{"state": {bad}, "access_token": {"1|x"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if page := body(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "wrong state") {
			t.Errorf("state %q: %s %s", bad, resp.Status, page)
		}
	}
	if l.Ended() || grants.Load() != 0 {
		t.Fatalf("a wrong state ended the login")
	}
	// The right one still works.
	resp, err := http.Get(cb + "?" + url.Values{"state": {state}, "access_token": {"2|y"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if g, err := l.Result(); err != nil || g == nil {
		t.Fatalf("after the right state: %+v %v", g, err)
	}
}

func TestErrorCallback(t *testing.T) {
	_, l, grants := start(t, Config{})
	cb, state, _ := parts(t, l)
	resp, err := http.Get(cb + "?" + url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {"The user said no\x00"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, resp); !strings.Contains(page, "access_denied") || !strings.Contains(page, "close this tab") {
		t.Errorf("error page: %s", page)
	}
	_, err = l.Result()
	var se *SiteError
	if !errors.As(err, &se) || se.Code != "access_denied" || se.Description != "The user said no" {
		t.Fatalf("result error %v", err)
	}
	if grants.Load() != 0 {
		t.Errorf("onGrant ran on an error")
	}
	waitClosed(t, cb)
}

func TestMissingToken(t *testing.T) {
	_, l, _ := start(t, Config{})
	cb, state, _ := parts(t, l)
	resp, err := http.PostForm(cb, url.Values{"state": {state}})
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if _, err := l.Result(); err == nil || !strings.Contains(err.Error(), "neither a token nor an error") {
		t.Fatalf("result %v", err)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	_, l, _ := start(t, Config{Timeout: 50 * time.Millisecond})
	cb, _, _ := parts(t, l)
	if !l.Wait(context.Background()) {
		t.Fatal("no end")
	}
	if _, err := l.Result(); !errors.Is(err, ErrTimeout) {
		t.Errorf("result %v, want ErrTimeout", err)
	}
	waitClosed(t, cb)

	m, l2, _ := start(t, Config{})
	cb2, state, _ := parts(t, l2)
	l2.Cancel()
	if _, err := l2.Result(); !errors.Is(err, ErrCancelled) {
		t.Errorf("result %v, want ErrCancelled", err)
	}
	waitClosed(t, cb2)
	_ = state
	// A new login after an ended one gets a new listener and state.
	l3, started, err := m.Start(Request{}, nil)
	if err != nil || !started || l3 == l2 {
		t.Fatalf("Start after cancel: %v %v", started, err)
	}
	if _, s3, q := parts(t, l3); s3 == state || !strings.HasPrefix(q.Get("device_name"), "modelslab-agents-mcp@") || q.Get("token_expiry") != "1_month" {
		t.Errorf("defaults: %v", q)
	}
}

func TestSecondStartJoins(t *testing.T) {
	m, l, _ := start(t, Config{})
	l2, started, err := m.Start(Request{}, nil)
	if err != nil || started || l2 != l {
		t.Fatalf("second Start: started=%v same=%v err=%v", started, l2 == l, err)
	}
}

func TestHostAndMethodChecks(t *testing.T) {
	_, l, _ := start(t, Config{})
	cb, state, _ := parts(t, l)
	req, _ := http.NewRequest(http.MethodGet, cb+"?state="+url.QueryEscape(state)+"&access_token=1%7Cx", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusForbidden || l.Ended() {
		t.Errorf("foreign Host: %s, ended=%v", resp.Status, l.Ended())
	}
	req, _ = http.NewRequest(http.MethodPut, cb, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %s", resp.Status)
	}
	resp, err = http.Get(strings.TrimSuffix(cb, CallbackPath) + AuthorizePath)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("authorize path without a site handler: %s", resp.Status)
	}
	// An oversized POST body is refused and does not end the login.
	resp, err = http.Post(cb, "application/x-www-form-urlencoded", strings.NewReader("state="+strings.Repeat("a", maxCallbackBody+10)))
	if err == nil {
		body(t, resp)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("oversized body: %s", resp.Status)
		}
	}
	if l.Ended() {
		t.Errorf("an oversized body ended the login")
	}
}

func TestSiteOnCallbackListener(t *testing.T) {
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "authorize page") })
	_, l, _ := start(t, Config{Site: site})
	cb, _, _ := parts(t, l)
	if !strings.HasPrefix(l.URL, strings.TrimSuffix(cb, CallbackPath)+AuthorizePath+"?") {
		t.Fatalf("authorize URL %s is not on the callback listener %s", l.URL, cb)
	}
	resp, err := http.Get(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := body(t, resp); got != "authorize page" {
		t.Errorf("site handler answered %q", got)
	}
}

func TestOpenBrowser(t *testing.T) {
	var opened string
	_, l, _ := start(t, Config{Open: func(u string) error { opened = u; return nil }})
	if !l.BrowserOpened || opened != l.URL {
		t.Errorf("opened %q (flag %v), want %q", opened, l.BrowserOpened, l.URL)
	}
	_, l2, _ := start(t, Config{Open: func(string) error { return errors.New("no display") }})
	if l2.BrowserOpened {
		t.Errorf("BrowserOpened after a failure")
	}
}

func TestClose(t *testing.T) {
	m, l, _ := start(t, Config{})
	m.Close()
	if _, err := l.Result(); !errors.Is(err, ErrClosed) {
		t.Errorf("pending login after Close: %v", err)
	}
	if _, _, err := m.Start(Request{}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
}

func decodeState(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func TestTakeFinishedID(t *testing.T) {
	m, l, _ := start(t, Config{})
	l.Cancel()
	if m.TakeFinishedID("another-id") != nil {
		t.Fatal("another id took the report")
	}
	if m.TakeFinishedID(l.ID) != l || m.TakeFinished() != nil {
		t.Fatal("the report was not taken once by its own id")
	}
}
