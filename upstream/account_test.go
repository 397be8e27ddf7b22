package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newAccountFake is the fake upstream of client_test.go; its client retries
// after a millisecond.
func newAccountFake(t *testing.T, reply http.HandlerFunc) *fakeUpstream { return newFake(t, reply) }

const idem = "fund-25-20260220-abc123"

// accountCall is one method of issue 17 with the request it must send.
type accountCall struct {
	name   string
	call   func(context.Context, *Client) (any, error)
	method string
	path   string // escaped, below the base
	query  string // encoded, keys sorted
	body   string
	money  bool // sends idem as Idempotency-Key and is never retried
}

func accountCalls() []accountCall {
	bg := func(f func(context.Context, *Client) (any, error)) func(context.Context, *Client) (any, error) {
		return f
	}
	return []accountCall{
		{"usage summary", bg(func(ctx context.Context, c *Client) (any, error) { return c.UsageSummary(ctx, tok) }), "GET", "/usage/summary", "", "", false},
		{"usage products", bg(func(ctx context.Context, c *Client) (any, error) { return c.UsageProducts(ctx, tok) }), "GET", "/usage/products", "", "", false},
		{"usage history", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.UsageHistory(ctx, tok, UsageHistoryQuery{From: "2026-01-01", To: "2026-01-31", Limit: 20})
		}), "GET", "/usage/history", "from=2026-01-01&limit=20&to=2026-01-31", "", false},
		{"usage history bare", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.UsageHistory(ctx, tok, UsageHistoryQuery{})
		}), "GET", "/usage/history", "", "", false},
		{"search models", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.SearchModels(ctx, tok, ModelSearchQuery{Search: "flux dev", Feature: "imagen", Provider: "black-forest-labs", ModelType: "text-to-image",
				ModelSubcategory: "sdxl", BaseModel: "flux", Tags: "anime,realistic", Sort: "newest", PerPage: 10, Page: 2})
		}), "GET", "/models", "base_model=flux&feature=imagen&model_subcategory=sdxl&model_type=text-to-image&page=2&per_page=10&provider=black-forest-labs&search=flux+dev&sort=newest&tags=anime%2Crealistic", "", false},
		{"model filters", bg(func(ctx context.Context, c *Client) (any, error) { return c.ModelFilters(ctx, tok) }), "GET", "/models/filters", "", "", false},
		{"model tags", bg(func(ctx context.Context, c *Client) (any, error) { return c.ModelTags(ctx, tok) }), "GET", "/models/tags", "", "", false},
		{"model providers", bg(func(ctx context.Context, c *Client) (any, error) { return c.ModelProviders(ctx, tok) }), "GET", "/models/providers", "", "", false},
		{"get model", bg(func(ctx context.Context, c *Client) (any, error) { return c.GetModel(ctx, tok, "seedance-t2v") }), "GET", "/models/seedance-t2v", "", "", false},
		{"get model escaped", bg(func(ctx context.Context, c *Client) (any, error) { return c.GetModel(ctx, tok, "a b?c#d%") }), "GET", "/models/a%20b%3Fc%23d%25", "", "", false},
		{"billing overview", bg(func(ctx context.Context, c *Client) (any, error) { return c.BillingOverview(ctx, tok) }), "GET", "/billing/overview", "", "", false},
		{"stripe config", bg(func(ctx context.Context, c *Client) (any, error) { return c.StripeConfig(ctx, tok) }), "GET", "/billing/stripe-config", "", "", false},
		{"setup intent", bg(func(ctx context.Context, c *Client) (any, error) { return c.CreateSetupIntent(ctx, tok, idem) }), "POST", "/billing/setup-intent", "", "", true},
		{"payment link fund", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.CreatePaymentLink(ctx, tok, idem, PaymentLinkRequest{Purpose: "fund", Amount: ptr(25.5)})
		}), "POST", "/billing/payment-link", "", `{"purpose":"fund","amount":25.5}`, true},
		{"payment link subscribe", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.CreatePaymentLink(ctx, tok, idem, PaymentLinkRequest{Purpose: "subscribe", PlanID: ptr(int64(3))})
		}), "POST", "/billing/payment-link", "", `{"purpose":"subscribe","plan_id":3}`, true},
		{"payment methods", bg(func(ctx context.Context, c *Client) (any, error) { return c.ListPaymentMethods(ctx, tok) }), "GET", "/billing/payment-methods", "", "", false},
		{"add payment method", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.AddPaymentMethod(ctx, tok, idem, AddPaymentMethodRequest{PaymentMethodID: "pm_1", MakeDefault: ptr(false)})
		}), "POST", "/billing/payment-methods", "", `{"payment_method_id":"pm_1","make_default":false}`, true},
		{"set default payment method", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.SetDefaultPaymentMethod(ctx, tok, idem, "pm_1")
		}),
			"PUT", "/billing/payment-methods/pm_1/default", "", "", true},
		{"remove payment method", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.RemovePaymentMethod(ctx, tok, idem, "pm_1")
		}),
			"DELETE", "/billing/payment-methods/pm_1", "", "", true},
		{"billing info", bg(func(ctx context.Context, c *Client) (any, error) { return c.BillingInfo(ctx, tok) }), "GET", "/billing/info", "", "", false},
		{"update billing info", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateBillingInfo(ctx, tok, idem, BillingInfoUpdate{Name: ptr("Ada"), TaxID: ptr("DE123"), TaxIDType: ptr("eu_vat"), AddressCountry: ptr("DE")})
		}), "PUT", "/billing/info", "", `{"name":"Ada","tax_id":"DE123","tax_id_type":"eu_vat","address_country":"DE"}`, true},
		{"invoices", bg(func(ctx context.Context, c *Client) (any, error) { return c.ListInvoices(ctx, tok) }), "GET", "/billing/invoices", "", "", false},
		{"invoices page", bg(func(ctx context.Context, c *Client) (any, error) { return c.ListInvoices(ctx, tok, 2) }), "GET", "/billing/invoices", "page=2", "", false},
		{"invoice", bg(func(ctx context.Context, c *Client) (any, error) { return c.GetInvoice(ctx, tok, "in_1") }), "GET", "/billing/invoices/in_1", "", "", false},
		{"invoice pdf", bg(func(ctx context.Context, c *Client) (any, error) { return c.InvoicePDF(ctx, tok, "in_1") }), "GET", "/billing/invoices/in_1/pdf", "", "", false},
		{"wallet balance", bg(func(ctx context.Context, c *Client) (any, error) { return c.WalletBalance(ctx, tok) }), "GET", "/wallet/balance", "", "", false},
		{"wallet transactions", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.WalletTransactions(ctx, tok, WalletTransactionsQuery{Type: "debit", Limit: 5, Offset: 10})
		}), "GET", "/wallet/transactions", "limit=5&offset=10&type=debit", "", false},
		{"fund with card", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.FundWallet(ctx, tok, idem, FundRequest{Amount: 25, PaymentMethodID: ptr("pm_1")})
		}), "POST", "/wallet/fund", "", `{"amount":25,"payment_method_id":"pm_1"}`, true},
		{"fund without card", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.FundWallet(ctx, tok, idem, FundRequest{Amount: 10})
		}),
			"POST", "/wallet/fund", "", `{"amount":10}`, true},
		{"confirm wallet checkout", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.ConfirmWalletCheckout(ctx, tok, idem, "cs_1")
		}),
			"POST", "/wallet/confirm-checkout", "", `{"session_id":"cs_1"}`, true},
		{"auto-funding", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.SetAutoFunding(ctx, tok, idem, AutoFundingRequest{AutoChargeAmount: 20, ChargeThreshold: 5})
		}), "PUT", "/wallet/auto-funding", "", `{"auto_charge_amount":20,"charge_threshold":5}`, true},
		{"disable auto-funding", bg(func(ctx context.Context, c *Client) (any, error) { return c.DisableAutoFunding(ctx, tok, idem) }),
			"DELETE", "/wallet/auto-funding", "", "", true},
		{"withdraw", bg(func(ctx context.Context, c *Client) (any, error) { return c.Withdraw(ctx, tok, idem, 12.34) }),
			"POST", "/wallet/withdraw", "", `{"amount":12.34}`, true},
		{"validate coupon", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.ValidateCoupon(ctx, tok, CouponQuery{CouponCode: "SAVE 20", PurchaseAmount: ptr(50.0)})
		}), "GET", "/wallet/coupons/validate", "coupon_code=SAVE+20&purchase_amount=50", "", false},
		{"redeem coupon", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.RedeemCoupon(ctx, tok, idem, RedeemCouponRequest{CouponCode: "WELCOME10", PurchaseAmount: ptr(25.0), PaymentMethodID: ptr("pm_1")})
		}), "POST", "/wallet/coupons/redeem", "", `{"coupon_code":"WELCOME10","purchase_amount":25,"payment_method_id":"pm_1"}`, true},
		{"payment status", bg(func(ctx context.Context, c *Client) (any, error) { return c.PaymentStatus(ctx, tok, "pi_1") }), "GET", "/payments/pi_1/status", "", "", false},
		{"plans", bg(func(ctx context.Context, c *Client) (any, error) { return c.ListPlans(ctx, tok) }), "GET", "/subscriptions/plans", "", "", false},
		{"subscriptions", bg(func(ctx context.Context, c *Client) (any, error) { return c.ListSubscriptions(ctx, tok) }), "GET", "/subscriptions", "", "", false},
		{"create subscription", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.CreateSubscription(ctx, tok, idem, SubscriptionCreate{PlanID: 2, SuccessURL: ptr("https://x.test/ok"), CancelURL: ptr("https://x.test/no")})
		}), "POST", "/subscriptions", "", `{"plan_id":2,"success_url":"https://x.test/ok","cancel_url":"https://x.test/no"}`, true},
		{"confirm subscription checkout", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.ConfirmSubscriptionCheckout(ctx, tok, idem, "cs_2")
		}),
			"POST", "/subscriptions/confirm-checkout", "", `{"session_id":"cs_2"}`, true},
		{"subscription status", bg(func(ctx context.Context, c *Client) (any, error) { return c.SubscriptionStatus(ctx, tok, 7) }), "GET", "/subscriptions/7/status", "", "", false},
		{"update subscription", bg(func(ctx context.Context, c *Client) (any, error) { return c.UpdateSubscription(ctx, tok, idem, 7, 3) }),
			"PUT", "/subscriptions/7", "", `{"new_plan_id":3}`, true},
		{"pause", bg(func(ctx context.Context, c *Client) (any, error) { return c.PauseSubscription(ctx, tok, idem, 7) }), "POST", "/subscriptions/7/pause", "", "", true},
		{"resume", bg(func(ctx context.Context, c *Client) (any, error) { return c.ResumeSubscription(ctx, tok, idem, 7) }), "POST", "/subscriptions/7/resume", "", "", true},
		{"reset cycle", bg(func(ctx context.Context, c *Client) (any, error) { return c.ResetSubscriptionCycle(ctx, tok, idem, 7) }), "POST", "/subscriptions/7/reset-cycle", "", "", true},
		{"charge amount", bg(func(ctx context.Context, c *Client) (any, error) {
			return c.ChargeAmount(ctx, tok, idem, ChargeAmountRequest{Amount: 100, PlanCategory: ptr("normal")})
		}), "POST", "/subscriptions/charge-amount", "", `{"amount":100,"plan_category":"normal"}`, true},
		{"fix payment", bg(func(ctx context.Context, c *Client) (any, error) { return c.FixSubscriptionPayment(ctx, tok, idem, 7) }),
			"POST", "/subscriptions/7/fix-payment", "", "", true},
	}
}

func TestAccountEndpoints(t *testing.T) {
	calls := accountCalls()
	// Every endpoint #31-72 is called at least once.
	hit := map[string]bool{}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{"ok":true}`) })
			if _, err := tc.call(context.Background(), f.client(t)); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("want 1 request, got %d", len(reqs))
			}
			got := reqs[0]
			if got.Method != tc.method || got.Path != "/api/agents/v1"+tc.path {
				t.Errorf("request %s %s, want %s /api/agents/v1%s", got.Method, got.Path, tc.method, tc.path)
			}
			if got.Query != tc.query {
				t.Errorf("query %q, want %q", got.Query, tc.query)
			}
			if got.Body != tc.body {
				t.Errorf("body %q, want %q", got.Body, tc.body)
			}
			if tc.body != "" && got.ContentType != "application/json" {
				t.Errorf("content type %q", got.ContentType)
			}
			wantIdem := ""
			if tc.money {
				wantIdem = idem
			}
			if got.Idem != wantIdem {
				t.Errorf("Idempotency-Key %q, want %q", got.Idem, wantIdem)
			}
		})
	}
	for _, tc := range calls {
		hit[tc.method+" "+tc.path] = true
	}
	n := 0
	for _, ep := range endpointTable {
		if strings.HasPrefix(ep.Path, "/auth") || strings.HasPrefix(ep.Path, "/me") || strings.HasPrefix(ep.Path, "/api-keys") || strings.HasPrefix(ep.Path, "/teams") {
			continue
		}
		n++
	}
	if n != 42 {
		t.Errorf("the table has %d rows for #31-72, want 42", n)
	}
}

func TestAccountPathParamsAreValidated(t *testing.T) {
	f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{}`) })
	c := f.client(t)
	ctx := context.Background()
	bad := []string{"", ".", "..", "pm_1/../../me", `pm\1`, "pm_1\n", "pm_\x00", " pm_1", strings.Repeat("a", 256), "\xff"}
	for _, id := range bad {
		for name, call := range map[string]func() error{
			"model":        func() error { _, err := c.GetModel(ctx, tok, id); return err },
			"invoice":      func() error { _, err := c.GetInvoice(ctx, tok, id); return err },
			"invoice pdf":  func() error { _, err := c.InvoicePDF(ctx, tok, id); return err },
			"set default":  func() error { _, err := c.SetDefaultPaymentMethod(ctx, tok, idem, id); return err },
			"remove card":  func() error { _, err := c.RemovePaymentMethod(ctx, tok, idem, id); return err },
			"payment stat": func() error { _, err := c.PaymentStatus(ctx, tok, id); return err },
		} {
			var ip *InvalidParamError
			if err := call(); !errors.As(err, &ip) {
				t.Errorf("%s %q: want an InvalidParamError, got %v", name, id, err)
			}
		}
	}
	for _, id := range []int64{0, -3} {
		if _, err := c.PauseSubscription(ctx, tok, idem, id); err == nil {
			t.Errorf("subscription id %d accepted", id)
		}
		if _, err := c.SubscriptionStatus(ctx, tok, id); err == nil {
			t.Errorf("subscription id %d accepted", id)
		}
	}
	var ip *InvalidParamError
	if _, err := c.GetModel(ctx, tok, "filters"); !errors.As(err, &ip) || ip.Name != "model_id" {
		t.Errorf("model id filters: %v", err)
	}
	for _, k := range []string{"a b", "a\nb", "ключ", strings.Repeat("k", 256)} {
		if _, err := c.FundWallet(ctx, tok, k, FundRequest{Amount: 10}); !errors.As(err, &ip) || ip.Name != "idempotency_key" {
			t.Errorf("idempotency key %q: %v", k, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

func TestMoneyRequestsAreNeverRetried(t *testing.T) {
	for _, status := range []int{502, 503, 504, 429} {
		for _, tc := range accountCalls() {
			if !tc.money {
				continue
			}
			var n atomic.Int32
			f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(status)
					return
				}
				envelopeOK(w, 200, `{}`)
			})
			_, err := tc.call(context.Background(), f.client(t))
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != status {
				t.Errorf("%s on %d: err %v", tc.name, status, err)
			}
			if got := len(f.requests()); got != 1 {
				t.Errorf("%s on %d: upstream saw %d requests, want 1", tc.name, status, got)
			}
		}
	}
}

func TestAccountReadsAreRetried(t *testing.T) {
	for _, tc := range accountCalls() {
		if tc.money {
			continue
		}
		var n atomic.Int32
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(503)
				return
			}
			envelopeOK(w, 200, `{}`)
		})
		if _, err := tc.call(context.Background(), f.client(t)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got := len(f.requests()); got != 2 {
			t.Errorf("%s: upstream saw %d requests, want 2 (one retry)", tc.name, got)
		}
	}
}

func TestMoneyRequestWithoutAnswer(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		t.Cleanup(func() { close(release) })
		_, err := f.client(t, func(c *Config) { c.Timeout = 100 * time.Millisecond }).FundWallet(context.Background(), tok, idem, FundRequest{Amount: 25})
		var ne *NetworkError
		if !errors.As(err, &ne) || !ne.Timeout || !ne.MayHaveReached {
			t.Fatalf("want a timeout that may have reached, got %T %v", err, err)
		}
		if !strings.Contains(err.Error(), "may have reached ModelsLab") {
			t.Errorf("text does not warn: %v", err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("reset", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var accepted atomic.Int32
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				// Read the request, then reset without an answer.
				_, _ = conn.Read(make([]byte, 4096))
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		}()
		t.Cleanup(func() { ln.Close() })
		c, _ := New(Config{BaseURL: "http://" + ln.Addr().String(), RetryBaseWait: time.Millisecond, RetryMaxWait: 2 * time.Millisecond})
		_, err = c.ChargeAmount(context.Background(), tok, idem, ChargeAmountRequest{Amount: 50})
		var ne *NetworkError
		if !errors.As(err, &ne) || !ne.MayHaveReached || !strings.Contains(err.Error(), "may have reached") {
			t.Errorf("want a network error that may have reached, got %T %v", err, err)
		}
		if accepted.Load() != 1 {
			t.Errorf("attempts %d, want 1", accepted.Load())
		}
		// A read that got no answer says nothing of the kind.
		accepted.Store(0)
		_, err = c.WalletBalance(context.Background(), tok)
		if !errors.As(err, &ne) || ne.MayHaveReached || strings.Contains(err.Error(), "may have reached") {
			t.Errorf("read: %v", err)
		}
		if accepted.Load() != 3 {
			t.Errorf("read attempts %d, want 3", accepted.Load())
		}
	})
	t.Run("never connected", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		c, _ := New(Config{BaseURL: "http://" + addr})
		_, err := c.FundWallet(context.Background(), tok, idem, FundRequest{Amount: 25})
		var ne *NetworkError
		if !errors.As(err, &ne) || !ne.NotSent || ne.MayHaveReached {
			t.Errorf("refused connection: %T %v", err, err)
		}
	})
}

// TestMoneyRequestNotResentOnStaleConnection: net/http resends a request
// that carries the canonical Idempotency-Key when a reused keep-alive
// connection turns out closed; the client must not let it.
func TestMoneyRequestNotResentOnStaleConnection(t *testing.T) {
	var posts atomic.Int32
	f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && posts.Add(1) == 1 {
			// Read it, then drop the connection without a byte of answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		envelopeOK(w, 200, `{}`)
	})
	c := f.client(t)
	ctx := context.Background()
	if _, err := c.WalletBalance(ctx, tok); err != nil { // opens the connection that the POST reuses
		t.Fatal(err)
	}
	_, err := c.FundWallet(ctx, tok, idem, FundRequest{Amount: 25, PaymentMethodID: ptr("pm_1")})
	var ne *NetworkError
	if !errors.As(err, &ne) || !ne.MayHaveReached {
		t.Errorf("want a network error that may have reached, got %T %v", err, err)
	}
	if got := posts.Load(); got != 1 {
		t.Errorf("the POST reached the upstream %d times, want 1", got)
	}
}

func TestPaymentDeclinedAndRequiresAction(t *testing.T) {
	t.Run("402 envelope", func(t *testing.T) {
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(402)
			_, _ = io.WriteString(w, `{"data":null,"error":{"code":"payment_declined","message":"Your card was declined.","details":{"decline_code":"insufficient_funds","payment_intent_id":"pi_9"}},"meta":{"request_id":"r"}}`)
		})
		_, err := f.client(t).FundWallet(context.Background(), tok, idem, FundRequest{Amount: 25, PaymentMethodID: ptr("pm_1")})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != CodePaymentDeclined || ae.DeclineCode != "insufficient_funds" || ae.PaymentIntentID != "pi_9" || ae.Message != "Your card was declined." {
			t.Errorf("402: %#v", err)
		}
		if len(f.requests()) != 1 {
			t.Error("a decline was retried")
		}
	})
	t.Run("402 without a code", func(t *testing.T) {
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(402) })
		_, err := f.client(t).ChargeAmount(context.Background(), tok, idem, ChargeAmountRequest{Amount: 10})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != CodePaymentDeclined {
			t.Errorf("402: %v", err)
		}
	})
	t.Run("202 requires_action", func(t *testing.T) {
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
			envelopeOK(w, 202, `{"message":"Authentication required: visit modelslab.com/pricing","payment":{"status":"requires_action","payment_intent_id":"pi_3","client_secret":"pi_3_secret_x"}}`)
		})
		res, err := f.client(t).FundWallet(context.Background(), tok, idem, FundRequest{Amount: 25, PaymentMethodID: ptr("pm_3ds")})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 202 || !res.Data.RequiresAction || res.Data.PaymentIntentID != "pi_3" || res.Data.URL != "" {
			t.Errorf("202: status %d %+v", res.Status, res.Data)
		}
	})
	t.Run("requires_action with 200", func(t *testing.T) {
		f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
			envelopeOK(w, 200, `{"payment":{"status":"requires_action","payment_intent_id":"pi_4"}}`)
		})
		res, err := f.client(t).CreateSubscription(context.Background(), tok, idem, SubscriptionCreate{PlanID: 1, PaymentMethodID: ptr("pm_3ds")})
		if err != nil || !res.Data.RequiresAction {
			t.Errorf("requires_action: %v %+v", err, res)
		}
	})
}

func TestCheckoutReader(t *testing.T) {
	cases := []struct {
		name, data, meta string
		status           int
		want             Checkout
	}{
		{"payment link", `{"payment_url":"https://checkout.test/1","session_id":"cs_1","purpose":"fund","amount":25}`, "", 200,
			Checkout{URL: "https://checkout.test/1", URLField: "data.payment_url", SessionID: "cs_1"}},
		{"subscription", `{"checkout_url":"https://checkout.test/2","session_id":"cs_2"}`, "", 201,
			Checkout{URL: "https://checkout.test/2", URLField: "data.checkout_url", SessionID: "cs_2"}},
		{"plain url", `{"url":"https://checkout.test/3","session_id":"cs_3"}`, "", 200,
			Checkout{URL: "https://checkout.test/3", URLField: "data.url", SessionID: "cs_3"}},
		{"nested checkout", `{"message":"pay here","checkout":{"checkout_url":"https://checkout.test/4","session_id":"cs_4"}}`, "", 200,
			Checkout{URL: "https://checkout.test/4", URLField: "data.checkout.checkout_url", SessionID: "cs_4"}},
		{"nested payment", `{"payment":{"url":"https://checkout.test/5","session_id":"cs_5","payment_intent_id":"pi_5"}}`, "", 200,
			Checkout{URL: "https://checkout.test/5", URLField: "data.payment.url", SessionID: "cs_5", PaymentIntentID: "pi_5"}},
		{"charged at once", `{"payment":{"status":"succeeded","payment_intent_id":"pi_6"},"wallet":{"balance":35}}`, "", 200,
			Checkout{PaymentIntentID: "pi_6"}},
		{"replay in data", `{"payment_url":"https://checkout.test/7","session_id":"cs_7","idempotency_replay":true}`, "", 200,
			Checkout{URL: "https://checkout.test/7", URLField: "data.payment_url", SessionID: "cs_7", Replay: true}},
		{"replay in meta", `{"payment_url":"https://checkout.test/8","session_id":"cs_8"}`, `,"idempotency_replay":true`, 200,
			Checkout{URL: "https://checkout.test/8", URLField: "data.payment_url", SessionID: "cs_8", Replay: true}},
		{"wrong kinds", `{"payment_url":5,"session_id":null,"checkout":"x"}`, "", 200, Checkout{}},
		{"not an object", `["x"]`, "", 200, Checkout{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, `{"data":`+tc.data+`,"error":null,"meta":{"request_id":"r"`+tc.meta+`}}`)
			})
			res, err := f.client(t).CreatePaymentLink(context.Background(), tok, idem, PaymentLinkRequest{Purpose: "fund", Amount: ptr(25.0)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Data != tc.want {
				t.Errorf("got %+v, want %+v", res.Data, tc.want)
			}
			if res.Replay != tc.want.Replay {
				t.Errorf("Result.Replay %v", res.Replay)
			}
			if !strings.Contains(string(res.Raw), strings.TrimSpace(tc.data[:2])) {
				t.Errorf("raw lost: %s", res.Raw)
			}
		})
	}
}

func TestReplayFlag(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{`{"data":{"message":"credited","idempotency_replay":true},"error":null,"meta":{}}`, true},
		{`{"data":{"message":"credited"},"error":null,"meta":{"idempotency_replay":true}}`, true},
		{`{"message":"credited","idempotency_replay":true}`, true},
		{`{"data":{"message":"credited","idempotency_replay":false},"error":null,"meta":{}}`, false},
		{`{"data":{"message":"credited","idempotency_replay":"true"},"error":null,"meta":{}}`, false},
	} {
		f := newAccountFake(t, rawReply(200, tc.body))
		res, err := f.client(t).ConfirmWalletCheckout(context.Background(), tok, idem, "cs_1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Replay != tc.want {
			t.Errorf("%s: replay %v, want %v", tc.body, res.Replay, tc.want)
		}
	}
	// A read is never a replay, whatever it says.
	f := newAccountFake(t, rawReply(200, `{"data":{"idempotency_replay":true}}`))
	if res, err := f.client(t).WalletBalance(context.Background(), tok); err != nil || res.Replay {
		t.Errorf("read: %v %+v", err, res)
	}
}

func TestValidateCouponFallsBackToPost(t *testing.T) {
	f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.WriteHeader(405)
			return
		}
		envelopeOK(w, 200, `{"valid":true}`)
	})
	res, err := f.client(t).ValidateCoupon(context.Background(), tok, CouponQuery{CouponCode: "SAVE20", PurchaseAmount: ptr(40.0)})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "POST" || reqs[1].Body != `{"coupon_code":"SAVE20","purchase_amount":40}` || reqs[1].Idem != "" {
		t.Errorf("requests %+v", reqs)
	}
	if string(res.Raw) != `{"valid":true}` {
		t.Errorf("raw %s", res.Raw)
	}
	// Any other error is returned as it is, with no second request.
	g := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(422) })
	if _, err := g.client(t).ValidateCoupon(context.Background(), tok, CouponQuery{CouponCode: "NOPE"}); err == nil || len(g.requests()) != 1 {
		t.Errorf("422: %v, %d requests", err, len(g.requests()))
	}
}

func TestAccountNeedsToken(t *testing.T) {
	f := newAccountFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{}`) })
	c := f.client(t)
	if _, err := c.FundWallet(context.Background(), "", idem, FundRequest{Amount: 10}); !errors.Is(err, ErrNoToken) {
		t.Errorf("fund: %v", err)
	}
	if _, err := c.SearchModels(context.Background(), "", ModelSearchQuery{}); !errors.Is(err, ErrNoToken) {
		t.Errorf("models: %v", err)
	}
	if len(f.requests()) != 0 {
		t.Error("request sent without a token")
	}
}

// An offset-paged list (wallet transactions) says has_more; false wins over
// the total being larger than the page.
func TestListHasMore(t *testing.T) {
	for body, want := range map[string]bool{
		`{"data":{"items":[{"id":1}],"count":1,"total":10,"has_more":false}}`: false,
		`{"data":{"items":[{"id":1}],"count":1,"total":10,"has_more":true}}`:  true,
		`{"data":{"items":[{"id":1}],"count":1,"total":10}}`:                  true,
		`{"data":{"items":[{"id":1}],"count":1,"total":1}}`:                   false,
	} {
		f := newAccountFake(t, rawReply(200, body))
		res, err := f.client(t).WalletTransactions(context.Background(), tok, WalletTransactionsQuery{})
		if err != nil || res.Data.More != want {
			t.Errorf("%s: more %v, want %v (%v)", body, res.Data.More, want, err)
		}
	}
}
