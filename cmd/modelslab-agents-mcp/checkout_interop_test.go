package main

// Paying through a person (issue 17) with the official Go SDK client, over
// the real binary in both protocol eras and both transports: the client
// declares URL elicitation; its handler plays the person, who opens the
// sandbox's Checkout page (plain net/http) and presses Pay. The one tool call
// answers with the new balance.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// payer is a client that opens URL elicitations and presses a button there.
type payer struct {
	mu       sync.Mutex
	decision string // pay or cancel
	urls     []string
	pressed  chan error
}

func (p *payer) options() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{
			Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}}},
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			if req.Params.Mode != "url" {
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
			}
			p.mu.Lock()
			p.urls = append(p.urls, req.Params.URL)
			decision := p.decision
			p.mu.Unlock()
			go func(u string) {
				time.Sleep(50 * time.Millisecond)
				p.pressed <- pressCheckout(u, decision)
			}(req.Params.URL)
			return &mcp.ElicitResult{Action: "accept"}, nil
		},
	}
}

// pressCheckout is the person's browser: it opens the page and submits its form.
func pressCheckout(page, decision string) error {
	resp, err := http.Get(page)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", page, resp.StatusCode)
	}
	resp, err = http.PostForm(page, url.Values{"decision": {decision}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %d", page, resp.StatusCode)
	}
	return nil
}

func TestInteropCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, era := range []string{eraNewest, eraHandshake} {
		for _, tr := range []string{"stdio", "http"} {
			t.Run(tr+"/"+era, func(t *testing.T) {
				t.Parallel()
				p := &payer{decision: "pay", pressed: make(chan error, 2)}
				o := startOpts{args: []string{"--no-browser", "--toolsets", "all"}, client: p.options()}
				var h *harness
				if tr == "stdio" {
					h = startStdio(t, bin, era, o)
				} else {
					h = startHTTP(t, bin, era, o)
				}
				h.adopt(t, h.ok(t, "agent-auth", map[string]any{"action": "login", "email": demoEmail, "password": demoPassword}))
				before, _ := h.ok(t, "agent-wallet", map[string]any{"action": "balance"})["balance"].(float64)
				d := h.ok(t, "agent-wallet", map[string]any{"action": "fund", "amount": 25})
				if err := <-p.pressed; err != nil {
					t.Fatalf("the person's browser: %v", err)
				}
				bal, _ := d["balance"].(map[string]any)
				if d["status"] != "paid" || bal["balance"] != before+25 {
					t.Fatalf("fund through Checkout: %v (balance before %v)", d, before)
				}
				p.mu.Lock()
				urls := append([]string(nil), p.urls...)
				p.mu.Unlock()
				if len(urls) != 1 || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/sandbox/checkout/cs_`).MatchString(urls[0]) {
					t.Errorf("URL elicitations: %v", urls)
				}
				// Cancel on the page: the call ends, nothing was charged.
				p.mu.Lock()
				p.decision = "cancel"
				p.mu.Unlock()
				e := h.fail(t, "agent-wallet", map[string]any{"action": "fund", "amount": 25})
				if err := <-p.pressed; err != nil {
					t.Fatalf("the person's browser: %v", err)
				}
				after, _ := h.ok(t, "agent-wallet", map[string]any{"action": "balance"})["balance"].(float64)
				if !strings.Contains(e.Message, "cancel") || after != before+25 {
					t.Errorf("cancelled on the page: %+v, balance %v", e, after)
				}
			})
		}
	}
}
