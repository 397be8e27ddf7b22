package server

import (
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin/browsertest"
)

// Over HTTP on loopback, a browser login's token serves the calls without a
// header, and is never returned whole; beyond loopback the action explains
// why it cannot work and what to do instead, and nothing listens.
func TestHTTPBrowserLoginOnlyOnLoopback(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Site = e.sb
	c := httpClient(t, httpServer(t, opts, HTTPOptions{}, true), nil)
	r := call(t, c, "agent-auth", map[string]any{"action": "browser-login"})
	authorize, _ := r.data()["authorize_url"].(string)
	if r.isError || authorize == "" {
		t.Fatalf("loopback: %s", r.text)
	}
	d := e.sb.Demo()
	if _, err := browsertest.Submit(authorize, d.Email, d.Password, "login"); err != nil {
		t.Fatal(err)
	}
	r = call(t, c, "agent-auth", map[string]any{"action": "browser-login"})
	tok, _ := r.data()["access_token"].(string)
	if r.isError || r.data()["status"] != "logged_in" || !strings.Contains(tok, "|…") {
		t.Fatalf("after the page: %s", r.text)
	}
	if p := call(t, c, "agent-profile", getProfile); p.isError || p.data()["email"] != d.Email {
		t.Errorf("a call without a header after the browser login: %s", p.text)
	}

	remote := httpClient(t, httpServer(t, opts, HTTPOptions{}, false), nil)
	r = call(t, remote, "agent-auth", map[string]any{"action": "browser-login"})
	if r.errKind() != "not_available" || !strings.Contains(r.text, "127.0.0.1") || !strings.Contains(r.text, "Next step") {
		t.Errorf("beyond loopback: %s", r.text)
	}
}

func TestSiteOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://modelslab.com/api/agents/v1":   "https://modelslab.com",
		"http://127.0.0.1:8090/api/agents/v1/":  "http://127.0.0.1:8090",
		"https://user@staging.example:8443/a/b": "https://staging.example:8443",
	} {
		if got := siteOf(in); got != want {
			t.Errorf("siteOf(%q) = %q, want %q", in, got, want)
		}
	}
}
