package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// subscriptionsTool declares agent-subscriptions: every action with its parameter rules and handler.
func subscriptionsTool() ToolSpec {
	return ToolSpec{
		Name: "agent-subscriptions", Toolset: "subscriptions", Title: "Agent subscriptions",
		Description: `The logged-in ModelsLab account's plans and subscriptions.
"list-plans" (plan ids and prices), "list" (subscription_id of each) and "status" (subscription_id) read.
MOVES MONEY: "create" (plan_id; with payment_method_id that card is charged at once; without, the person pays on a Stripe Checkout page, which the server opens and confirms itself where the client can open a URL), "update" (subscription_id, new_plan_id), "pause", "resume", "reset-cycle" (charges now) and "fix-payment" (subscription_id), "charge-amount" (amount 5-10000 USD), "confirm-checkout" (session_id of a paid Checkout page). The person is asked first where the client can ask; a single charge above the server's --max-charge (a plan's price included) is refused.
Never pass card numbers: they are refused. A request that got no answer is repeated safely with the idempotency_key its error names.
Needs a logged-in session (agent-auth login) with the subscriptions:read or subscriptions:write scope.`,
		Params: map[string]ParamSpec{
			"subscription_id":   {Hint: "pass the numeric id from the list action"},
			"plan_id":           {Hint: "pass a plan id from the list-plans action"},
			"new_plan_id":       {Hint: "pass a plan id from the list-plans action"},
			"payment_method_id": pmParam,
			"idempotency_key":   idemParam,
			"session_id":        {Hint: "pass the session_id that create or agent-billing payment-link returned"},
		},
		Actions: []ActionSpec{
			{Name: "list-plans", ReadOnly: true, NeedsToken: true, Handler: subsListPlans},
			{Name: "list", ReadOnly: true, NeedsToken: true, Handler: subsList},
			{Name: "create", Required: []string{"plan_id"}, Optional: []string{"payment_method_id", "success_url", "cancel_url", "idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{PlanCeiling: "plan_id", skipConfirm: paysOnCheckout}, Confirm: confirmSubscribe, Handler: subsCreate},
			{Name: "update", Required: []string{"subscription_id", "new_plan_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{PlanCeiling: "new_plan_id"}, Confirm: confirmChangePlan, Handler: subsUpdate},
			{Name: "pause", Required: []string{"subscription_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{}, Confirm: confirmPause, Handler: subsPause},
			{Name: "resume", Required: []string{"subscription_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{SubscriptionCeiling: "subscription_id"}, Confirm: confirmResume, Handler: subsResume},
			{Name: "reset-cycle", Required: []string{"subscription_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{SubscriptionCeiling: "subscription_id"}, Confirm: confirmResetCycle, Handler: subsResetCycle},
			{Name: "charge-amount", Required: []string{"amount"}, Optional: []string{"plan_category", "stripe_subscription_id", "idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{Ceiling: "amount"}, Confirm: confirmChargeAmount, Handler: subsChargeAmount},
			{Name: "fix-payment", Required: []string{"subscription_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{SubscriptionCeiling: "subscription_id"}, Confirm: confirmFixPayment, Handler: subsFixPayment},
			{Name: "status", Required: []string{"subscription_id"}, ReadOnly: true, NeedsToken: true, Ours: true, Handler: subsStatus},
			{Name: "confirm-checkout", Required: []string{"session_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true, Ours: true,
				Money: &MoneySpec{}, Confirm: confirmSubscriptionCheckout, Handler: subsConfirmCheckout},
		},
	}
}

func subsListPlans(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ListPlans(ctx, c.token))
}

func subsList(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ListSubscriptions(ctx, c.token))
}

func subsCreate(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	res, err := c.client.CreateSubscription(ctx, c.token, c.idem, upstream.SubscriptionCreate{
		PlanID: a.Int("plan_id"), PaymentMethodID: a.StringPtr("payment_method_id"),
		SuccessURL: a.StringPtr("success_url"), CancelURL: a.StringPtr("cancel_url"),
	})
	return c.checkoutOutcome(ctx, res, err, checkoutSubscription, "Subscribe to "+c.planText(ctx, a.Int("plan_id")))
}

func subsUpdate(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.UpdateSubscription(ctx, c.token, c.idem, c.args.Int("subscription_id"), c.args.Int("new_plan_id")))
}

func subsPause(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.PauseSubscription(ctx, c.token, c.idem, c.args.Int("subscription_id")))
}

func subsResume(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.ResumeSubscription(ctx, c.token, c.idem, c.args.Int("subscription_id")))
}

func subsResetCycle(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.ResetSubscriptionCycle(ctx, c.token, c.idem, c.args.Int("subscription_id")))
}

func subsChargeAmount(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return c.fromMoney(c.client.ChargeAmount(ctx, c.token, c.idem, upstream.ChargeAmountRequest{
		Amount: a.Float("amount"), PlanCategory: a.StringPtr("plan_category"), StripeSubscriptionID: a.StringPtr("stripe_subscription_id"),
	}))
}

func subsFixPayment(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.FixSubscriptionPayment(ctx, c.token, c.idem, c.args.Int("subscription_id")))
}

func subsStatus(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.SubscriptionStatus(ctx, c.token, c.args.Int("subscription_id")))
}

func subsConfirmCheckout(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.ConfirmSubscriptionCheckout(ctx, c.token, c.idem, c.args.String("session_id")))
}
