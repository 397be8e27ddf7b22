package tools_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// Issue 17's tools against the sandbox: every action through an MCP client,
// a wallet funded through the Checkout page in one call, and a lost answer
// repeated with its key charging once.

// sandboxMoney is a sandbox, a client of it whose transport a test may
// wrap, and the demo account's token.
func sandboxMoney(t *testing.T, wrap func(http.RoundTripper) http.RoundTripper) (*sandbox.Sandbox, *upstream.Client, string) {
	t.Helper()
	// The page on a loopback address, as --sandbox serves it: the server
	// passes on only https pages and loopback http ones.
	sb := sandbox.New(sandbox.Options{Seed: 17, DisableRateLimit: true, CheckoutBase: func() string { return "http://127.0.0.1:1" }})
	var rt http.RoundTripper = sb.Transport()
	if wrap != nil {
		rt = wrap(rt)
	}
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: rt, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	demo := sb.Demo()
	res, err := cl.Login(context.Background(), upstream.LoginRequest{Email: demo.Email, Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	return sb, cl, res.Data.AccessToken
}

// pay presses a button of the sandbox's Checkout page, as a person's browser would.
func pay(t *testing.T, sb *sandbox.Sandbox, pageURL, decision string) {
	u, err := url.Parse(pageURL)
	if err != nil || !strings.HasPrefix(u.Path, sandbox.CheckoutPath) {
		t.Errorf("not a Checkout page: %q", pageURL)
		return
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, u.Path, strings.NewReader("decision="+decision))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sb.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("pressing %s: HTTP %d %s", decision, rec.Code, rec.Body.String())
	}
}

func balanceOf(t *testing.T, e *moneyEnv) float64 {
	t.Helper()
	r := e.call("agent-wallet", map[string]any{"action": "balance"})
	b, ok := r.data()["balance"].(float64)
	if r.isError || !ok {
		t.Fatalf("balance: %s", r.text)
	}
	return b
}

var piPattern = regexp.MustCompile(`pi_[A-Za-z0-9_]+`)

func TestI17EveryActionAgainstTheSandbox(t *testing.T) {
	sb, cl, tok := sandboxMoney(t, nil)
	e := newMoneyEnv(t, moneyOpts{client: cl, token: tok})
	seen := map[string]bool{}
	// ok calls and requires success; try calls and accepts ModelsLab's refusal
	// where the sandbox's state says no (the demo account is no reseller).
	ok := func(tool string, args map[string]any) callResult {
		t.Helper()
		r := e.call(tool, args)
		seen[tool+" "+args["action"].(string)] = true
		if r.isError {
			t.Errorf("%s %v: %s", tool, args["action"], r.text)
		}
		return r
	}
	ok("agent-usage", map[string]any{"action": "summary"})
	ok("agent-usage", map[string]any{"action": "products"})
	ok("agent-usage", map[string]any{"action": "history", "from": "2026-01-01", "limit": 5})
	r := ok("agent-models", map[string]any{"action": "search", "feature": "imagen", "per_page": 5})
	modelID := ""
	if list, _ := r.body["list"].(map[string]any); list["count"] == nil {
		t.Errorf("search has no list: %s", r.text)
	}
	if m := regexp.MustCompile(`"model_id":"([^"]+)"`).FindStringSubmatch(r.text); m != nil {
		modelID = m[1]
	}
	ok("agent-models", map[string]any{"action": "filters"})
	ok("agent-models", map[string]any{"action": "tags"})
	ok("agent-models", map[string]any{"action": "providers"})
	if r := ok("agent-models", map[string]any{"action": "detail", "model_id": modelID}); !strings.Contains(r.text, `"parameters"`) {
		t.Errorf("detail of %q has no parameters: %.300s", modelID, r.text)
	}

	ok("agent-billing", map[string]any{"action": "overview"})
	ok("agent-billing", map[string]any{"action": "payment-methods"})
	ok("agent-billing", map[string]any{"action": "add-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444", "make_default": false})
	ok("agent-billing", map[string]any{"action": "set-default-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444"})
	ok("agent-billing", map[string]any{"action": "set-default-payment-method", "payment_method_id": "pm_sandbox_visa_4242"})
	ok("agent-billing", map[string]any{"action": "remove-payment-method", "payment_method_id": "pm_sandbox_mastercard_4444"})
	ok("agent-billing", map[string]any{"action": "billing-info"})
	ok("agent-billing", map[string]any{"action": "update-billing-info", "name": "Demo Ltd", "tax_id": "DE123456789", "tax_id_type": "eu_vat"})
	r = ok("agent-billing", map[string]any{"action": "invoices"})
	inv := regexp.MustCompile(`in_sandbox_[A-Za-z0-9]+`).FindString(r.text)
	ok("agent-billing", map[string]any{"action": "invoice-detail", "invoice_id": inv})
	if r := ok("agent-billing", map[string]any{"action": "invoice-pdf", "invoice_id": inv}); !strings.Contains(r.text, "http") {
		t.Errorf("invoice-pdf has no URL: %s", r.text)
	}
	ok("agent-billing", map[string]any{"action": "stripe-config"})
	ok("agent-billing", map[string]any{"action": "setup-intent"})
	r = ok("agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 25})
	link, _ := r.data()["payment_url"].(string)
	linkSession, _ := r.data()["session_id"].(string)

	before := balanceOf(t, e)
	seen["agent-wallet balance"] = true
	r = ok("agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_visa_4242"})
	pi := piPattern.FindString(r.text)
	if after := balanceOf(t, e); after != before+25 {
		t.Errorf("fund 25 with a card: balance %v -> %v", before, after)
	}
	ok("agent-wallet", map[string]any{"action": "payment-status", "payment_intent_id": pi})
	ok("agent-wallet", map[string]any{"action": "transactions", "type": "credit", "limit": 5})
	// The payment link, paid by the person, confirmed by its session id.
	pay(t, sb, link, "pay")
	before = balanceOf(t, e)
	ok("agent-wallet", map[string]any{"action": "confirm-checkout", "session_id": linkSession})
	if after := balanceOf(t, e); after != before+25 {
		t.Errorf("confirm-checkout: balance %v -> %v", before, after)
	}
	ok("agent-wallet", map[string]any{"action": "auto-funding", "auto_charge_amount": 20, "charge_threshold": 5})
	ok("agent-wallet", map[string]any{"action": "disable-auto-funding"})
	ok("agent-wallet", map[string]any{"action": "validate-coupon", "coupon_code": "SAVE20", "purchase_amount": 50})
	ok("agent-wallet", map[string]any{"action": "redeem-coupon", "coupon_code": "WELCOME10", "purchase_amount": 25, "payment_method_id": "pm_sandbox_visa_4242"})
	r = e.call("agent-wallet", map[string]any{"action": "withdraw", "amount": 10})
	seen["agent-wallet withdraw"] = true
	if !r.isError || r.errField("status") != float64(403) {
		t.Errorf("withdraw on a non-reseller: %s", r.text)
	}

	ok("agent-subscriptions", map[string]any{"action": "list-plans"})
	r = ok("agent-subscriptions", map[string]any{"action": "list"})
	subID := int64(1001)
	ok("agent-subscriptions", map[string]any{"action": "status", "subscription_id": subID})
	ok("agent-subscriptions", map[string]any{"action": "update", "subscription_id": subID, "new_plan_id": 2})
	ok("agent-subscriptions", map[string]any{"action": "pause", "subscription_id": subID})
	ok("agent-subscriptions", map[string]any{"action": "resume", "subscription_id": subID})
	ok("agent-subscriptions", map[string]any{"action": "reset-cycle", "subscription_id": subID})
	ok("agent-subscriptions", map[string]any{"action": "charge-amount", "amount": 20, "plan_category": "normal"})
	r = e.call("agent-subscriptions", map[string]any{"action": "fix-payment", "subscription_id": subID})
	seen["agent-subscriptions fix-payment"] = true
	if r.isError && r.errField("status") == nil {
		t.Errorf("fix-payment did not reach the sandbox: %s", r.text)
	}
	ok("agent-subscriptions", map[string]any{"action": "create", "plan_id": 4, "payment_method_id": "pm_sandbox_visa_4242"})
	r = ok("agent-subscriptions", map[string]any{"action": "create", "plan_id": 5})
	page, _ := r.data()["checkout_url"].(string)
	if page == "" {
		page, _ = r.data()["payment_url"].(string)
	}
	session, _ := r.data()["session_id"].(string)
	if r.body["done"] != false || !strings.Contains(r.text, "agent-subscriptions action confirm-checkout") {
		t.Errorf("create without a card: %s", r.text)
	}
	pay(t, sb, page, "pay")
	ok("agent-subscriptions", map[string]any{"action": "confirm-checkout", "session_id": session})

	for _, spec := range tools.Specs() {
		if slices17(spec.Toolset) {
			for _, a := range spec.Actions {
				if !seen[spec.Name+" "+a.Name] {
					t.Errorf("action %s %s not exercised", spec.Name, a.Name)
				}
			}
		}
	}
}

func slices17(toolset string) bool {
	for _, d := range tools.DefaultToolsets() {
		if d == toolset {
			return false
		}
	}
	return true
}

// TestSandboxCheckoutInOneCall: fund without a card, with a client that opens
// URLs, in both eras: the person pays on the sandbox's Checkout page and the
// one call answers with the new balance; Cancel on the page ends the call
// with nothing charged.
func TestSandboxCheckoutInOneCall(t *testing.T) {
	defer tools.SetCheckoutPoll(10*time.Millisecond, 5*time.Second)()
	for _, version := range []string{"2025-11-25", mcp.LATEST_PROTOCOL_VERSION} {
		for _, decision := range []string{"pay", "cancel"} {
			t.Run(version+"/"+decision, func(t *testing.T) {
				sb, cl, tok := sandboxMoney(t, nil)
				var wg sync.WaitGroup
				e := newMoneyEnv(t, moneyOpts{client: cl, token: tok, version: version, form: true, url: true,
					elicit: func(p mcp.ElicitationParams) *mcp.ElicitationResult {
						if p.Mode == mcp.ElicitationModeURL {
							wg.Add(1)
							go func() { defer wg.Done(); time.Sleep(50 * time.Millisecond); pay(t, sb, p.URL, decision) }()
						}
						return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}
					}})
				before := balanceOf(t, e)
				r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25})
				wg.Wait()
				after := balanceOf(t, e)
				if decision == "cancel" {
					if !r.isError || !strings.Contains(r.text, "cancel") || after != before {
						t.Errorf("cancelled on the page: balance %v -> %v: %s", before, after, r.text)
					}
					return
				}
				bal, _ := r.data()["balance"].(map[string]any)
				if r.isError || r.data()["status"] != "paid" || bal["balance"] != before+25 || after != before+25 {
					t.Errorf("paid on the page: balance %v -> %v: %s", before, after, r.text)
				}
			})
		}
	}
}

// lostAnswer passes the first POST /wallet/fund to the sandbox, then loses its answer.
type lostAnswer struct {
	next http.RoundTripper
	mu   sync.Mutex
	lost bool
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/wallet/fund") && !l.lost {
		l.lost = true
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func TestSandboxLostAnswerReplayedChargesOnce(t *testing.T) {
	_, cl, tok := sandboxMoney(t, func(rt http.RoundTripper) http.RoundTripper { return &lostAnswer{next: rt} })
	e := newMoneyEnv(t, moneyOpts{client: cl, token: tok})
	before := balanceOf(t, e)
	args := map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_visa_4242"}
	r := e.call("agent-wallet", args)
	key, _ := r.errField("idempotency_key").(string)
	if !r.isError || key == "" || !strings.Contains(r.text, "may have been charged") {
		t.Fatalf("lost answer: %s", r.text)
	}
	if got := balanceOf(t, e); got != before+25 {
		t.Fatalf("the lost request was not applied once: %v -> %v", before, got)
	}
	args["idempotency_key"] = key
	r = e.call("agent-wallet", args)
	if r.isError || r.body["replay"] != true {
		t.Errorf("repeat with the key: %s", r.text)
	}
	if got := balanceOf(t, e); got != before+25 {
		t.Errorf("charged twice: %v -> %v", before, got)
	}
}

// TestSubscriptionChargesNameTheirPrice: resume, reset-cycle and fix-payment
// charge the subscription's plan again; the question names that price, and
// a price above --max-charge is refused before anything is sent.
func TestSubscriptionChargesNameTheirPrice(t *testing.T) {
	var writes atomic.Int32
	sb, cl, tok := sandboxMoney(t, func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method != http.MethodGet {
				writes.Add(1)
			}
			return rt.RoundTrip(r)
		})
	})
	sub := sb.Demo().SubscriptionID
	e := newMoneyEnv(t, moneyOpts{client: cl, token: tok, form: true})
	r := e.call("agent-subscriptions", map[string]any{"action": "reset-cycle", "subscription_id": sub})
	if r.isError {
		t.Fatalf("reset-cycle: %s", r.text)
	}
	qs := e.questions()
	if len(qs) != 1 || !strings.Contains(qs[0].Message, "$27.00") || !strings.Contains(qs[0].Message, "Basic") {
		t.Fatalf("the question does not name the plan and its price: %+v", qs)
	}
	low := newMoneyEnv(t, moneyOpts{client: cl, token: tok, form: true, maxCharge: 20})
	writes.Store(0)
	for _, action := range []string{"reset-cycle", "resume", "fix-payment"} {
		r := low.call("agent-subscriptions", map[string]any{"action": action, "subscription_id": sub})
		if !r.isError || r.errField("kind") != "over_ceiling" || !strings.Contains(r.text, "$27.00") {
			t.Errorf("%s above a $20 ceiling: %s", action, r.text)
		}
	}
	if len(low.questions()) != 0 {
		t.Errorf("asked the person about a charge the ceiling refuses: %+v", low.questions())
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("%d writes reached the sandbox past the ceiling", n)
	}
}
