package tools

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Paying through a person (issue 17): fund or subscriptions create without a
// card, and agent-billing payment-link, answer with a Stripe Checkout page.
//
//   - A client that declares URL elicitation is sent the page (one URL
//     elicitation, in either protocol era through mcp-go's input requests);
//     when the person has been there, the same call comes back and the server
//     polls confirm-checkout with the session_id it holds, and answers with
//     the new balance or the subscription. The model never sees a card or
//     handles the session id.
//   - Any other client gets payment_url and the action that confirms it.

// checkoutID keys the URL elicitation in inputRequests and inputResponses.
const checkoutID = "checkout"

// What a Checkout pays for, and so which confirm-checkout credits it.
const (
	checkoutWallet       = "wallet"
	checkoutSubscription = "subscription"
)

// checkoutPoll is how often, and checkoutWait how long at most, the server
// asks confirm-checkout whether the person has paid.
var (
	checkoutPoll = 2 * time.Second
	checkoutWait = 5 * time.Minute
)

// fromMoney turns the answer of a billing, wallet or subscription mutation
// into an outcome: the key it carried, a replay, and a 202 as not done.
func (c *call) fromMoney(res *upstream.Result[json.RawMessage], err error) (*outcome, error) {
	out, err := fromResult(res, err)
	if err != nil {
		return nil, err
	}
	c.moneyNotes(out, res.Replay, res.Status == http.StatusAccepted, paymentIntentOf(res.Raw))
	return out, nil
}

// paymentIntentOf reads data.payment.payment_intent_id or data.payment_intent_id.
func paymentIntentOf(raw json.RawMessage) string {
	var v struct {
		PI      string `json:"payment_intent_id"`
		Payment struct {
			PI string `json:"payment_intent_id"`
		} `json:"payment"`
	}
	_ = json.Unmarshal(raw, &v)
	if v.Payment.PI != "" {
		return v.Payment.PI
	}
	return v.PI
}

// moneyNotes adds what a money answer means beyond its data.
func (c *call) moneyNotes(out *outcome, replay, requiresAction bool, pi string) {
	out.money = &moneyOut{idemKey: c.idem}
	if replay {
		out.money.replay = true
		out.notes = append(out.notes, "Replay: ModelsLab answered with its first answer to this idempotency_key; nothing was done or charged a second time.")
	}
	if !requiresAction {
		return
	}
	done := false
	out.money.done = &done
	// The client secret confirms the payment with Stripe: not for the chat.
	out.data, _ = maskFields(out.data, "client_secret")
	step := "NOT DONE: the card needs 3-D Secure (the bank's own check), so nothing was charged or changed yet. The person must complete it on modelslab.com/pricing, as ModelsLab's message in data says"
	if c.deps.offers("agent-wallet", "fund") {
		step += ", or pay on a Stripe Checkout page instead (agent-wallet fund without payment_method_id)"
	}
	step += "."
	if pi != "" && c.deps.offers("agent-wallet", "payment-status") {
		step += fmt.Sprintf(" Afterwards agent-wallet payment-status with payment_intent_id=%q says whether it went through.", pi)
	}
	out.notes = append([]string{step}, out.notes...)
}

// checkoutOutcome shapes the answer of fund, create or payment-link: charged
// at once, 3-D Secure, or a Checkout page for the person.
func (c *call) checkoutOutcome(ctx context.Context, res *upstream.Result[upstream.Checkout], err error, kind, what string) (*outcome, error) {
	out, err := fromResult(res, err)
	if err != nil {
		return nil, err
	}
	co := res.Data
	c.moneyNotes(out, co.Replay, co.RequiresAction, co.PaymentIntentID)
	if co.RequiresAction || co.URL == "" {
		return out, nil // charged at once with the card, or 3-D Secure
	}
	if !checkoutPageOK(co.URL) {
		// The address comes from the upstream: a javascript:, file: or plain
		// http one (a confused or compromised answer) is neither put to the
		// person nor handed to the model to pass on.
		done := false
		out.money.done = &done
		out.data, _ = maskFields(out.data, "payment_url", "checkout_url", "url")
		out.notes = append([]string{"NOT PAID: ModelsLab answered with a payment page address that is not an https web page, so this server neither opens it nor passes it on; nothing was charged. " +
			"The person can pay on modelslab.com/pricing instead; report the answer's request_id to ModelsLab."}, out.notes...)
		return out, nil
	}
	if co.SessionID == "" {
		out.need("session_id", upstream.KindString, "the Checkout page's session_id could not be read: this server cannot confirm the payment itself")
	}
	if _, urlMode := elicitModes(ctx); urlMode && safeSessionID(co.SessionID) {
		eid := randomLetters(20)
		state := c.checkoutState(kind, co.SessionID, eid)
		msg := what + " on Stripe's Checkout page. Nothing is charged until you press Pay there; afterwards this chat confirms the payment by itself."
		ask := mcpserver.NewInputRequestBuilder(state).
			Elicit(checkoutID, mcp.ElicitationParams{Mode: mcp.ElicitationModeURL, ElicitationID: eid, URL: co.URL, Message: msg}).
			ToolResult()
		return &outcome{result: ask}, nil
	}
	done := false
	out.money.done = &done
	note := "NOT PAID YET: give the person payment_url (in data) to open in their browser and pay on Stripe's Checkout page; nothing is charged until they press Pay there."
	if confirm := c.confirmAction(kind); confirm != "" && co.SessionID != "" {
		note += fmt.Sprintf(" When they say they have paid, call %s with session_id=%q: it answers that the payment is pending until then.", confirm, co.SessionID)
	}
	out.notes = append([]string{note}, out.notes...)
	return out, nil
}

// checkoutPageOK accepts the address of a payment page: https with a host
// and no user info, or http on a loopback address (the sandbox's page).
func checkoutPageOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 4096 || u.User != nil || u.Opaque != "" || u.Hostname() == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		if strings.EqualFold(h, "localhost") {
			return true
		}
		ip, err := netip.ParseAddr(h)
		return err == nil && ip.IsLoopback()
	}
	return false
}

// confirmAction names the published action that confirms a Checkout of
// kind, or "" when this server does not publish it.
func (c *call) confirmAction(kind string) string {
	tool := "agent-wallet"
	if kind == checkoutSubscription {
		tool = "agent-subscriptions"
	}
	if c.deps.offers(tool, "confirm-checkout") {
		return tool + " action confirm-checkout"
	}
	return ""
}

// safeSessionID keeps what goes into a requestState to plain id characters.
func safeSessionID(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

func randomLetters(n int) string {
	r := make([]byte, n)
	if _, err := rand.Read(r); err != nil {
		panic("tools: crypto/rand failed: " + err.Error())
	}
	for i, x := range r {
		r[i] = idemLetters[int(x)%len(idemLetters)]
	}
	return string(r)
}

// The state of a Checkout in progress: "co~kind~session~elicitation~" and a
// signature over them and the call's arguments, valid while the server
// would wait for the payment.
const checkoutStatePrefix = "co~"

func (c *call) checkoutSubject(kind, session, eid string) string {
	return callSubject(c.tool, c.action, c.raw) + "\x00checkout\x00" + kind + "\x00" + session + "\x00" + eid
}

func (c *call) checkoutState(kind, session, eid string) string {
	return checkoutStatePrefix + kind + "~" + session + "~" + eid + "~" + stateSigner{key: c.deps.StateKey}.sign(c.checkoutSubject(kind, session, eid), confirmTTL+checkoutWait)
}

// checkoutResume recognises the second round of a Checkout: the URL
// elicitation's answer with the state this server issued. It returns what
// to run instead of the action (which would create a second page).
func (t *tool) checkoutResume(c *call) (func(context.Context) (*outcome, error), bool) {
	p := c.req.Params
	ans := mcpserver.ElicitationResponse(p.InputResponses, checkoutID)
	if ans == nil || !strings.HasPrefix(p.RequestState, checkoutStatePrefix) {
		return nil, false
	}
	parts := strings.SplitN(strings.TrimPrefix(p.RequestState, checkoutStatePrefix), "~", 4)
	if len(parts) != 4 || (parts[0] != checkoutWallet && parts[0] != checkoutSubscription) ||
		!t.signer.verify(parts[3], c.checkoutSubject(parts[0], parts[1], parts[2])) {
		return func(context.Context) (*outcome, error) {
			return nil, &flowError{kind: "not_available", message: c.tool + " " + c.action + ": that Checkout is no longer followed by this server (expired, or not issued for these arguments); nothing was sent",
				next: "if the person paid, confirm it with the session_id the Checkout page showed them; otherwise call the action again for a new page"}
		}, true
	}
	kind, session, eid := parts[0], parts[1], parts[2]
	if ans.Action != mcp.ElicitationResponseActionAccept {
		return func(context.Context) (*outcome, error) {
			return nil, &notConfirmed{action: ans.Action, what: c.tool + " " + c.action + ": the person did not open Stripe's Checkout page, so nothing was charged"}
		}, true
	}
	return func(ctx context.Context) (*outcome, error) { return c.awaitCheckout(ctx, kind, session, eid) }, true
}

// awaitCheckout polls confirm-checkout until the person has paid, the
// bound passes or the call is cancelled, then answers with the result.
func (c *call) awaitCheckout(ctx context.Context, kind, session, eid string) (*outcome, error) {
	confirm := c.client.ConfirmWalletCheckout
	if kind == checkoutSubscription {
		confirm = c.client.ConfirmSubscriptionCheckout
	}
	later := fmt.Sprintf("the Checkout session is %s", session)
	if a := c.confirmAction(kind); a != "" {
		later = fmt.Sprintf("if the person pays later, call %s with session_id=%q", a, session)
	}
	var token mcp.ProgressToken
	if c.req.Params.Meta != nil {
		token = c.req.Params.Meta.ProgressToken
	}
	srv := mcpserver.ServerFromContext(ctx)
	start := time.Now()
	deadline := start.Add(checkoutWait)
	tick := time.NewTicker(checkoutPoll)
	defer tick.Stop()
	for polls := 1; ; polls++ {
		// A fresh key per poll: a "pending" answer must not be replayed once paid;
		// ModelsLab credits a session once, whatever the key.
		key := newIdempotencyKey("confirm-checkout", nil)
		res, err := confirm(ctx, c.token, key, session)
		var ae *upstream.APIError
		switch {
		case err == nil && res.Status != http.StatusAccepted:
			return c.checkoutDone(ctx, kind, session, eid, res, key)
		case err == nil, errors.As(err, &ae) && ae.Status == http.StatusConflict && strings.Contains(ae.Code, "pending"):
			// Not paid yet (202 pending; some answer 409 ..._pending). A 409
			// canceled or expired ends the wait below, as any other error.
		case ctx.Err() != nil:
			return nil, &flowError{kind: "cancelled", message: c.tool + " " + c.action + ": the call was cancelled while waiting for the payment on Stripe's Checkout page",
				next: later}
		case errors.As(err, &ae) && ae.Status == http.StatusConflict:
			// Cancelled on the page, or expired: nothing was charged.
			return nil, &flowError{kind: "not_confirmed", message: fmt.Sprintf("%s %s: not done: ModelsLab says the Checkout was not paid (%s: %s); nothing was charged",
				c.tool, c.action, ae.Code, ae.Message), next: "tell the person; call " + c.tool + " " + c.action + " again only if they want to pay"}
		default:
			return nil, &stepError{err: err, note: "Waiting for the Checkout payment failed.", next: later}
		}
		if token != nil && srv != nil && !modernRequest(ctx) {
			_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
				"progressToken": token, "progress": int(time.Since(start).Seconds()), "total": int(checkoutWait.Seconds()),
				"message": "waiting for the payment on Stripe's Checkout page",
			})
		}
		if time.Now().After(deadline) {
			return nil, &flowError{kind: "timeout", message: fmt.Sprintf("%s %s: nobody paid on Stripe's Checkout page within %s (asked %d times); nothing was charged that this server knows of",
				c.tool, c.action, checkoutWait, polls), next: later}
		}
		select {
		case <-ctx.Done():
			return nil, &flowError{kind: "cancelled", message: c.tool + " " + c.action + ": the call was cancelled while waiting for the payment on Stripe's Checkout page",
				next: later}
		case <-tick.C:
		}
	}
}

// checkoutResult is the data of a Checkout paid and confirmed.
type checkoutResult struct {
	Status       string          `json:"status"` // paid
	SessionID    string          `json:"session_id"`
	Confirmation json.RawMessage `json:"confirmation"`
	Balance      json.RawMessage `json:"balance,omitempty"`
}

func (c *call) checkoutDone(ctx context.Context, kind, session, eid string, res *upstream.Result[json.RawMessage], key string) (*outcome, error) {
	if !modernRequest(ctx) {
		if srv := mcpserver.ServerFromContext(ctx); srv != nil {
			_ = srv.SendElicitationComplete(ctx, mcpserver.ClientSessionFromContext(ctx), eid)
		}
	}
	d := checkoutResult{Status: "paid", SessionID: session, Confirmation: res.Raw}
	out := &outcome{requestID: res.RequestID, status: res.Status, warnings: res.Warnings, path: res.Path, money: &moneyOut{idemKey: key}}
	if kind == checkoutWallet {
		out.notes = append(out.notes, "Paid on Stripe's Checkout page and confirmed: the wallet was credited; balance is the wallet after it.")
		if b, err := c.client.WalletBalance(ctx, c.token); err == nil {
			d.Balance = b.Raw
			out.warnings = append(out.warnings, b.Warnings...)
		} else {
			out.notes = append(out.notes, "The new balance could not be read ("+err.Error()+"); the payment is confirmed all the same.")
		}
	} else {
		out.notes = append(out.notes, "Paid on Stripe's Checkout page and confirmed: the subscription is in confirmation, as ModelsLab answered.")
	}
	var err error
	out.data, err = json.Marshal(d)
	return out, err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
