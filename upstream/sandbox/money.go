package sandbox

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The money rules the sandbox plays (contract §7.2; the rest are decisions):
//   - Amounts are USD numbers with at most two decimals. The minimum top-up
//     (fund, a fund payment link) is pay_as_you_go.minimum_topup_usd, 10.00.
//   - Cards are Stripe PaymentMethod ids only. The test cards:
//     pm_sandbox_visa_4242 (succeeds; the demo account's default),
//     pm_sandbox_mastercard_4444 (succeeds), pm_sandbox_declined (402
//     payment_declined, decline_code card_declined) and pm_sandbox_3ds (202,
//     payment.status requires_action: nothing is charged). Any other pm_… id
//     is a 422 "No such PaymentMethod"; a card number, CVC or expiry in any
//     body is a 422 (ModelsLab never takes card data).
//   - A charge with a card that succeeds writes a paid invoice (with PDF and
//     receipt URLs); a top-up also a credit in the wallet's ledger.
//   - Idempotency-Key on every billing, wallet and subscription mutation:
//     see idempotency.go. The Checkout page and its confirmations: checkout.go.
//   - Withdraw is for resellers only: the demo account is not one (403
//     access_denied); the seeded team account "acme" is.

// minimumTopUp is pay_as_you_go.minimum_topup_usd.
const minimumTopUp = 10.0

// maxCharge bounds one charge (the contract's charge-amount range).
const maxCharge = 10000.0

// currency is the only one the sandbox knows.
const currency = "USD"

// card is one saved or test card.
type card struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	// outcome of a charge: "" succeeds, "declined", "3ds".
	outcome string
}

// testCard is what a known test PaymentMethod id stands for.
func testCard(id string) (card, bool) {
	c := card{ID: id, Type: "card", ExpMonth: 12, ExpYear: 2030}
	switch id {
	case "pm_sandbox_visa_4242":
		c.Brand, c.Last4 = "visa", "4242"
	case "pm_sandbox_mastercard_4444":
		c.Brand, c.Last4 = "mastercard", "4444"
	case "pm_sandbox_declined":
		c.Brand, c.Last4, c.outcome = "visa", "0002", "declined"
	case "pm_sandbox_3ds":
		c.Brand, c.Last4, c.outcome = "visa", "3155", "3ds"
	default:
		return card{}, false
	}
	return c, true
}

type ledgerEntry struct {
	ID              string  `json:"id"`
	Type            string  `json:"type"` // credit | debit
	Amount          float64 `json:"amount"`
	Currency        string  `json:"currency"`
	Description     string  `json:"description"`
	Source          string  `json:"source"` // card, checkout, coupon, usage, withdrawal
	BalanceAfter    float64 `json:"balance_after"`
	PaymentIntentID string  `json:"payment_intent_id,omitempty"`
	CreatedAt       string  `json:"created_at"`
}

// payment is one payment intent.
type payment struct {
	ID          string
	Status      string // succeeded | requires_action | failed
	Amount      float64
	PaymentMeth string
	Description string
	CreatedAt   time.Time
}

// view is the payment-status answer; requires_action shows as pending, the
// contract's three statuses being succeeded, pending and failed.
func (p *payment) view() map[string]any {
	st := p.Status
	if st == "requires_action" {
		st = "pending"
	}
	return map[string]any{"status": st, "payment_intent_id": p.ID, "amount": p.Amount, "currency": currency,
		"payment_method_id": nullIfEmpty(p.PaymentMeth), "description": p.Description, "created_at": iso(p.CreatedAt)}
}

type invoice struct {
	ID, Number, Description, PaymentIntentID string
	Amount                                   float64
	CreatedAt                                time.Time
	SubscriptionID                           int64
}

func (in *invoice) view(withLines bool) map[string]any {
	v := map[string]any{
		"id": in.ID, "number": in.Number, "status": "paid", "description": in.Description,
		"amount_due": in.Amount, "amount_paid": in.Amount, "currency": currency,
		"created_at": iso(in.CreatedAt), "paid_at": iso(in.CreatedAt),
		"payment_intent_id":  in.PaymentIntentID,
		"hosted_invoice_url": invoiceURL(in.ID, ""), "invoice_pdf": invoiceURL(in.ID, "/pdf"),
	}
	if in.SubscriptionID != 0 {
		v["subscription_id"] = in.SubscriptionID
	}
	if withLines {
		v["lines"] = []map[string]any{{"description": in.Description, "quantity": 1, "unit_amount": in.Amount, "amount": in.Amount, "currency": currency}}
		v["receipt_url"] = invoiceURL(in.ID, "/receipt")
	}
	return v
}

// invoiceURL is where Stripe would host the invoice. Decision: a .invalid
// host (RFC 2606), so that nothing can ever fetch it.
func invoiceURL(id, suffix string) string {
	return "https://invoices.sandbox.invalid/" + id + suffix
}

type autoFunding struct {
	enabled           bool
	amount, threshold float64
}

type usageRecord struct {
	at                        time.Time
	product, feature, modelID string
	requests                  int
	cost                      float64
}

// accountMoney is one account's money state. The balance itself is
// user.balance, which the profile shows too.
type accountMoney struct {
	ledger         []ledgerEntry // oldest first
	credited, used float64
	cards          []card
	defaultCard    string
	info           map[string]string
	invoices       []*invoice // oldest first
	subs           []*subscription
	auto           autoFunding
	payments       map[string]*payment
	usage          []usageRecord // oldest first
	redeemed       map[string]bool
	discountPct    float64 // a redeemed discount coupon, for the next subscription payment
	reseller       bool
}

// Caps on what one account's money state can grow to.
const (
	maxLedger   = 1000
	maxCards    = 20
	maxInvoices = 1000
	maxSubs     = 50
	maxPayments = 1000
)

// moneyOf returns the account's money state, building it on first use (the
// demo and acme accounts get their seeded history then, not at New).
func (s *Sandbox) moneyOf(u *user) *accountMoney {
	if u.money == nil {
		u.money = &accountMoney{info: map[string]string{}, payments: map[string]*payment{}, redeemed: map[string]bool{}}
		switch u.email {
		case demoEmail:
			s.seedDemoMoney(u)
		case demoAcmeEmail:
			s.seedAcmeMoney(u)
		}
	}
	return u.money
}

// cents rounds to whole cents.
func cents(v float64) float64 { return math.Round(v*100) / 100 }

func (s *Sandbox) prefixedID(prefix string, n int) string {
	return prefix + s.randString(n, alphanumerics)
}

// ledgerAdd books a credit or debit and moves the balance.
func (s *Sandbox) ledgerAdd(u *user, at time.Time, typ string, amount float64, desc, source, pi string) ledgerEntry {
	m := s.moneyOf(u)
	amount = cents(amount)
	if typ == "credit" {
		u.balance = cents(u.balance + amount)
		m.credited = cents(m.credited + amount)
	} else {
		u.balance = cents(u.balance - amount)
		m.used = cents(m.used + amount)
	}
	e := ledgerEntry{ID: s.prefixedID("txn_", 14), Type: typ, Amount: amount, Currency: currency, Description: desc,
		Source: source, BalanceAfter: u.balance, PaymentIntentID: pi, CreatedAt: iso(at)}
	m.ledger = append(m.ledger, e)
	if len(m.ledger) > maxLedger {
		m.ledger = m.ledger[len(m.ledger)-maxLedger:]
	}
	return e
}

func (s *Sandbox) addInvoice(u *user, at time.Time, amount float64, desc, pi string, subID int64) *invoice {
	m := s.moneyOf(u)
	in := &invoice{ID: s.prefixedID("in_sandbox_", 14), Number: "SBX-" + strconv.Itoa(1000+len(m.invoices)+1),
		Description: desc, PaymentIntentID: pi, Amount: cents(amount), CreatedAt: at, SubscriptionID: subID}
	m.invoices = append(m.invoices, in)
	if len(m.invoices) > maxInvoices {
		m.invoices = m.invoices[1:]
	}
	return in
}

func (s *Sandbox) addPayment(u *user, at time.Time, status string, amount float64, pm, desc string) *payment {
	m := s.moneyOf(u)
	if len(m.payments) >= maxPayments {
		for id := range m.payments { // forget an arbitrary old one
			delete(m.payments, id)
			break
		}
	}
	p := &payment{ID: s.prefixedID("pi_sandbox_", 16), Status: status, Amount: cents(amount), PaymentMeth: pm, Description: desc, CreatedAt: at}
	m.payments[p.ID] = p
	return p
}

// findCard returns a card saved on the account.
func (m *accountMoney) findCard(id string) (card, bool) {
	for _, c := range m.cards {
		if c.ID == id {
			return c, true
		}
	}
	return card{}, false
}

// charge charges amount to a card: pmID, or the default card when "". On
// success it returns the payment and an invoice; otherwise the answer to
// give (422 no card, 402 declined, 202 requires_action).
func (s *Sandbox) charge(c *call, pmID string, amount float64, desc string, subID int64) (*payment, *invoice, *response) {
	m := s.moneyOf(c.acct)
	if pmID == "" {
		pmID = m.defaultCard
		if pmID == "" {
			r := invalidField("payment_method_id", "The account has no default payment method: add a card (pm_…) or pay through Checkout (a payment link).")
			return nil, nil, &r
		}
	}
	cd, ok := m.findCard(pmID)
	if !ok {
		// Decision: the test cards work whether or not they are saved, as
		// Stripe's test PaymentMethods do.
		if cd, ok = testCard(pmID); !ok {
			r := invalidField("payment_method_id", "No such PaymentMethod: "+pmID+" is not saved on this account (the sandbox's test cards: pm_sandbox_visa_4242, pm_sandbox_mastercard_4444, pm_sandbox_declined, pm_sandbox_3ds).")
			return nil, nil, &r
		}
	}
	if t, ok := testCard(pmID); ok {
		cd.outcome = t.outcome
	}
	switch cd.outcome {
	case "declined":
		p := s.addPayment(c.acct, c.now, "failed", amount, pmID, desc)
		r := fail(http.StatusPaymentRequired, "payment_declined", "Your card was declined.",
			map[string]any{"decline_code": "card_declined", "payment_intent_id": p.ID})
		return nil, nil, &r
	case "3ds":
		p := s.addPayment(c.acct, c.now, "requires_action", amount, pmID, desc)
		r := response{status: http.StatusAccepted, data: map[string]any{
			"message": "This payment needs 3-D Secure authentication by the card holder: nothing was charged. " +
				"Complete it at https://modelslab.com/pricing, or use another card.",
			"payment": map[string]any{"status": "requires_action", "payment_intent_id": p.ID,
				"client_secret": p.ID + "_secret_" + s.randString(12, alphanumerics), "amount": p.Amount, "currency": currency},
		}}
		return nil, nil, &r
	}
	p := s.addPayment(c.acct, c.now, "succeeded", amount, pmID, desc)
	in := s.addInvoice(c.acct, c.now, amount, desc, p.ID, subID)
	return p, in, nil
}

// paymentView is the payment part of a charge's answer.
func paymentView(p *payment, cd card) map[string]any {
	v := map[string]any{"status": p.Status, "payment_intent_id": p.ID, "amount": p.Amount, "currency": currency}
	if cd.ID != "" {
		v["payment_method"] = map[string]any{"id": cd.ID, "brand": cd.Brand, "last4": cd.Last4}
	}
	return v
}

// cardOf describes the card a payment used, for answers.
func (m *accountMoney) cardOf(pmID string) card {
	if cd, ok := m.findCard(pmID); ok {
		return cd
	}
	cd, _ := testCard(pmID)
	return cd
}

// amount reads a required USD amount in [min, max] with at most two decimals.
func (v *validator) amount(k string, min, max float64) float64 {
	a, set := v.number(k)
	if !set {
		if !v.has(k) {
			v.add(k, "The "+label(k)+" field is required.")
		}
		return 0
	}
	v.amountRange(k, a, min, max)
	return a
}

func (v *validator) amountRange(k string, a, min, max float64) {
	switch {
	case a < min:
		v.add(k, "The "+label(k)+" field must be at least "+usd(min)+".")
	case a > max:
		v.add(k, "The "+label(k)+" field must not be greater than "+usd(max)+".")
	case math.Abs(a*100-math.Round(a*100)) > 1e-6:
		v.add(k, "The "+label(k)+" field must have at most two decimal places.")
	}
}

// usd renders an amount as 25.00.
func usd(a float64) string { return strconv.FormatFloat(a, 'f', 2, 64) }

// paymentMethodID reads an optional pm_… id. Anything else is refused:
// ModelsLab only takes cards tokenised by Stripe.
func (v *validator) paymentMethodID(k string, required bool) string {
	var id string
	var set bool
	if required {
		id, set = v.required(k, 255), true
	} else {
		id, set = v.optional(k, 255, true)
	}
	if set && id != "" && !v.has(k) && (!strings.HasPrefix(id, "pm_") || strings.ContainsAny(id, " \t")) {
		v.add(k, "The "+label(k)+" field must be a Stripe PaymentMethod id (pm_…): card numbers are never accepted; tokenise the card with Stripe first.")
	}
	return id
}

// cardDataFields are body fields that would carry card data.
var cardDataFields = [...]string{"card", "card_number", "number", "cvc", "cvv", "exp_month", "exp_year", "expiry"}

// refuseCardData answers a 422 when a body carries card data.
func refuseCardData(f fields) *response {
	for _, k := range cardDataFields {
		if _, ok := f[k]; ok {
			r := invalidField(k, "Card data is never accepted: tokenise the card with Stripe (see billing stripe-config) and send its pm_… id.")
			return &r
		}
	}
	return nil
}

// sweepMoney forgets old idempotent answers and Checkout sessions.
func (s *Sandbox) sweepMoney(now time.Time) {
	for k, e := range s.idem {
		if now.Sub(e.at) > idemTTL {
			delete(s.idem, k)
		}
	}
	for id, cs := range s.sessions {
		if now.Sub(cs.created) > 7*24*time.Hour {
			delete(s.sessions, id)
		}
	}
}

// accountRoutes are the routes of contract §7.1 (#31-72). Literal routes
// come before parameterised ones with the same shape.
func (s *Sandbox) accountRoutes() []route {
	const (
		read = iota
		mutate
		limited // mutate, under agent-billing too
	)
	r := func(method, path, scope string, kind int, h func(*call) response) route {
		return route{method: method, pattern: strings.Split(path, "/"), authed: true, scope: scope, h: h,
			money: kind != read, billing: kind == limited}
	}
	return []route{
		r("GET", "usage/summary", "usage:read", read, s.usageSummary),
		r("GET", "usage/products", "usage:read", read, s.usageProducts),
		r("GET", "usage/history", "usage:read", read, s.usageHistory),
		r("GET", "models", "models:read", read, s.searchModels),
		r("GET", "models/filters", "models:read", read, s.modelFilters),
		r("GET", "models/tags", "models:read", read, s.modelTags),
		r("GET", "models/providers", "models:read", read, s.modelProviders),
		r("GET", "models/{str}", "models:read", read, s.getModel),
		r("GET", "billing/overview", "billing:read", read, s.billingOverview),
		r("GET", "billing/stripe-config", "billing:read", read, s.stripeConfig),
		r("POST", "billing/setup-intent", "billing:write", mutate, s.setupIntent),
		r("POST", "billing/payment-link", "billing:write", mutate, s.paymentLink),
		r("GET", "billing/payment-methods", "billing:read", read, s.listPaymentMethods),
		r("POST", "billing/payment-methods", "billing:write", limited, s.addPaymentMethod),
		r("PUT", "billing/payment-methods/{str}/default", "billing:write", limited, s.setDefaultPaymentMethod),
		r("DELETE", "billing/payment-methods/{str}", "billing:write", limited, s.removePaymentMethod),
		r("GET", "billing/info", "billing:read", read, s.billingInfo),
		r("PUT", "billing/info", "billing:write", mutate, s.updateBillingInfo),
		r("GET", "billing/invoices", "billing:read", read, s.listInvoices),
		r("GET", "billing/invoices/{str}", "billing:read", read, s.getInvoice),
		r("GET", "billing/invoices/{str}/pdf", "billing:read", read, s.invoicePDF),
		r("GET", "wallet/balance", "wallet:read", read, s.walletBalance),
		r("GET", "wallet/transactions", "wallet:read", read, s.walletTransactions),
		r("POST", "wallet/fund", "wallet:write", limited, s.fundWallet),
		r("POST", "wallet/confirm-checkout", "wallet:write", mutate, s.confirmWalletCheckout),
		r("PUT", "wallet/auto-funding", "wallet:write", mutate, s.setAutoFunding),
		r("DELETE", "wallet/auto-funding", "wallet:write", mutate, s.disableAutoFunding),
		r("POST", "wallet/withdraw", "wallet:write", mutate, s.withdraw),
		// Decision: validate answers GET (the docs) and POST (the route list); it changes nothing.
		r("GET", "wallet/coupons/validate", "wallet:read", read, s.validateCoupon),
		r("POST", "wallet/coupons/validate", "wallet:read", read, s.validateCoupon),
		r("POST", "wallet/coupons/redeem", "wallet:write", mutate, s.redeemCoupon),
		r("GET", "payments/{str}/status", "wallet:read", read, s.paymentStatus),
		r("GET", "subscriptions/plans", "subscriptions:read", read, s.listPlans),
		r("GET", "subscriptions", "subscriptions:read", read, s.listSubscriptions),
		r("POST", "subscriptions", "subscriptions:write", limited, s.createSubscription),
		r("POST", "subscriptions/confirm-checkout", "subscriptions:write", limited, s.confirmSubscriptionCheckout),
		r("POST", "subscriptions/charge-amount", "subscriptions:write", limited, s.chargeAmount),
		r("GET", "subscriptions/{id}/status", "subscriptions:read", read, s.subscriptionStatus),
		r("PUT", "subscriptions/{id}", "subscriptions:write", limited, s.updateSubscription),
		r("POST", "subscriptions/{id}/pause", "subscriptions:write", limited, s.pauseSubscription),
		r("POST", "subscriptions/{id}/resume", "subscriptions:write", limited, s.resumeSubscription),
		r("POST", "subscriptions/{id}/reset-cycle", "subscriptions:write", limited, s.resetSubscriptionCycle),
		r("POST", "subscriptions/{id}/fix-payment", "subscriptions:write", limited, s.fixSubscriptionPayment),
	}
}
