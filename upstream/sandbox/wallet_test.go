package sandbox_test

import (
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func TestWalletDemoLedger(t *testing.T) {
	a := newAcct(t)
	if b := a.balance(); b != 25 {
		t.Fatalf("balance %v", b)
	}
	all := must(a.c.WalletTransactions(a.ctx, a.tok, upstream.WalletTransactionsQuery{}))(t)
	if len(all.Data.Items) != 11 || *all.Data.Total != 11 {
		t.Fatalf("%d transactions", len(all.Data.Items))
	}
	if at(t, all.Raw, "wallet.total_credited") != 50.0 || at(t, all.Raw, "wallet.amount_used") != 25.0 {
		t.Errorf("wallet %v", at(t, all.Raw, "wallet"))
	}
	// Newest first, and the balances add up.
	if at(t, all.Data.Items[0], "balance_after") != 25.0 || at(t, all.Data.Items[10], "type") != "credit" {
		t.Errorf("order: %s ... %s", all.Data.Items[0], all.Data.Items[10])
	}
	credits := must(a.c.WalletTransactions(a.ctx, a.tok, upstream.WalletTransactionsQuery{Type: "credit"}))(t).Data
	if len(credits.Items) != 1 || at(t, credits.Items[0], "amount") != 50.0 {
		t.Errorf("credits %v", credits.Items)
	}
	page := must(a.c.WalletTransactions(a.ctx, a.tok, upstream.WalletTransactionsQuery{Type: "debit", Limit: 3, Offset: 8}))(t).Data
	if len(page.Items) != 2 || *page.Total != 10 || page.More {
		t.Errorf("debits 8+3: %d items, total %v, more %v", len(page.Items), *page.Total, page.More)
	}
	for _, q := range []upstream.WalletTransactionsQuery{{Type: "refund"}, {Limit: 201}, {Offset: -1}} {
		_, err := a.c.WalletTransactions(a.ctx, a.tok, q)
		wantAPIError(t, err, 422, "validation_error")
	}
}

func TestFundWithCards(t *testing.T) {
	a := newAcct(t)
	visa := "pm_sandbox_visa_4242"
	res := must(a.c.FundWallet(a.ctx, a.tok, "fund-1", upstream.FundRequest{Amount: 25, PaymentMethodID: &visa}))(t)
	if res.Status != 200 || res.Data.URL != "" || res.Data.RequiresAction || res.Replay {
		t.Errorf("fund: %d %+v", res.Status, res.Data)
	}
	if a.balance() != 50 {
		t.Errorf("balance after 25: %v", a.balance())
	}
	pi := at(t, res.Raw, "payment.payment_intent_id").(string)
	st := must(a.c.PaymentStatus(a.ctx, a.tok, pi))(t)
	if at(t, st.Raw, "status") != "succeeded" || at(t, st.Raw, "amount") != 25.0 {
		t.Errorf("payment status %s", st.Raw)
	}

	declined := "pm_sandbox_declined"
	_, err := a.c.FundWallet(a.ctx, a.tok, "fund-2", upstream.FundRequest{Amount: 25, PaymentMethodID: &declined})
	ae := wantAPIError(t, err, 402, "payment_declined")
	if ae.DeclineCode != "card_declined" || !strings.HasPrefix(ae.PaymentIntentID, "pi_") {
		t.Errorf("decline %+v", ae)
	}
	if st := must(a.c.PaymentStatus(a.ctx, a.tok, ae.PaymentIntentID))(t); at(t, st.Raw, "status") != "failed" {
		t.Errorf("declined payment %s", st.Raw)
	}

	threeDS := "pm_sandbox_3ds"
	res = must(a.c.FundWallet(a.ctx, a.tok, "fund-3", upstream.FundRequest{Amount: 30, PaymentMethodID: &threeDS}))(t)
	if res.Status != 202 || !res.Data.RequiresAction || res.Data.PaymentIntentID == "" {
		t.Errorf("3ds: %d %+v", res.Status, res.Data)
	}
	if st := must(a.c.PaymentStatus(a.ctx, a.tok, res.Data.PaymentIntentID))(t); at(t, st.Raw, "status") != "pending" {
		t.Errorf("3ds payment %s", st.Raw)
	}
	if a.balance() != 50 {
		t.Errorf("a decline or 3-D Secure moved the balance: %v", a.balance())
	}
	_, err = a.c.PaymentStatus(a.ctx, a.tok, "pi_unknown")
	wantAPIError(t, err, 404, "not_found")
}

func TestFundRefusals(t *testing.T) {
	a := newAcct(t)
	cases := []struct {
		req   upstream.FundRequest
		field string
	}{
		{upstream.FundRequest{Amount: 9.99}, "amount"},
		{upstream.FundRequest{Amount: 10.005}, "amount"},
		{upstream.FundRequest{Amount: 10001}, "amount"},
		{upstream.FundRequest{Amount: 25, PaymentMethodID: ptr("4242424242424242")}, "payment_method_id"},
		{upstream.FundRequest{Amount: 25, PaymentMethodID: ptr("pm_made_up")}, "payment_method_id"},
	}
	for _, tc := range cases {
		_, err := a.c.FundWallet(a.ctx, a.tok, "", tc.req)
		if ae := wantAPIError(t, err, 422, "validation_error"); ae.Details[tc.field] == nil {
			t.Errorf("%+v: details %v", tc.req, ae.Details)
		}
	}
	for _, body := range []string{`{"amount":25,"card_number":"4242424242424242"}`, `{"amount":25,"cvc":"123"}`} {
		if code, out := a.rawPost("/wallet/fund", body); code != 422 || !strings.Contains(out, "Card data is never accepted") || strings.Contains(out, "4242424242424242") {
			t.Errorf("%s: %d %s", body, code, out)
		}
	}
	if a.balance() != 25 {
		t.Errorf("a refusal moved the balance: %v", a.balance())
	}
}

func TestIdempotentReplay(t *testing.T) {
	a := newAcct(t)
	visa := "pm_sandbox_visa_4242"
	first := must(a.c.FundWallet(a.ctx, a.tok, "fund-25-20260320-abc", upstream.FundRequest{Amount: 25, PaymentMethodID: &visa}))(t)
	again := must(a.c.FundWallet(a.ctx, a.tok, "fund-25-20260320-abc", upstream.FundRequest{Amount: 25, PaymentMethodID: &visa}))(t)
	if first.Replay || !again.Replay || !again.Data.Replay {
		t.Errorf("replay flags: first %v, again %v", first.Replay, again.Replay)
	}
	if at(t, again.Raw, "payment.payment_intent_id") != at(t, first.Raw, "payment.payment_intent_id") {
		t.Errorf("the replay is another answer: %s", again.Raw)
	}
	if a.balance() != 50 {
		t.Errorf("charged twice: balance %v", a.balance())
	}
	// The same key with another body: refused, nothing done.
	_, err := a.c.FundWallet(a.ctx, a.tok, "fund-25-20260320-abc", upstream.FundRequest{Amount: 30, PaymentMethodID: &visa})
	wantAPIError(t, err, 422, "idempotency_key_reused")
	// A refused request keeps no answer: the corrected one may reuse the key.
	_, err = a.c.FundWallet(a.ctx, a.tok, "fund-fix", upstream.FundRequest{Amount: 5, PaymentMethodID: &visa})
	wantAPIError(t, err, 422, "validation_error")
	must(a.c.FundWallet(a.ctx, a.tok, "fund-fix", upstream.FundRequest{Amount: 10, PaymentMethodID: &visa}))(t)
	// A decline is kept: the same key declines again without a new attempt.
	declined := "pm_sandbox_declined"
	_, err1 := a.c.FundWallet(a.ctx, a.tok, "fund-dec", upstream.FundRequest{Amount: 10, PaymentMethodID: &declined})
	_, err2 := a.c.FundWallet(a.ctx, a.tok, "fund-dec", upstream.FundRequest{Amount: 10, PaymentMethodID: &declined})
	if wantAPIError(t, err1, 402, "payment_declined").PaymentIntentID != wantAPIError(t, err2, 402, "payment_declined").PaymentIntentID {
		t.Error("the replayed decline names another payment")
	}
	// Without a key, every request is a new one.
	must(a.c.FundWallet(a.ctx, a.tok, "", upstream.FundRequest{Amount: 10, PaymentMethodID: &visa}))(t)
	must(a.c.FundWallet(a.ctx, a.tok, "", upstream.FundRequest{Amount: 10, PaymentMethodID: &visa}))(t)
	if a.balance() != 80 {
		t.Errorf("balance %v, want 25+25+10+10+10", a.balance())
	}
	// Keys are per route: the same key on withdraw is another request.
	_, err = a.c.Withdraw(a.ctx, a.tok, "fund-25-20260320-abc", 5)
	wantAPIError(t, err, 403, "access_denied")
}

func TestWithdrawResellersOnly(t *testing.T) {
	a := newAcct(t)
	_, err := a.c.Withdraw(a.ctx, a.tok, "w1", 10)
	if ae := wantAPIError(t, err, 403, "access_denied"); !strings.Contains(ae.Message, "reseller") {
		t.Errorf("message %q", ae.Message)
	}
	sw := must(a.c.SwitchAccount(a.ctx, a.tok, upstream.SwitchAccountRequest{AccountUsername: a.sb.Demo().TeamAccountUsername}))(t)
	acme := upstream.Token(sw.Data.AccessToken)
	res := must(a.c.Withdraw(a.ctx, acme, "w2", 30))(t)
	if at(t, res.Raw, "wallet.balance") != 70.0 {
		t.Errorf("acme after withdrawing 30 of 100: %s", res.Raw)
	}
	_, err = a.c.Withdraw(a.ctx, acme, "w3", 70.01)
	wantAPIError(t, err, 422, "validation_error")
}

func TestAutoFunding(t *testing.T) {
	a := newAcct(t)
	res := must(a.c.SetAutoFunding(a.ctx, a.tok, "af1", upstream.AutoFundingRequest{AutoChargeAmount: 20, ChargeThreshold: 5}))(t)
	if at(t, res.Raw, "auto_funding.enabled") != true || at(t, res.Raw, "auto_funding.payment_method_id") != "pm_sandbox_visa_4242" {
		t.Errorf("set %s", res.Raw)
	}
	ov := must(a.c.BillingOverview(a.ctx, a.tok))(t)
	if at(t, ov.Raw, "wallet.auto_funding.auto_charge_amount") != 20.0 {
		t.Errorf("overview %s", ov.Raw)
	}
	for _, r := range []upstream.AutoFundingRequest{{AutoChargeAmount: 4.99, ChargeThreshold: 5}, {AutoChargeAmount: 20, ChargeThreshold: 0.5}} {
		_, err := a.c.SetAutoFunding(a.ctx, a.tok, "", r)
		wantAPIError(t, err, 422, "validation_error")
	}
	res = must(a.c.DisableAutoFunding(a.ctx, a.tok, "af2"))(t)
	if at(t, res.Raw, "auto_funding.enabled") != false {
		t.Errorf("disable %s", res.Raw)
	}
	if a.balance() != 25 {
		t.Error("auto-funding charged something")
	}
}

func TestCoupons(t *testing.T) {
	a := newAcct(t)
	valid := func(code string, purchase *float64) map[string]any {
		return obj(t, must(a.c.ValidateCoupon(a.ctx, a.tok, upstream.CouponQuery{CouponCode: code, PurchaseAmount: purchase}))(t).Raw)
	}
	if v := valid("WELCOME10", ptr(25.0)); v["valid"] != true || v["bonus_amount"] != 10.0 {
		t.Errorf("WELCOME10: %v", v)
	}
	for _, tc := range []struct {
		code     string
		purchase *float64
	}{{"WELCOME10", ptr(10.0)}, {"EXPIRED5", nil}, {"NOPE", nil}} {
		if v := valid(tc.code, tc.purchase); v["valid"] != false || v["message"] == "" {
			t.Errorf("%s: %v", tc.code, v)
		}
	}
	_, err := a.c.ValidateCoupon(a.ctx, a.tok, upstream.CouponQuery{})
	wantAPIError(t, err, 422, "validation_error")

	must(a.c.RedeemCoupon(a.ctx, a.tok, "c1", upstream.RedeemCouponRequest{CouponCode: "FREE5"}))(t)
	_, err = a.c.RedeemCoupon(a.ctx, a.tok, "c2", upstream.RedeemCouponRequest{CouponCode: "FREE5"})
	wantAPIError(t, err, 422, "validation_error")
	if v := valid("FREE5", nil); v["valid"] != false {
		t.Errorf("a redeemed coupon is still valid: %v", v)
	}
	_, err = a.c.RedeemCoupon(a.ctx, a.tok, "c3", upstream.RedeemCouponRequest{CouponCode: "WELCOME10"})
	wantAPIError(t, err, 422, "validation_error") // a bonus needs a purchase
	res := must(a.c.RedeemCoupon(a.ctx, a.tok, "c4", upstream.RedeemCouponRequest{CouponCode: "WELCOME10", PurchaseAmount: ptr(25.0), PaymentMethodID: ptr("pm_sandbox_visa_4242")}))(t)
	if at(t, res.Raw, "wallet.balance") != 65.0 {
		t.Errorf("25 + 5 + 25 + 10 bonus: %s", res.Raw)
	}
	// SAVE20 takes 20% off the next subscription payment.
	must(a.c.RedeemCoupon(a.ctx, a.tok, "c5", upstream.RedeemCouponRequest{CouponCode: "SAVE20"}))(t)
	sub := must(a.c.CreateSubscription(a.ctx, a.tok, "s1", upstream.SubscriptionCreate{PlanID: 4, PaymentMethodID: ptr("pm_sandbox_visa_4242")}))(t)
	if at(t, sub.Raw, "payment.amount") != 23.2 {
		t.Errorf("Imagen Unlimited (29.00) with SAVE20: %s", sub.Raw)
	}
}
