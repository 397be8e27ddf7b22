package upstream

import (
	"context"
	"encoding/json"
)

// Every mutation here takes idem, the Idempotency-Key to send (the caller
// makes one up, or repeats the one of a request that got no answer), and is
// never retried (see Client.do).

// PaymentLinkRequest is the body of POST /billing/payment-link.
type PaymentLinkRequest struct {
	// Purpose is "fund" or "subscribe".
	Purpose string `json:"purpose"`
	// Amount is USD, for fund.
	Amount *float64 `json:"amount,omitempty"`
	// PlanID is the plan, for subscribe.
	PlanID *int64 `json:"plan_id,omitempty"`
}

// AddPaymentMethodRequest is the body of POST /billing/payment-methods.
type AddPaymentMethodRequest struct {
	// PaymentMethodID is a card tokenised with Stripe (pm_…): never card data.
	PaymentMethodID string `json:"payment_method_id"`
	// MakeDefault is true upstream when not sent.
	MakeDefault *bool `json:"make_default,omitempty"`
}

// BillingInfoUpdate is the body of PUT /billing/info. Nil fields are not sent.
type BillingInfoUpdate struct {
	Name              *string `json:"name,omitempty"`
	Email             *string `json:"email,omitempty"`
	TaxID             *string `json:"tax_id,omitempty"`
	TaxIDType         *string `json:"tax_id_type,omitempty"`
	AddressLine1      *string `json:"address_line1,omitempty"`
	AddressLine2      *string `json:"address_line2,omitempty"`
	AddressCity       *string `json:"address_city,omitempty"`
	AddressState      *string `json:"address_state,omitempty"`
	AddressPostalCode *string `json:"address_postal_code,omitempty"`
	AddressCountry    *string `json:"address_country,omitempty"`
}

// BillingOverview reads the wallet summary, cards, subscriptions and invoice
// count (GET /billing/overview).
func (c *Client) BillingOverview(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epBillingOverview, path: "/billing/overview", token: tok}, passOn)
}

// StripeConfig reads Stripe's publishable key (not a secret) and how to
// tokenise a card (GET /billing/stripe-config).
func (c *Client) StripeConfig(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epStripeConfig, path: "/billing/stripe-config", token: tok}, passOn)
}

// CreateSetupIntent starts saving a card with 3-D Secure (POST /billing/setup-intent).
func (c *Client) CreateSetupIntent(ctx context.Context, tok Token, idem string) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epSetupIntent, "/billing/setup-intent", idem, tok, nil), passOn)
}

// CreatePaymentLink makes a Stripe Checkout page for a person to pay on
// (POST /billing/payment-link).
func (c *Client) CreatePaymentLink(ctx context.Context, tok Token, idem string, r PaymentLinkRequest) (*Result[Checkout], error) {
	return send(ctx, c, moneyRequest(epPaymentLink, "/billing/payment-link", idem, tok, r), readCheckout)
}

// ListPaymentMethods lists the saved cards (GET /billing/payment-methods).
func (c *Client) ListPaymentMethods(ctx context.Context, tok Token) (*Result[List], error) {
	return send(ctx, c, request{ep: epListPaymentMethods, path: "/billing/payment-methods", token: tok}, readListAnswer)
}

// AddPaymentMethod attaches a card tokenised with Stripe (POST /billing/payment-methods).
func (c *Client) AddPaymentMethod(ctx context.Context, tok Token, idem string, r AddPaymentMethodRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epAddPaymentMethod, "/billing/payment-methods", idem, tok, r), passOn)
}

// SetDefaultPaymentMethod makes a saved card the default (PUT /billing/payment-methods/{id}/default).
func (c *Client) SetDefaultPaymentMethod(ctx context.Context, tok Token, idem, pmID string) (*Result[json.RawMessage], error) {
	path, err := strPath("/billing/payment-methods/", "payment_method_id", pmID, "/default")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, moneyRequest(epSetDefaultPayment, path, idem, tok, nil), passOn)
}

// RemovePaymentMethod detaches a saved card (DELETE /billing/payment-methods/{id}).
func (c *Client) RemovePaymentMethod(ctx context.Context, tok Token, idem, pmID string) (*Result[json.RawMessage], error) {
	path, err := strPath("/billing/payment-methods/", "payment_method_id", pmID, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, moneyRequest(epRemovePaymentMethod, path, idem, tok, nil), passOn)
}

// BillingInfo reads the billing profile (GET /billing/info).
func (c *Client) BillingInfo(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epBillingInfo, path: "/billing/info", token: tok}, passOn)
}

// UpdateBillingInfo changes the billing profile (PUT /billing/info).
func (c *Client) UpdateBillingInfo(ctx context.Context, tok Token, idem string, r BillingInfoUpdate) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epUpdateBillingInfo, "/billing/info", idem, tok, r), passOn)
}

// ListInvoices lists invoices (GET /billing/invoices); page, when given and
// positive, asks for that page.
func (c *Client) ListInvoices(ctx context.Context, tok Token, page ...int64) (*Result[List], error) {
	return send(ctx, c, request{ep: epListInvoices, path: "/billing/invoices", token: tok, query: pageQuery(page)}, readListAnswer)
}

// GetInvoice reads one invoice (GET /billing/invoices/{id}); id is in_….
func (c *Client) GetInvoice(ctx context.Context, tok Token, id string) (*Result[json.RawMessage], error) {
	path, err := strPath("/billing/invoices/", "invoice_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epGetInvoice, path: path, token: tok}, passOn)
}

// InvoicePDF reads an invoice's PDF and receipt URLs (GET /billing/invoices/{id}/pdf).
func (c *Client) InvoicePDF(ctx context.Context, tok Token, id string) (*Result[json.RawMessage], error) {
	path, err := strPath("/billing/invoices/", "invoice_id", id, "/pdf")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epInvoicePDF, path: path, token: tok}, passOn)
}
