package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// Over stdio, the Checkout page gets a loopback listener on the first
// checkout only, serves the page there, and stops with Close.
func TestCheckoutSiteLazyListener(t *testing.T) {
	site := &checkoutSite{log: zerolog.Nop()}
	sb := sandbox.New(sandbox.Options{Seed: 3, DisableRateLimit: true, CheckoutBase: site.Base})
	site.handler = sb
	defer site.Close()
	c, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: sb.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login, err := c.Login(ctx, upstream.LoginRequest{Email: sb.Demo().Email, Password: sb.Demo().Password})
	if err != nil {
		t.Fatal(err)
	}
	tok := upstream.Token(login.Data.AccessToken)
	if _, err := c.WalletBalance(ctx, tok); err != nil {
		t.Fatal(err)
	}
	site.mu.Lock()
	started := site.srv != nil
	site.mu.Unlock()
	if started {
		t.Fatal("a listener started before any checkout")
	}
	res, err := c.FundWallet(ctx, tok, "k1", upstream.FundRequest{Amount: 25})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Data.URL, "http://127.0.0.1:") {
		t.Fatalf("url %q", res.Data.URL)
	}
	resp, err := http.Get(res.Data.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `id="pay"`) {
		t.Fatalf("page %d: %s", resp.StatusCode, body)
	}
	// Only the Checkout page is served there, not the API.
	if resp, err := http.Get(strings.Replace(res.Data.URL, sandbox.CheckoutPath, sandbox.APIPrefix+"/wallet/", 1)); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("the API on the checkout listener: %d", resp.StatusCode)
		}
	}
	// A second checkout reuses the listener.
	again, err := c.FundWallet(ctx, tok, "k2", upstream.FundRequest{Amount: 25})
	if err != nil || !strings.HasPrefix(again.Data.URL, strings.SplitN(res.Data.URL, "/sandbox/", 2)[0]) {
		t.Errorf("second url %v %v", again, err)
	}
	site.Close()
	if _, err := http.Get(res.Data.URL); err == nil {
		t.Error("the listener outlived Close")
	}
}

func TestCheckoutSiteFixedBase(t *testing.T) {
	site := &checkoutSite{log: zerolog.Nop(), handler: http.NotFoundHandler()}
	site.SetBase(loopbackBase("0.0.0.0:8080"))
	if got := site.Base(); got != "http://127.0.0.1:8080" || site.srv != nil {
		t.Errorf("base %q, listener %v", got, site.srv != nil)
	}
	if got := loopbackBase("[::]:9"); got != "http://127.0.0.1:9" {
		t.Errorf("%q", got)
	}
	if got := loopbackBase("127.0.0.1:9"); got != "http://127.0.0.1:9" {
		t.Errorf("%q", got)
	}
}
