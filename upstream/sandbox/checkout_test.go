package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

func TestCheckoutFund(t *testing.T) {
	a := newAcct(t)
	res := must(a.c.FundWallet(a.ctx, a.tok, "f1", upstream.FundRequest{Amount: 40}))(t)
	co := res.Data
	if !strings.HasPrefix(co.URL, checkoutBase+sandbox.CheckoutPath+"cs_test_") || co.URLField != "data.payment_url" || !strings.HasSuffix(co.URL, co.SessionID) {
		t.Fatalf("checkout %+v", co)
	}
	// Before the person pays: 202 pending, nothing credited; polling with one key works.
	for range 2 {
		p, err := a.c.ConfirmWalletCheckout(a.ctx, a.tok, "confirm-1", co.SessionID)
		if err != nil || p.Status != 202 || at(t, p.Raw, "status") != "pending" || p.Replay {
			t.Fatalf("pending: %v %+v", err, p)
		}
	}
	code, page := a.page(co.URL, "")
	if code != 200 || !strings.Contains(page, `id="pay"`) || !strings.Contains(page, `id="cancel"`) || !strings.Contains(page, "40.00 USD") ||
		strings.Contains(page, "<input") {
		t.Fatalf("page %d: %s", code, page)
	}
	if code, page = a.page(co.URL, "pay"); code != 200 || !strings.Contains(page, "Paid") || strings.Contains(page, `id="pay"`) {
		t.Fatalf("after pay %d: %s", code, page)
	}
	if a.balance() != 25 {
		t.Error("credited before confirm-checkout")
	}
	done := must(a.c.ConfirmWalletCheckout(a.ctx, a.tok, "confirm-1", co.SessionID))(t)
	if done.Status != 200 || at(t, done.Raw, "status") != "complete" || at(t, done.Raw, "wallet.balance") != 65.0 {
		t.Fatalf("confirm %d %s", done.Status, done.Raw)
	}
	// Again with the same key: the replay. With a new key: already confirmed. Credited once.
	if again := must(a.c.ConfirmWalletCheckout(a.ctx, a.tok, "confirm-1", co.SessionID))(t); !again.Replay {
		t.Errorf("same key: %s", again.Raw)
	}
	if again := must(a.c.ConfirmWalletCheckout(a.ctx, a.tok, "confirm-2", co.SessionID))(t); at(t, again.Raw, "already_confirmed") != true {
		t.Errorf("new key: %s", again.Raw)
	}
	if a.balance() != 65 {
		t.Errorf("balance %v, want 65", a.balance())
	}
	// Paying again changes nothing.
	if _, page = a.page(co.URL, "pay"); !strings.Contains(page, "Paid") {
		t.Errorf("second pay: %s", page)
	}
	// The session is the demo's own: confirm-checkout of subscriptions refuses it, another account does not see it.
	_, err := a.c.ConfirmSubscriptionCheckout(a.ctx, a.tok, "", co.SessionID)
	wantAPIError(t, err, 422, "validation_error")
	sw := must(a.c.SwitchAccount(a.ctx, a.tok, upstream.SwitchAccountRequest{AccountUsername: a.sb.Demo().TeamAccountUsername}))(t)
	_, err = a.c.ConfirmWalletCheckout(a.ctx, upstream.Token(sw.Data.AccessToken), "", co.SessionID)
	wantAPIError(t, err, 404, "not_found")
}

func TestCheckoutCancelAndExpiry(t *testing.T) {
	a := newAcct(t)
	link := must(a.c.CreatePaymentLink(a.ctx, a.tok, "l1", upstream.PaymentLinkRequest{Purpose: "fund", Amount: ptr(25.0)}))(t)
	if code, page := a.page(link.Data.URL, "cancel"); code != 200 || !strings.Contains(page, "Cancelled") {
		t.Fatalf("cancel %d %s", code, page)
	}
	a.page(link.Data.URL, "pay") // too late: cancelled stays cancelled
	_, err := a.c.ConfirmWalletCheckout(a.ctx, a.tok, "", link.Data.SessionID)
	wantAPIError(t, err, 409, "checkout_canceled")

	late := must(a.c.CreatePaymentLink(a.ctx, a.tok, "l2", upstream.PaymentLinkRequest{Purpose: "fund", Amount: ptr(25.0)}))(t)
	a.clock.Advance(25 * time.Hour)
	if code, _ := a.page(late.Data.URL, "pay"); code != http.StatusGone {
		t.Errorf("expired page: %d", code)
	}
	_, err = a.c.ConfirmWalletCheckout(a.ctx, a.tok, "", late.Data.SessionID)
	wantAPIError(t, err, 409, "checkout_expired")
	_, err = a.c.ConfirmWalletCheckout(a.ctx, a.tok, "", "cs_test_unknown")
	wantAPIError(t, err, 404, "not_found")
	if a.balance() != 25 {
		t.Errorf("balance %v", a.balance())
	}
	if code, _ := a.page(checkoutBase+sandbox.CheckoutPath+"cs_test_unknown", ""); code != 404 {
		t.Errorf("unknown session page: %d", code)
	}
	for _, bad := range []upstream.PaymentLinkRequest{{Purpose: "donate"}, {Purpose: "fund"}, {Purpose: "fund", Amount: ptr(5.0)}, {Purpose: "subscribe"}} {
		_, err := a.c.CreatePaymentLink(a.ctx, a.tok, "", bad)
		wantAPIError(t, err, 422, "validation_error")
	}
}

func TestCheckoutSubscribe(t *testing.T) {
	a := newAcct(t)
	res := must(a.c.CreateSubscription(a.ctx, a.tok, "s1", upstream.SubscriptionCreate{PlanID: 5,
		SuccessURL: ptr("https://example.test/ok?session={CHECKOUT_SESSION_ID}"), CancelURL: ptr("https://example.test/no")}))(t)
	if res.Data.URLField != "data.checkout_url" || res.Data.SessionID == "" || at(t, res.Raw, "amount") != 15.0 {
		t.Fatalf("create without a card: %+v %s", res.Data, res.Raw)
	}
	_, page := a.page(res.Data.URL, "")
	if !strings.Contains(page, "Extra Queue") {
		t.Errorf("page does not say the plan: %s", page)
	}
	_, page = a.page(res.Data.URL, "pay")
	if !strings.Contains(page, "https://example.test/ok?session="+res.Data.SessionID) {
		t.Errorf("no return link with the session: %s", page)
	}
	done := must(a.c.ConfirmSubscriptionCheckout(a.ctx, a.tok, "c1", res.Data.SessionID))(t)
	if at(t, done.Raw, "subscription.status") != "active" || at(t, done.Raw, "subscription.plan_id") != 5.0 {
		t.Fatalf("confirm %s", done.Raw)
	}
	again := must(a.c.ConfirmSubscriptionCheckout(a.ctx, a.tok, "c2", res.Data.SessionID))(t)
	if at(t, again.Raw, "already_confirmed") != true || at(t, again.Raw, "subscription.id") != at(t, done.Raw, "subscription.id") {
		t.Errorf("second confirm %s", again.Raw)
	}
	if subs := must(a.c.ListSubscriptions(a.ctx, a.tok))(t).Data; len(subs.Items) != 2 {
		t.Errorf("%d subscriptions, want 2", len(subs.Items))
	}
	// A payment link for a plan: the price from the plans list.
	link := must(a.c.CreatePaymentLink(a.ctx, a.tok, "l1", upstream.PaymentLinkRequest{Purpose: "subscribe", PlanID: ptr(int64(3))}))(t)
	if at(t, link.Raw, "amount") != 147.0 || at(t, link.Raw, "plan_id") != 3.0 {
		t.Errorf("link %s", link.Raw)
	}
}

func TestCheckoutBase(t *testing.T) {
	var calls atomic.Int32
	a := newAcct(t, func(o *sandbox.Options) {
		o.CheckoutBase = func() string { calls.Add(1); return "http://127.0.0.1:4242/" }
	})
	must(a.c.WalletBalance(a.ctx, a.tok))(t)
	if calls.Load() != 0 {
		t.Fatal("CheckoutBase called before any checkout")
	}
	res := must(a.c.FundWallet(a.ctx, a.tok, "", upstream.FundRequest{Amount: 10}))(t)
	if calls.Load() != 1 || !strings.HasPrefix(res.Data.URL, "http://127.0.0.1:4242"+sandbox.CheckoutPath) {
		t.Errorf("%d calls, url %s", calls.Load(), res.Data.URL)
	}
	// Without CheckoutBase, over a real listener: the request's host.
	b := newAcct(t, func(o *sandbox.Options) { o.CheckoutBase = nil })
	req := httptest.NewRequest("POST", "http://127.0.0.1:5555"+sandbox.APIPrefix+"/wallet/fund", strings.NewReader(`{"amount":10}`))
	req.Header.Set("Authorization", "Bearer "+string(b.tok))
	rec := httptest.NewRecorder()
	b.sb.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"payment_url":"http://127.0.0.1:5555/sandbox/checkout/cs_test_`) {
		t.Errorf("host fallback: %s", rec.Body.String())
	}
}

func TestCheckoutPageRefusals(t *testing.T) {
	a := newAcct(t)
	res := must(a.c.FundWallet(a.ctx, a.tok, "", upstream.FundRequest{Amount: 10}))(t)
	path := strings.TrimPrefix(res.Data.URL, checkoutBase)
	for _, tc := range []struct {
		method, body string
		want         int
	}{{"PUT", "", 405}, {"POST", "decision=refund", 400}, {"POST", "", 400}} {
		req := httptest.NewRequest(tc.method, path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		a.sb.ServeHTTP(rec, req)
		if rec.Code != tc.want || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s %q: %d", tc.method, tc.body, rec.Code)
		}
	}
	if p, _ := a.c.ConfirmWalletCheckout(a.ctx, a.tok, "", res.Data.SessionID); p == nil || p.Status != 202 {
		t.Error("a refused form changed the session")
	}
}
