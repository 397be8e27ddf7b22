package sandbox

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CheckoutPath is the sandbox's stand-in for a Stripe Checkout page:
// CheckoutPath + <session_id>. A GET shows what is paid for, with a "Pay"
// and a "Cancel" button (a form posted back to the same URL; no card
// fields: the sandbox pays with its test Visa 4242). The session id, random
// and unguessable, is what binds the form to the session.
//
// The session's life and what confirm-checkout answers (decisions):
//   - open (not paid yet): 202 with data.status "pending": nothing was done,
//     ask again later (the answer is not kept for the Idempotency-Key, so
//     polling with one key works);
//   - paid: the wallet is credited (fund) or the subscription starts
//     (subscribe), once; the answer is 200 with status "complete";
//   - complete: a second confirm is 200 again, with already_confirmed true
//     and the same wallet or subscription, and nothing credited twice;
//   - canceled (the person pressed Cancel): 409 checkout_canceled, nothing
//     was charged; expired (24 hours unpaid): 409 checkout_expired;
//   - a session of another account, or unknown: 404; a fund session given
//     to subscriptions confirm-checkout (or the reverse): 422.
const CheckoutPath = "/sandbox/checkout/"

// checkoutTTL is how long a session can be paid (Stripe's default is 24 h).
const checkoutTTL = 24 * time.Hour

// maxOpenSessions caps one account's unpaid sessions.
const maxOpenSessions = 50

type checkoutSession struct {
	id         string
	acct       int64
	purpose    string // fund | subscribe
	amount     float64
	planID     int64
	state      string // open | paid | complete | canceled
	created    time.Time
	expires    time.Time
	successURL string
	cancelURL  string
	payment    string // the payment intent, once paid
	subID      int64  // the subscription it started
}

func (cs *checkoutSession) expired(now time.Time) bool {
	return cs.state == "open" && !now.Before(cs.expires)
}

// newSession opens a Checkout session for the calling account.
func (s *Sandbox) newSession(c *call, purpose string, amount float64, planID int64, success, cancel string) (*checkoutSession, *response) {
	open := 0
	for _, cs := range s.sessions {
		if cs.acct == c.acct.id && cs.state == "open" && !cs.expired(c.now) {
			open++
		}
	}
	if open >= maxOpenSessions {
		r := invalidField("amount", "The account has "+strconv.Itoa(open)+" unpaid Checkout sessions: pay or cancel one first.")
		return nil, &r
	}
	cs := &checkoutSession{id: s.prefixedID("cs_test_", 32), acct: c.acct.id, purpose: purpose, amount: cents(amount), planID: planID,
		state: "open", created: c.now, expires: c.now.Add(checkoutTTL), successURL: success, cancelURL: cancel}
	s.sessions[cs.id] = cs
	return cs, nil
}

// checkoutURL is where a person pays for session id (see Options.CheckoutBase).
func (s *Sandbox) checkoutURL(c *call, id string) string {
	base := ""
	if s.opts.CheckoutBase != nil {
		base = s.opts.CheckoutBase()
	}
	if base == "" {
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		host := c.r.Host
		if host == "" {
			host = "sandbox.invalid"
		}
		base = scheme + "://" + host
	}
	return strings.TrimRight(base, "/") + CheckoutPath + id
}

// confirmCheckout is wallet and subscriptions confirm-checkout.
func (s *Sandbox) confirmCheckout(c *call, purpose string) response {
	v := newValidator(c.body)
	id := v.required("session_id", 255)
	if v.failed() {
		return v.result()
	}
	cs := s.sessions[id]
	if cs == nil || cs.acct != c.acct.id {
		return fail(http.StatusNotFound, "not_found", "No Checkout session "+id+" on this account.", nil)
	}
	if cs.purpose != purpose {
		other := map[string]string{"fund": "wallet confirm-checkout", "subscribe": "subscriptions confirm-checkout"}[cs.purpose]
		return invalidField("session_id", "This session is for "+cs.purpose+": confirm it with "+other+".")
	}
	switch {
	case cs.expired(c.now):
		return fail(http.StatusConflict, "checkout_expired", "The Checkout session expired unpaid: nothing was charged. Start a new one.", nil)
	case cs.state == "canceled":
		return fail(http.StatusConflict, "checkout_canceled", "The person cancelled this Checkout session: nothing was charged. Start a new one to try again.", nil)
	case cs.state == "open":
		return response{status: http.StatusAccepted, transient: true, data: map[string]any{
			"status": "pending", "session_id": cs.id, "payment_status": "unpaid",
			"message": "The person has not paid on the Checkout page yet: confirm again once they have.",
		}}
	}
	out := map[string]any{"status": "complete", "session_id": cs.id, "payment_intent_id": cs.payment, "amount": cs.amount, "currency": currency}
	if cs.state == "complete" {
		out["already_confirmed"] = true
	}
	m := s.moneyOf(c.acct)
	switch purpose {
	case "fund":
		if cs.state == "paid" {
			out["transaction"] = s.ledgerAdd(c.acct, c.now, "credit", cs.amount, "Wallet top-up (Checkout)", "checkout", cs.payment)
			out["message"] = "Added " + usd(cs.amount) + " USD to the wallet."
		} else {
			out["message"] = "This session was already confirmed: the wallet was credited then, not again."
		}
		out["wallet"] = s.walletSummary(c.acct)
	case "subscribe":
		if cs.state == "paid" {
			p, _ := findPlan(cs.planID)
			sub := s.newSubscription(c.acct, c.now, p, "")
			cs.subID = sub.id
			m.discountPct = 0
			s.linkInvoice(c.acct, cs.payment, sub.id)
			out["message"] = "Subscribed to " + p.Name + "."
		} else {
			out["message"] = "This session was already confirmed: the subscription started then."
		}
		if sub := m.findSub(cs.subID); sub != nil {
			out["subscription"] = sub.view()
		}
	}
	cs.state = "complete"
	return ok(out)
}

// checkoutPage is what the page shows.
type checkoutPage struct {
	ID, Email, What, Amount, State, Message, Return string
	Open                                            bool
}

// checkoutHTML renders the page without html/template (see sitePageHTML):
// values go into element text and double-quoted attributes through
// html.EscapeString; the two URL attributes are the session's own path
// (a sandbox-made id) and the return URL, which is linked only when it is an
// absolute http(s) URL, as html/template's URL filter would have it.
func checkoutHTML(p checkoutPage) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Checkout · ModelsLab sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;margin:.5rem 0}button{margin:1rem .5rem 0 0;padding:.6rem 1.2rem}.note{color:#666;font-size:.9rem}
.state{padding:.6rem;background:#f2f2f2}</style></head>
<body><h1>ModelsLab Checkout <small>(sandbox)</small></h1>
`)
	if p.What != "" {
		b.WriteString(`<p>` + e(p.What) + `</p><p class="amount" id="amount">` + e(p.Amount) + ` USD</p><p class="note">Account: ` + e(p.Email) + `</p>`)
	}
	b.WriteString("\n")
	if p.Message != "" {
		b.WriteString(`<p class="state" id="state" role="status" data-state="` + e(p.State) + `">` + e(p.Message) + `</p>`)
	}
	b.WriteString("\n")
	if p.Open {
		b.WriteString(`<form method="post" action="` + e(url.PathEscape(p.ID)) + `">
<button id="pay" type="submit" name="decision" value="pay">Pay</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
</form><p class="note">This is the offline sandbox: no card is asked for and nothing is charged for real.</p>`)
	}
	b.WriteString("\n")
	if safeLink(p.Return) {
		b.WriteString(`<p><a id="return" href="` + e(p.Return) + `">Return to the site</a></p>`)
	}
	b.WriteString("\n</body></html>\n")
	return b.String()
}

// safeLink accepts an absolute http or https URL for an href.
func safeLink(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// serveCheckout serves the Checkout page: GET shows it, POST pays or cancels.
func (s *Sandbox) serveCheckout(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, CheckoutPath)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		writeCheckout(w, http.StatusMethodNotAllowed, checkoutPage{Message: "Use GET or POST."})
		return
	}
	decision := ""
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			writeCheckout(w, http.StatusBadRequest, checkoutPage{Message: "The form could not be read."})
			return
		}
		decision = r.PostForm.Get("decision")
		if decision != "pay" && decision != "cancel" {
			writeCheckout(w, http.StatusBadRequest, checkoutPage{Message: "Press Pay or Cancel."})
			return
		}
	}
	status, page := s.checkoutStep(id, decision)
	writeCheckout(w, status, page)
}

// checkoutStep applies decision ("" to only look) under the lock.
func (s *Sandbox) checkoutStep(id, decision string) (int, checkoutPage) {
	s.lockState()
	defer func() { s.unlockState(decision != "") }()
	now := s.clock()
	cs := s.sessions[id]
	if cs == nil || !validStrParam(id) {
		return http.StatusNotFound, checkoutPage{Message: "No such Checkout session."}
	}
	u := s.users[cs.acct]
	if u == nil {
		return http.StatusNotFound, checkoutPage{Message: "No such Checkout session."}
	}
	p := checkoutPage{ID: cs.id, Email: u.email, Amount: usd(cs.amount), State: cs.state}
	p.What = "Add " + usd(cs.amount) + " USD to the ModelsLab wallet."
	if cs.purpose == "subscribe" {
		pl, _ := findPlan(cs.planID)
		p.What = "Subscribe to the " + pl.Name + " plan (" + usd(cs.amount) + " USD a month)."
	}
	switch {
	case cs.expired(now):
		p.State, p.Message = "expired", "This Checkout session expired: nothing was charged."
		return http.StatusGone, p
	case cs.state == "open" && decision == "pay":
		pay := s.addPayment(u, now, "succeeded", cs.amount, "pm_sandbox_visa_4242", "Checkout: "+p.What)
		s.addInvoice(u, now, cs.amount, strings.TrimSuffix(p.What, "."), pay.ID, 0)
		cs.state, cs.payment = "paid", pay.ID
		s.log.Info().Str("session_id", cs.id).Str("purpose", cs.purpose).Msg("sandbox checkout: paid")
	case cs.state == "open" && decision == "cancel":
		cs.state = "canceled"
		s.log.Info().Str("session_id", cs.id).Msg("sandbox checkout: cancelled")
	}
	p.State = cs.state
	switch cs.state {
	case "open":
		p.Open = true
	case "paid", "complete":
		p.Message = "Paid. You can close this page and return to your assistant: it confirms the payment with session " + cs.id + "."
		p.Return = withSession(cs.successURL, cs.id)
	case "canceled":
		p.Message = "Cancelled: nothing was charged. You can close this page."
		p.Return = withSession(cs.cancelURL, cs.id)
	}
	return http.StatusOK, p
}

// withSession fills Stripe's {CHECKOUT_SESSION_ID} placeholder of a return URL.
func withSession(u, id string) string {
	return strings.ReplaceAll(u, "{CHECKOUT_SESSION_ID}", id)
}

func writeCheckout(w http.ResponseWriter, status int, p checkoutPage) {
	setPageHeaders(w.Header(), "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds the session id
	w.WriteHeader(status)
	_, _ = io.WriteString(w, checkoutHTML(p))
}

// validStrParam is a string path parameter: 1-255 bytes, no control characters.
func validStrParam(v string) bool {
	if v == "" || len(v) > 255 || strings.Contains(v, "/") {
		return false
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
