package sandbox_test

import (
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

const demoSub = 1001

func TestSubscriptionReads(t *testing.T) {
	a := newAcct(t)
	plans := must(a.c.ListPlans(a.ctx, a.tok))(t)
	if len(at(t, plans.Raw, "subscription_plans").([]any)) != 5 || at(t, plans.Raw, "pay_as_you_go.minimum_topup_usd") != 10.0 {
		t.Errorf("plans %s", plans.Raw)
	}
	subs := must(a.c.ListSubscriptions(a.ctx, a.tok))(t).Data
	if len(subs.Items) != 1 || at(t, subs.Items[0], "id") != float64(demoSub) || at(t, subs.Items[0], "status") != "active" || at(t, subs.Items[0], "plan_name") != "Basic" {
		t.Errorf("subscriptions %s", subs.Items)
	}
	st := must(a.c.SubscriptionStatus(a.ctx, a.tok, demoSub))(t)
	if at(t, st.Raw, "status") != "active" {
		t.Errorf("status %s", st.Raw)
	}
	_, err := a.c.SubscriptionStatus(a.ctx, a.tok, 9999)
	wantAPIError(t, err, 404, "not_found")
}

func TestSubscriptionLifecycle(t *testing.T) {
	a := newAcct(t)
	visa := ptr("pm_sandbox_visa_4242")
	_, err := a.c.CreateSubscription(a.ctx, a.tok, "c1", upstream.SubscriptionCreate{PlanID: 2, PaymentMethodID: visa})
	wantAPIError(t, err, 409, "already_subscribed")
	_, err = a.c.CreateSubscription(a.ctx, a.tok, "c2", upstream.SubscriptionCreate{PlanID: 99, PaymentMethodID: visa})
	wantAPIError(t, err, 422, "validation_error")

	created := must(a.c.CreateSubscription(a.ctx, a.tok, "c3", upstream.SubscriptionCreate{PlanID: 4, PaymentMethodID: visa}))(t)
	if created.Status != 201 || created.Data.URL != "" || at(t, created.Raw, "subscription.status") != "active" {
		t.Errorf("create with a card: %d %s", created.Status, created.Raw)
	}

	// Upgrade Basic (27) to Standard (47): 20.00 charged now.
	up := must(a.c.UpdateSubscription(a.ctx, a.tok, "u1", demoSub, 2))(t)
	if at(t, up.Raw, "payment.amount") != 20.0 || at(t, up.Raw, "subscription.plan_name") != "Standard" {
		t.Errorf("upgrade %s", up.Raw)
	}
	_, err = a.c.UpdateSubscription(a.ctx, a.tok, "u2", demoSub, 4)
	wantAPIError(t, err, 422, "validation_error") // another category
	_, err = a.c.UpdateSubscription(a.ctx, a.tok, "u3", demoSub, 2)
	wantAPIError(t, err, 422, "validation_error") // the same plan

	if p := must(a.c.PauseSubscription(a.ctx, a.tok, "p1", demoSub))(t); at(t, p.Raw, "subscription.status") != "paused" {
		t.Errorf("pause %s", p.Raw)
	}
	_, err = a.c.PauseSubscription(a.ctx, a.tok, "p2", demoSub)
	wantAPIError(t, err, 409, "invalid_subscription_state")
	_, err = a.c.ResetSubscriptionCycle(a.ctx, a.tok, "r0", demoSub)
	wantAPIError(t, err, 409, "invalid_subscription_state")
	must(a.c.ResumeSubscription(a.ctx, a.tok, "p3", demoSub))(t)
	_, err = a.c.ResumeSubscription(a.ctx, a.tok, "p4", demoSub)
	wantAPIError(t, err, 409, "invalid_subscription_state")

	reset := must(a.c.ResetSubscriptionCycle(a.ctx, a.tok, "r1", demoSub))(t)
	if at(t, reset.Raw, "payment.amount") != 47.0 || at(t, reset.Raw, "subscription.current_period_start") != "2026-03-20T15:04:05Z" {
		t.Errorf("reset %s", reset.Raw)
	}
	ch := must(a.c.ChargeAmount(a.ctx, a.tok, "ch1", upstream.ChargeAmountRequest{Amount: 50, PlanCategory: ptr("normal")}))(t)
	if at(t, ch.Raw, "subscription_id") != float64(demoSub) || at(t, ch.Raw, "payment.status") != "succeeded" {
		t.Errorf("charge-amount %s", ch.Raw)
	}
	for _, r := range []upstream.ChargeAmountRequest{{Amount: 4.99}, {Amount: 10001}, {Amount: 10, PlanCategory: ptr("gold")}, {Amount: 10, StripeSubscriptionID: ptr("sub_other")}} {
		_, err = a.c.ChargeAmount(a.ctx, a.tok, "", r)
		wantAPIError(t, err, 422, "validation_error")
	}
	// 3 seeded, then create, upgrade, reset and charge-amount.
	if inv := must(a.c.ListInvoices(a.ctx, a.tok))(t).Data; len(inv.Items) != 7 {
		t.Errorf("%d invoices", len(inv.Items))
	}
	if a.balance() != 25 {
		t.Error("subscriptions are charged to the card, not the wallet")
	}
}

func TestFixPayment(t *testing.T) {
	a := newAcct(t)
	_, err := a.c.FixSubscriptionPayment(a.ctx, a.tok, "f0", demoSub)
	wantAPIError(t, err, 409, "nothing_to_fix")
	// A declined renewal leaves the subscription past_due.
	must(a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: "pm_sandbox_declined"}))(t)
	_, err = a.c.ResetSubscriptionCycle(a.ctx, a.tok, "r1", demoSub)
	wantAPIError(t, err, 402, "payment_declined")
	if st := must(a.c.SubscriptionStatus(a.ctx, a.tok, demoSub))(t); at(t, st.Raw, "status") != "past_due" {
		t.Fatalf("after a decline: %s", st.Raw)
	}
	_, err = a.c.FixSubscriptionPayment(a.ctx, a.tok, "f1", demoSub)
	wantAPIError(t, err, 402, "payment_declined")
	must(a.c.SetDefaultPaymentMethod(a.ctx, a.tok, "", "pm_sandbox_visa_4242"))(t)
	fixed := must(a.c.FixSubscriptionPayment(a.ctx, a.tok, "f2", demoSub))(t)
	if at(t, fixed.Raw, "subscription.status") != "active" || at(t, fixed.Raw, "payment.amount") != 27.0 {
		t.Errorf("fixed %s", fixed.Raw)
	}
	// 3-D Secure on a renewal: 202, nothing charged, still active.
	must(a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: "pm_sandbox_3ds"}))(t)
	res := must(a.c.ResetSubscriptionCycle(a.ctx, a.tok, "r2", demoSub))(t)
	if res.Status != 202 || at(t, res.Raw, "payment.status") != "requires_action" {
		t.Errorf("3ds renewal %d %s", res.Status, res.Raw)
	}
}
