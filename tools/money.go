package tools

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// The money rules (issue 17), in one place: no card number passes, a single
// charge above --max-charge is refused, every billing, wallet and
// subscription mutation carries an Idempotency-Key, and a money request that
// got no answer says how to repeat it safely. The confirmation questions
// (form elicitation) are at the end.

// DefaultMaxCharge is --max-charge's default in USD: four times the docs'
// $25 top-up, so an ordinary top-up or plan goes through, while a model that
// misreads "25" as "2500" is stopped.
const DefaultMaxCharge = 100.0

// checkCardNumbers refuses arguments that carry anything like a card number,
// anywhere (names too, nested values too). The error neither quotes nor
// locates the digits beyond the parameter's name; its next step names only
// the ways to pay that this server publishes.
func checkCardNumbers(d *Deps, tool string, args map[string]any) error {
	for k, v := range args {
		if looksLikeCard(k) {
			return cardError(d, tool, "a parameter name")
		}
		if valueHasCard(v) {
			return cardError(d, tool, "parameter "+displayName(k))
		}
	}
	return nil
}

func cardError(d *Deps, tool, where string) error {
	var ways []string
	if d.offers("agent-billing", "payment-methods") {
		ways = append(ways, "pay with a saved card's pm_... id (agent-billing payment-methods)")
	}
	var checkout []string
	if d.offers("agent-wallet", "fund") {
		checkout = append(checkout, "agent-wallet fund without payment_method_id")
	}
	if d.offers("agent-billing", "payment-link") {
		checkout = append(checkout, "agent-billing payment-link")
	}
	if len(checkout) > 0 {
		ways = append(ways, "let the person pay on a Stripe Checkout page ("+strings.Join(checkout, ", or ")+")")
	}
	next := "never ask for or pass card data: a person adds cards and pays on ModelsLab's or Stripe's own pages"
	if len(ways) > 0 {
		next = "never ask for or pass card data: " + strings.Join(ways, ", or ")
	}
	return &flowError{kind: "card_number",
		message: tool + ": " + where + " holds what looks like a card number (13 to 19 digits passing the Luhn check); " +
			"card numbers are never accepted here, so nothing was sent to ModelsLab and the value is not repeated or logged",
		next: next}
}

func valueHasCard(v any) bool {
	switch x := v.(type) {
	case string:
		return looksLikeCard(x)
	case json.Number:
		return looksLikeCard(string(x))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) >= 1e12 && math.Abs(x) < 1e20 {
			return looksLikeCard(strconv.FormatFloat(math.Abs(x), 'f', 0, 64))
		}
	case []any:
		for _, e := range x {
			if valueHasCard(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if looksLikeCard(k) || valueHasCard(e) {
				return true
			}
		}
	}
	return false
}

// looksLikeCard reports whether s holds 13 to 19 digits that pass the Luhn
// check, written together or in groups split by one space or dash ("4242
// 4242 4242 4242", "4242-4242-..."), anywhere in the text. Groups are
// tried in every run of consecutive groups, so trailing digits such as an
// expiry ("4242 4242 4242 4242 12") do not hide the number.
func looksLikeCard(s string) bool {
	if len(s) < 13 {
		return false
	}
	var groups []string // the current chain of digit groups
	check := func() bool {
		for i := range groups {
			n := 0
			for j := i; j < len(groups); j++ {
				n += len(groups[j])
				if n > 19 {
					break
				}
				if n >= 13 && luhn(groups[i:j+1]) {
					return true
				}
			}
		}
		return false
	}
	i, chainStart := 0, 0
	for i < len(s) {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		start := i
		if len(groups) == 0 {
			chainStart = start
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		groups = append(groups, s[start:i])
		// One space or dash followed by a digit continues the chain.
		if i+1 < len(s) && (s[i] == ' ' || s[i] == '-') && s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			continue
		}
		// Digits glued to a word (user1733432523123@example.com, a
		// timestamp in an email or a username) are part of an identifier,
		// not a card number someone typed: one in ten such runs passes Luhn.
		glued := (chainStart > 0 && wordByte(s[chainStart-1])) || (i < len(s) && wordByte(s[i]))
		if !glued && check() {
			return true
		}
		groups = groups[:0]
	}
	return false
}

// wordByte reports whether b joins digits next to it into an identifier.
func wordByte(b byte) bool {
	return b == '_' || b == '@' || b == '+' || (b|0x20 >= 'a' && b|0x20 <= 'z')
}

// luhn checks the digits of groups, read as one number.
func luhn(groups []string) bool {
	sum, double := 0, false
	for g := len(groups) - 1; g >= 0; g-- {
		for k := len(groups[g]) - 1; k >= 0; k-- {
			d := int(groups[g][k] - '0')
			if double {
				if d *= 2; d > 9 {
					d -= 9
				}
			}
			sum += d
			double = !double
		}
	}
	return sum%10 == 0
}

// usd renders an amount as people read it: $25.00.
func usd(f float64) string { return "$" + strconv.FormatFloat(f, 'f', 2, 64) }

// ceilingError refuses a charge above --max-charge.
func ceilingError(d *Deps, tool, action, what string, amount float64) error {
	return &flowError{kind: "over_ceiling",
		message: fmt.Sprintf("%s %s: %s is %s, above this server's ceiling for a single charge of %s (--max-charge / MODELSLAB_MAX_CHARGE); nothing was sent to ModelsLab",
			tool, action, what, usd(amount), usd(d.MaxCharge)),
		next: fmt.Sprintf("tell the person: a charge above %s needs whoever runs this server to raise --max-charge, or they pay it themselves on modelslab.com; do not split it into smaller charges without their say", usd(d.MaxCharge))}
}

// checkCeiling applies --max-charge to the action's amount parameter.
func (t *tool) checkCeiling(spec ActionSpec, a *Args) error {
	m := spec.Money
	if m == nil || m.Ceiling == "" || !a.Has(m.Ceiling) {
		return nil
	}
	if amt := a.Float(m.Ceiling); amt > t.deps.MaxCharge {
		return ceilingError(t.deps, t.spec.Name, spec.Name, m.Ceiling, amt)
	}
	return nil
}

// checkPriceCeiling applies --max-charge to a price the action charges
// without naming it: the plan it subscribes to (PlanCeiling, from the plans
// list), or the plan a subscription charges again (SubscriptionCeiling, from
// the subscriptions list). A list that cannot be read refuses: a ceiling that
// cannot be checked does not let the charge through. A list that does not say
// the price leaves it to the person's question.
func (t *tool) checkPriceCeiling(ctx context.Context, c *call, spec ActionSpec) error {
	m := spec.Money
	if m == nil {
		return nil
	}
	var p *planInfo
	var err error
	var what, unread string
	switch {
	case m.PlanCeiling != "" && c.args.Has(m.PlanCeiling):
		p, err = c.planErr(ctx, c.args.Int(m.PlanCeiling))
		unread = "The plans list could not be read, so the plan's price could not be checked against --max-charge: nothing was sent to subscribe or change the plan."
		if p != nil {
			what = fmt.Sprintf("the price of plan %d ('%s')", p.id, label(p.name))
		}
	case m.SubscriptionCeiling != "" && c.args.Has(m.SubscriptionCeiling):
		id := c.args.Int(m.SubscriptionCeiling)
		p, err = c.subscriptionPlan(ctx, id)
		unread = "The subscriptions could not be read, so what this charges could not be checked against --max-charge: nothing was sent."
		if p != nil {
			what = fmt.Sprintf("the price of subscription %d's %s", id, p)
		}
	default:
		return nil
	}
	if err != nil {
		return &stepError{err: err, note: unread}
	}
	if p != nil && p.price != nil && *p.price > t.deps.MaxCharge {
		return ceilingError(t.deps, t.spec.Name, spec.Name, what, *p.price)
	}
	return nil
}

// subscriptionPlan reads subscription id's plan from GET /subscriptions
// (plan_id or plan.id, plan_name or plan.name, price or amount), completing
// the price from the plans list; nil when the list does not have it.
func (c *call) subscriptionPlan(ctx context.Context, id int64) (*planInfo, error) {
	m := c.moneyReads()
	if !m.subsRead {
		m.subsRead = true
		r, err := c.client.ListSubscriptions(ctx, c.token)
		if err != nil {
			m.subsErr = err
		} else {
			m.subs = map[int64]*planInfo{}
			for _, it := range r.Data.Items {
				var v map[string]json.RawMessage
				if json.Unmarshal(it, &v) != nil {
					continue
				}
				sid, ok := jsonNumber(v["id"])
				if !ok || sid != math.Trunc(sid) {
					continue
				}
				p := &planInfo{}
				var nested map[string]json.RawMessage
				_ = json.Unmarshal(v["plan"], &nested)
				if f, ok := jsonNumber(v["plan_id"]); ok {
					p.id = int64(f)
				} else if f, ok := jsonNumber(nested["id"]); ok {
					p.id = int64(f)
				}
				if json.Unmarshal(v["plan_name"], &p.name) != nil || p.name == "" {
					_ = json.Unmarshal(nested["name"], &p.name)
				}
				for _, src := range []map[string]json.RawMessage{v, nested} {
					for _, k := range []string{"price", "amount"} {
						if f, ok := jsonNumber(src[k]); ok && p.price == nil {
							p.price = &f
						}
					}
				}
				m.subs[int64(sid)] = p
			}
		}
	}
	if m.subsErr != nil {
		return nil, m.subsErr
	}
	p := m.subs[id]
	if p != nil && p.price == nil && p.id > 0 {
		if pl := c.plan(ctx, p.id); pl != nil && pl.price != nil {
			p.price = pl.price
			if p.name == "" {
				p.name = pl.name
			}
		}
	}
	return p, nil
}

// subscriptionText names what subscription id charges, for the questions.
func (c *call) subscriptionText(ctx context.Context, id int64) string {
	if p, _ := c.subscriptionPlan(ctx, id); p != nil && (p.name != "" || p.price != nil) {
		return fmt.Sprintf("subscription %d, %s", id, p)
	}
	return fmt.Sprintf("subscription %d", id)
}

// subscriptionCharge is the amount subscription id's plan charges, for the
// questions ("its price" when no list says it).
func (c *call) subscriptionCharge(ctx context.Context, id int64) string {
	if p, _ := c.subscriptionPlan(ctx, id); p != nil && p.price != nil {
		return usd(*p.price)
	}
	return "its plan's price"
}

// idemLetters make the random part of a generated key: letters only, so a
// key never looks like digits that could be a card number.
const idemLetters = "abcdefghijklmnopqrstuvwxyz"

// newIdempotencyKey makes a key in the style ModelsLab's docs advise
// (fund-25-20260220-<nonce>): action, amount, UTC date, 16 random letters.
// The amount carries "usd" so that it and the date never read as one number.
func newIdempotencyKey(action string, amount *float64) string {
	var b strings.Builder
	b.WriteString(action)
	if amount != nil {
		b.WriteString("-" + strings.ReplaceAll(strconv.FormatFloat(*amount, 'f', -1, 64), ".", "_") + "usd")
	}
	b.WriteString("-" + time.Now().UTC().Format("20060102") + "-")
	r := make([]byte, 16)
	if _, err := rand.Read(r); err != nil {
		panic("tools: crypto/rand failed: " + err.Error())
	}
	for _, x := range r {
		b.WriteByte(idemLetters[int(x)%len(idemLetters)])
	}
	return b.String()
}

// idemError is a money request that failed with the key it carried: where it
// may have taken effect, the next step is to repeat it with that key.
type idemError struct {
	err          error
	tool, action string
	key          string
}

func (e *idemError) Error() string { return e.err.Error() }
func (e *idemError) Unwrap() error { return e.err }

// mayHaveHappened reports whether a failed request may have reached
// ModelsLab and taken effect: no answer after sending it, a 5xx, or an
// answer that could not be read.
func mayHaveHappened(err error) bool {
	var ne *upstream.NetworkError
	var ae *upstream.APIError
	var re *upstream.ResponseError
	switch {
	case errors.As(err, &ne):
		return !ne.NotSent
	case errors.As(err, &ae):
		return ae.Status >= 500
	case errors.As(err, &re):
		return true
	}
	return false
}

// repeatWithKey is the next step of a money request that may have happened.
func (e *idemError) repeatWithKey() string {
	return fmt.Sprintf("it may have been charged or done: do NOT call it with a new key. Call %s action %s again with the same parameters and idempotency_key=%q: ModelsLab then answers the first result (replay) instead of doing it twice",
		e.tool, e.action, e.key)
}

// ---- The questions put to the person (form elicitation) ----

// cardInfo is what a question names of a card.
type cardInfo struct {
	id, brand, last4 string
	isDefault        bool
}

func (ci cardInfo) String() string {
	brand := label(ci.brand)
	if brand == "" {
		brand = "card"
	} else {
		r, n := utf8.DecodeRuneInString(brand)
		brand = string(unicode.ToUpper(r)) + brand[n:]
	}
	if ci.last4 != "" {
		return brand + " •••• " + label(ci.last4)
	}
	return brand + " " + label(ci.id)
}

// card reads the saved card pmID ("" for the default one) from the cheap
// GET /billing/payment-methods; nil when it cannot be found.
func (c *call) card(ctx context.Context, pmID string) *cardInfo {
	m := c.moneyReads()
	if m.cards == nil {
		m.cards = []cardInfo{}
		if r, err := c.client.ListPaymentMethods(ctx, c.token); err == nil {
			for _, raw := range r.Data.Items {
				m.cards = append(m.cards, readCard(raw))
			}
		}
	}
	for i, ci := range m.cards {
		if (pmID != "" && ci.id == pmID) || (pmID == "" && ci.isDefault) {
			return &m.cards[i]
		}
	}
	return nil
}

// moneyReads caches the reads of one call's money question and ceiling.
type moneyReads struct {
	cards    []cardInfo
	plans    map[int64]*planInfo
	plansErr error
	// subs maps a subscription id to its plan, from GET /subscriptions.
	subs     map[int64]*planInfo
	subsErr  error
	subsRead bool
}

func (c *call) moneyReads() *moneyReads {
	if c.reads == nil {
		c.reads = &moneyReads{}
	}
	return c.reads
}

// readCard reads a saved card tolerantly: Stripe's own shape (card.brand,
// card.last4) or a flat one (brand, last4 or last_four).
func readCard(raw json.RawMessage) cardInfo {
	var v struct {
		ID              string `json:"id"`
		PaymentMethodID string `json:"payment_method_id"`
		Brand           string `json:"brand"`
		Last4           string `json:"last4"`
		LastFour        string `json:"last_four"`
		IsDefault       bool   `json:"is_default"`
		Default         bool   `json:"default"`
		Card            *struct {
			Brand string `json:"brand"`
			Last4 string `json:"last4"`
		} `json:"card"`
	}
	_ = json.Unmarshal(raw, &v)
	ci := cardInfo{id: v.ID, brand: v.Brand, last4: v.Last4, isDefault: v.IsDefault || v.Default}
	if ci.id == "" {
		ci.id = v.PaymentMethodID
	}
	if ci.last4 == "" {
		ci.last4 = v.LastFour
	}
	if v.Card != nil {
		if ci.brand == "" {
			ci.brand = v.Card.Brand
		}
		if ci.last4 == "" {
			ci.last4 = v.Card.Last4
		}
	}
	return ci
}

// cardText names the card a charge goes to: the given pm_ id, or the default card.
func (c *call) cardText(ctx context.Context, pmID string) string {
	if ci := c.card(ctx, pmID); ci != nil {
		return ci.String()
	}
	if pmID != "" {
		return "the card " + label(pmID)
	}
	return "the account's default card"
}

// planInfo is what a question and the ceiling read of a plan.
type planInfo struct {
	id    int64
	name  string
	price *float64
}

func (p *planInfo) String() string {
	s := fmt.Sprintf("plan %d", p.id)
	if p.name != "" {
		s = fmt.Sprintf("plan '%s' (id %d", label(p.name), p.id)
		if p.price != nil {
			s += ", " + usd(*p.price)
		}
		s += ")"
	} else if p.price != nil {
		s += " (" + usd(*p.price) + ")"
	}
	return s
}

// plan reads plan id from GET /subscriptions/plans, once per call; nil when
// it is not there or the list cannot be read.
func (c *call) plan(ctx context.Context, id int64) *planInfo {
	p, _ := c.planErr(ctx, id)
	return p
}

// planErr is plan, with the error of the plans list's read.
func (c *call) planErr(ctx context.Context, id int64) (*planInfo, error) {
	m := c.moneyReads()
	if m.plans == nil {
		m.plans = map[int64]*planInfo{}
		r, err := c.client.ListPlans(ctx, c.token)
		if err != nil {
			m.plansErr = err
		} else {
			for _, p := range readPlans(r.Raw) {
				m.plans[p.id] = p
			}
		}
	}
	return m.plans[id], m.plansErr
}

// readPlans reads the plans tolerantly: data.subscription_plans (documented),
// data.plans, data.items or data itself as the list; the price as price,
// amount, price_usd or monthly_price, a number or a numeric string.
func readPlans(raw json.RawMessage) []*planInfo {
	var wrap struct {
		SubscriptionPlans []json.RawMessage `json:"subscription_plans"`
		Plans             []json.RawMessage `json:"plans"`
		Items             []json.RawMessage `json:"items"`
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		_ = json.Unmarshal(raw, &wrap)
		items = append(append(wrap.SubscriptionPlans, wrap.Plans...), wrap.Items...)
	}
	var out []*planInfo
	for _, it := range items {
		var v map[string]json.RawMessage
		if json.Unmarshal(it, &v) != nil {
			continue
		}
		id, ok := jsonNumber(v["id"])
		if !ok {
			id, ok = jsonNumber(v["plan_id"])
		}
		if !ok || id != math.Trunc(id) {
			continue
		}
		p := &planInfo{id: int64(id)}
		_ = json.Unmarshal(v["name"], &p.name)
		for _, k := range []string{"price", "amount", "price_usd", "monthly_price"} {
			if f, ok := jsonNumber(v[k]); ok {
				p.price = &f
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// jsonNumber reads a number, or a string holding one ("29.00").
func jsonNumber(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return f, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if f, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimSpace(s), "$"), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	return 0, false
}

// The questions, one per money action.

func confirmFund(ctx context.Context, c *call) string {
	return fmt.Sprintf("Charge %s to %s and add it to the ModelsLab wallet?", usd(c.args.Float("amount")), c.cardText(ctx, c.args.String("payment_method_id")))
}

func confirmWithdraw(_ context.Context, c *call) string {
	return fmt.Sprintf("Withdraw %s from the ModelsLab wallet?", usd(c.args.Float("amount")))
}

func confirmAutoFunding(ctx context.Context, c *call) string {
	return fmt.Sprintf("Turn on auto-funding: charge %s to %s every time the ModelsLab wallet falls below %s?",
		usd(c.args.Float("auto_charge_amount")), c.cardText(ctx, ""), usd(c.args.Float("charge_threshold")))
}

func confirmDisableAutoFunding(context.Context, *call) string {
	return "Turn off auto-funding? The ModelsLab wallet is no longer topped up from the card when it runs low."
}

func confirmRedeemCoupon(ctx context.Context, c *call) string {
	q := fmt.Sprintf("Redeem the coupon '%s' on the ModelsLab wallet", label(c.args.String("coupon_code")))
	if c.args.Has("purchase_amount") {
		q += fmt.Sprintf(" with a purchase of %s", usd(c.args.Float("purchase_amount")))
		if c.args.Has("payment_method_id") {
			q += " charged to " + c.cardText(ctx, c.args.String("payment_method_id"))
		}
	}
	return q + "?"
}

func confirmWalletCheckout(_ context.Context, c *call) string {
	return fmt.Sprintf("Confirm the Stripe Checkout session %s and credit what was paid there to the ModelsLab wallet?", label(c.args.String("session_id")))
}

func confirmAddCard(_ context.Context, c *call) string {
	q := fmt.Sprintf("Add the card %s to the ModelsLab account", label(c.args.String("payment_method_id")))
	if !c.args.Has("make_default") || c.args.Bool("make_default") {
		q += " as the default card, which then pays wallet top-ups and subscriptions"
	}
	return q + "?"
}

func confirmDefaultCard(ctx context.Context, c *call) string {
	return fmt.Sprintf("Make %s the default card of the ModelsLab account? It then pays wallet top-ups and subscriptions.", c.cardText(ctx, c.args.String("payment_method_id")))
}

func confirmRemoveCard(ctx context.Context, c *call) string {
	return fmt.Sprintf("Remove %s from the ModelsLab account? Payments that use it stop working until another card is set.", c.cardText(ctx, c.args.String("payment_method_id")))
}

func confirmSubscribe(ctx context.Context, c *call) string {
	return fmt.Sprintf("Subscribe to %s and charge %s now, then every billing period?", c.planText(ctx, c.args.Int("plan_id")), c.cardText(ctx, c.args.String("payment_method_id")))
}

func (c *call) planText(ctx context.Context, id int64) string {
	if p := c.plan(ctx, id); p != nil {
		return p.String()
	}
	return fmt.Sprintf("plan %d", id)
}

func confirmChangePlan(ctx context.Context, c *call) string {
	return fmt.Sprintf("Move subscription %d to %s? The difference is charged to %s.", c.args.Int("subscription_id"), c.planText(ctx, c.args.Int("new_plan_id")), c.cardText(ctx, ""))
}

func confirmPause(_ context.Context, c *call) string {
	return fmt.Sprintf("Pause subscription %d? Its billing and its plan's limits stop until it is resumed.", c.args.Int("subscription_id"))
}

func confirmResume(ctx context.Context, c *call) string {
	id := c.args.Int("subscription_id")
	return fmt.Sprintf("Resume %s? Its billing restarts: %s is charged to %s again every billing period.", c.subscriptionText(ctx, id), c.subscriptionCharge(ctx, id), c.cardText(ctx, ""))
}

func confirmResetCycle(ctx context.Context, c *call) string {
	id := c.args.Int("subscription_id")
	return fmt.Sprintf("Reset the billing cycle of %s? A new period starts now and %s is charged to %s now.", c.subscriptionText(ctx, id), c.subscriptionCharge(ctx, id), c.cardText(ctx, ""))
}

func confirmChargeAmount(ctx context.Context, c *call) string {
	what := "the subscription"
	if pc := c.args.String("plan_category"); pc != "" {
		what = "the " + label(pc) + " subscription"
	}
	return fmt.Sprintf("Charge %s to %s for %s?", usd(c.args.Float("amount")), c.cardText(ctx, ""), what)
}

func confirmFixPayment(ctx context.Context, c *call) string {
	id := c.args.Int("subscription_id")
	return fmt.Sprintf("Retry the failed payment of %s, charging %s to %s?", c.subscriptionText(ctx, id), c.subscriptionCharge(ctx, id), c.cardText(ctx, ""))
}

func confirmSubscriptionCheckout(_ context.Context, c *call) string {
	return fmt.Sprintf("Confirm the Stripe Checkout session %s and start the subscription paid there?", label(c.args.String("session_id")))
}
