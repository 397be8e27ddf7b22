package sandbox

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// jsonString is s as a JSON string value (a query parameter read as a body field).
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// walletSummary is the wallet part of several answers.
func (s *Sandbox) walletSummary(u *user) map[string]any {
	m := s.moneyOf(u)
	return map[string]any{"balance": u.balance, "currency": currency, "total_credited": m.credited, "amount_used": m.used,
		"auto_funding": m.auto.view(m.defaultCard)}
}

func (a autoFunding) view(pm string) map[string]any {
	if !a.enabled {
		return map[string]any{"enabled": false}
	}
	return map[string]any{"enabled": true, "auto_charge_amount": a.amount, "charge_threshold": a.threshold, "payment_method_id": nullIfEmpty(pm)}
}

// GET /wallet/balance.
func (s *Sandbox) walletBalance(c *call) response {
	return ok(map[string]any{"balance": c.acct.balance, "currency": currency})
}

// GET /wallet/transactions: type (credit|debit), limit (1-200, default
// 50), offset; newest first.
func (s *Sandbox) walletTransactions(c *call) response {
	q := c.r.URL.Query()
	v := newValidator(fields{})
	typ := q.Get("type")
	if typ != "" && typ != "credit" && typ != "debit" {
		v.add("type", "The selected type is invalid (credit, debit).")
	}
	limit := queryInt(v, q.Get("limit"), "limit", 50, 1, 200)
	offset := queryInt(v, q.Get("offset"), "offset", 0, 0, 1<<31)
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	all := make([]ledgerEntry, 0, len(m.ledger))
	for i := len(m.ledger) - 1; i >= 0; i-- {
		if typ == "" || m.ledger[i].Type == typ {
			all = append(all, m.ledger[i])
		}
	}
	page := pageOf(all, offset, limit)
	return ok(map[string]any{"items": page, "count": len(page), "total": len(all), "limit": limit, "offset": offset,
		"has_more": offset+len(page) < len(all), "wallet": s.walletSummary(c.acct)})
}

// pageOf is items[offset : offset+limit], clamped.
func pageOf[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+limit, len(items))
	return items[offset:end]
}

// queryInt reads an integer query parameter in [lo, hi]; "" gives def.
func queryInt(v *validator, raw, k string, def, lo, hi int) int {
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		v.add(k, "The "+label(k)+" field must be an integer.")
	case n < lo:
		v.add(k, "The "+label(k)+" field must be at least "+strconv.Itoa(lo)+".")
	case n > hi:
		v.add(k, "The "+label(k)+" field must not be greater than "+strconv.Itoa(hi)+".")
	default:
		return n
	}
	return def
}

// POST /wallet/fund: amount (≥ 10.00), payment_method_id. With a card the
// wallet is credited at once; without, the answer is a Checkout URL
// (payment_url) and the wallet is credited by confirm-checkout.
func (s *Sandbox) fundWallet(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	amount := v.amount("amount", minimumTopUp, maxCharge)
	pm := v.paymentMethodID("payment_method_id", false)
	if v.failed() {
		return v.result()
	}
	if pm == "" {
		cs, r := s.newSession(c, "fund", amount, 0, "", "")
		if r != nil {
			return *r
		}
		return ok(s.checkoutAnswer(c, cs))
	}
	pay, _, r := s.charge(c, pm, amount, "Wallet top-up", 0)
	if r != nil {
		return *r
	}
	e := s.ledgerAdd(c.acct, c.now, "credit", amount, "Wallet top-up", "card", pay.ID)
	return ok(map[string]any{"message": "Added " + usd(amount) + " USD to the wallet.", "payment": paymentView(pay, s.moneyOf(c.acct).cardOf(pm)),
		"transaction": e, "wallet": s.walletSummary(c.acct)})
}

// checkoutAnswer is the answer of fund and payment-link without a card.
func (s *Sandbox) checkoutAnswer(c *call, cs *checkoutSession) map[string]any {
	out := map[string]any{"payment_url": s.checkoutURL(c, cs.id), "session_id": cs.id, "purpose": cs.purpose,
		"amount": cs.amount, "currency": currency, "expires_at": iso(cs.expires),
		"instructions": "Open payment_url in a browser and pay; then confirm with session_id (wallet confirm-checkout for fund, subscriptions confirm-checkout for subscribe)."}
	if cs.planID != 0 {
		out["plan_id"] = cs.planID
	}
	return out
}

// POST /wallet/confirm-checkout: session_id (checkout.go).
func (s *Sandbox) confirmWalletCheckout(c *call) response { return s.confirmCheckout(c, "fund") }

// PUT /wallet/auto-funding: auto_charge_amount (≥ 5), charge_threshold (≥ 1).
// Decision: it needs a default card; nothing is charged now.
func (s *Sandbox) setAutoFunding(c *call) response {
	v := newValidator(c.body)
	amount := v.amount("auto_charge_amount", 5, maxCharge)
	threshold := v.amount("charge_threshold", 1, maxCharge)
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	if m.defaultCard == "" {
		return invalidField("auto_charge_amount", "Auto-funding charges the default card: add a payment method first.")
	}
	m.auto = autoFunding{enabled: true, amount: amount, threshold: threshold}
	return ok(map[string]any{"message": "Auto-funding on: " + usd(amount) + " USD is charged when the balance falls below " + usd(threshold) + " USD.",
		"auto_funding": m.auto.view(m.defaultCard)})
}

// DELETE /wallet/auto-funding.
func (s *Sandbox) disableAutoFunding(c *call) response {
	m := s.moneyOf(c.acct)
	m.auto = autoFunding{}
	return ok(map[string]any{"message": "Auto-funding off.", "auto_funding": m.auto.view("")})
}

// POST /wallet/withdraw: amount. Resellers only (decision: 403
// access_denied otherwise); the amount must be at most the balance.
func (s *Sandbox) withdraw(c *call) response {
	v := newValidator(c.body)
	amount := v.amount("amount", 1, maxCharge)
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	if !m.reseller {
		return accessDenied("Withdrawals are for reseller accounts only, and this account is not a reseller: nothing was withdrawn.")
	}
	if amount > c.acct.balance {
		return invalidField("amount", "The amount must not be greater than the balance ("+usd(c.acct.balance)+" USD).")
	}
	e := s.ledgerAdd(c.acct, c.now, "debit", amount, "Withdrawal to the reseller's payout account", "withdrawal", "")
	return ok(map[string]any{"message": "Withdrew " + usd(amount) + " USD.", "transaction": e, "wallet": s.walletSummary(c.acct)})
}

// coupon is one sandbox coupon.
type coupon struct {
	code, kind  string // bonus | discount | credit
	value       float64
	minPurchase float64
	expired     bool
}

// coupons: WELCOME10 ($10 bonus on a top-up of $25 or more, charged to a
// card), SAVE20 (20% off the next subscription payment), FREE5 ($5 credit,
// no purchase), EXPIRED5 (expired). Each can be redeemed once per account.
func findCoupon(code string) (coupon, bool) {
	switch code {
	case "WELCOME10":
		return coupon{code: code, kind: "bonus", value: 10, minPurchase: 25}, true
	case "SAVE20":
		return coupon{code: code, kind: "discount", value: 20}, true
	case "FREE5":
		return coupon{code: code, kind: "credit", value: 5}, true
	case "EXPIRED5":
		return coupon{code: code, kind: "credit", value: 5, expired: true}, true
	}
	return coupon{}, false
}

func (cp coupon) view() map[string]any {
	v := map[string]any{"coupon_code": cp.code, "type": cp.kind}
	switch cp.kind {
	case "bonus":
		v["bonus_amount"], v["minimum_purchase"], v["description"] = cp.value, cp.minPurchase,
			usd(cp.value)+" USD bonus on a top-up of at least "+usd(cp.minPurchase)+" USD"
	case "discount":
		v["discount_percent"], v["description"] = cp.value, usd(cp.value)+"% off the next subscription payment"
	case "credit":
		v["credit_amount"], v["description"] = cp.value, usd(cp.value)+" USD wallet credit"
	}
	return v
}

// couponProblem says why code cannot be redeemed now ("" when it can).
func (s *Sandbox) couponProblem(u *user, cp coupon, found bool, purchase float64, hasPurchase bool) string {
	switch {
	case !found:
		return "No such coupon."
	case cp.expired:
		return "This coupon has expired."
	case s.moneyOf(u).redeemed[cp.code]:
		return "This coupon was already redeemed on this account."
	case cp.kind == "bonus" && hasPurchase && purchase < cp.minPurchase:
		return "This coupon needs a purchase of at least " + usd(cp.minPurchase) + " USD."
	}
	return ""
}

// GET (or POST) /wallet/coupons/validate: coupon_code, purchase_amount.
// Decision: an unusable coupon is a 200 with valid false and the reason; a
// missing code is a 422.
func (s *Sandbox) validateCoupon(c *call) response {
	f := c.body
	if c.r.Method == http.MethodGet {
		f = fields{}
		q := c.r.URL.Query()
		for _, k := range []string{"coupon_code", "purchase_amount"} {
			if q.Has(k) {
				f[k] = jsonString(q.Get(k))
			}
		}
	}
	v := newValidator(f)
	code := v.required("coupon_code", 64)
	purchase, hasPurchase := v.number("purchase_amount")
	if v.failed() {
		return v.result()
	}
	cp, found := findCoupon(code)
	out := map[string]any{"coupon_code": code}
	if p := s.couponProblem(c.acct, cp, found, purchase, hasPurchase); p != "" {
		out["valid"], out["message"] = false, p
		return ok(out)
	}
	out = cp.view()
	out["valid"] = true
	return ok(out)
}

// POST /wallet/coupons/redeem: coupon_code, purchase_amount and
// payment_method_id (bonus coupons: the purchase is charged to the card and
// credited with the bonus).
func (s *Sandbox) redeemCoupon(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	code := v.required("coupon_code", 64)
	purchase, hasPurchase := v.number("purchase_amount")
	pm := v.paymentMethodID("payment_method_id", false)
	if v.failed() {
		return v.result()
	}
	cp, found := findCoupon(code)
	if p := s.couponProblem(c.acct, cp, found, purchase, hasPurchase); p != "" {
		return invalidField("coupon_code", p)
	}
	m := s.moneyOf(c.acct)
	out := map[string]any{"coupon": cp.view()}
	switch cp.kind {
	case "bonus":
		if !hasPurchase {
			return invalidField("purchase_amount", "This bonus coupon needs purchase_amount (at least "+usd(cp.minPurchase)+" USD) and a card.")
		}
		vv := newValidator(fields{})
		vv.amountRange("purchase_amount", purchase, cp.minPurchase, maxCharge)
		if vv.failed() {
			return vv.result()
		}
		pay, _, r := s.charge(c, pm, purchase, "Wallet top-up with coupon "+cp.code, 0)
		if r != nil {
			return *r
		}
		out["payment"] = paymentView(pay, m.cardOf(pay.PaymentMeth))
		out["transactions"] = []ledgerEntry{
			s.ledgerAdd(c.acct, c.now, "credit", purchase, "Wallet top-up with coupon "+cp.code, "card", pay.ID),
			s.ledgerAdd(c.acct, c.now, "credit", cp.value, "Coupon "+cp.code+" bonus", "coupon", ""),
		}
	case "credit":
		out["transactions"] = []ledgerEntry{s.ledgerAdd(c.acct, c.now, "credit", cp.value, "Coupon "+cp.code, "coupon", "")}
	case "discount":
		m.discountPct = cp.value
	}
	m.redeemed[cp.code] = true
	out["message"] = "Coupon " + cp.code + " redeemed."
	out["wallet"] = s.walletSummary(c.acct)
	return ok(out)
}

// GET /payments/{paymentIntentId}/status.
func (s *Sandbox) paymentStatus(c *call) response {
	p := s.moneyOf(c.acct).payments[c.str]
	if p == nil {
		return notFound()
	}
	return ok(p.view())
}

// seedDemoMoney gives the demo account (balance 25.00) its history: a 50.00
// top-up 20 days ago, then ten days of usage (25.00 in all); the Visa 4242
// as its default card; the Basic plan (27.00 a month) since 45 days, paid
// twice; billing details. Usage, ledger and invoices agree with each other.
func (s *Sandbox) seedDemoMoney(u *user) {
	m := u.money
	now := s.clock()
	visa, _ := testCard("pm_sandbox_visa_4242")
	m.cards, m.defaultCard = []card{visa}, visa.ID
	m.info = map[string]string{"name": "Demo User", "email": demoEmail, "address_line1": "1 Sandbox Way",
		"address_city": "San Francisco", "address_state": "CA", "address_postal_code": "94105", "address_country": "US"}

	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	// The ledger replays the history from zero, so its balances add up.
	u.balance = 0
	top := s.addPayment(u, day(20), "succeeded", 50, visa.ID, "Wallet top-up")
	s.addInvoice(u, day(20), 50, "Wallet top-up", top.ID, 0)
	s.ledgerAdd(u, day(20), "credit", 50, "Wallet top-up", "card", top.ID)
	for _, r := range demoUsage() {
		rec := usageRecord{at: day(r.daysAgo), product: r.product, feature: r.feature, modelID: r.model, requests: r.requests, cost: r.cost}
		m.usage = append(m.usage, rec)
		s.ledgerAdd(u, rec.at, "debit", r.cost, "Usage: "+r.model+" ("+strconv.Itoa(r.requests)+" requests)", "usage", "")
	}

	basic, _ := findPlan(1)
	sub := &subscription{id: demoSubscriptionID, planID: basic.ID, status: "active", started: day(45), periodStart: day(15),
		periodEnd: day(15).AddDate(0, 1, 0), stripeID: "sub_sandbox_demo", paymentMethod: visa.ID, category: basic.Category}
	m.subs = append(m.subs, sub)
	for _, d := range []int{45, 15} {
		p := s.addPayment(u, day(d), "succeeded", basic.Price, visa.ID, "Subscription: Basic (monthly)")
		s.addInvoice(u, day(d), basic.Price, "Subscription: Basic (monthly)", p.ID, sub.id)
	}
	// Oldest first, as they happened.
	sort.SliceStable(m.invoices, func(i, j int) bool { return m.invoices[i].CreatedAt.Before(m.invoices[j].CreatedAt) })
	for i, x := range m.invoices {
		x.Number = "SBX-" + strconv.Itoa(1001+i)
	}
}

type demoUse struct {
	daysAgo                 int
	product, feature, model string
	requests                int
	cost                    float64
}

// demoUsage is the demo account's usage: 25.00 USD over ten days.
func demoUsage() []demoUse {
	return []demoUse{
		{13, "image_generation", "imagen", "flux", 120, 3.60},
		{12, "llm", "llmaster", "meta-llama-3.1-8b-instruct", 2300, 1.15},
		{11, "video_generation", "video_fusion", "seedance-t2v", 6, 4.80},
		{9, "image_generation", "imagen", "sdxl", 200, 2.00},
		{8, "audio_generation", "audio_gen", "eleven-multilingual-v2", 40, 1.20},
		{6, "image_generation", "imagen", "flux", 150, 4.50},
		{5, "video_generation", "video_fusion", "wan-2.1-i2v", 3, 2.40},
		{3, "llm", "llmaster", "deepseek-r1", 900, 1.35},
		{2, "image_generation", "imagen", "realistic-vision-v6", 180, 1.80},
		{1, "audio_generation", "audio_gen", "musicgen", 25, 2.20},
	}
}

// seedAcmeMoney: the team account is a reseller with 100.00 from one top-up.
func (s *Sandbox) seedAcmeMoney(u *user) {
	m := u.money
	m.reseller = true
	mc, _ := testCard("pm_sandbox_mastercard_4444")
	m.cards, m.defaultCard = []card{mc}, mc.ID
	now := s.clock().AddDate(0, 0, -30)
	u.balance = 0
	p := s.addPayment(u, now, "succeeded", 100, mc.ID, "Wallet top-up")
	s.addInvoice(u, now, 100, "Wallet top-up", p.ID, 0)
	s.ledgerAdd(u, now, "credit", 100, "Wallet top-up", "card", p.ID)
}
