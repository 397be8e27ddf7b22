package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// walletTool declares agent-wallet: every action with its parameter rules and handler.
func walletTool() ToolSpec {
	return ToolSpec{
		Name: "agent-wallet", Toolset: "wallet", Title: "Agent wallet",
		Description: `The logged-in ModelsLab account's prepaid wallet: balance, ledger, top-ups, auto-funding, coupons.
"balance", "transactions" (type credit or debit, limit 1-200, offset), "validate-coupon" and "payment-status" (payment_intent_id) read.
MOVES MONEY: "fund" (amount in USD; with payment_method_id that card is charged at once; without, the person pays on a Stripe Checkout page, which the server opens and confirms itself where the client can open a URL), "withdraw" (amount), "auto-funding" (auto_charge_amount >= 5 whenever the balance falls below charge_threshold >= 1), "disable-auto-funding", "redeem-coupon" (coupon_code) and "confirm-checkout" (session_id of a paid Checkout page). The person is asked first where the client can ask; a single charge above the server's --max-charge is refused.
Never pass card numbers: they are refused. A request that got no answer is repeated safely with the idempotency_key its error names.
Needs a logged-in session (agent-auth login) with the wallet:read or wallet:write scope.`,
		Params: map[string]ParamSpec{
			"payment_method_id": pmParam,
			"idempotency_key":   idemParam,
			"session_id":        {Hint: "pass the session_id that fund or agent-billing payment-link returned"},
			"payment_intent_id": {Hint: "pass the payment_intent_id of a fund, decline or 3-D Secure answer, e.g. pi_..."},
		},
		Actions: []ActionSpec{
			{Name: "fund", Required: []string{"amount"}, Optional: []string{"payment_method_id", "idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{Ceiling: "amount", skipConfirm: paysOnCheckout}, Confirm: confirmFund, Handler: walletFund},
			{Name: "auto-funding", Required: []string{"auto_charge_amount", "charge_threshold"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{Ceiling: "auto_charge_amount"}, Confirm: confirmAutoFunding, Handler: walletAutoFunding},
			{Name: "disable-auto-funding", Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{}, Confirm: confirmDisableAutoFunding, Handler: walletDisableAutoFunding},
			{Name: "withdraw", Required: []string{"amount"}, Optional: []string{"idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{Ceiling: "amount"}, Confirm: confirmWithdraw, Handler: walletWithdraw},
			{Name: "validate-coupon", Required: []string{"coupon_code"}, Optional: []string{"purchase_amount"}, ReadOnly: true, NeedsToken: true, Handler: walletValidateCoupon},
			{Name: "redeem-coupon", Required: []string{"coupon_code"}, Optional: []string{"purchase_amount", "payment_method_id", "idempotency_key"}, NeedsToken: true,
				Money: &MoneySpec{Ceiling: "purchase_amount"}, Confirm: confirmRedeemCoupon, Handler: walletRedeemCoupon},
			{Name: "balance", ReadOnly: true, NeedsToken: true, Ours: true, Handler: walletBalance},
			{Name: "transactions", Optional: []string{"type", "limit", "offset"}, ReadOnly: true, NeedsToken: true, Ours: true, Handler: walletTransactions},
			{Name: "confirm-checkout", Required: []string{"session_id"}, Optional: []string{"idempotency_key"}, NeedsToken: true, Ours: true,
				Money: &MoneySpec{}, Confirm: confirmWalletCheckout, Handler: walletConfirmCheckout},
			{Name: "payment-status", Required: []string{"payment_intent_id"}, ReadOnly: true, NeedsToken: true, Ours: true, Handler: walletPaymentStatus},
		},
	}
}

// paysOnCheckout: fund or create without a card charges nothing by itself;
// the person pays, or not, on Stripe's page, which is their confirmation.
func paysOnCheckout(c *call) bool { return !c.args.Has("payment_method_id") }

// alwaysOnCheckout: a payment link is only ever paid by the person on the page.
func alwaysOnCheckout(*call) bool { return true }

func walletFund(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	res, err := c.client.FundWallet(ctx, c.token, c.idem, upstream.FundRequest{Amount: a.Float("amount"), PaymentMethodID: a.StringPtr("payment_method_id")})
	return c.checkoutOutcome(ctx, res, err, checkoutWallet, "Pay "+usd(a.Float("amount"))+" into the ModelsLab wallet")
}

func walletAutoFunding(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.SetAutoFunding(ctx, c.token, c.idem, upstream.AutoFundingRequest{
		AutoChargeAmount: c.args.Float("auto_charge_amount"), ChargeThreshold: c.args.Float("charge_threshold"),
	}))
}

func walletDisableAutoFunding(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.DisableAutoFunding(ctx, c.token, c.idem))
}

func walletWithdraw(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.Withdraw(ctx, c.token, c.idem, c.args.Float("amount")))
}

func walletValidateCoupon(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ValidateCoupon(ctx, c.token, upstream.CouponQuery{
		CouponCode: c.args.String("coupon_code"), PurchaseAmount: c.args.FloatPtr("purchase_amount"),
	}))
}

func walletRedeemCoupon(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return c.fromMoney(c.client.RedeemCoupon(ctx, c.token, c.idem, upstream.RedeemCouponRequest{
		CouponCode: a.String("coupon_code"), PurchaseAmount: a.FloatPtr("purchase_amount"), PaymentMethodID: a.StringPtr("payment_method_id"),
	}))
}

func walletBalance(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.WalletBalance(ctx, c.token))
}

func walletTransactions(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	out, err := fromList(c.client.WalletTransactions(ctx, c.token, upstream.WalletTransactionsQuery{
		Type: a.String("type"), Limit: a.Int("limit"), Offset: a.Int("offset"),
	}))
	if err == nil && out.list != nil && out.list.Total != nil && a.Int("offset")+int64(out.list.Count) < *out.list.Total && out.list.Count > 0 {
		// This list pages by offset, not by page.
		out.notes = append(out.notes, "More transactions: call transactions again with offset "+
			itoa(a.Int("offset")+int64(out.list.Count))+" for the next ones.")
	}
	return out, err
}

func walletConfirmCheckout(ctx context.Context, c *call) (*outcome, error) {
	return c.fromMoney(c.client.ConfirmWalletCheckout(ctx, c.token, c.idem, c.args.String("session_id")))
}

func walletPaymentStatus(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.PaymentStatus(ctx, c.token, c.args.String("payment_intent_id")))
}
