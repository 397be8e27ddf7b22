package upstream

import (
	"encoding/json"
	"strings"
)

// Field is one field of an answer's data as the contract describes it.
type Field struct {
	// Name is the field below data, dotted for nested objects ("user.id").
	Name string
	Kind Kind
	// Optional fields may be absent (the contract says "when requested",
	// "when capped", ...); every other field's absence is a difference.
	Optional bool
	// NeededBy names what reads the field (the rest is only passed on); a
	// difference there means that action cannot do all its work.
	NeededBy string
}

// Shape is what the data of a success answer looks like per the contract.
type Shape struct {
	// List is true when data is a list; Fields are then those of each item.
	List   bool
	Fields []Field
}

// Endpoint is one row of the contract's endpoint table (upstream-contract.md
// §2) with the shape of its success answer. The client checks every answer
// against it (Result.Warnings); doctor does too.
type Endpoint struct {
	Method string
	Path   string // with {id} or {invite_id} for a path parameter; also the route label of the metrics
	Answer Shape
}

const rotateNeeds = "agent-api-keys rotate (the old key's name and notes, the new key's id and secret)"

// Reusable parts of the table. Every JSON type here is a guess of the
// contract (§5) except access_token, which is documented.
var (
	userFields = []Field{
		{Name: "user", Kind: KindObject},
		{Name: "user.id", Kind: KindNumber},
		{Name: "user.name", Kind: KindString | KindNull},
		{Name: "user.email", Kind: KindString},
		{Name: "user.username", Kind: KindString | KindNull},
		{Name: "user.verified", Kind: KindBoolean},
	}
	sessionShape = Shape{Fields: append([]Field{
		{Name: "access_token", Kind: KindString, NeededBy: "the session: login, verify-email, refresh and switch-account adopt this token"},
		{Name: "token_type", Kind: KindString},
		{Name: "token_expiry", Kind: KindString},
		{Name: "expires_at", Kind: KindString | KindNull},
		{Name: "api_key", Kind: KindString | KindNull},
		{Name: "scopes", Kind: KindArray, Optional: true},
		{Name: "token_lifetime_capped", Kind: KindBoolean, Optional: true},
		{Name: "message", Kind: KindString, Optional: true},
		{Name: "account_username", Kind: KindString, Optional: true},
	}, userFields...)}
	messageShape = Shape{Fields: []Field{{Name: "message", Kind: KindString}}}
	tokenShape   = Shape{List: true, Fields: []Field{
		{Name: "id", Kind: KindNumber},
		{Name: "name", Kind: KindString},
		{Name: "scopes", Kind: KindArray},
		{Name: "last_used_at", Kind: KindString | KindNull},
		{Name: "expires_at", Kind: KindString | KindNull},
		{Name: "created_at", Kind: KindString},
	}}
	profileShape = Shape{Fields: []Field{
		{Name: "id", Kind: KindNumber},
		{Name: "name", Kind: KindString | KindNull},
		{Name: "username", Kind: KindString | KindNull},
		{Name: "email", Kind: KindString},
		{Name: "about_me", Kind: KindString | KindNull},
		{Name: "verified", Kind: KindBoolean},
		{Name: "socials", Kind: KindObject},
		{Name: "preferences", Kind: KindObject},
		{Name: "preferences.nsfw_content", Kind: KindBoolean},
		{Name: "preferences.wallet_notification_enabled", Kind: KindBoolean},
		{Name: "preferences.wallet_notification_threshold", Kind: KindNumber | KindNull},
		{Name: "wallet", Kind: KindObject},
		{Name: "wallet.balance", Kind: KindNumber},
		{Name: "wallet.currency", Kind: KindString},
		{Name: "created_at", Kind: KindString},
	}}
	keyFields = []Field{
		{Name: "id", Kind: KindNumber, NeededBy: rotateNeeds},
		{Name: "name", Kind: KindString, NeededBy: rotateNeeds},
		{Name: "notes", Kind: KindString | KindNull, NeededBy: rotateNeeds},
		{Name: "key", Kind: KindString, NeededBy: rotateNeeds},
		{Name: "created_at", Kind: KindString},
		{Name: "last_used_at", Kind: KindString | KindNull},
	}
	keyShape     = Shape{Fields: keyFields}
	memberFields = []Field{
		{Name: "id", Kind: KindNumber},
		{Name: "email", Kind: KindString},
		{Name: "name", Kind: KindString | KindNull},
		{Name: "role", Kind: KindString},
		{Name: "permissions", Kind: KindArray},
		{Name: "invite_status", Kind: KindString},
		{Name: "invite_id", Kind: KindString | KindNull},
		{Name: "created_at", Kind: KindString},
		{Name: "account_username", Kind: KindString, Optional: true},
	}
	memberShape = Shape{Fields: memberFields}
)

// The endpoints, in the contract's table order, plus GET /auth/scopes.
var (
	epSignup = &Endpoint{"POST", "/auth/signup", Shape{Fields: append([]Field{
		{Name: "message", Kind: KindString},
		{Name: "verification_required", Kind: KindBoolean, Optional: true},
	}, userFields...)}}
	epLogin              = &Endpoint{"POST", "/auth/login", sessionShape}
	epVerifyEmail        = &Endpoint{"POST", "/auth/verify-email", sessionShape}
	epRefresh            = &Endpoint{"POST", "/auth/refresh", sessionShape}
	epLogout             = &Endpoint{"POST", "/auth/logout", messageShape}
	epLogoutAll          = &Endpoint{"POST", "/auth/logout-all", messageShape}
	epForgotPassword     = &Endpoint{"POST", "/auth/forgot-password", messageShape}
	epResetPassword      = &Endpoint{"POST", "/auth/reset-password", messageShape}
	epResendVerification = &Endpoint{"POST", "/auth/resend-verification", messageShape}
	epListTokens         = &Endpoint{"GET", "/auth/tokens", tokenShape}
	epRevokeToken        = &Endpoint{"DELETE", "/auth/tokens/{id}", messageShape}
	epRevokeOthers       = &Endpoint{"POST", "/auth/tokens/revoke-others", messageShape}
	epSwitchAccount      = &Endpoint{"POST", "/auth/switch-account", sessionShape}
	epGetProfile         = &Endpoint{"GET", "/me", profileShape}
	epUpdateProfile      = &Endpoint{"PATCH", "/me", profileShape}
	epUpdatePassword     = &Endpoint{"PATCH", "/me/password", messageShape}
	epUpdateSocials      = &Endpoint{"PATCH", "/me/socials", profileShape}
	epUpdatePreferences  = &Endpoint{"PATCH", "/me/preferences", profileShape}
	epListKeys           = &Endpoint{"GET", "/api-keys", Shape{List: true, Fields: keyFields}}
	epCreateKey          = &Endpoint{"POST", "/api-keys", keyShape}
	epGetKey             = &Endpoint{"GET", "/api-keys/{id}", keyShape}
	epUpdateKey          = &Endpoint{"PUT", "/api-keys/{id}", keyShape}
	epDeleteKey          = &Endpoint{"DELETE", "/api-keys/{id}", messageShape}
	epListTeam           = &Endpoint{"GET", "/teams", Shape{List: true, Fields: memberFields}}
	epInvite             = &Endpoint{"POST", "/teams", memberShape}
	epGetMember          = &Endpoint{"GET", "/teams/{id}", memberShape}
	epUpdateMember       = &Endpoint{"PUT", "/teams/{id}", memberShape}
	epRemoveMember       = &Endpoint{"DELETE", "/teams/{id}", messageShape}
	epResendInvite       = &Endpoint{"POST", "/teams/{id}/resend-invite", messageShape}
	epAcceptInvite       = &Endpoint{"POST", "/teams/invitations/{invite_id}/accept", memberShape}
	// GET /auth/scopes publishes the scope names; its items' shape is not
	// documented (a name, or an object with one), so any item is accepted.
	epListScopes = &Endpoint{"GET", "/auth/scopes", Shape{List: true}}
)

// The account's other areas (contract §7.1, #31-72). Only the fields §7
// names are listed; the rest of each answer is undocumented and passed on.
// A Shape{} row accepts any data.
var (
	anyShape = Shape{}
	anyList  = Shape{List: true}

	epUsageSummary   = &Endpoint{"GET", "/usage/summary", anyShape}
	epUsageProducts  = &Endpoint{"GET", "/usage/products", anyShape}
	epUsageHistory   = &Endpoint{"GET", "/usage/history", anyList}
	epSearchModels   = &Endpoint{"GET", "/models", anyList}
	epModelFilters   = &Endpoint{"GET", "/models/filters", anyShape}
	epModelTags      = &Endpoint{"GET", "/models/tags", anyList}
	epModelProviders = &Endpoint{"GET", "/models/providers", anyList}
	epGetModel       = &Endpoint{"GET", "/models/{id}", Shape{Fields: []Field{
		{Name: "parameters", Kind: KindObject | KindArray, Optional: true},
	}}}
	epBillingOverview = &Endpoint{"GET", "/billing/overview", anyShape}
	epStripeConfig    = &Endpoint{"GET", "/billing/stripe-config", Shape{Fields: []Field{
		{Name: "publishable_key", Kind: KindString},
		{Name: "instructions", Kind: KindString | KindArray | KindObject, Optional: true},
	}}}
	epSetupIntent = &Endpoint{"POST", "/billing/setup-intent", anyShape}
	epPaymentLink = &Endpoint{"POST", "/billing/payment-link", Shape{Fields: []Field{
		// Documented; Checkout reads the URL from other names too (§7.2),
		// so a difference here is only a warning, not a broken flow.
		{Name: "payment_url", Kind: KindString},
		{Name: "session_id", Kind: KindString},
		{Name: "purpose", Kind: KindString},
		{Name: "amount", Kind: KindNumber | KindString | KindNull, Optional: true},
		{Name: "expires_at", Kind: KindString | KindNumber | KindNull, Optional: true},
		{Name: "instructions", Kind: KindString | KindArray | KindObject, Optional: true},
	}}}
	epListPaymentMethods  = &Endpoint{"GET", "/billing/payment-methods", anyList}
	epAddPaymentMethod    = &Endpoint{"POST", "/billing/payment-methods", anyShape}
	epSetDefaultPayment   = &Endpoint{"PUT", "/billing/payment-methods/{id}/default", anyShape}
	epRemovePaymentMethod = &Endpoint{"DELETE", "/billing/payment-methods/{id}", anyShape}
	epBillingInfo         = &Endpoint{"GET", "/billing/info", anyShape}
	epUpdateBillingInfo   = &Endpoint{"PUT", "/billing/info", anyShape}
	epListInvoices        = &Endpoint{"GET", "/billing/invoices", anyList}
	epGetInvoice          = &Endpoint{"GET", "/billing/invoices/{id}", anyShape}
	epInvoicePDF          = &Endpoint{"GET", "/billing/invoices/{id}/pdf", anyShape}
	epWalletBalance       = &Endpoint{"GET", "/wallet/balance", Shape{Fields: []Field{
		{Name: "balance", Kind: KindNumber | KindString},
		{Name: "currency", Kind: KindString},
	}}}
	epWalletTransactions = &Endpoint{"GET", "/wallet/transactions", anyList}
	// Fund and subscription create answer a charge made at once (with a card)
	// or a Checkout URL (without): neither shape is documented beyond that.
	epFundWallet            = &Endpoint{"POST", "/wallet/fund", anyShape}
	epConfirmWalletCheckout = &Endpoint{"POST", "/wallet/confirm-checkout", anyShape}
	epSetAutoFunding        = &Endpoint{"PUT", "/wallet/auto-funding", anyShape}
	epDisableAutoFunding    = &Endpoint{"DELETE", "/wallet/auto-funding", anyShape}
	epWithdraw              = &Endpoint{"POST", "/wallet/withdraw", anyShape}
	epValidateCoupon        = &Endpoint{"GET", "/wallet/coupons/validate", anyShape}
	// epValidateCouponPost is the route list's method for the same endpoint,
	// tried after a 405 (it changes nothing); not a row of its own.
	epValidateCouponPost = &Endpoint{"POST", "/wallet/coupons/validate", anyShape}
	epRedeemCoupon       = &Endpoint{"POST", "/wallet/coupons/redeem", anyShape}
	epPaymentStatus      = &Endpoint{"GET", "/payments/{id}/status", Shape{Fields: []Field{
		{Name: "status", Kind: KindString},
		{Name: "payment_intent_id", Kind: KindString},
		{Name: "amount", Kind: KindNumber | KindString | KindNull},
		{Name: "currency", Kind: KindString | KindNull},
	}}}
	epListPlans = &Endpoint{"GET", "/subscriptions/plans", Shape{Fields: []Field{
		{Name: "subscription_plans", Kind: KindArray, NeededBy: "the --max-charge ceiling (a plan's price)"},
		{Name: "pay_as_you_go", Kind: KindObject},
		{Name: "count", Kind: KindNumber, Optional: true},
	}}}
	epListSubscriptions      = &Endpoint{"GET", "/subscriptions", anyList}
	epCreateSubscription     = &Endpoint{"POST", "/subscriptions", anyShape}
	epConfirmSubscriptionCkt = &Endpoint{"POST", "/subscriptions/confirm-checkout", anyShape}
	epSubscriptionStatus     = &Endpoint{"GET", "/subscriptions/{id}/status", Shape{Fields: []Field{{Name: "status", Kind: KindString}}}}
	epUpdateSubscription     = &Endpoint{"PUT", "/subscriptions/{id}", anyShape}
	epPauseSubscription      = &Endpoint{"POST", "/subscriptions/{id}/pause", anyShape}
	epResumeSubscription     = &Endpoint{"POST", "/subscriptions/{id}/resume", anyShape}
	epResetSubscriptionCycle = &Endpoint{"POST", "/subscriptions/{id}/reset-cycle", anyShape}
	epChargeAmount           = &Endpoint{"POST", "/subscriptions/charge-amount", anyShape}
	epFixSubscriptionPayment = &Endpoint{"POST", "/subscriptions/{id}/fix-payment", anyShape}
)

var endpointTable = []*Endpoint{
	epSignup, epLogin, epVerifyEmail, epRefresh, epLogout, epLogoutAll, epForgotPassword, epResetPassword,
	epResendVerification, epListTokens, epRevokeToken, epRevokeOthers, epSwitchAccount, epGetProfile,
	epUpdateProfile, epUpdatePassword, epUpdateSocials, epUpdatePreferences, epListKeys, epCreateKey, epGetKey,
	epUpdateKey, epDeleteKey, epListTeam, epInvite, epGetMember, epUpdateMember, epRemoveMember, epResendInvite,
	epAcceptInvite, epListScopes,
	// §7.1, #31-72.
	epUsageSummary, epUsageProducts, epUsageHistory, epSearchModels, epModelFilters, epModelTags, epModelProviders,
	epGetModel, epBillingOverview, epStripeConfig, epSetupIntent, epPaymentLink, epListPaymentMethods,
	epAddPaymentMethod, epSetDefaultPayment, epRemovePaymentMethod, epBillingInfo, epUpdateBillingInfo,
	epListInvoices, epGetInvoice, epInvoicePDF, epWalletBalance, epWalletTransactions, epFundWallet,
	epConfirmWalletCheckout, epSetAutoFunding, epDisableAutoFunding, epWithdraw, epValidateCoupon, epRedeemCoupon,
	epPaymentStatus, epListPlans, epListSubscriptions, epCreateSubscription, epConfirmSubscriptionCkt,
	epSubscriptionStatus, epUpdateSubscription, epPauseSubscription, epResumeSubscription, epResetSubscriptionCycle,
	epChargeAmount, epFixSubscriptionPayment,
}

// Endpoints returns the contract's endpoints with the shapes of their answers.
// The result is a copy.
func Endpoints() []Endpoint {
	out := make([]Endpoint, len(endpointTable))
	for i, e := range endpointTable {
		out[i] = *e
		out[i].Answer.Fields = append([]Field(nil), e.Answer.Fields...)
	}
	return out
}

// CheckAnswer compares one answer's data with the endpoint's shape and
// returns every difference (path names the request). A list's items are each
// checked; a difference shared by several items is reported once.
func CheckAnswer(ep Endpoint, path string, data json.RawMessage) []Warning {
	if !json.Valid(data) {
		// Not JSON (the client never passes such data on): nothing to look into.
		data = nil
	}
	return checkAnswer(ep, path, data)
}

// checkAnswer is CheckAnswer on data known to be valid JSON (or empty).
func checkAnswer(ep Endpoint, path string, data json.RawMessage) []Warning {
	if !ep.Answer.List {
		return checkFields(nil, ep.Answer.Fields, path, "data", data)
	}
	l, ws := readList(path, data, nil, nil)
	at := l.ItemsAt + "[]"
	for _, it := range l.Items {
		ws = checkFields(ws, ep.Answer.Fields, path, at, it)
	}
	return ws
}

// checkFields checks an object's fields; a nested field is skipped when its
// parent is not an object (the parent's warning says so).
func checkFields(ws []Warning, fields []Field, path, prefix string, data json.RawMessage) []Warning {
	if len(fields) == 0 {
		return ws
	}
	obj, ok := objectFields(data)
	if !ok {
		return addWarning(ws, Warning{Path: path, Field: prefix, Expected: KindObject, Got: kindOf(data)})
	}
	// One walk over the object for every field (a nested field by its parent).
	var nameBuf [32]string
	var valBuf [32]json.RawMessage
	var hasBuf [32]bool
	names, vals, has := nameBuf[:0], valBuf[:], hasBuf[:]
	if len(fields) > len(nameBuf) {
		vals, has = make([]json.RawMessage, len(fields)), make([]bool, len(fields))
	}
	for _, f := range fields {
		parent, _, _ := strings.Cut(f.Name, ".")
		names = append(names, parent)
	}
	obj.lookup(names, vals, has)
	if noneOf(fields, has) {
		return addWarning(ws, Warning{Path: path, Field: prefix, Expected: KindObject, Got: KindOtherObject})
	}
	for i, f := range fields {
		_, leaf, nested := strings.Cut(f.Name, ".")
		raw, present := vals[i], has[i]
		if nested {
			sub, ok := objectFields(raw)
			if !ok {
				continue // the parent is missing or not an object: reported with the parent
			}
			raw, present = sub.get(leaf)
		}
		got := kindOf(raw)
		if !present {
			got = KindMissing
		}
		if got&f.Kind != 0 || (got == KindMissing && f.Optional) {
			continue
		}
		ws = addWarning(ws, Warning{Path: path, Field: prefix + "." + f.Name, Expected: f.Kind, Got: got, NeededBy: f.NeededBy})
	}
	return ws
}

// noneOf reports whether the object lacks every field the contract promises
// (at least two), e.g. a message where the profile was expected; has[i] says
// whether fields[i] is there.
func noneOf(fields []Field, has []bool) bool {
	n := 0
	for i, f := range fields {
		if f.Optional || strings.Contains(f.Name, ".") {
			continue
		}
		if has[i] {
			return false
		}
		n++
	}
	return n >= 2
}

// addWarning appends w unless the same difference is already there.
func addWarning(ws []Warning, w Warning) []Warning {
	for _, o := range ws {
		if o.Path == w.Path && o.Field == w.Field && o.Got == w.Got {
			return ws
		}
	}
	return append(ws, w)
}
