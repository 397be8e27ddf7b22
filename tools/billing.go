package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// billingTool declares agent-billing: every action with its parameter rules and handler.
func billingTool() ToolSpec {
	return ToolSpec{
		Name: "agent-billing", Toolset: "billing", Title: "Agent billing",
		Description: `Read and change how the logged-in ModelsLab account pays: cards, billing profile, invoices, and Stripe Checkout links.
"overview", "payment-methods", "billing-info", "invoices", "invoice-detail" and "invoice-pdf" (invoice_id) read; "update-billing-info" changes the profile (tax_id_type only with tax_id).
MOVES MONEY: "add-payment-method", "set-default-payment-method" and "remove-payment-method" (payment_method_id, a pm_... id tokenised with Stripe) change which card pays; the person is asked first where the client can ask.
"payment-link" (purpose fund with amount, or subscribe with plan_id) makes a Stripe Checkout page for the person to pay on; with a client that can open a URL, the server sends them there and confirms the payment itself. "stripe-config" and "setup-intent" help save a card outside this chat.
Never pass card numbers: they are refused. A single charge above the server's --max-charge is refused.
Needs a logged-in session (agent-auth login) with the billing:read or billing:write scope.`,
		Params: map[string]ParamSpec{
			"payment_method_id": pmParam,
			"email":             emailParam,
			"invoice_id":        {Hint: "pass an invoice id from action invoices, e.g. in_..."},
			"idempotency_key":   idemParam,
		},
		Actions: []ActionSpec{
			{Name: "overview", ReadOnly: true, NeedsToken: true, Handler: billingOverview},
			{Name: "payment-methods", ReadOnly: true, NeedsToken: true, Handler: billingPaymentMethods},
			{Name: "add-payment-method", Required: []string{"payment_method_id"}, Optional: []string{"make_default", "idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{}, Confirm: confirmAddCard, Handler: billingAddCard},
			{Name: "set-default-payment-method", Required: []string{"payment_method_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{}, Confirm: confirmDefaultCard, Handler: billingDefaultCard},
			{Name: "remove-payment-method", Required: []string{"payment_method_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{}, Confirm: confirmRemoveCard, Handler: billingRemoveCard},
			{Name: "billing-info", ReadOnly: true, NeedsToken: true, Handler: billingInfo},
			{Name: "update-billing-info", Optional: []string{"name", "email", "tax_id", "tax_id_type", "address_line1", "address_line2",
				"address_city", "address_state", "address_postal_code", "address_country", "idempotency_key"},
				AtLeastOne: true, NeedsToken: true, Check: checkBillingInfo, Handler: billingUpdateInfo},
			{Name: "invoices", Optional: []string{"page"}, ReadOnly: true, NeedsToken: true, Handler: billingInvoices},
			{Name: "invoice-detail", Required: []string{"invoice_id"}, ReadOnly: true, NeedsToken: true, Handler: billingInvoice},
			{Name: "invoice-pdf", Required: []string{"invoice_id"}, ReadOnly: true, NeedsToken: true, Handler: billingInvoicePDF},
			{Name: "stripe-config", ReadOnly: true, NeedsToken: true, Ours: true, Handler: billingStripeConfig},
			{Name: "setup-intent", Optional: []string{"idempotency_key"}, NeedsToken: true, Ours: true, Handler: billingSetupIntent},
			{Name: "payment-link", Required: []string{"purpose"}, Optional: []string{"amount", "plan_id", "idempotency_key"}, NeedsToken: true, Ours: true,
				Check: checkPaymentLink, Money: &MoneySpec{Ceiling: "amount", PlanCeiling: "plan_id", skipConfirm: alwaysOnCheckout}, Handler: billingPaymentLink},
		},
	}
}

// Parameter rules of the money tools.
var (
	pmParam   = ParamSpec{Form: "a saved card's id, pm_ followed by letters, digits or _", Hint: "pass a pm_... id from agent-billing payment-methods; card numbers are never accepted"}
	idemParam = ParamSpec{Form: "letters, digits, . _ : or -, starting with a letter or digit", Hint: "omit it; give it only to repeat a request with the key its error named"}
)

// checkBillingInfo: the docs take tax_id_type only together with tax_id.
func checkBillingInfo(a *Args) error {
	if a.Has("tax_id_type") && !a.Has("tax_id") {
		return &InputError{Tool: "agent-billing", Action: a.Action(), Param: "tax_id_type",
			Problem: "is only taken together with tax_id", Hint: "give tax_id too, or leave tax_id_type out"}
	}
	return nil
}

// checkPaymentLink: amount for fund, plan_id for subscribe, as documented.
func checkPaymentLink(a *Args) error {
	e := func(param, problem, hint string) error {
		return &InputError{Tool: "agent-billing", Action: "payment-link", Param: param, Problem: problem, Hint: hint}
	}
	switch a.String("purpose") {
	case "fund":
		if !a.Has("amount") {
			return e("amount", "is required with purpose fund", "give the top-up in USD, e.g. 25")
		}
		if a.Has("plan_id") {
			return e("plan_id", "is for purpose subscribe, not fund", "leave it out, or use purpose subscribe")
		}
	case "subscribe":
		if !a.Has("plan_id") {
			return e("plan_id", "is required with purpose subscribe", "pass a plan id from agent-subscriptions list-plans")
		}
		if a.Has("amount") {
			return e("amount", "is for purpose fund; a subscription costs its plan's price", "leave it out")
		}
	}
	return nil
}

func billingOverview(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.BillingOverview(ctx, c.token))
}

func billingPaymentMethods(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ListPaymentMethods(ctx, c.token))
}

func billingAddCard(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.AddPaymentMethod(ctx, c.token, c.idem, upstream.AddPaymentMethodRequest{
		PaymentMethodID: c.args.String("payment_method_id"), MakeDefault: c.args.BoolPtr("make_default"),
	}))
}

func billingDefaultCard(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.SetDefaultPaymentMethod(ctx, c.token, c.idem, c.args.String("payment_method_id")))
}

func billingRemoveCard(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.RemovePaymentMethod(ctx, c.token, c.idem, c.args.String("payment_method_id")))
}

func billingInfo(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.BillingInfo(ctx, c.token))
}

func billingUpdateInfo(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return c.fromMoney(c.client.UpdateBillingInfo(ctx, c.token, c.idem, upstream.BillingInfoUpdate{
		Name: a.StringPtr("name"), Email: a.StringPtr("email"), TaxID: a.StringPtr("tax_id"), TaxIDType: a.StringPtr("tax_id_type"),
		AddressLine1: a.StringPtr("address_line1"), AddressLine2: a.StringPtr("address_line2"), AddressCity: a.StringPtr("address_city"),
		AddressState: a.StringPtr("address_state"), AddressPostalCode: a.StringPtr("address_postal_code"), AddressCountry: a.StringPtr("address_country"),
	}))
}

func billingInvoices(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ListInvoices(ctx, c.token, c.args.Int("page")))
}

func billingInvoice(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.GetInvoice(ctx, c.token, c.args.String("invoice_id")))
}

func billingInvoicePDF(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.InvoicePDF(ctx, c.token, c.args.String("invoice_id")))
}

func billingStripeConfig(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.StripeConfig(ctx, c.token))
}

func billingSetupIntent(ctx context.Context, c *call) (*outcome, error) {
	out, err := c.fromMoney(c.client.CreateSetupIntent(ctx, c.token, c.idem))
	if err == nil {
		out.notes = append(out.notes, "The SetupIntent saves a card with 3-D Secure in a browser with Stripe.js (publishable key from action stripe-config), outside this chat; the card's pm_... id is then added with action add-payment-method.")
	}
	return out, err
}

func billingPaymentLink(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	res, err := c.client.CreatePaymentLink(ctx, c.token, c.idem, upstream.PaymentLinkRequest{
		Purpose: a.String("purpose"), Amount: a.FloatPtr("amount"), PlanID: a.IntPtr("plan_id"),
	})
	if a.String("purpose") == "subscribe" {
		return c.checkoutOutcome(ctx, res, err, checkoutSubscription, "Pay for "+c.planText(ctx, a.Int("plan_id")))
	}
	return c.checkoutOutcome(ctx, res, err, checkoutWallet, "Pay "+usd(a.Float("amount"))+" into the ModelsLab wallet")
}
