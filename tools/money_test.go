package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// The issue-17 tools against an httptest control plane that records every
// request: the mapping of each action, and the money rules.

// recReq is one request as the fake control plane saw it.
type recReq struct {
	method, path, query, body, idem string
}

func (r recReq) String() string { return r.method + " " + r.path }

// moneyUpstream records requests and answers them through answer, or with
// an envelope around data {"ok":true} by default.
type moneyUpstream struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recReq
	answer func(r recReq) (status int, body string)
}

const moneyCards = `[{"id":"pm_sandbox_visa_4242","brand":"visa","last4":"4242","is_default":true},{"id":"pm_sandbox_mc_4444","card":{"brand":"mastercard","last4":"4444"}}]`
const moneyPlans = `{"subscription_plans":[{"id":2,"name":"Pro","price":29},{"id":3,"name":"Team","price":"79.00"},{"id":9,"name":"Enterprise","price":200}],"pay_as_you_go":{"minimum_topup_usd":10},"count":3}`

func envelope(data string) string {
	return `{"data":` + data + `,"error":null,"meta":{"request_id":"req-17"}}`
}

func newMoneyUpstream(t *testing.T) *moneyUpstream {
	u := &moneyUpstream{t: t}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recReq{method: r.Method, path: strings.TrimPrefix(r.URL.Path, "/api/agents/v1"), query: r.URL.RawQuery, body: string(body), idem: r.Header.Get("Idempotency-Key")}
		u.mu.Lock()
		u.reqs = append(u.reqs, rec)
		answer := u.answer
		u.mu.Unlock()
		status, out := 0, ""
		if answer != nil {
			status, out = answer(rec)
		}
		if status == -1 { // no answer at all: the connection drops after the request arrived
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		if status == 0 {
			status, out = defaultMoneyAnswer(rec)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func defaultMoneyAnswer(r recReq) (int, string) {
	switch r.path {
	case "/billing/payment-methods":
		if r.method == http.MethodGet {
			return 200, envelope(moneyCards)
		}
	case "/subscriptions/plans":
		return 200, envelope(moneyPlans)
	case "/wallet/balance":
		return 200, envelope(`{"balance":42.5,"currency":"USD"}`)
	}
	return 200, envelope(`{"ok":true}`)
}

func (u *moneyUpstream) requests() []recReq {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.reqs)
}

func (u *moneyUpstream) reset() { u.mu.Lock(); u.reqs = nil; u.mu.Unlock() }

func (u *moneyUpstream) setAnswer(f func(r recReq) (int, string)) {
	u.mu.Lock()
	u.answer = f
	u.mu.Unlock()
}

// mutations are the requests that are not reads.
func (u *moneyUpstream) mutations() []recReq {
	var out []recReq
	for _, r := range u.requests() {
		if r.method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// moneyEnv is an MCP server with all ten tools over a moneyUpstream, and a client.
type moneyEnv struct {
	t   *testing.T
	up  *moneyUpstream
	mcp *client.Client
	log *syncBuffer
	// asked holds the elicitations the client was sent.
	mu    sync.Mutex
	asked []mcp.ElicitationParams
}

type moneyOpts struct {
	// client, when set, is the control plane (the sandbox); else the recorder.
	client    *upstream.Client
	token     string
	filter    tools.Filter
	maxCharge float64
	version   string
	form, url bool
	// elicit answers an elicitation; nil accepts.
	elicit func(p mcp.ElicitationParams) *mcp.ElicitationResult
}

type elicitFunc func(ctx context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

func (f elicitFunc) Elicit(ctx context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, r)
}

func newMoneyEnv(t *testing.T, o moneyOpts) *moneyEnv {
	t.Helper()
	e := &moneyEnv{t: t, up: newMoneyUpstream(t), log: &syncBuffer{}}
	cl, err := upstream.New(upstream.Config{BaseURL: e.up.srv.URL + "/api/agents/v1", Timeout: 2 * time.Second,
		RetryBaseWait: time.Millisecond, RetryMaxWait: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	token := "7|moneyTestToken0123456789"
	if o.client != nil {
		cl, token = o.client, o.token
	}
	if o.filter.Toolsets == nil {
		o.filter.Toolsets = []string{tools.ToolsetsAll}
	}
	logger := zerolog.New(e.log).Level(zerolog.DebugLevel)
	ts, err := tools.Build(tools.Deps{Client: cl, Creds: staticCreds(token), Logger: logger, MaxCharge: o.maxCharge}, o.filter)
	if err != nil {
		t.Fatal(err)
	}
	s := mcpserver.NewMCPServer("money", "1", mcpserver.WithToolCapabilities(false))
	s.AddTools(ts...)
	var opts []client.ClientOption
	caps := mcp.ClientCapabilities{}
	if o.form || o.url {
		caps.Elicitation = &mcp.ElicitationCapability{}
		if o.form {
			caps.Elicitation.Form = &struct{}{}
		}
		if o.url {
			caps.Elicitation.URL = &struct{}{}
		}
		opts = append(opts, client.WithElicitationHandler(elicitFunc(func(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			e.mu.Lock()
			e.asked = append(e.asked, r.Params)
			e.mu.Unlock()
			if o.elicit != nil {
				return o.elicit(r.Params), nil
			}
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
		})))
	}
	opts = append(opts, client.WithClientCapabilities(caps))
	c, err := client.NewInProcessClientWithOptions(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = o.version
	if init.Params.ProtocolVersion == "" {
		init.Params.ProtocolVersion = "2025-11-25"
	}
	init.Params.Capabilities = caps
	init.Params.ClientInfo = mcp.Implementation{Name: "money-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e.mcp = c
	return e
}

func (e *moneyEnv) call(tool string, args map[string]any) callResult {
	e.t.Helper()
	return callTool(e.t, e.mcp, tool, args)
}

func (e *moneyEnv) questions() []mcp.ElicitationParams {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.asked)
}

func argsOf(tool, action string) map[string]any {
	out := map[string]any{"action": action}
	for k, v := range tools.I17ValidArgs[tool][action] {
		out[k] = v
	}
	return out
}

// mapping is what one action sends: method, path, query and body.
type mapping struct {
	method, path, query, body string
}

var i17Mappings = map[string]mapping{
	"agent-usage summary":                      {"GET", "/usage/summary", "", ""},
	"agent-usage products":                     {"GET", "/usage/products", "", ""},
	"agent-usage history":                      {"GET", "/usage/history", "from=2026-01-01&limit=50&to=2026-01-31", ""},
	"agent-models search":                      {"GET", "/models", "base_model=flux&feature=imagen&model_subcategory=text-to-image&model_type=image&page=2&per_page=20&provider=black-forest-labs&search=flux&sort=newest&tags=anime%2Crealistic", ""},
	"agent-models filters":                     {"GET", "/models/filters", "", ""},
	"agent-models tags":                        {"GET", "/models/tags", "", ""},
	"agent-models providers":                   {"GET", "/models/providers", "", ""},
	"agent-models detail":                      {"GET", "/models/flux", "", ""},
	"agent-billing overview":                   {"GET", "/billing/overview", "", ""},
	"agent-billing payment-methods":            {"GET", "/billing/payment-methods", "", ""},
	"agent-billing add-payment-method":         {"POST", "/billing/payment-methods", "", `{"payment_method_id":"pm_sandbox_visa_4242","make_default":false}`},
	"agent-billing set-default-payment-method": {"PUT", "/billing/payment-methods/pm_sandbox_visa_4242/default", "", ""},
	"agent-billing remove-payment-method":      {"DELETE", "/billing/payment-methods/pm_sandbox_visa_4242", "", ""},
	"agent-billing billing-info":               {"GET", "/billing/info", "", ""},
	"agent-billing update-billing-info": {"PUT", "/billing/info", "", `{"name":"Ada Ltd","email":"billing@example.test","tax_id":"DE123456789","tax_id_type":"eu_vat",
		"address_line1":"1 Main St","address_line2":"Floor 2","address_city":"Berlin","address_state":"BE","address_postal_code":"10115","address_country":"DE"}`},
	"agent-billing invoices":               {"GET", "/billing/invoices", "page=2", ""},
	"agent-billing invoice-detail":         {"GET", "/billing/invoices/in_sandbox_0001", "", ""},
	"agent-billing invoice-pdf":            {"GET", "/billing/invoices/in_sandbox_0001/pdf", "", ""},
	"agent-billing stripe-config":          {"GET", "/billing/stripe-config", "", ""},
	"agent-billing setup-intent":           {"POST", "/billing/setup-intent", "", ""},
	"agent-billing payment-link":           {"POST", "/billing/payment-link", "", `{"purpose":"fund","amount":25}`},
	"agent-wallet fund":                    {"POST", "/wallet/fund", "", `{"amount":25,"payment_method_id":"pm_sandbox_visa_4242"}`},
	"agent-wallet auto-funding":            {"PUT", "/wallet/auto-funding", "", `{"auto_charge_amount":20,"charge_threshold":5}`},
	"agent-wallet disable-auto-funding":    {"DELETE", "/wallet/auto-funding", "", ""},
	"agent-wallet withdraw":                {"POST", "/wallet/withdraw", "", `{"amount":10}`},
	"agent-wallet validate-coupon":         {"GET", "/wallet/coupons/validate", "coupon_code=WELCOME10&purchase_amount=25", ""},
	"agent-wallet redeem-coupon":           {"POST", "/wallet/coupons/redeem", "", `{"coupon_code":"WELCOME10"}`},
	"agent-wallet balance":                 {"GET", "/wallet/balance", "", ""},
	"agent-wallet transactions":            {"GET", "/wallet/transactions", "limit=20&type=credit", ""},
	"agent-wallet confirm-checkout":        {"POST", "/wallet/confirm-checkout", "", `{"session_id":"cs_sandbox_0001"}`},
	"agent-wallet payment-status":          {"GET", "/payments/pi_sandbox_0001/status", "", ""},
	"agent-subscriptions list-plans":       {"GET", "/subscriptions/plans", "", ""},
	"agent-subscriptions list":             {"GET", "/subscriptions", "", ""},
	"agent-subscriptions create":           {"POST", "/subscriptions", "", `{"plan_id":2,"payment_method_id":"pm_sandbox_visa_4242","success_url":"https://example.test/ok","cancel_url":"https://example.test/no"}`},
	"agent-subscriptions update":           {"PUT", "/subscriptions/1", "", `{"new_plan_id":3}`},
	"agent-subscriptions pause":            {"POST", "/subscriptions/1/pause", "", ""},
	"agent-subscriptions resume":           {"POST", "/subscriptions/1/resume", "", ""},
	"agent-subscriptions reset-cycle":      {"POST", "/subscriptions/1/reset-cycle", "", ""},
	"agent-subscriptions charge-amount":    {"POST", "/subscriptions/charge-amount", "", `{"amount":20,"plan_category":"normal","stripe_subscription_id":"sub_sandbox_0001"}`},
	"agent-subscriptions fix-payment":      {"POST", "/subscriptions/1/fix-payment", "", ""},
	"agent-subscriptions status":           {"GET", "/subscriptions/1/status", "", ""},
	"agent-subscriptions confirm-checkout": {"POST", "/subscriptions/confirm-checkout", "", `{"session_id":"cs_sandbox_0002"}`},
}

func sameJSON(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		norm := func(s string) string {
			if s = strings.TrimSpace(s); s == "null" || s == "{}" {
				return ""
			}
			return s
		}
		return norm(a) == norm(b)
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

var generatedKey = regexp.MustCompile(`^[a-z-]+(-[0-9_]+usd)?-[0-9]{8}-[a-z]{16}$`)

// TestI17ActionMapping: every action of the five tools sends the documented
// request (method, path, query, body), a mutation with an Idempotency-Key
// (the caller's, or a generated one) that the result names, a read without.
func TestI17ActionMapping(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	n := 0
	for _, spec := range tools.Specs() {
		if slices.Contains(tools.DefaultToolsets(), spec.Toolset) {
			continue
		}
		for _, a := range spec.Actions {
			n++
			want, ok := i17Mappings[spec.Name+" "+a.Name]
			if !ok {
				t.Errorf("no mapping for %s %s", spec.Name, a.Name)
				continue
			}
			e.up.reset()
			args := argsOf(spec.Name, a.Name)
			r := e.call(spec.Name, args)
			if r.isError {
				t.Errorf("%s %s: %s", spec.Name, a.Name, r.text)
				continue
			}
			reqs := e.up.requests()
			if len(reqs) == 0 {
				t.Errorf("%s %s sent nothing", spec.Name, a.Name)
				continue
			}
			// Only the reads of the --max-charge checks may come first: the
			// plans list, and the subscriptions list for a subscription's plan.
			for _, pre := range reqs[:len(reqs)-1] {
				planRead := pre.path == "/subscriptions/plans" && a.Money != nil && (a.Money.PlanCeiling != "" || a.Money.SubscriptionCeiling != "")
				subsRead := pre.path == "/subscriptions" && a.Money != nil && a.Money.SubscriptionCeiling != ""
				if pre.method != "GET" || !(planRead || subsRead) {
					t.Errorf("%s %s: unexpected request %s before the action's", spec.Name, a.Name, pre)
				}
			}
			got := reqs[len(reqs)-1]
			if got.method != want.method || got.path != want.path || got.query != want.query || !sameJSON(got.body, want.body) {
				t.Errorf("%s %s sent %s %s?%s %s\nwant %s %s?%s %s", spec.Name, a.Name, got.method, got.path, got.query, got.body,
					want.method, want.path, want.query, want.body)
			}
			if r.body["request_id"] != "req-17" {
				t.Errorf("%s %s: request_id %v", spec.Name, a.Name, r.body["request_id"])
			}
			mutation := slices.Contains(a.Optional, "idempotency_key")
			switch {
			case !mutation && got.idem != "":
				t.Errorf("%s %s: a read sent Idempotency-Key %q", spec.Name, a.Name, got.idem)
			case mutation && args["idempotency_key"] != nil && got.idem != args["idempotency_key"]:
				t.Errorf("%s %s: Idempotency-Key %q, want the caller's %v", spec.Name, a.Name, got.idem, args["idempotency_key"])
			case mutation && args["idempotency_key"] == nil && !generatedKey.MatchString(got.idem):
				t.Errorf("%s %s: generated Idempotency-Key %q", spec.Name, a.Name, got.idem)
			case mutation && r.body["idempotency_key"] != got.idem:
				t.Errorf("%s %s: the result names key %v, the request carried %q", spec.Name, a.Name, r.body["idempotency_key"], got.idem)
			}
			if mutation && args["idempotency_key"] == nil && !strings.HasPrefix(got.idem, a.Name+"-") {
				t.Errorf("%s %s: key %q does not start with the action", spec.Name, a.Name, got.idem)
			}
		}
	}
	if n != len(i17Mappings) {
		t.Errorf("%d actions, %d mappings", n, len(i17Mappings))
	}
	// Two calls never share a generated key.
	e.up.reset()
	e.call("agent-wallet", argsOf("agent-wallet", "withdraw"))
	e.call("agent-wallet", argsOf("agent-wallet", "withdraw"))
	if m := e.up.mutations(); len(m) != 2 || m[0].idem == m[1].idem || !strings.HasPrefix(m[0].idem, "withdraw-10usd-") {
		t.Errorf("keys of two withdrawals: %v", m)
	}
}

// TestMoneyConfirmations: with a client that declares form elicitation, every
// action that moves money asks first; a decline or a cancel sends nothing
// that changes anything, in both protocol eras, and the questions name
// amount, card and plan.
func TestMoneyConfirmations(t *testing.T) {
	for _, version := range []string{"2025-11-25", mcp.LATEST_PROTOCOL_VERSION} {
		for _, answer := range []mcp.ElicitationResponseAction{mcp.ElicitationResponseActionDecline, mcp.ElicitationResponseActionCancel} {
			t.Run(version+"/"+string(answer), func(t *testing.T) {
				e := newMoneyEnv(t, moneyOpts{version: version, form: true, elicit: func(mcp.ElicitationParams) *mcp.ElicitationResult {
					return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: answer}}
				}})
				for _, spec := range tools.Specs() {
					for _, a := range spec.Actions {
						if a.Money == nil || a.Confirm == nil {
							continue // a payment link: the person pays on the page, or not
						}
						e.up.reset()
						r := e.call(spec.Name, argsOf(spec.Name, a.Name))
						if !r.isError || r.errField("kind") != "not_confirmed" || !strings.Contains(r.text, "nothing was sent") {
							t.Errorf("%s %s %s: %s", spec.Name, a.Name, answer, r.text)
						}
						if m := e.up.mutations(); len(m) > 0 {
							t.Errorf("%s %s %s sent %v", spec.Name, a.Name, answer, m)
						}
					}
				}
			})
		}
	}
	e := newMoneyEnv(t, moneyOpts{form: true})
	for _, c := range []struct {
		tool   string
		args   map[string]any
		sends  string
		wantQ  string
		otherQ []string
	}{
		{"agent-wallet", argsOf("agent-wallet", "fund"), "POST /wallet/fund", "Charge $25.00 to Visa •••• 4242 and add it to the ModelsLab wallet?", nil},
		{"agent-wallet", map[string]any{"action": "fund", "amount": 30.5, "payment_method_id": "pm_sandbox_mc_4444"}, "POST /wallet/fund", "Charge $30.50 to Mastercard •••• 4444", nil},
		{"agent-subscriptions", argsOf("agent-subscriptions", "create"), "POST /subscriptions", "Subscribe to plan 'Pro' (id 2, $29.00) and charge Visa •••• 4242", nil},
		{"agent-subscriptions", argsOf("agent-subscriptions", "update"), "PUT /subscriptions/1", "plan 'Team' (id 3, $79.00)", []string{"Visa •••• 4242"}},
		{"agent-subscriptions", argsOf("agent-subscriptions", "charge-amount"), "POST /subscriptions/charge-amount", "Charge $20.00 to Visa •••• 4242 for the normal subscription?", nil},
		{"agent-wallet", argsOf("agent-wallet", "auto-funding"), "PUT /wallet/auto-funding", "charge $20.00 to Visa •••• 4242 every time the ModelsLab wallet falls below $5.00", nil},
		{"agent-billing", argsOf("agent-billing", "remove-payment-method"), "DELETE /billing/payment-methods/pm_sandbox_visa_4242", "Remove Visa •••• 4242", nil},
		{"agent-wallet", argsOf("agent-wallet", "withdraw"), "POST /wallet/withdraw", "Withdraw $10.00", nil},
	} {
		e.up.reset()
		before := len(e.questions())
		r := e.call(c.tool, c.args)
		if r.isError {
			t.Errorf("%s %v accepted: %s", c.tool, c.args["action"], r.text)
			continue
		}
		qs := e.questions()[before:]
		if len(qs) != 1 || qs[0].Mode == mcp.ElicitationModeURL || !strings.Contains(qs[0].Message, c.wantQ) {
			t.Errorf("%s %v asked %+v, want %q", c.tool, c.args["action"], qs, c.wantQ)
		}
		for _, o := range c.otherQ {
			if len(qs) == 1 && !strings.Contains(qs[0].Message, o) {
				t.Errorf("%s %v: question %q lacks %q", c.tool, c.args["action"], qs[0].Message, o)
			}
		}
		if m := e.up.mutations(); len(m) != 1 || m[0].String() != c.sends {
			t.Errorf("%s %v after yes sent %v, want %s", c.tool, c.args["action"], m, c.sends)
		}
	}
	// Reads are never asked about.
	before := len(e.questions())
	e.call("agent-wallet", argsOf("agent-wallet", "balance"))
	if len(e.questions()) != before {
		t.Error("a read asked for a confirmation")
	}
}

// TestMoneyCeiling: a single charge above --max-charge is refused before
// anything is sent, naming amount, ceiling and flag; a plan's price too.
func TestMoneyCeiling(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
		pre  []string // reads allowed before the refusal
	}{
		{"agent-wallet", map[string]any{"action": "fund", "amount": 100.01, "payment_method_id": "pm_sandbox_visa_4242"}, "amount is $100.01", nil},
		{"agent-wallet", map[string]any{"action": "fund", "amount": 2500}, "amount is $2500.00", nil},
		{"agent-wallet", map[string]any{"action": "withdraw", "amount": 500}, "amount is $500.00", nil},
		{"agent-wallet", map[string]any{"action": "auto-funding", "auto_charge_amount": 150, "charge_threshold": 5}, "auto_charge_amount is $150.00", nil},
		{"agent-subscriptions", map[string]any{"action": "charge-amount", "amount": 5000}, "amount is $5000.00", nil},
		{"agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 101}, "amount is $101.00", nil},
		{"agent-billing", map[string]any{"action": "payment-link", "purpose": "subscribe", "plan_id": 9}, "price of plan 9 ('Enterprise') is $200.00", []string{"GET /subscriptions/plans"}},
		{"agent-subscriptions", map[string]any{"action": "create", "plan_id": 9}, "price of plan 9 ('Enterprise') is $200.00", []string{"GET /subscriptions/plans"}},
		{"agent-subscriptions", map[string]any{"action": "update", "subscription_id": 1, "new_plan_id": 9}, "$200.00", []string{"GET /subscriptions/plans"}},
	} {
		e.up.reset()
		r := e.call(c.tool, c.args)
		if !r.isError || r.errField("kind") != "over_ceiling" || !strings.Contains(r.text, c.want) ||
			!strings.Contains(r.text, "$100.00") || !strings.Contains(r.text, "--max-charge") {
			t.Errorf("%s %v: %s", c.tool, c.args, r.text)
		}
		var got []string
		for _, q := range e.up.requests() {
			got = append(got, q.String())
		}
		if !slices.Equal(got, c.pre) {
			t.Errorf("%s %v sent %v, want only %v", c.tool, c.args, got, c.pre)
		}
	}
	// At the ceiling it goes through; a lower ceiling is named.
	e.up.reset()
	if r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 100, "payment_method_id": "pm_sandbox_visa_4242"}); r.isError {
		t.Errorf("fund $100 under the default ceiling: %s", r.text)
	}
	low := newMoneyEnv(t, moneyOpts{maxCharge: 20})
	if r := low.call("agent-wallet", map[string]any{"action": "fund", "amount": 25}); !r.isError || !strings.Contains(r.text, "$20.00") || len(low.up.requests()) != 0 {
		t.Errorf("--max-charge 20: %s", r.text)
	}
	if r := low.call("agent-subscriptions", map[string]any{"action": "create", "plan_id": 2}); !r.isError || !strings.Contains(r.text, "$29.00") {
		t.Errorf("--max-charge 20, plan $29: %s", r.text)
	}
	// A plans list that cannot be read does not let the plan through.
	e.up.setAnswer(func(r recReq) (int, string) {
		if r.path == "/subscriptions/plans" {
			return 500, `{"message":"down"}`
		}
		return 0, ""
	})
	e.up.reset()
	if r := e.call("agent-subscriptions", map[string]any{"action": "create", "plan_id": 2}); !r.isError || !strings.Contains(r.text, "--max-charge") || len(e.up.mutations()) != 0 {
		t.Errorf("plans unreadable: %s %v", r.text, e.up.mutations())
	}
}

// TestCardNumbersNeverPass: a value that looks like a card number, in any
// parameter (the action and the names included), is refused before
// anything is sent, without a trace of it in the result or the log.
func TestCardNumbersNeverPass(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{form: true})
	cards := []string{"4242424242424242", "4242 4242 4242 4242", "4000-0566-5566-5556", "378282246310005", "6011111111111117"}
	var cases []struct {
		tool string
		args map[string]any
	}
	add := func(tool string, args map[string]any) {
		cases = append(cases, struct {
			tool string
			args map[string]any
		}{tool, args})
	}
	for _, card := range cards {
		add("agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": card})
		add("agent-wallet", map[string]any{"action": "redeem-coupon", "coupon_code": "my card is " + card + " exp 12/28 cvc 123"})
		add("agent-billing", map[string]any{"action": "update-billing-info", "name": "Ada", "address_line2": card})
		add("agent-models", map[string]any{"action": "search", "search": card})
		add("agent-wallet", map[string]any{"action": card})
		add("agent-billing", map[string]any{"action": "overview", card: "x"})
		add("agent-profile", map[string]any{"action": "update", "about_me": "card " + card})
	}
	add("agent-wallet", map[string]any{"action": "fund", "amount": 4242424242424242.0})
	add("agent-teams", map[string]any{"action": "update", "member_id": 1, "permissions": []any{"models:read", "4242424242424242"}})
	for _, c := range cases {
		e.up.reset()
		r := e.call(c.tool, c.args)
		if !r.isError || r.errField("kind") != "card_number" || !strings.Contains(r.text, "card number") {
			t.Errorf("%s %v: %s", c.tool, c.args, r.text)
		}
		if n := len(e.up.requests()); n != 0 {
			t.Errorf("%s %v sent %d requests", c.tool, c.args, n)
		}
		raw, _ := json.Marshal(r.body)
		for _, trace := range []string{"4242", "5556", "0005", "1117"} {
			if strings.Contains(r.text, trace) || strings.Contains(string(raw), trace) {
				t.Errorf("%s: the result shows %q: %s", c.tool, trace, r.text)
			}
		}
	}
	if len(e.questions()) != 0 {
		t.Error("a card number reached a confirmation")
	}
	for _, trace := range []string{"4242", "5556", "0005", "1117"} {
		if strings.Contains(e.log.String(), trace) {
			t.Errorf("the log shows %q: %s", trace, e.log.String())
		}
	}
	// Digits that are no card pass: a date, an amount, a long id failing Luhn.
	for _, ok := range []map[string]any{
		{"action": "history", "from": "2026-01-01", "to": "2026-01-31"},
	} {
		if r := e.call("agent-usage", ok); r.isError {
			t.Errorf("%v refused: %s", ok, r.text)
		}
	}
	if r := e.call("agent-models", map[string]any{"action": "search", "search": "4242424242424241"}); r.isError {
		t.Errorf("a number failing Luhn refused: %s", r.text)
	}
}

// TestMoneyDeclinedAndThreeDSecure: a 402 is an error result with the decline
// and the next step; a 202 is a result that says plainly it is not done.
func TestMoneyDeclinedAndThreeDSecure(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	e.up.setAnswer(func(r recReq) (int, string) {
		switch {
		case r.path == "/wallet/fund" && strings.Contains(r.body, "declined"):
			return 402, `{"data":null,"error":{"code":"payment_declined","message":"Your card was declined.","details":{"decline_code":"card_declined","payment_intent_id":"pi_declined_1"}},"meta":{"request_id":"req-402"}}`
		case r.path == "/wallet/fund":
			return 202, envelope(`{"message":"Additional authentication required. Complete the payment at https://modelslab.com/pricing","payment":{"status":"requires_action","payment_intent_id":"pi_3ds_1","client_secret":"pi_3ds_1_secret_abcdefghijklmnop"}}`)
		}
		return 0, ""
	})
	r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_declined"})
	if !r.isError || r.errField("code") != "payment_declined" || r.errField("decline_code") != "card_declined" ||
		r.errField("payment_intent_id") != "pi_declined_1" || !strings.Contains(r.text, "nothing was charged") || !strings.Contains(r.text, "without payment_method_id") {
		t.Errorf("402: %s %v", r.text, r.body)
	}
	r = e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_3ds"})
	notes, _ := json.Marshal(r.body["notes"])
	if r.isError || r.body["done"] != false || !strings.Contains(string(notes), "NOT DONE") || !strings.Contains(string(notes), "3-D Secure") ||
		!strings.Contains(string(notes), "modelslab.com/pricing") || !strings.Contains(string(notes), "pi_3ds_1") ||
		strings.Contains(r.text, "secret_abcdefghijklmnop") {
		t.Errorf("202: %s", r.text)
	}
}

// TestMoneyNoAnswerThenReplay: a money POST whose answer is lost says it may
// have been charged and names its key; the same action with that key is
// answered as a replay, and the control plane charged once.
func TestMoneyNoAnswerThenReplay(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	var mu sync.Mutex
	charges := 0
	seen := map[string]string{}
	drop := true
	e.up.setAnswer(func(r recReq) (int, string) {
		if r.path != "/wallet/fund" {
			return 0, ""
		}
		mu.Lock()
		defer mu.Unlock()
		if first, ok := seen[r.idem]; ok {
			return 200, strings.Replace(first, `"meta":{`, `"meta":{"idempotency_replay":true,`, 1)
		}
		charges++
		ans := envelope(fmt.Sprintf(`{"balance":%d,"charged":25}`, 25*charges))
		seen[r.idem] = ans
		if drop {
			drop = false
			return -1, ""
		}
		return 200, ans
	})
	args := map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_visa_4242"}
	r := e.call("agent-wallet", args)
	key, _ := r.errField("idempotency_key").(string)
	if !r.isError || key == "" || !strings.Contains(r.text, "may have been charged") || !strings.Contains(r.text, "idempotency_key="+fmt.Sprintf("%q", key)) {
		t.Fatalf("no answer: %s", r.text)
	}
	if n := len(e.up.mutations()); n != 1 {
		t.Errorf("the lost POST was sent %d times (never retried)", n)
	}
	args["idempotency_key"] = key
	r = e.call("agent-wallet", args)
	if r.isError || r.body["replay"] != true || r.body["idempotency_key"] != key || !strings.Contains(r.text, "Replay") {
		t.Errorf("the repeat with the key: %s", r.text)
	}
	if charges != 1 {
		t.Errorf("charged %d times", charges)
	}
}

// TestCheckoutThroughAPerson: fund without a card, with a client that can
// open a URL, sends the person to the page and answers with the new balance
// in one call, in both eras; a decline sends nothing more; a client without
// URL elicitation gets payment_url and how to confirm.
func TestCheckoutThroughAPerson(t *testing.T) {
	defer tools.SetCheckoutPoll(5*time.Millisecond, 2*time.Second)()
	for _, version := range []string{"2025-11-25", mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(version, func(t *testing.T) {
			var mu sync.Mutex
			paid := false
			var e *moneyEnv
			e = newMoneyEnv(t, moneyOpts{version: version, form: true, url: true, elicit: func(p mcp.ElicitationParams) *mcp.ElicitationResult {
				if p.Mode == mcp.ElicitationModeURL {
					// The person pays, a little later.
					go func() {
						time.Sleep(30 * time.Millisecond)
						mu.Lock()
						paid = true
						mu.Unlock()
					}()
				}
				return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}
			}})
			e.up.setAnswer(checkoutAnswers(&mu, &paid))
			r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25})
			if r.isError || r.data()["status"] != "paid" || r.data()["session_id"] != "cs_test_fund_1" {
				t.Fatalf("fund through Checkout: %s", r.text)
			}
			bal, _ := r.data()["balance"].(map[string]any)
			if bal["balance"] != 42.5 {
				t.Errorf("balance: %s", r.text)
			}
			qs := e.questions()
			if len(qs) != 1 || qs[0].Mode != mcp.ElicitationModeURL || qs[0].URL != "http://127.0.0.1:1/sandbox/checkout/cs_test_fund_1" ||
				!strings.Contains(qs[0].Message, "$25.00") {
				t.Errorf("asked %+v (fund without a card needs no form question: the page is the person's)", qs)
			}
			var funds, confirms int
			for _, q := range e.up.requests() {
				switch q.path {
				case "/wallet/fund":
					funds++
				case "/wallet/confirm-checkout":
					confirms++
					if !strings.Contains(q.body, "cs_test_fund_1") || q.idem == "" {
						t.Errorf("confirm: %+v", q)
					}
				}
			}
			if funds != 1 || confirms < 1 {
				t.Errorf("fund sent %d times, confirm %d times", funds, confirms)
			}
			if strings.Contains(r.text, "payment_url") {
				t.Errorf("the result sends the model to the page: %s", r.text)
			}
		})
	}
	// The person does not open the page: nothing is confirmed.
	e := newMoneyEnv(t, moneyOpts{url: true, elicit: func(mcp.ElicitationParams) *mcp.ElicitationResult {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}
	}})
	var mu sync.Mutex
	paid := false
	e.up.setAnswer(checkoutAnswers(&mu, &paid))
	r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25})
	if !r.isError || r.errField("kind") != "not_confirmed" || !strings.Contains(r.text, "nothing was charged") {
		t.Errorf("declined page: %s", r.text)
	}
	for _, q := range e.up.requests() {
		if q.path == "/wallet/confirm-checkout" {
			t.Errorf("confirmed a page the person did not open")
		}
	}
	// A client without URL elicitation: the URL and how to confirm.
	plain := newMoneyEnv(t, moneyOpts{form: true})
	plain.up.setAnswer(checkoutAnswers(&mu, &paid))
	r = plain.call("agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 25})
	notes, _ := json.Marshal(r.body["notes"])
	if r.isError || r.body["done"] != false || r.data()["payment_url"] == nil || !strings.Contains(string(notes), "agent-wallet action confirm-checkout with session_id=\\\"cs_test_fund_1\\\"") {
		t.Errorf("without URL elicitation: %s", r.text)
	}
	if len(plain.questions()) != 0 {
		t.Errorf("a payment link asked %v", plain.questions())
	}
}

// checkoutAnswers plays a Checkout: fund and payment-link answer with a
// page; confirm-checkout answers 409 until *paid.
func checkoutAnswers(mu *sync.Mutex, paid *bool) func(r recReq) (int, string) {
	return func(r recReq) (int, string) {
		switch r.path {
		case "/wallet/fund", "/billing/payment-link":
			return 200, envelope(`{"payment_url":"http://127.0.0.1:1/sandbox/checkout/cs_test_fund_1","session_id":"cs_test_fund_1","purpose":"fund","amount":25}`)
		case "/wallet/confirm-checkout":
			mu.Lock()
			defer mu.Unlock()
			if !*paid {
				return 409, `{"data":null,"error":{"code":"checkout_pending","message":"Not paid yet."},"meta":{"request_id":"req-409"}}`
			}
			return 200, envelope(`{"credited":25,"session_id":"cs_test_fund_1"}`)
		}
		return 0, ""
	}
}

// TestI17ReadOnlyAndToolsets: --read-only keeps the reads and refuses the
// rest naming the mode; toolsets publish what they name.
func TestI17ReadOnlyAndToolsets(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{filter: tools.Filter{ReadOnly: true, Toolsets: []string{"all"}}})
	r := e.call("agent-wallet", argsOf("agent-wallet", "fund"))
	if !r.isError || !strings.Contains(r.text, "read-only") || len(e.up.requests()) != 0 {
		t.Errorf("fund in read-only mode: %s", r.text)
	}
	if r := e.call("agent-wallet", argsOf("agent-wallet", "balance")); r.isError {
		t.Errorf("balance in read-only mode: %s", r.text)
	}
	list, err := e.mcp.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range list.Tools {
		if tl.Annotations.ReadOnlyHint == nil || !*tl.Annotations.ReadOnlyHint {
			t.Errorf("%s is not read-only in read-only mode", tl.Name)
		}
	}
	for _, c := range []struct {
		sets []string
		want int
	}{{nil, 5}, {[]string{"default"}, 5}, {[]string{"all"}, 10}, {[]string{"default", "wallet"}, 6}, {[]string{"wallet", "billing"}, 2}, {[]string{"ALL"}, 10}} {
		e := newMoneyEnv(t, moneyOpts{filter: tools.Filter{Toolsets: c.sets}})
		if c.sets == nil {
			e = newMoneyEnv(t, moneyOpts{filter: tools.Filter{Toolsets: []string{}}})
		}
		list, err := e.mcp.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil || len(list.Tools) != c.want {
			t.Errorf("toolsets %v: %d tools, want %d (%v)", c.sets, len(list.Tools), c.want, err)
		}
		for _, tl := range list.Tools {
			money := false
			for _, s := range tools.Specs() {
				if s.Name == tl.Name {
					for _, a := range s.Actions {
						money = money || a.Money != nil
					}
				}
			}
			if money && (tl.Annotations.DestructiveHint == nil || !*tl.Annotations.DestructiveHint) {
				t.Errorf("%s moves money without destructiveHint", tl.Name)
			}
		}
	}
	if _, err := tools.Build(tools.Deps{}, tools.Filter{Toolsets: []string{"default", "money"}}); err == nil || !strings.Contains(err.Error(), "money") || !strings.Contains(err.Error(), "all") {
		t.Errorf("unknown toolset: %v", err)
	}
	// A payment link names the wallet's confirm-checkout only where it is published.
	only := newMoneyEnv(t, moneyOpts{filter: tools.Filter{Toolsets: []string{"billing"}}})
	var mu sync.Mutex
	paid := false
	only.up.setAnswer(checkoutAnswers(&mu, &paid))
	r = only.call("agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 25})
	if r.isError || strings.Contains(r.text, "confirm-checkout") {
		t.Errorf("billing alone names an unpublished action: %s", r.text)
	}
}

// TestI17LocalRules: the documented rules over several parameters refuse
// before anything is sent.
func TestI17LocalRules(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	for _, c := range []struct {
		tool  string
		args  map[string]any
		param string
	}{
		{"agent-usage", map[string]any{"action": "history", "from": "2026-02-30"}, "from"},
		{"agent-usage", map[string]any{"action": "history", "from": "2026-03-01", "to": "2026-02-01"}, "to"},
		{"agent-usage", map[string]any{"action": "history", "limit": 201}, "limit"},
		{"agent-usage", map[string]any{"action": "history", "from": "01/02/2026"}, "from"},
		{"agent-wallet", map[string]any{"action": "transactions", "limit": 0}, "limit"},
		{"agent-wallet", map[string]any{"action": "transactions", "type": "refund"}, "type"},
		{"agent-wallet", map[string]any{"action": "auto-funding", "auto_charge_amount": 4, "charge_threshold": 5}, "auto_charge_amount"},
		{"agent-wallet", map[string]any{"action": "auto-funding", "auto_charge_amount": 10, "charge_threshold": 0.5}, "charge_threshold"},
		{"agent-subscriptions", map[string]any{"action": "charge-amount", "amount": 4.99}, "amount"},
		{"agent-subscriptions", map[string]any{"action": "charge-amount", "amount": 10001}, "amount"},
		{"agent-billing", map[string]any{"action": "payment-link", "purpose": "donate", "amount": 5}, "purpose"},
		{"agent-billing", map[string]any{"action": "payment-link", "purpose": "fund"}, "amount"},
		{"agent-billing", map[string]any{"action": "payment-link", "purpose": "subscribe", "amount": 5}, "plan_id"},
		{"agent-billing", map[string]any{"action": "update-billing-info", "tax_id_type": "eu_vat"}, "tax_id_type"},
		{"agent-billing", map[string]any{"action": "set-default-payment-method", "payment_method_id": "card_123"}, "payment_method_id"},
		{"agent-billing", map[string]any{"action": "invoice-detail", "invoice_id": "../me"}, "invoice_id"},
		{"agent-models", map[string]any{"action": "detail", "model_id": "a/b"}, "model_id"},
		{"agent-wallet", map[string]any{"action": "withdraw", "amount": 10, "idempotency_key": "has space"}, "idempotency_key"},
	} {
		r := e.call(c.tool, c.args)
		if !r.isError || r.errField("kind") != "invalid_input" || r.errField("parameter") != c.param {
			t.Errorf("%s %v: %s", c.tool, c.args, r.text)
		}
	}
	if n := len(e.up.requests()); n != 0 {
		t.Errorf("bad input sent %d requests: %v", n, e.up.requests())
	}
}

// TestI17NotFoundHints: a 404 names the read that lists valid ids, and only
// where this server publishes it.
func TestI17NotFoundHints(t *testing.T) {
	notFound := func(r recReq) (int, string) {
		if r.method == "GET" && (r.path == "/billing/payment-methods" || r.path == "/subscriptions/plans") {
			return 0, ""
		}
		return 404, `{"data":null,"error":{"code":"not_found","message":"Not found."},"meta":{"request_id":"r404"}}`
	}
	e := newMoneyEnv(t, moneyOpts{})
	e.up.setAnswer(notFound)
	for _, c := range []struct{ tool, action, want string }{
		{"agent-billing", "invoice-pdf", "agent-billing action invoices"},
		{"agent-billing", "remove-payment-method", "agent-billing action payment-methods"},
		{"agent-models", "detail", "agent-models action search"},
		{"agent-subscriptions", "status", "agent-subscriptions action list"},
		{"agent-wallet", "payment-status", "pi_..."},
		{"agent-wallet", "confirm-checkout", "session_id"},
	} {
		r := e.call(c.tool, argsOf(c.tool, c.action))
		if !r.isError || r.errField("status") != float64(404) || !strings.Contains(r.errField("next_step").(string), c.want) {
			t.Errorf("%s %s 404: %s", c.tool, c.action, r.text)
		}
	}
	ro := newMoneyEnv(t, moneyOpts{filter: tools.Filter{Toolsets: []string{"billing"}, ReadOnly: true}})
	ro.up.setAnswer(notFound)
	if r := ro.call("agent-billing", argsOf("agent-billing", "invoice-pdf")); !strings.Contains(r.text, "agent-billing action invoices") {
		t.Errorf("read-only billing: %s", r.text)
	}
}

// TestCheckoutProgress: while it waits for the payment, a handshake-era call
// with a progress token gets progress notifications.
func TestCheckoutProgress(t *testing.T) {
	defer tools.SetCheckoutPoll(5*time.Millisecond, 2*time.Second)()
	var mu sync.Mutex
	paid := false
	e := newMoneyEnv(t, moneyOpts{url: true, elicit: func(p mcp.ElicitationParams) *mcp.ElicitationResult {
		go func() {
			time.Sleep(60 * time.Millisecond)
			mu.Lock()
			paid = true
			mu.Unlock()
		}()
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}
	}})
	e.up.setAnswer(checkoutAnswers(&mu, &paid))
	var n int
	var nmu sync.Mutex
	e.mcp.OnNotification(func(note mcp.JSONRPCNotification) {
		if note.Method == "notifications/progress" {
			nmu.Lock()
			n++
			nmu.Unlock()
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name = "agent-wallet"
	req.Params.Arguments = map[string]any{"action": "fund", "amount": 25}
	req.Params.Meta = &mcp.Meta{ProgressToken: "fund-1"}
	res, err := e.mcp.CallTool(context.Background(), req)
	if err != nil || res.IsError {
		t.Fatalf("fund: %v %+v", err, res)
	}
	time.Sleep(20 * time.Millisecond) // notifications are delivered asynchronously
	nmu.Lock()
	defer nmu.Unlock()
	if n == 0 {
		t.Error("no progress notification while waiting for the payment")
	}
}

// TestCheckoutCancelStopsAtOnce: a call cancelled while it waits for the
// payment stops polling at once.
func TestCheckoutCancelStopsAtOnce(t *testing.T) {
	defer tools.SetCheckoutPoll(10*time.Millisecond, 30*time.Second)()
	var mu sync.Mutex
	paid := false // the person never pays
	e := newMoneyEnv(t, moneyOpts{url: true})
	e.up.setAnswer(checkoutAnswers(&mu, &paid))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "agent-wallet"
	req.Params.Arguments = map[string]any{"action": "fund", "amount": 25}
	start := time.Now()
	_, _ = e.mcp.CallTool(ctx, req)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the cancelled call took %v", d)
	}
	count := func() int {
		n := 0
		for _, r := range e.up.requests() {
			if r.path == "/wallet/confirm-checkout" {
				n++
			}
		}
		return n
	}
	time.Sleep(50 * time.Millisecond)
	before := count()
	time.Sleep(200 * time.Millisecond)
	if after := count(); after != before || before == 0 {
		t.Errorf("confirm-checkout polls: %d, then %d after the cancel", before, after)
	}
}

// TestCheckoutURLMustBeAWebPage: the payment page's address comes from the
// upstream; only an https page (http on loopback, the sandbox) is put to the
// person or passed on. A javascript:, file: or plain-http address from a
// compromised or confused upstream is neither elicited nor handed over.
func TestCheckoutURLMustBeAWebPage(t *testing.T) {
	for _, bad := range []string{"javascript:alert(document.cookie)", "JavaScript:alert(1)", "file:///etc/passwd",
		"http://checkout.evil.example/pay", "data:text/html,<script>alert(1)</script>", "https://", "https://user:pw@checkout.stripe.com/c/pay",
		"//checkout.evil.example/pay", "http://127.0.0.1.evil.example/pay"} {
		t.Run(bad, func(t *testing.T) {
			answer := func(r recReq) (int, string) {
				if r.path == "/wallet/fund" || r.path == "/billing/payment-link" {
					b, _ := json.Marshal(map[string]any{"payment_url": bad, "session_id": "cs_test_bad_1", "purpose": "fund", "amount": 25})
					return 200, envelope(string(b))
				}
				return 0, ""
			}
			e := newMoneyEnv(t, moneyOpts{form: true, url: true, elicit: func(mcp.ElicitationParams) *mcp.ElicitationResult {
				return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}
			}})
			e.up.setAnswer(answer)
			r := e.call("agent-wallet", map[string]any{"action": "fund", "amount": 25})
			for _, q := range e.questions() {
				if q.Mode == mcp.ElicitationModeURL {
					t.Errorf("elicited the upstream's address %q", q.URL)
				}
			}
			if strings.Contains(r.text, bad) || r.body["done"] != false {
				t.Errorf("with URL elicitation, the result: %s", r.text)
			}
			plain := newMoneyEnv(t, moneyOpts{form: true})
			plain.up.setAnswer(answer)
			r = plain.call("agent-billing", map[string]any{"action": "payment-link", "purpose": "fund", "amount": 25})
			if strings.Contains(r.text, bad) || r.body["done"] != false || !strings.Contains(r.text, "not an https") {
				t.Errorf("without URL elicitation, the result: %s", r.text)
			}
		})
	}
}

// TestConfirmationReplayChargesOnce: a 2026-07-28 client holds the
// requestState and the person's "yes"; sent again (a retry, a replay), the
// same arguments must not make a second charge. The confirmed call's
// Idempotency-Key derives from the state, so the upstream answers the first
// result again instead of charging twice.
func TestConfirmationReplayChargesOnce(t *testing.T) {
	up := newMoneyUpstream(t)
	cl, err := upstream.New(upstream.Config{BaseURL: up.srv.URL + "/api/agents/v1", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tools.Build(tools.Deps{Client: cl, Creds: staticCreds("7|moneyTestToken0123456789"), Logger: zerolog.Nop(), StateKey: []byte("0123456789abcdef0123456789abcdef")},
		tools.Filter{Toolsets: []string{tools.ToolsetsAll}})
	if err != nil {
		t.Fatal(err)
	}
	var wallet mcpserver.ServerTool
	for _, st := range ts {
		if st.Tool.Name == "agent-wallet" {
			wallet = st
		}
	}
	ctx := mcpserver.WithRequestProtocolInfo(context.Background(), &mcpserver.RequestProtocolInfo{Modern: true, ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientCapabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: &struct{}{}}}})
	args := map[string]any{"action": "fund", "amount": 25, "payment_method_id": "pm_sandbox_visa_4242"}
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = "agent-wallet", args
	first, err := wallet.Handler(ctx, req)
	if err != nil || first.RequestState == "" {
		t.Fatalf("no question: %+v %v", first, err)
	}
	req.Params.RequestState = first.RequestState
	req.Params.InputResponses = mcp.InputResponses{"confirm": mcp.InputResponse{Elicitation: &mcp.ElicitationResult{
		ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}}}
	for i := 0; i < 2; i++ {
		if r, err := wallet.Handler(ctx, req); err != nil || r.IsError {
			t.Fatalf("confirmed call %d: %+v %v", i, r, err)
		}
	}
	var keys []string
	for _, q := range up.requests() {
		if q.path == "/wallet/fund" {
			keys = append(keys, q.idem)
		}
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("a replayed confirmation sent fund with keys %q: two charges", keys)
	}
	// Another state (the person asked again) is another charge: another key.
	second, _ := wallet.Handler(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "agent-wallet", Arguments: args}})
	req.Params.RequestState = second.RequestState
	if r, err := wallet.Handler(ctx, req); err != nil || r.IsError {
		t.Fatalf("second confirmed call: %+v %v", r, err)
	}
	reqs := up.requests()
	if last := reqs[len(reqs)-1]; last.path != "/wallet/fund" || last.idem == keys[0] {
		t.Errorf("a new confirmation reused the key: %+v", last)
	}
}

// TestUnknownActionNotLogged: the action is the caller's text until it is
// known to be one of the tool's; a secret pasted there must not reach the
// log line (metrics already label it "unknown").
func TestUnknownActionNotLogged(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	pasted := "sk-live-PastedSecretValue0123456789"
	r := e.call("agent-wallet", map[string]any{"action": pasted})
	if !r.isError {
		t.Fatalf("unknown action accepted: %s", r.text)
	}
	if strings.Contains(e.log.String(), pasted) || !strings.Contains(e.log.String(), "tool call") {
		t.Errorf("log: %s", e.log.String())
	}
}

// TestCardNumberNextStepNamesPublishedActions: the way to pay that the
// refusal points to exists on this server as configured, and nothing else.
func TestCardNumberNextStepNamesPublishedActions(t *testing.T) {
	cases := []struct {
		toolsets   []string
		tool       string
		args       map[string]any
		want, none []string
	}{
		{[]string{"default"}, "agent-profile", map[string]any{"action": "update", "about_me": "card 4242424242424242"},
			nil, []string{"agent-billing", "agent-wallet"}},
		{[]string{"default", "wallet"}, "agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "4242424242424242"},
			[]string{"agent-wallet fund without payment_method_id"}, []string{"agent-billing"}},
		{[]string{"all"}, "agent-wallet", map[string]any{"action": "fund", "amount": 25, "payment_method_id": "4242424242424242"},
			[]string{"agent-billing payment-methods", "agent-wallet fund", "agent-billing payment-link"}, nil},
	}
	for _, c := range cases {
		e := newMoneyEnv(t, moneyOpts{form: true, filter: tools.Filter{Toolsets: c.toolsets}})
		r := e.call(c.tool, c.args)
		next, _ := r.errField("next_step").(string)
		if !r.isError || r.errField("kind") != "card_number" || next == "" {
			t.Fatalf("%v: %s", c.toolsets, r.text)
		}
		for _, w := range c.want {
			if !strings.Contains(next, w) {
				t.Errorf("%v: next step lacks %q: %s", c.toolsets, w, next)
			}
		}
		for _, w := range c.none {
			if strings.Contains(next, w) {
				t.Errorf("%v: next step names %q, which is not published: %s", c.toolsets, w, next)
			}
		}
	}
}
