package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// WalletTransactionsQuery is the query of GET /wallet/transactions. Zero
// fields are not sent.
type WalletTransactionsQuery struct {
	// Type is "credit" or "debit".
	Type string
	// Limit is at most 200 (the upstream's default 50); Offset skips items.
	Limit, Offset int64
}

func (q WalletTransactionsQuery) values() url.Values {
	v := url.Values{}
	setQuery(v, "type", q.Type)
	setQueryInt(v, "limit", q.Limit)
	setQueryInt(v, "offset", q.Offset)
	return v
}

// FundRequest is the body of POST /wallet/fund.
type FundRequest struct {
	// Amount is USD.
	Amount float64 `json:"amount"`
	// PaymentMethodID, when set, charges that card at once; without it the
	// answer is a Checkout URL for a person.
	PaymentMethodID *string `json:"payment_method_id,omitempty"`
}

// AutoFundingRequest is the body of PUT /wallet/auto-funding.
type AutoFundingRequest struct {
	// AutoChargeAmount (≥ 5) is charged when the balance falls below
	// ChargeThreshold (≥ 1), both USD.
	AutoChargeAmount float64 `json:"auto_charge_amount"`
	ChargeThreshold  float64 `json:"charge_threshold"`
}

// CouponQuery is what GET /wallet/coupons/validate takes.
type CouponQuery struct {
	CouponCode     string   `json:"coupon_code"`
	PurchaseAmount *float64 `json:"purchase_amount,omitempty"`
}

// RedeemCouponRequest is the body of POST /wallet/coupons/redeem.
type RedeemCouponRequest struct {
	CouponCode      string   `json:"coupon_code"`
	PurchaseAmount  *float64 `json:"purchase_amount,omitempty"`
	PaymentMethodID *string  `json:"payment_method_id,omitempty"`
}

type sessionBody struct {
	SessionID string `json:"session_id"`
}

type amountBody struct {
	Amount float64 `json:"amount"`
}

// WalletBalance reads the balance and currency (GET /wallet/balance).
func (c *Client) WalletBalance(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epWalletBalance, path: "/wallet/balance", token: tok}, passOn)
}

// WalletTransactions lists the wallet's ledger (GET /wallet/transactions).
func (c *Client) WalletTransactions(ctx context.Context, tok Token, q WalletTransactionsQuery) (*Result[List], error) {
	return send(ctx, c, request{ep: epWalletTransactions, path: "/wallet/transactions", token: tok, query: q.values()}, readListAnswer)
}

// FundWallet tops the wallet up: with a card at once, else through a Checkout
// page (POST /wallet/fund).
func (c *Client) FundWallet(ctx context.Context, tok Token, idem string, r FundRequest) (*Result[Checkout], error) {
	return send(ctx, c, moneyRequest(epFundWallet, "/wallet/fund", idem, tok, r), readCheckout)
}

// ConfirmWalletCheckout credits the wallet once the person has paid on the
// Checkout page (POST /wallet/confirm-checkout). Before that the answer is
// not done: poll. (The sandbox answers 202 with data.status "pending" and
// keeps no replay for it, so polling with one key works; a cancelled session
// is a 409 checkout_canceled, an expired one 409 checkout_expired; a second
// confirm of a completed session is a 200 with already_confirmed true.)
func (c *Client) ConfirmWalletCheckout(ctx context.Context, tok Token, idem, sessionID string) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epConfirmWalletCheckout, "/wallet/confirm-checkout", idem, tok, sessionBody{sessionID}), passOn)
}

// SetAutoFunding turns automatic top-ups on or changes them (PUT /wallet/auto-funding).
func (c *Client) SetAutoFunding(ctx context.Context, tok Token, idem string, r AutoFundingRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epSetAutoFunding, "/wallet/auto-funding", idem, tok, r), passOn)
}

// DisableAutoFunding turns automatic top-ups off (DELETE /wallet/auto-funding).
func (c *Client) DisableAutoFunding(ctx context.Context, tok Token, idem string) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epDisableAutoFunding, "/wallet/auto-funding", idem, tok, nil), passOn)
}

// Withdraw pays out of the wallet, resellers only (POST /wallet/withdraw).
func (c *Client) Withdraw(ctx context.Context, tok Token, idem string, amount float64) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epWithdraw, "/wallet/withdraw", idem, tok, amountBody{amount}), passOn)
}

// ValidateCoupon says what a coupon would give (GET /wallet/coupons/validate).
// The route list says POST: on a 405 the same question is asked as a POST
// with a JSON body (it changes nothing, so it is not a money mutation).
func (c *Client) ValidateCoupon(ctx context.Context, tok Token, q CouponQuery) (*Result[json.RawMessage], error) {
	v := url.Values{}
	setQuery(v, "coupon_code", q.CouponCode)
	if q.PurchaseAmount != nil {
		v.Set("purchase_amount", amountText(*q.PurchaseAmount))
	}
	res, err := send(ctx, c, request{ep: epValidateCoupon, path: "/wallet/coupons/validate", token: tok, query: v}, passOn)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusMethodNotAllowed {
		return send(ctx, c, request{ep: epValidateCouponPost, path: "/wallet/coupons/validate", token: tok, body: q}, passOn)
	}
	return res, err
}

// RedeemCoupon applies a coupon (POST /wallet/coupons/redeem); a bonus coupon
// may charge purchase_amount to the card.
func (c *Client) RedeemCoupon(ctx context.Context, tok Token, idem string, r RedeemCouponRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, moneyRequest(epRedeemCoupon, "/wallet/coupons/redeem", idem, tok, r), passOn)
}

// PaymentStatus reads a payment's status (GET /payments/{paymentIntentId}/status).
func (c *Client) PaymentStatus(ctx context.Context, tok Token, paymentIntentID string) (*Result[json.RawMessage], error) {
	path, err := strPath("/payments/", "payment_intent_id", paymentIntentID, "/status")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epPaymentStatus, path: path, token: tok}, passOn)
}
