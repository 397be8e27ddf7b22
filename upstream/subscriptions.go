package upstream

import (
	"context"
	"encoding/json"
)

// SubscriptionCreate is the body of POST /subscriptions.
type SubscriptionCreate struct {
	PlanID int64 `json:"plan_id"`
	// PaymentMethodID, when set, subscribes at once with that card; without it
	// the answer is a Checkout URL (checkout_url) for a person.
	PaymentMethodID *string `json:"payment_method_id,omitempty"`
	// SuccessURL and CancelURL are where Checkout sends the person afterwards.
	SuccessURL *string `json:"success_url,omitempty"`
	CancelURL  *string `json:"cancel_url,omitempty"`
}

// ChargeAmountRequest is the body of POST /subscriptions/charge-amount (body
// guessed from the hosted tool's parameters).
type ChargeAmountRequest struct {
	// Amount is USD 5-10000.
	Amount               float64 `json:"amount"`
	PlanCategory         *string `json:"plan_category,omitempty"`
	StripeSubscriptionID *string `json:"stripe_subscription_id,omitempty"`
}

type newPlanBody struct {
	NewPlanID int64 `json:"new_plan_id"`
}

// ListPlans reads the plans and pay-as-you-go terms (GET /subscriptions/plans):
// data {subscription_plans: [...], pay_as_you_go: {...}, count}.
func (c *Client) ListPlans(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epListPlans, path: "/subscriptions/plans", token: tok}, passOn)
}

// ListSubscriptions lists addon, enterprise and normal subscriptions (GET /subscriptions).
func (c *Client) ListSubscriptions(ctx context.Context, tok Token) (*Result[List], error) {
	return send(ctx, c, request{ep: epListSubscriptions, path: "/subscriptions", token: tok}, readListAnswer)
}

// CreateSubscription subscribes to a plan: with a card at once, else through
// a Checkout page (POST /subscriptions).
func (c *Client) CreateSubscription(ctx context.Context, tok Token, idem string, r SubscriptionCreate) (*Result[Checkout], error) {
	return send(ctx, c, moneyRequest(epCreateSubscription, "/subscriptions", idem, tok, r), readCheckout)
}

// ConfirmSubscriptionCheckout starts the subscription once the person has
// paid on the Checkout page (POST /subscriptions/confirm-checkout).
// Before that it answers as ConfirmWalletCheckout does.
func (c *Client) ConfirmSubscriptionCheckout(ctx context.Context, tok Token, idem, sessionID string) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epConfirmSubscriptionCkt, "/subscriptions/confirm-checkout", idem, tok, sessionBody{sessionID}), passOn)
}

// SubscriptionStatus reads a subscription's status (GET /subscriptions/{id}/status).
func (c *Client) SubscriptionStatus(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/subscriptions/", "subscription_id", id, "/status")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epSubscriptionStatus, path: path, token: tok}, passOn)
}

// UpdateSubscription changes the plan (PUT /subscriptions/{id}).
func (c *Client) UpdateSubscription(ctx context.Context, tok Token, idem string, id, newPlanID int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/subscriptions/", "subscription_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, moneyRequest(epUpdateSubscription, path, idem, tok, newPlanBody{newPlanID}), passOn)
}

// PauseSubscription pauses a subscription (POST /subscriptions/{id}/pause).
func (c *Client) PauseSubscription(ctx context.Context, tok Token, idem string, id int64) (*Result[json.RawMessage], error) {
	return c.subscriptionAction(ctx, tok, idem, id, epPauseSubscription, "/pause")
}

// ResumeSubscription resumes a paused subscription (POST /subscriptions/{id}/resume).
func (c *Client) ResumeSubscription(ctx context.Context, tok Token, idem string, id int64) (*Result[json.RawMessage], error) {
	return c.subscriptionAction(ctx, tok, idem, id, epResumeSubscription, "/resume")
}

// ResetSubscriptionCycle resets the billing cycle anchor, which charges now
// (POST /subscriptions/{id}/reset-cycle).
func (c *Client) ResetSubscriptionCycle(ctx context.Context, tok Token, idem string, id int64) (*Result[json.RawMessage], error) {
	return c.subscriptionAction(ctx, tok, idem, id, epResetSubscriptionCycle, "/reset-cycle")
}

// FixSubscriptionPayment retries a failed payment (POST /subscriptions/{id}/fix-payment).
func (c *Client) FixSubscriptionPayment(ctx context.Context, tok Token, idem string, id int64) (*Result[json.RawMessage], error) {
	return c.subscriptionAction(ctx, tok, idem, id, epFixSubscriptionPayment, "/fix-payment")
}

// ChargeAmount charges an amount against a subscription (POST /subscriptions/charge-amount).
func (c *Client) ChargeAmount(ctx context.Context, tok Token, idem string, r ChargeAmountRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epChargeAmount, "/subscriptions/charge-amount", idem, tok, r), passOn)
}

// subscriptionAction is a bodiless POST /subscriptions/{id}/<suffix>.
func (c *Client) subscriptionAction(ctx context.Context, tok Token, idem string, id int64, ep *Endpoint, suffix string) (*Result[json.RawMessage], error) {
	path, err := idPath("/subscriptions/", "subscription_id", id, suffix)
	if err != nil {
		return nil, err
	}
	return send(ctx, c, moneyRequest(ep, path, idem, tok, nil), passOn)
}
