package sandbox

import (
	"net/http"
	"strconv"
	"time"
)

// plan is one subscription plan.
type plan struct {
	ID       int64
	Name     string
	Category string // normal, addon, imagen, enterprise
	Price    float64
	Features []string
}

// demoSubscriptionID is the demo account's active subscription (plan 1).
const demoSubscriptionID = 1001

// plans are the sandbox's plans; ids 1-5. Decision: prices in the range of
// ModelsLab's public pricing page, so that a --max-charge ceiling meets both
// kinds (below and above $50).
func plans() []plan {
	return []plan{
		{1, "Basic", "normal", 27, []string{"3,250 API calls a month", "image generation", "community models"}},
		{2, "Standard", "normal", 47, []string{"unlimited image generation", "video and audio", "priority queue"}},
		{3, "Premium", "normal", 147, []string{"unlimited image and video", "dedicated GPU queue", "model training"}},
		{4, "Imagen Unlimited", "imagen", 29, []string{"unlimited Imagen calls"}},
		{5, "Extra Queue", "addon", 15, []string{"a second parallel queue"}},
	}
}

func findPlan(id int64) (plan, bool) {
	for _, p := range plans() {
		if p.ID == id {
			return p, true
		}
	}
	return plan{}, false
}

func (p plan) view() map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "category": p.Category, "price": p.Price, "currency": currency,
		"interval": "month", "features": p.Features}
}

type subscription struct {
	id                                int64
	planID                            int64
	status                            string // active, past_due, canceled, paused, trialing
	started, periodStart, periodEnd   time.Time
	stripeID, paymentMethod, category string
}

func (sub *subscription) view() map[string]any {
	p, _ := findPlan(sub.planID)
	return map[string]any{
		"id": sub.id, "plan_id": sub.planID, "plan_name": p.Name, "category": sub.category, "status": sub.status,
		"price": p.Price, "currency": currency, "interval": "month",
		"started_at": iso(sub.started), "current_period_start": iso(sub.periodStart), "current_period_end": iso(sub.periodEnd),
		"stripe_subscription_id": sub.stripeID, "payment_method_id": nullIfEmpty(sub.paymentMethod),
	}
}

func (m *accountMoney) findSub(id int64) *subscription {
	for _, sub := range m.subs {
		if sub.id == id {
			return sub
		}
	}
	return nil
}

// live reports whether sub still bills (anything but canceled).
func (sub *subscription) live() bool { return sub.status != "canceled" }

// GET /subscriptions/plans.
func (s *Sandbox) listPlans(c *call) response {
	ps := plans()
	items := make([]map[string]any, len(ps))
	for i, p := range ps {
		items[i] = p.view()
	}
	return ok(map[string]any{
		"subscription_plans": items,
		"pay_as_you_go": map[string]any{"minimum_topup_usd": minimumTopUp, "currency": currency,
			"description": "Top up the wallet and pay per call; no subscription needed."},
		"count": len(items),
	})
}

// GET /subscriptions: every subscription of the account, as items.
func (s *Sandbox) listSubscriptions(c *call) response {
	m := s.moneyOf(c.acct)
	items := make([]map[string]any, 0, len(m.subs))
	for _, sub := range m.subs {
		items = append(items, sub.view())
	}
	return ok(map[string]any{"items": items, "count": len(items), "total": len(items)})
}

// newSubscription starts a subscription, paid for now.
func (s *Sandbox) newSubscription(u *user, now time.Time, p plan, pm string) *subscription {
	m := s.moneyOf(u)
	s.nextSubID++
	sub := &subscription{id: s.nextSubID, planID: p.ID, status: "active", started: now, periodStart: now,
		periodEnd: now.AddDate(0, 1, 0), stripeID: s.prefixedID("sub_sandbox_", 14), paymentMethod: pm, category: p.Category}
	m.subs = append(m.subs, sub)
	return sub
}

// planPrice is what the next payment for p costs, after a redeemed discount.
func (m *accountMoney) planPrice(p plan) float64 {
	return cents(p.Price * (1 - m.discountPct/100))
}

// POST /subscriptions: plan_id, payment_method_id, success_url, cancel_url.
// With a card: charged and active at once. Without: a Checkout URL under
// checkout_url (contract §7.2). Decision: one live subscription per plan
// category (409 already_subscribed: change plan with update instead).
func (s *Sandbox) createSubscription(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	planID := v.planID("plan_id")
	pm := v.paymentMethodID("payment_method_id", false)
	success := v.url("success_url")
	cancel := v.url("cancel_url")
	if v.failed() {
		return v.result()
	}
	p, _ := findPlan(planID)
	m := s.moneyOf(c.acct)
	for _, sub := range m.subs {
		if sub.live() && sub.category == p.Category {
			return fail(http.StatusConflict, "already_subscribed", "The account already has a "+sub.status+" "+p.Category+
				" subscription (id "+strconv.FormatInt(sub.id, 10)+"): change its plan with update instead.", map[string]any{"subscription_id": sub.id})
		}
	}
	if len(m.subs) >= maxSubs {
		return invalidField("plan_id", "The sandbox keeps at most "+strconv.Itoa(maxSubs)+" subscriptions per account.")
	}
	price := m.planPrice(p)
	if pm == "" {
		cs, r := s.newSession(c, "subscribe", price, p.ID, success, cancel)
		if r != nil {
			return *r
		}
		return ok(map[string]any{
			"checkout_url": s.checkoutURL(c, cs.id), "session_id": cs.id, "plan_id": p.ID, "plan_name": p.Name,
			"amount": price, "currency": currency, "expires_at": iso(cs.expires),
			"instructions": "Open checkout_url in a browser and pay; then call subscriptions confirm-checkout with session_id.",
		})
	}
	pay, _, r := s.charge(c, pm, price, "Subscription: "+p.Name+" (monthly)", 0)
	if r != nil {
		return *r
	}
	m.discountPct = 0
	sub := s.newSubscription(c.acct, c.now, p, pm)
	s.linkInvoice(c.acct, pay.ID, sub.id)
	return created(map[string]any{"message": "Subscribed to " + p.Name + ".", "subscription": sub.view(),
		"payment": paymentView(pay, m.cardOf(pm))})
}

// linkInvoice ties the invoice of a payment to a subscription.
func (s *Sandbox) linkInvoice(u *user, pi string, subID int64) {
	for _, in := range s.moneyOf(u).invoices {
		if in.PaymentIntentID == pi {
			in.SubscriptionID = subID
		}
	}
}

// POST /subscriptions/confirm-checkout: session_id (checkout.go).
func (s *Sandbox) confirmSubscriptionCheckout(c *call) response {
	return s.confirmCheckout(c, "subscribe")
}

// subByID is the {id} subscription of the account, or a 404.
func (s *Sandbox) subByID(c *call) (*subscription, *response) {
	sub := s.moneyOf(c.acct).findSub(c.id)
	if sub == nil {
		r := notFound()
		return nil, &r
	}
	return sub, nil
}

// GET /subscriptions/{id}/status.
func (s *Sandbox) subscriptionStatus(c *call) response {
	sub, r := s.subByID(c)
	if r != nil {
		return *r
	}
	v := sub.view()
	v["cancel_at_period_end"] = false
	return ok(v)
}

// PUT /subscriptions/{id}: new_plan_id. Decision: an upgrade charges the
// price difference to the default card now; a downgrade takes effect at
// once with nothing refunded; the plan must be of the same category.
func (s *Sandbox) updateSubscription(c *call) response {
	sub, r := s.subByID(c)
	if r != nil {
		return *r
	}
	v := newValidator(c.body)
	newID := v.planID("new_plan_id")
	if v.failed() {
		return v.result()
	}
	np, _ := findPlan(newID)
	old, _ := findPlan(sub.planID)
	switch {
	case !sub.live():
		return fail(http.StatusConflict, "subscription_not_active", "The subscription is canceled: subscribe again with create.", nil)
	case newID == sub.planID:
		return invalidField("new_plan_id", "The subscription is already on plan "+strconv.FormatInt(newID, 10)+" ("+np.Name+").")
	case np.Category != sub.category:
		return invalidField("new_plan_id", "Plan "+strconv.FormatInt(newID, 10)+" is a "+np.Category+" plan; this subscription is "+sub.category+": subscribe to it with create.")
	}
	out := map[string]any{}
	if diff := cents(np.Price - old.Price); diff > 0 {
		pay, _, r := s.charge(c, "", diff, "Plan change: "+old.Name+" to "+np.Name+" (difference)", sub.id)
		if r != nil {
			return *r
		}
		out["payment"] = paymentView(pay, s.moneyOf(c.acct).cardOf(pay.PaymentMeth))
	}
	sub.planID = newID
	out["message"] = "The plan is now " + np.Name + "."
	out["subscription"] = sub.view()
	return ok(out)
}

// POST /subscriptions/{id}/pause: active -> paused.
func (s *Sandbox) pauseSubscription(c *call) response {
	return s.moveSubscription(c, "active", "paused", "paused", "Subscription paused: nothing is charged until it is resumed.")
}

// POST /subscriptions/{id}/resume: paused -> active.
func (s *Sandbox) resumeSubscription(c *call) response {
	return s.moveSubscription(c, "paused", "active", "resumed", "Subscription resumed.")
}

func (s *Sandbox) moveSubscription(c *call, from, to, verb, msg string) response {
	sub, r := s.subByID(c)
	if r != nil {
		return *r
	}
	if sub.status != from {
		return fail(http.StatusConflict, "invalid_subscription_state", "Only a "+from+" subscription can be "+verb+"; this one is "+sub.status+".", map[string]any{"status": sub.status})
	}
	sub.status = to
	return ok(map[string]any{"message": msg, "subscription": sub.view()})
}

// POST /subscriptions/{id}/reset-cycle: charges the plan's price now and
// starts a new period. A declined card leaves the subscription past_due
// (fix-payment then charges again).
func (s *Sandbox) resetSubscriptionCycle(c *call) response {
	sub, r := s.subByID(c)
	if r != nil {
		return *r
	}
	if sub.status != "active" && sub.status != "past_due" {
		return fail(http.StatusConflict, "invalid_subscription_state", "Only an active subscription's cycle can be reset; this one is "+sub.status+".", nil)
	}
	return s.renew(c, sub, "Billing cycle reset")
}

// renew charges the plan's price to the default card (decision: renewals,
// plan changes and fix-payment use the account's default card, as Stripe
// does with a customer's default payment method) and starts a new period.
func (s *Sandbox) renew(c *call, sub *subscription, why string) response {
	p, _ := findPlan(sub.planID)
	m := s.moneyOf(c.acct)
	pay, _, r := s.charge(c, "", m.planPrice(p), why+": "+p.Name, sub.id)
	if r != nil {
		if r.status == http.StatusPaymentRequired {
			sub.status = "past_due"
		}
		return *r
	}
	m.discountPct = 0
	sub.status, sub.paymentMethod = "active", pay.PaymentMeth
	sub.periodStart, sub.periodEnd = c.now, c.now.AddDate(0, 1, 0)
	return ok(map[string]any{"message": why + ": " + p.Name + " charged.", "subscription": sub.view(), "payment": paymentView(pay, m.cardOf(pay.PaymentMeth))})
}

// POST /subscriptions/{id}/fix-payment: a past_due subscription is charged
// again with the default card. Decision: anything else is a 409.
func (s *Sandbox) fixSubscriptionPayment(c *call) response {
	sub, r := s.subByID(c)
	if r != nil {
		return *r
	}
	if sub.status != "past_due" {
		return fail(http.StatusConflict, "nothing_to_fix", "The subscription is "+sub.status+": there is no failed payment to fix.", nil)
	}
	return s.renew(c, sub, "Failed payment retried")
}

// POST /subscriptions/charge-amount: amount (5-10000), plan_category,
// stripe_subscription_id. Decision: charges the default card for a live
// subscription (the one named, else the first of the category, else any).
func (s *Sandbox) chargeAmount(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	amount := v.amount("amount", 5, maxCharge)
	category, setCat := v.optional("plan_category", 32, true)
	stripeID, _ := v.optional("stripe_subscription_id", 255, true)
	if setCat && category != "" && !v.has("plan_category") && !contains([]string{"enterprise", "imagen", "addon", "normal"}, category) {
		v.add("plan_category", "The selected plan category is invalid (enterprise, imagen, addon, normal).")
	}
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	var target *subscription
	for _, sub := range m.subs {
		if !sub.live() || (stripeID != "" && sub.stripeID != stripeID) || (category != "" && sub.category != category) {
			continue
		}
		target = sub
		break
	}
	if target == nil {
		return invalidField("stripe_subscription_id", "No live subscription matches: see subscriptions list.")
	}
	pay, in, r := s.charge(c, m.defaultCard, amount, "Charge on subscription "+target.stripeID, target.id)
	if r != nil {
		return *r
	}
	return ok(map[string]any{"message": "Charged " + usd(amount) + " USD.", "payment": paymentView(pay, m.cardOf(pay.PaymentMeth)),
		"invoice_id": in.ID, "subscription_id": target.id})
}

// planID reads a required plan id that exists.
func (v *validator) planID(k string) int64 {
	n, set := v.number(k)
	switch {
	case !set && !v.has(k):
		v.add(k, "The "+label(k)+" field is required.")
	case !set:
	case n != float64(int64(n)) || n <= 0:
		v.add(k, "The "+label(k)+" field must be a positive integer.")
	default:
		if _, ok := findPlan(int64(n)); !ok {
			v.add(k, "The selected "+label(k)+" is invalid: see subscriptions list-plans (ids 1-5).")
		}
	}
	return int64(n)
}

// url reads an optional absolute http(s) URL.
func (v *validator) url(k string) string {
	u, set := v.optional(k, 2048, true)
	if set && u != "" && !v.has(k) && !validURL(u) {
		v.add(k, "The "+label(k)+" field must be a valid URL.")
	}
	return u
}
