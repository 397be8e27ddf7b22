package sandbox

import (
	"net/http"
	"strconv"
	"strings"
)

// GET /billing/overview: the wallet, the cards, the subscriptions and the
// invoice count.
func (s *Sandbox) billingOverview(c *call) response {
	m := s.moneyOf(c.acct)
	subs := make([]map[string]any, 0, len(m.subs))
	for _, sub := range m.subs {
		subs = append(subs, sub.view())
	}
	return ok(map[string]any{
		"wallet": s.walletSummary(c.acct), "payment_methods": m.cardViews(), "default_payment_method": nullIfEmpty(m.defaultCard),
		"subscriptions": subs, "invoice_count": len(m.invoices), "billing_email": nullIfEmpty(m.info["email"]),
	})
}

func (m *accountMoney) cardViews() []map[string]any {
	out := make([]map[string]any, 0, len(m.cards))
	for _, cd := range m.cards {
		out = append(out, map[string]any{"id": cd.ID, "type": cd.Type, "brand": cd.Brand, "last4": cd.Last4,
			"exp_month": cd.ExpMonth, "exp_year": cd.ExpYear, "is_default": cd.ID == m.defaultCard})
	}
	return out
}

// GET /billing/stripe-config: a publishable key (public, not a secret).
func (s *Sandbox) stripeConfig(c *call) response {
	return ok(map[string]any{"publishable_key": "pk_test_sandbox_51ModelsLabSandbox",
		"instructions": "Tokenise a card with Stripe.js using publishable_key, then add its pm_… id with billing add-payment-method. " +
			"The sandbox's test cards need no Stripe: pm_sandbox_visa_4242, pm_sandbox_mastercard_4444, pm_sandbox_declined, pm_sandbox_3ds."})
}

// POST /billing/setup-intent: a SetupIntent to save a card with 3-D Secure.
func (s *Sandbox) setupIntent(c *call) response {
	id := s.prefixedID("seti_sandbox_", 16)
	return ok(map[string]any{"setup_intent_id": id, "client_secret": id + "_secret_" + s.randString(16, alphanumerics),
		"publishable_key": "pk_test_sandbox_51ModelsLabSandbox", "status": "requires_payment_method",
		"instructions": "Confirm the SetupIntent with Stripe.js in the person's browser; then add the resulting pm_… id."})
}

// POST /billing/payment-link: purpose fund (amount ≥ 10.00) or subscribe
// (plan_id): a Checkout page for a person (payment_url).
func (s *Sandbox) paymentLink(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	purpose := v.required("purpose", 16)
	if purpose != "" && !v.has("purpose") && purpose != "fund" && purpose != "subscribe" {
		v.add("purpose", "The selected purpose is invalid (fund, subscribe).")
	}
	var amount float64
	var planID int64
	switch purpose {
	case "fund":
		amount = v.amount("amount", minimumTopUp, maxCharge)
	case "subscribe":
		planID = v.planID("plan_id")
	}
	if v.failed() {
		return v.result()
	}
	if purpose == "subscribe" {
		p, _ := findPlan(planID)
		amount = s.moneyOf(c.acct).planPrice(p)
	}
	cs, r := s.newSession(c, purpose, amount, planID, "", "")
	if r != nil {
		return *r
	}
	return ok(s.checkoutAnswer(c, cs))
}

// GET /billing/payment-methods.
func (s *Sandbox) listPaymentMethods(c *call) response {
	items := s.moneyOf(c.acct).cardViews()
	return ok(map[string]any{"items": items, "count": len(items), "total": len(items)})
}

// POST /billing/payment-methods: payment_method_id (pm_…), make_default
// (default true). Decision: only the sandbox's test cards exist; adding a
// saved one again changes only the default.
func (s *Sandbox) addPaymentMethod(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	id := v.paymentMethodID("payment_method_id", true)
	makeDefault, set := v.boolean("make_default")
	if !set {
		makeDefault = true
	}
	if v.failed() {
		return v.result()
	}
	cd, known := testCard(id)
	if !known {
		return invalidField("payment_method_id", "No such PaymentMethod: "+id+" (the sandbox's test cards: pm_sandbox_visa_4242, pm_sandbox_mastercard_4444, pm_sandbox_declined, pm_sandbox_3ds).")
	}
	m := s.moneyOf(c.acct)
	status := http.StatusCreated
	if _, ok := m.findCard(id); ok {
		status = http.StatusOK
	} else {
		if len(m.cards) >= maxCards {
			return invalidField("payment_method_id", "The sandbox keeps at most "+strconv.Itoa(maxCards)+" cards per account.")
		}
		m.cards = append(m.cards, cd)
	}
	if makeDefault || m.defaultCard == "" {
		m.defaultCard = id
	}
	return response{status: status, data: map[string]any{"message": "Card " + cd.Brand + " •••• " + cd.Last4 + " saved.",
		"payment_method": m.cardView(id), "payment_methods": m.cardViews()}}
}

func (m *accountMoney) cardView(id string) map[string]any {
	for _, v := range m.cardViews() {
		if v["id"] == id {
			return v
		}
	}
	return nil
}

// PUT /billing/payment-methods/{id}/default.
func (s *Sandbox) setDefaultPaymentMethod(c *call) response {
	m := s.moneyOf(c.acct)
	cd, found := m.findCard(c.str)
	if !found {
		return fail(http.StatusNotFound, "not_found", "No saved card "+c.str+" on this account.", nil)
	}
	m.defaultCard = cd.ID
	return ok(map[string]any{"message": "Card " + cd.Brand + " •••• " + cd.Last4 + " is now the default.", "payment_method": m.cardView(cd.ID)})
}

// DELETE /billing/payment-methods/{id}. Decision: removing the default
// makes the first other card the default (none left: no default, and
// auto-funding turns off).
func (s *Sandbox) removePaymentMethod(c *call) response {
	m := s.moneyOf(c.acct)
	cd, found := m.findCard(c.str)
	if !found {
		return fail(http.StatusNotFound, "not_found", "No saved card "+c.str+" on this account.", nil)
	}
	kept := m.cards[:0]
	for _, x := range m.cards {
		if x.ID != cd.ID {
			kept = append(kept, x)
		}
	}
	m.cards = kept
	if m.defaultCard == cd.ID {
		m.defaultCard = ""
		if len(m.cards) > 0 {
			m.defaultCard = m.cards[0].ID
		} else {
			m.auto = autoFunding{}
		}
	}
	return ok(map[string]any{"message": "Card " + cd.Brand + " •••• " + cd.Last4 + " removed.", "default_payment_method": nullIfEmpty(m.defaultCard)})
}

// billingInfoFields are the billing profile's fields, in order.
var billingInfoFields = [...]string{"name", "email", "tax_id", "tax_id_type", "address_line1", "address_line2",
	"address_city", "address_state", "address_postal_code", "address_country"}

func (m *accountMoney) infoView() map[string]any {
	out := map[string]any{}
	for _, k := range billingInfoFields {
		out[k] = nullIfEmpty(m.info[k])
	}
	return out
}

// GET /billing/info.
func (s *Sandbox) billingInfo(c *call) response { return ok(s.moneyOf(c.acct).infoView()) }

// PUT /billing/info: any of the fields; null or "" clears one. tax_id_type
// (with tax_id) is one of Stripe's types the sandbox knows; address_country
// is two letters (ISO 3166-1 alpha-2).
func (s *Sandbox) updateBillingInfo(c *call) response {
	if r := refuseCardData(c.body); r != nil {
		return *r
	}
	v := newValidator(c.body)
	changes := map[string]string{}
	for _, k := range billingInfoFields {
		if val, set := v.optional(k, 255, true); set {
			changes[k] = val
		}
	}
	if e := changes["email"]; e != "" {
		v.email("email", e)
	}
	if t := changes["tax_id_type"]; t != "" && !contains([]string{"eu_vat", "gb_vat", "us_ein", "in_gst", "au_abn", "ca_bn", "ch_vat", "jp_cn", "br_cnpj", "za_vat"}, t) {
		v.add("tax_id_type", "The selected tax id type is invalid (eu_vat, gb_vat, us_ein, in_gst, au_abn, ca_bn, ch_vat, jp_cn, br_cnpj, za_vat).")
	}
	if cc, set := changes["address_country"]; set && cc != "" {
		if len(cc) != 2 || strings.ToUpper(cc) != cc || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			v.add("address_country", "The address country field must be a two-letter country code (ISO 3166-1 alpha-2), e.g. US.")
		}
	}
	m := s.moneyOf(c.acct)
	if changes["tax_id"] != "" && changes["tax_id_type"] == "" && m.info["tax_id_type"] == "" && !v.has("tax_id_type") {
		v.add("tax_id_type", "The tax id type field is required when tax id is present.")
	}
	if v.failed() {
		return v.result()
	}
	for k, val := range changes {
		if val == "" {
			delete(m.info, k)
		} else {
			m.info[k] = val
		}
	}
	return ok(m.infoView())
}

// GET /billing/invoices (newest first; ?page=N, 20 a page).
func (s *Sandbox) listInvoices(c *call) response {
	v := newValidator(fields{})
	page := queryInt(v, c.r.URL.Query().Get("page"), "page", 1, 1, 1<<20)
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	all := make([]map[string]any, 0, len(m.invoices))
	for i := len(m.invoices) - 1; i >= 0; i-- {
		all = append(all, m.invoices[i].view(false))
	}
	const perPage = 20
	items := pageOf(all, (page-1)*perPage, perPage)
	last := max(1, (len(all)+perPage-1)/perPage)
	return ok(map[string]any{"items": items, "count": len(items), "total": len(all), "current_page": page, "last_page": last, "per_page": perPage})
}

func (m *accountMoney) findInvoice(id string) *invoice {
	for _, in := range m.invoices {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// GET /billing/invoices/{id}.
func (s *Sandbox) getInvoice(c *call) response {
	in := s.moneyOf(c.acct).findInvoice(c.str)
	if in == nil {
		return notFound()
	}
	return ok(in.view(true))
}

// GET /billing/invoices/{id}/pdf: the PDF and receipt URLs.
func (s *Sandbox) invoicePDF(c *call) response {
	in := s.moneyOf(c.acct).findInvoice(c.str)
	if in == nil {
		return notFound()
	}
	return ok(map[string]any{"invoice_id": in.ID, "number": in.Number, "pdf_url": invoiceURL(in.ID, "/pdf"),
		"receipt_url": invoiceURL(in.ID, "/receipt"), "hosted_invoice_url": invoiceURL(in.ID, "")})
}
