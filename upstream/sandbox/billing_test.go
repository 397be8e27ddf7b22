package sandbox_test

import (
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

func TestBillingReads(t *testing.T) {
	a := newAcct(t)
	ov := must(a.c.BillingOverview(a.ctx, a.tok))(t)
	if at(t, ov.Raw, "invoice_count") != 3.0 || at(t, ov.Raw, "default_payment_method") != "pm_sandbox_visa_4242" ||
		len(at(t, ov.Raw, "subscriptions").([]any)) != 1 || at(t, ov.Raw, "wallet.balance") != 25.0 {
		t.Errorf("overview %s", ov.Raw)
	}
	cfg := must(a.c.StripeConfig(a.ctx, a.tok))(t)
	if !strings.HasPrefix(at(t, cfg.Raw, "publishable_key").(string), "pk_test_") {
		t.Errorf("stripe config %s", cfg.Raw)
	}
	si := must(a.c.CreateSetupIntent(a.ctx, a.tok, "si-1"))(t)
	if !strings.HasPrefix(at(t, si.Raw, "setup_intent_id").(string), "seti_") {
		t.Errorf("setup intent %s", si.Raw)
	}

	inv := must(a.c.ListInvoices(a.ctx, a.tok))(t).Data
	if len(inv.Items) != 3 || inv.More {
		t.Fatalf("%d invoices", len(inv.Items))
	}
	// Newest first: the Basic renewal 15 days ago, the top-up, the first month.
	if at(t, inv.Items[0], "number") != "SBX-1003" || at(t, inv.Items[1], "amount_paid") != 50.0 || at(t, inv.Items[2], "number") != "SBX-1001" {
		t.Errorf("invoices %s", inv.Items)
	}
	id := at(t, inv.Items[0], "id").(string)
	one := must(a.c.GetInvoice(a.ctx, a.tok, id))(t)
	if len(at(t, one.Raw, "lines").([]any)) != 1 || at(t, one.Raw, "subscription_id") != 1001.0 {
		t.Errorf("invoice %s", one.Raw)
	}
	pdf := must(a.c.InvoicePDF(a.ctx, a.tok, id))(t)
	if u := at(t, pdf.Raw, "pdf_url").(string); !strings.HasPrefix(u, "https://invoices.sandbox.invalid/"+id) {
		t.Errorf("pdf %s", pdf.Raw)
	}
	_, err := a.c.GetInvoice(a.ctx, a.tok, "in_nope")
	wantAPIError(t, err, 404, "not_found")
	_, err = a.c.InvoicePDF(a.ctx, a.tok, id+" x")
	wantAPIError(t, err, 404, "not_found")
	_, err = a.c.ListInvoices(a.ctx, a.login("wallet:read"))
	wantAPIError(t, err, 403, "insufficient_scope")
}

func TestPaymentMethods(t *testing.T) {
	a := newAcct(t)
	mc := "pm_sandbox_mastercard_4444"
	res, err := a.c.AddPaymentMethod(a.ctx, a.tok, "pm-1", upstream.AddPaymentMethodRequest{PaymentMethodID: mc, MakeDefault: ptr(false)})
	if err != nil || res.Status != 201 {
		t.Fatalf("add: %v", err)
	}
	list := must(a.c.ListPaymentMethods(a.ctx, a.tok))(t).Data
	if len(list.Items) != 2 || at(t, list.Items[0], "is_default") != true || at(t, list.Items[1], "is_default") != false {
		t.Errorf("list %s", list.Items)
	}
	must(a.c.SetDefaultPaymentMethod(a.ctx, a.tok, "pm-2", mc))(t)
	if ov := must(a.c.BillingOverview(a.ctx, a.tok))(t); at(t, ov.Raw, "default_payment_method") != mc {
		t.Errorf("default %v", at(t, ov.Raw, "default_payment_method"))
	}
	rm := must(a.c.RemovePaymentMethod(a.ctx, a.tok, "pm-3", mc))(t)
	if at(t, rm.Raw, "default_payment_method") != "pm_sandbox_visa_4242" {
		t.Errorf("after removing the default: %s", rm.Raw)
	}
	_, err = a.c.RemovePaymentMethod(a.ctx, a.tok, "pm-4", mc)
	wantAPIError(t, err, 404, "not_found")
	_, err = a.c.SetDefaultPaymentMethod(a.ctx, a.tok, "pm-5", "pm_nope")
	wantAPIError(t, err, 404, "not_found")
	for _, id := range []string{"pm_nope", "4242 4242 4242 4242", "tok_visa"} {
		_, err = a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: id})
		if ae := wantAPIError(t, err, 422, "validation_error"); ae.Details["payment_method_id"] == nil || strings.Contains(ae.Error(), "4242 4242") {
			t.Errorf("%s: %v", id, ae)
		}
	}
	if code, out := a.rawPost("/billing/payment-methods", `{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"}`); code != 422 || strings.Contains(out, "4242424242424242") {
		t.Errorf("card data: %d %s", code, out)
	}
}

func TestBillingInfo(t *testing.T) {
	a := newAcct(t)
	info := must(a.c.BillingInfo(a.ctx, a.tok))(t)
	if at(t, info.Raw, "address_country") != "US" || at(t, info.Raw, "tax_id") != nil {
		t.Errorf("info %s", info.Raw)
	}
	for _, u := range []upstream.BillingInfoUpdate{
		{TaxID: ptr("DE123456789")},
		{AddressCountry: ptr("usa")},
		{Email: ptr("not-an-email")},
		{TaxID: ptr("DE1"), TaxIDType: ptr("de_vat")},
	} {
		_, err := a.c.UpdateBillingInfo(a.ctx, a.tok, "", u)
		wantAPIError(t, err, 422, "validation_error")
	}
	res := must(a.c.UpdateBillingInfo(a.ctx, a.tok, "bi-1", upstream.BillingInfoUpdate{TaxID: ptr("DE123456789"), TaxIDType: ptr("eu_vat"),
		AddressCountry: ptr("DE"), AddressLine2: ptr("")}))(t)
	if at(t, res.Raw, "tax_id_type") != "eu_vat" || at(t, res.Raw, "address_country") != "DE" || at(t, res.Raw, "name") != "Demo User" {
		t.Errorf("updated %s", res.Raw)
	}
	if got := must(a.c.BillingInfo(a.ctx, a.tok))(t); at(t, got.Raw, "tax_id") != "DE123456789" {
		t.Errorf("not kept: %s", got.Raw)
	}
}

func TestBillingRateLimit(t *testing.T) {
	a := newAcct(t, func(o *sandbox.Options) { o.DisableRateLimit = false; o.BillingLimit = 3 })
	for i := 0; i < 3; i++ {
		must(a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: "pm_sandbox_mastercard_4444"}))(t)
	}
	_, err := a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: "pm_sandbox_mastercard_4444"})
	if ae := wantAPIError(t, err, 429, "rate_limited"); ae.RateLimit.Limit != 3 {
		t.Errorf("limit header %+v", ae.RateLimit)
	}
	// Reads are not under agent-billing.
	must(a.c.ListPaymentMethods(a.ctx, a.tok))(t)
	a.clock.Advance(61e9)
	must(a.c.AddPaymentMethod(a.ctx, a.tok, "", upstream.AddPaymentMethodRequest{PaymentMethodID: "pm_sandbox_mastercard_4444"}))(t)
}
