package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// acct is the demo account, through the typed client, on a fresh sandbox.
type acct struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	c     *upstream.Client
	tok   upstream.Token
	ctx   context.Context
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const checkoutBase = "http://127.0.0.1:7777"

// newAcct: rate limits off, a fixed clock and seed, Checkout URLs on checkoutBase.
func newAcct(t *testing.T, mod ...func(*sandbox.Options)) *acct {
	t.Helper()
	ck := &clock{t: time.Date(2026, 3, 20, 15, 4, 5, 0, time.UTC)}
	opts := sandbox.Options{Seed: 7, DisableRateLimit: true, Now: ck.Now, CheckoutBase: func() string { return checkoutBase }}
	for _, m := range mod {
		m(&opts)
	}
	sb := sandbox.New(opts)
	c, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: sb.Transport(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	a := &acct{t: t, sb: sb, c: c, ctx: context.Background(), clock: ck}
	a.tok = a.login()
	return a
}

func (a *acct) login(scopes ...string) upstream.Token {
	a.t.Helper()
	d := a.sb.Demo()
	res, err := a.c.Login(a.ctx, upstream.LoginRequest{Email: d.Email, Password: d.Password, Scopes: scopes})
	if err != nil {
		a.t.Fatal(err)
	}
	return upstream.Token(res.Data.AccessToken)
}

// must(call)(t) fails the test on an error or on an answer that differs
// from the contract.
func must[T any](res *upstream.Result[T], err error) func(*testing.T) *upstream.Result[T] {
	return func(t *testing.T) *upstream.Result[T] {
		t.Helper()
		if err != nil {
			t.Fatalf("call failed: %v", err)
		}
		if len(res.Warnings) > 0 {
			t.Fatalf("the sandbox's answer differs from the contract: %+v", res.Warnings)
		}
		return res
	}
}

// wantAPIError fails unless err is an APIError with that status and code.
func wantAPIError(t *testing.T, err error, status int, code string) *upstream.APIError {
	t.Helper()
	var ae *upstream.APIError
	if !errors.As(err, &ae) || ae.Status != status || (code != "" && ae.Code != code) {
		t.Fatalf("want HTTP %d %s, got %v", status, code, err)
	}
	return ae
}

// obj decodes an answer's data.
func obj(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not an object: %s", raw)
	}
	return m
}

// at walks a dotted path of objects ("wallet.balance").
func at(t *testing.T, raw json.RawMessage, path string) any {
	t.Helper()
	var v any = obj(t, raw)
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object (in %s)", path, v, raw)
		}
		v = m[k]
	}
	return v
}

func (a *acct) balance() float64 {
	a.t.Helper()
	res := must(a.c.WalletBalance(a.ctx, a.tok))(a.t)
	return at(a.t, res.Raw, "balance").(float64)
}

// page drives the Checkout page: GET with an empty decision, else POST it.
func (a *acct) page(checkoutURL, decision string) (int, string) {
	a.t.Helper()
	u, err := url.Parse(checkoutURL)
	if err != nil {
		a.t.Fatal(err)
	}
	var req *http.Request
	if decision == "" {
		req = httptest.NewRequest("GET", u.Path, nil)
	} else {
		req = httptest.NewRequest("POST", u.Path, strings.NewReader(url.Values{"decision": {decision}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	a.sb.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// rawPost sends a JSON body the typed client could not send (card data).
func (a *acct) rawPost(path, body string) (int, string) {
	req := httptest.NewRequest("POST", sandbox.APIPrefix+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+string(a.tok))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.sb.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
