package server

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

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

// Draining the HTTP server calls off a pending browser login: its callback
// listener closes, and the next login is refused as the server stops.
func TestHTTPDrainEndsPendingBrowserLogin(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Site = e.sb
	hs, err := NewHTTP(opts, HTTPOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()
	c, err := client.NewStreamableHttpClient("http://" + ln.Addr().String() + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	r := call(t, c, "agent-auth", map[string]any{"action": "browser-login"})
	authorize, _ := r.data()["authorize_url"].(string)
	if authorize == "" {
		t.Fatalf("browser-login: %s", r.text)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(authorize)
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the pending login's listener outlived the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
