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

// TestInteropEveryAccountAction: with --toolsets all --sandbox, every action of
// issue 17's five tools through the Go SDK client over the real binary. The
// client confirms what moves money (form elicitation) and has no URL
// elicitation, so a Checkout comes back as payment_url, which the test pays
// as a person would and then confirms.
func TestInteropEveryAccountAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	p := newPerson()
	h := startStdio(t, bin, eraNewest, startOpts{args: []string{"--no-browser", "--toolsets", "all"}, client: p.options(false)})
	h.adopt(t, h.ok(t, "agent-auth", map[string]any{"action": "login", "email": demoEmail, "password": demoPassword}))
	ran := map[string]bool{}
	run := func(tool string, args map[string]any) string {
		t.Helper()
		ran[tool+" "+args["action"].(string)] = true
		res := h.call(t, tool, args)
		if res.IsError {
			t.Errorf("%s %v: %s", tool, args["action"], textOf(res))
		}
		return textOf(res)
	}
	find := func(re, text string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %s in %.400s", re, text)
		}
		return m[len(m)-1]
	}
	run("agent-usage", map[string]any{"action": "summary"})
	run("agent-usage", map[string]any{"action": "products"})
	run("agent-usage", map[string]any{"action": "history", "from": "2026-01-01", "limit": 10})
	model := find(`"model_id":"([^"]+)"`, run("agent-models", map[string]any{"action": "search", "feature": "imagen", "per_page": 3}))
	run("agent-models", map[string]any{"action": "filters"})
	run("agent-models", map[string]any{"action": "tags"})
	run("agent-models", map[string]any{"action": "providers"})
	run("agent-models", map[string]any{"action": "detail", "model_id": model})

	run("agent-billing", map[string]any{"action": "overview"})
	run("agent-billing", map[string]any{"action": "payment-methods"})
	run("agent-billing", map[string]any{"action": "add-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444", "make_default": false})
	run("agent-billing", map[string]any{"action": "set-default-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444"})
	run("agent-billing", map[string]any{"action": "set-default-payment-method", "payment_method_id": "pm_sandbox_visa_4242"})
	run("agent-billing", map[string]any{"action": "remove-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444"})
	run("agent-billing", map[string]any{"action": "billing-info"})
	run("agent-billing", map[string]any{"action": "update-billing-info", "address_city": "Berlin", "address_country": "DE"})
	inv := find(`(in_sandbox_[A-Za-z0-9]+)`, run("agent-billing", map[string]any{"action": "invoices"}))
	run("agent-billing", map[string]any{"action": "invoice-detail", "invoice_id": inv})
	run("agent-billing", map[string]any{"action": "invoice-pdf", "invoice_id": inv})
	run("agent-billing", map[string]any{"action": "stripe-config"})
	run("agent-billing", map[string]any{"action": "setup-intent"})
	link := run("agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 30})
	if err := pressCheckout(find(`"payment_url":"([^"]+)"`, link), "pay"); err != nil {
		t.Fatal(err)
	}
	run("agent-wallet", map[string]any{"action": "confirm-checkout", "session_id": find(`"session_id":"([^"]+)"`, link)})

	run("agent-wallet", map[string]any{"action": "balance"})
	funded := run("agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_visa_4242"})
	if !strings.Contains(p.lastQuestion(), "Charge $25.00 to Visa •••• 4242") {
		t.Errorf("the fund question: %q", p.lastQuestion())
	}
	run("agent-wallet", map[string]any{"action": "payment-status", "payment_intent_id": find(`(pi_[A-Za-z0-9_]+)`, funded)})
	run("agent-wallet", map[string]any{"action": "transactions", "type": "credit", "limit": 5, "offset": 1})
	run("agent-wallet", map[string]any{"action": "auto-funding", "auto_charge_amount": 20, "charge_threshold": 5})
	run("agent-wallet", map[string]any{"action": "disable-auto-funding"})
	run("agent-wallet", map[string]any{"action": "validate-coupon", "coupon_code": "SAVE20", "purchase_amount": 50})
	run("agent-wallet", map[string]any{"action": "redeem-coupon", "coupon_code": "WELCOME10", "purchase_amount": 25, "payment_method_id": "pm_sandbox_visa_4242"})
	ran["agent-wallet withdraw"] = true
	if e := h.fail(t, "agent-wallet", map[string]any{"action": "withdraw", "amount": 10}); e.Status != http.StatusForbidden {
		t.Errorf("withdraw on a non-reseller: %+v", e)
	}

	run("agent-subscriptions", map[string]any{"action": "list-plans"})
	sub := find(`"id":(\d+)`, run("agent-subscriptions", map[string]any{"action": "list"}))
	for _, a := range []map[string]any{
		{"action": "status"}, {"action": "update", "new_plan_id": 2}, {"action": "pause"}, {"action": "resume"}, {"action": "reset-cycle"},
	} {
		a["subscription_id"] = sub
		run("agent-subscriptions", a)
	}
	run("agent-subscriptions", map[string]any{"action": "charge-amount", "amount": 20, "plan_category": "normal"})
	ran["agent-subscriptions fix-payment"] = true
	if res := h.call(t, "agent-subscriptions", map[string]any{"action": "fix-payment", "subscription_id": sub}); res.IsError && !strings.Contains(textOf(res), "HTTP") {
		t.Errorf("fix-payment did not reach the sandbox: %s", textOf(res))
	}
	created := run("agent-subscriptions", map[string]any{"action": "create", "plan_id": 5})
	page := find(`"(?:checkout_url|payment_url)":"([^"]+)"`, created)
	if err := pressCheckout(page, "pay"); err != nil {
		t.Fatal(err)
	}
	run("agent-subscriptions", map[string]any{"action": "confirm-checkout", "session_id": find(`"session_id":"([^"]+)"`, created)})

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if list, err := h.cs.ListTools(ctx, nil); err != nil || len(list.Tools) != 10 {
		t.Errorf("--toolsets all: tools/list %v", err)
	}
	if len(ran) != 42 {
		t.Errorf("ran %d of the 42 actions", len(ran))
	}
	h.noSecretsLogged(t)
}
