package tools_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin/browsertest"
)

// A client without elicitation: a second call while the login is pending
// waits a bounded time, reports "still waiting", and one that is waiting when
// the person finishes reports the login.
func TestBrowserLoginSecondCallWaits(t *testing.T) {
	defer tools.SetBrowserWait(300 * time.Millisecond)()
	h := newHarness(t, nil, tools.Filter{})
	demo := h.sb.Demo()
	r := h.ok("agent-auth", map[string]any{"action": "browser-login"})
	authorize, _ := r.data()["authorize_url"].(string)
	start := time.Now()
	r = h.ok("agent-auth", map[string]any{"action": "browser-login"})
	if r.data()["status"] != "pending" || r.data()["authorize_url"] != authorize || !strings.Contains(r.text, "Still waiting") {
		t.Fatalf("second call: %s", r.text)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("the second call returned after %v, without waiting", d)
	}
	if h.upstreamRequests() != 0 || h.creds.get() != "" {
		t.Fatalf("pending login touched the upstream or the session")
	}

	defer tools.SetBrowserWait(10 * time.Second)()
	var wg sync.WaitGroup
	wg.Add(1)
	var waiting callResult
	go func() {
		defer wg.Done()
		waiting = h.call("agent-auth", map[string]any{"action": "browser-login"})
	}()
	time.Sleep(100 * time.Millisecond)
	if _, err := browsertest.Submit(authorize, demo.Email, demo.Password, "login"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if waiting.isError || waiting.data()["status"] != "logged_in" || waiting.data()["email"] != demo.Email {
		t.Fatalf("the waiting call: %s", waiting.text)
	}
	if h.creds.get() == "" || strings.Contains(waiting.text, string(h.creds.get())) {
		t.Errorf("token adopted=%v, or shown whole", h.creds.get() != "")
	}
	// Reported once: the next call starts a new login.
	if r := h.ok("agent-auth", map[string]any{"action": "browser-login"}); r.data()["status"] != "pending" || r.data()["authorize_url"] == authorize {
		t.Errorf("after the report: %s", r.text)
	}
}

func TestBrowserLoginTimeout(t *testing.T) {
	h := newHarness(t, func(d *tools.Deps) {
		d.BrowserLogin = browserlogin.New(browserlogin.Config{SiteURL: "https://site.invalid", Timeout: 100 * time.Millisecond})
	}, tools.Filter{})
	r := h.ok("agent-auth", map[string]any{"action": "browser-login"})
	u, err := url.Parse(r.data()["authorize_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	callback := u.Query().Get("redirect_uri")
	time.Sleep(300 * time.Millisecond)
	r = h.call("agent-auth", map[string]any{"action": "browser-login"})
	if !r.isError || r.errField("kind") != "timeout" || !strings.Contains(r.text, "5 minutes") || !strings.Contains(r.text, "again") {
		t.Fatalf("after the timeout: %s", r.text)
	}
	time.Sleep(100 * time.Millisecond)
	if resp, err := http.Get(callback); err == nil {
		resp.Body.Close()
		t.Errorf("the timed-out login's callback still answers")
	}
}

func TestBrowserLoginNotAvailable(t *testing.T) {
	h := newHarness(t, func(d *tools.Deps) {
		d.BrowserLogin = nil
		d.BrowserLoginUnavailable = "this server is reached over the network"
	}, tools.Filter{})
	r := h.call("agent-auth", map[string]any{"action": "browser-login"})
	if !r.isError || r.errField("kind") != "not_available" || !strings.Contains(r.text, "reached over the network") ||
		!strings.Contains(r.text, "action login") {
		t.Fatalf("not available: %s", r.text)
	}
}
