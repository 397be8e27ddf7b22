package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// successBody is the structured content of a successful call; the text block
// carries the same JSON for clients that only read text.
type successBody struct {
	Action    string          `json:"action"`
	Data      json.RawMessage `json:"data"`
	List      *listInfo       `json:"list,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
	// Money answers (issue 17).
	Done           *bool              `json:"done,omitempty"`
	IdempotencyKey string             `json:"idempotency_key,omitempty"`
	Replay         bool               `json:"replay,omitempty"`
	Warnings       []upstream.Warning `json:"warnings,omitempty"`
}

func successResult(action string, out *outcome) *mcp.CallToolResult {
	data := out.data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	body := successBody{Action: action, Data: data, List: out.list, RequestID: out.requestID, Notes: out.notes, Warnings: out.warnings}
	if m := out.money; m != nil {
		body.Done, body.IdempotencyKey, body.Replay = m.done, m.idemKey, m.replay
	}
	if len(out.warnings) > 0 {
		body.Notes = append(slices.Clip(body.Notes), "ModelsLab's answer differs from this server's contract in the fields under warnings; data is shown exactly as ModelsLab sent it.")
	}
	raw, err := body.encode()
	if err != nil {
		// Data is upstream JSON the client already parsed; this cannot happen short of a bug.
		return internalErrorResult("", action)
	}
	// One encoding serves both: the text block and the structured content.
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(string(raw))},
		StructuredContent:    json.RawMessage(raw),
		RawStructuredContent: raw,
	}
}

// encode writes what marshalText(b) writes, by appending to one buffer sized
// up front instead of reflecting over the struct: this runs on every call.
func (b *successBody) encode() ([]byte, error) {
	n := len(b.Data) + len(b.Action) + len(b.RequestID) + 160
	for _, s := range b.Notes {
		n += len(s) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, `{"action":`...)
	out = appendString(out, b.Action)
	out = append(out, `,"data":`...)
	buf := bytes.NewBuffer(out)
	if err := json.Compact(buf, b.Data); err != nil { // validates, as encoding/json does for a RawMessage
		return nil, err
	}
	out = buf.Bytes()
	if l := b.List; l != nil {
		out = append(out, `,"list":{"count":`...)
		out = strconv.AppendInt(out, int64(l.Count), 10)
		out = append(out, `,"items_at":`...)
		out = appendString(out, l.ItemsAt)
		for _, f := range []struct {
			name string
			v    *int64
		}{{`,"total":`, l.Total}, {`,"page":`, l.Page}, {`,"last_page":`, l.LastPage}} {
			if f.v != nil {
				out = strconv.AppendInt(append(out, f.name...), *f.v, 10)
			}
		}
		out = strconv.AppendBool(append(out, `,"more":`...), l.More)
		if l.NextPage != 0 {
			out = strconv.AppendInt(append(out, `,"next_page":`...), l.NextPage, 10)
		}
		out = append(out, '}')
	}
	if b.RequestID != "" {
		out = appendString(append(out, `,"request_id":`...), b.RequestID)
	}
	if len(b.Notes) > 0 {
		out = append(out, `,"notes":[`...)
		for i, s := range b.Notes {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendString(out, s)
		}
		out = append(out, ']')
	}
	if b.Done != nil {
		out = strconv.AppendBool(append(out, `,"done":`...), *b.Done)
	}
	if b.IdempotencyKey != "" {
		out = appendString(append(out, `,"idempotency_key":`...), b.IdempotencyKey)
	}
	if b.Replay {
		out = append(out, `,"replay":true`...)
	}
	if len(b.Warnings) > 0 { // rare: reflection is fine here
		w, err := marshalText(b.Warnings)
		if err != nil {
			return nil, err
		}
		out = append(append(out, `,"warnings":`...), w...)
	}
	return append(out, '}'), nil
}

// marshalText encodes without HTML escaping: the text is read by a model, and
// "\u003c" for "<" is noise to it.
func marshalText(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// errorBody is the structured content of a failed call.
type errorBody struct {
	Error errorInfo `json:"error"`
}

// RequiredScope is the ModelsLab scope a failed call's result says the
// token lacked (an insufficient_scope answer), "" for any other result: read
// from the result as built, without encoding it again.
func RequiredScope(res *mcp.CallToolResult) string {
	if res == nil || !res.IsError {
		return ""
	}
	if b, ok := res.StructuredContent.(errorBody); ok && b.Error.Code == "insufficient_scope" {
		return b.Error.RequiredScope
	}
	return ""
}

type errorInfo struct {
	Tool       string              `json:"tool"`
	Action     string              `json:"action"`
	Kind       string              `json:"kind"` // invalid_input, not_available, not_logged_in, upstream, network, timeout, cancelled, bad_response, internal; browser login and confirmations add not_confirmed and login_refused
	Status     int                 `json:"status,omitempty"`
	Code       string              `json:"code,omitempty"`
	Message    string              `json:"message"`
	Parameter  string              `json:"parameter,omitempty"`
	Fields     map[string][]string `json:"fields,omitempty"`
	RetryAfter int                 `json:"retry_after_seconds,omitempty"`
	RequestID  string              `json:"request_id,omitempty"`
	// RequiredScope is the scope an insufficient_scope answer asked for.
	RequiredScope string `json:"required_scope,omitempty"`
	NextStep      string `json:"next_step,omitempty"`
	// IdempotencyKey is the key a money request carried, where it may have
	// taken effect: repeating the action with it is safe.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// DeclineCode and PaymentIntentID are what a declined payment (402) said.
	DeclineCode     string `json:"decline_code,omitempty"`
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
}

// errorResult explains a failure to the model: what happened, and the one next
// step that fixes it where there is one. The returned info also feeds the log
// line, so the result and the log classify a failure the same way.
func errorResult(d *Deps, tool, action string, err error) (*mcp.CallToolResult, errorInfo) {
	info := errorInfo{Tool: tool, Action: action, Message: err.Error()}
	up := d.Client.Name() // "ModelsLab", or the sandbox: say nothing left the machine
	var (
		ie  *InputError
		ue  *unavailableError
		pe  *upstream.InvalidParamError
		ae  *upstream.APIError
		ne  *upstream.NetworkError
		re  *upstream.ResponseError
		stp *stepError
		nc  *notConfirmed
		fe  *flowError
		ide *idemError
	)
	if errors.As(err, &ide) {
		err = ide.err
	}
	if errors.As(err, &stp) {
		err = stp.err
	}
	switch {
	case errors.As(err, &nc):
		info.Kind = "not_confirmed"
		info.NextStep = "tell the person it was not done; do not try again unless they ask for it"
	case errors.As(err, &fe):
		info.Kind, info.Message, info.NextStep = fe.kind, fe.message, fe.next
	case errors.As(err, &ue):
		info.Kind, info.Message = "not_available", ue.Error()
		info.NextStep = ue.next
	case errors.As(err, &ie):
		info.Kind, info.Parameter, info.Message = "invalid_input", ie.Param, ie.Error()
		info.NextStep = "fix the parameter and call again; nothing was sent to ModelsLab"
	case errors.As(err, &pe):
		info.Kind, info.Parameter = "invalid_input", pe.Name
		info.Message = fmt.Sprintf("%s %s: %s", tool, action, pe.Error())
		info.NextStep = "fix the parameter and call again; nothing was sent to ModelsLab"
	case errors.Is(err, upstream.ErrNoToken):
		info.Kind = "not_logged_in"
		info.Message = fmt.Sprintf("%s %s needs a logged-in account, and this call has no bearer token", tool, action)
		info.NextStep = loginHint(d)
	case errors.As(err, &ae):
		info.Kind, info.Status, info.Code, info.RequestID = "upstream", ae.Status, ae.Code, ae.RequestID
		if ae.Code == "insufficient_scope" {
			info.RequiredScope = ae.RequiredScope
		}
		info.Message = fmt.Sprintf("%s answered HTTP %d", up, ae.Status)
		if ae.Code != "" {
			info.Message += " " + ae.Code
		}
		info.Message += ": " + ae.Message
		info.Fields = ae.Details
		info.RetryAfter = int(ae.RetryAfter.Seconds())
		info.NextStep = nextStepFor(d, tool, action, ae)
		if ae.Status == http.StatusPaymentRequired {
			info.DeclineCode, info.PaymentIntentID = ae.DeclineCode, ae.PaymentIntentID
			info.NextStep = declinedHint(d, tool, action, ae)
		}
	case errors.As(err, &ne):
		switch {
		case ne.Canceled:
			info.Kind, info.Message = "cancelled", "the call was cancelled before "+up+" answered"
		case ne.Timeout:
			info.Kind, info.Message = "timeout", up+" did not answer in time"
		default:
			info.Kind, info.Message = "network", "could not reach "+up+": "+ne.Error()
		}
		switch {
		case ne.NotSent:
			info.NextStep = "nothing reached ModelsLab (no connection could be made), so nothing changed: check the network and the server's --base-url, then call again"
		case ne.Canceled:
			info.NextStep = repeatHint(d, tool, ne.Method, "the call was cancelled after the request may have been sent")
		default:
			info.NextStep = repeatHint(d, tool, ne.Method, "the request was sent but no answer came")
		}
	case errors.As(err, &re):
		info.Kind, info.Status, info.RequestID = "bad_response", re.Status, re.RequestID
		info.Message = up + "'s answer could not be used: " + re.Problem
		info.NextStep = repeatHint(d, tool, re.Method, "ModelsLab received the request and answered")
	default:
		info.Kind = "internal"
	}
	text := info.Message
	if !strings.HasPrefix(text, tool) {
		text = fmt.Sprintf("%s %s failed: %s", tool, action, text)
	}
	var b strings.Builder
	b.WriteString(text)
	if len(info.Fields) > 0 && ae != nil {
		for _, line := range ae.FieldErrors() {
			b.WriteString("\n- " + line)
		}
	}
	if stp != nil && stp.note != "" {
		b.WriteString("\n" + stp.note)
		info.Message += " (" + stp.note + ")"
	}
	if stp != nil && stp.next != "" {
		info.NextStep = stp.next
	}
	if ide != nil {
		info.IdempotencyKey = ide.key
		info.NextStep = ide.repeatWithKey()
		b.WriteString("\nIt may have been charged or done: idempotency_key " + ide.key)
	}
	if info.NextStep != "" {
		b.WriteString("\nNext step: " + info.NextStep)
	}
	if info.RequestID != "" {
		b.WriteString("\nrequest_id: " + info.RequestID)
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(b.String())},
		StructuredContent: errorBody{Error: info},
		IsError:           true,
	}, info
}

// declinedHint is the next step after a 402: the card was declined and
// nothing was charged; name only actions this server publishes.
func declinedHint(d *Deps, tool, action string, e *upstream.APIError) string {
	why := "the card was declined"
	if e.DeclineCode != "" {
		why += " (" + e.DeclineCode + ")"
	}
	var ways []string
	if d.offers("agent-billing", "payment-methods") {
		ways = append(ways, "use another saved card (agent-billing payment-methods lists them)")
	}
	if (tool == "agent-wallet" && action == "fund") || (tool == "agent-subscriptions" && action == "create") {
		ways = append(ways, "or pay on a Stripe Checkout page: call "+tool+" "+action+" again without payment_method_id")
	}
	hint := why + ": nothing was charged. Tell the person"
	if len(ways) > 0 {
		hint += "; they can " + strings.Join(ways, ", ")
	}
	return hint + ". Do not retry the same card unchanged."
}

func internalErrorResult(tool, action string) *mcp.CallToolResult {
	msg := fmt.Sprintf("%s %s failed: internal error in the MCP server (logged); the server keeps serving", tool, action)
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(msg)},
		StructuredContent: errorBody{Error: errorInfo{Tool: tool, Action: action, Kind: "internal", Message: msg}},
		IsError:           true,
	}
}

// loginHint says how to get a token, naming agent-auth login only where this
// server publishes it.
func loginHint(d *Deps) string {
	if d.OAuth {
		return "this server uses OAuth: reconnect the MCP client so that it authorizes again (the person signs in with ModelsLab in the browser), or send a ModelsLab token in the `X-Agent-Token` header"
	}
	header := "send a bearer token in the `Authorization: Bearer <token>` (or `X-Agent-Token`) header"
	if d.offers("agent-auth", "login") {
		if d.HTTP {
			return header + "; get one with agent-auth action login"
		}
		if d.offers("agent-auth", "browser-login") {
			return "log in with agent-auth (action browser-login, in the browser, or action login, with email and password), or start the server with MODELSLAB_AGENT_TOKEN set"
		}
		return "log in with agent-auth (action login, with email and password), or start the server with MODELSLAB_AGENT_TOKEN set"
	}
	missing := "this server does not publish agent-auth login (" + d.whyNot("agent-auth") + ")"
	if d.HTTP {
		return header + "; " + missing + ", so bring a token from elsewhere"
	}
	return "start the server with MODELSLAB_AGENT_TOKEN set to a token; " + missing
}

// repeatHint says what is true about a request that failed without a usable
// answer (what reached ModelsLab), and what to do before sending it again.
func repeatHint(d *Deps, tool, method, what string) string {
	if method != http.MethodPost && method != http.MethodPatch {
		return what + "; this request changes nothing, so try again in a moment"
	}
	return what + ", so it may have taken effect: " + checkHint(d, tool)
}

// checkHint names the read action that shows whether a write took effect.
func checkHint(d *Deps, tool string) string {
	for _, read := range []string{"list", "get"} {
		if d.offers(tool, read) {
			return fmt.Sprintf("check with %s action %s before trying again", tool, read)
		}
	}
	// agent-auth has no read action: its calls are safe to repeat, and a
	// repeat refused as done already is the answer.
	return "calling it again is safe; a repeat refused because it was done already (an email already taken, a code or token already used) means the first call worked"
}

// nextStepFor maps an upstream error to the one step that fixes it, naming
// only actions this server publishes.
func nextStepFor(d *Deps, tool, action string, e *upstream.APIError) string {
	auth := func(act string) bool { return d.offers("agent-auth", act) }
	switch {
	case e.Code == "email_not_verified" && auth("verify-email"):
		return "call agent-auth action verify-email with the verification_code from the email, or action resend-verification to get a new code"
	case e.Code == "insufficient_scope":
		scope := e.RequiredScope
		if scope == "" {
			scope = "the scope this action needs"
		}
		if d.OAuth {
			return fmt.Sprintf("the credential of this call lacks the ModelsLab scope %s: a client signed in through OAuth authorizes again asking for it (the consent page lists the scopes granted), a client sending X-Agent-Token needs a token that has it; do not retry the same call", scope)
		}
		if !auth("login") {
			return fmt.Sprintf("this token lacks the scope %s: use a token that has it (%s); do not retry the same call", scope, loginHint(d))
		}
		return fmt.Sprintf("this token lacks the scope %s: log in again with agent-auth action login asking for it (scopes: [%q]); do not retry the same call", scope, scope)
	case e.Status == http.StatusTooManyRequests || e.Code == "rate_limited":
		if e.RetryAfter > 0 {
			return fmt.Sprintf("rate limited: retry after %d seconds", int(e.RetryAfter.Seconds()))
		}
		return "rate limited: wait a minute before retrying"
	case e.Code == "invalid_credentials":
		if auth("forgot-password") {
			return "check the email and password; if the password is lost, use agent-auth action forgot-password"
		}
		return "check the email and password"
	case e.Status == http.StatusUnauthorized:
		if tool == "agent-auth" && action == "reset-password" {
			return "the reset token is wrong or expired: request a new one with agent-auth action forgot-password"
		}
		return "the token is missing, expired or revoked: " + loginHint(d)
	case e.Status == http.StatusNotFound:
		return notFoundHint(d, tool, action)
	case e.Status == http.StatusUnprocessableEntity || e.Code == "validation_error":
		return "fix the fields listed and call again"
	case e.Status == http.StatusForbidden:
		return "this account is not allowed to do that; check the account or team role"
	case e.Status >= 500:
		return repeatHint(d, tool, e.Method, "ModelsLab received the request and answered with an error")
	}
	return ""
}

func notFoundHint(d *Deps, tool, action string) string {
	teams := func(act string) bool { return d.offers("agent-teams", act) }
	switch {
	case tool == "agent-tokens" && action == "switch-account":
		hint := "no team account with that username is open to you: account_username must be the username of an account whose team has this account as an accepted member, or your own username to switch back"
		if teams("accept-invite") {
			hint += "; a pending invitation is accepted with agent-teams action accept-invite (invite_id from the invitation email)"
		}
		return hint
	case tool == "agent-teams" && action == "accept-invite":
		return "no pending invitation with that invite_id for this account: invite_id is the UUID from the invitation email, and only the invited account (logged in as the invited email) can accept it"
	case tool == "agent-api-keys":
		return "no such key on this account: call agent-api-keys action list for valid key_id values"
	case tool == "agent-teams":
		return "no such member or invitation: call agent-teams action list for valid member_id values"
	case tool == "agent-tokens":
		return "no such token: call agent-tokens action list for valid token_id values"
	}
	return notFoundHint17(d, tool, action)
}

// notFoundHint17 is notFoundHint for issue 17's tools: the read that lists
// valid ids, where this server publishes it.
func notFoundHint17(d *Deps, tool, action string) string {
	lists := func(what, t, a, param string) string {
		if d.offers(t, a) {
			return fmt.Sprintf("no such %s on this account: call %s action %s for valid %s values", what, t, a, param)
		}
		return fmt.Sprintf("no such %s on this account: check %s", what, param)
	}
	switch {
	case tool == "agent-models":
		return lists("model", "agent-models", "search", "model_id")
	case tool == "agent-billing" && strings.HasPrefix(action, "invoice"):
		return lists("invoice", "agent-billing", "invoices", "invoice_id")
	case tool == "agent-billing" && strings.Contains(action, "payment-method"):
		return lists("saved card", "agent-billing", "payment-methods", "payment_method_id")
	case action == "confirm-checkout":
		return "no Checkout session with that session_id on this account: pass the session_id that the Checkout page or the action that made it returned, unchanged"
	case tool == "agent-wallet" && action == "payment-status":
		return "no payment with that payment_intent_id on this account: pass the pi_... id a fund, decline or 3-D Secure answer gave, unchanged"
	case tool == "agent-subscriptions":
		return lists("subscription or plan", "agent-subscriptions", "list", "subscription_id")
	}
	return ""
}

// flowError is a failure of the server's own making (browser login): its kind,
// what happened and the next step, as the model reads them.
type flowError struct {
	kind, message, next string
}

func (e *flowError) Error() string { return e.message }

// unavailableError is an action this server does not publish as configured:
// the cause is the server's mode, not the caller's parameter.
type unavailableError struct {
	tool, action, why, next string
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("%s %s is not available on this server: %s; nothing was sent to ModelsLab", e.tool, e.action, e.why)
}

// stepError is a failure in the middle of a multi-step action, with what it left behind.
type stepError struct {
	err  error
	note string
	next string // replaces the next step the error would suggest
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// maskSecret is the one mask style of this server: a Sanctum token keeps its
// id ("42|…abcd"), and a secret of 12 characters or more its last four.
func maskSecret(secret string) string {
	last := ""
	if len(secret) >= 12 { // a shorter secret would show too much of itself
		last = secret[len(secret)-4:]
	}
	if i := strings.IndexByte(secret, '|'); i > 0 && i < 21 {
		return secret[:i] + "|…" + last
	}
	return "…" + last
}

// anyToMask reports whether maskFields would mask anything in the valid JSON
// raw: the same walk, over the bytes (upstream.EachField splits without
// copying) instead of a decoded tree.
func anyToMask(raw json.RawMessage, names []string, owner string) bool {
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '"':
		if owner == "" {
			return false
		}
		s := []byte(raw[1 : len(raw)-1])
		if bytes.IndexByte(s, '\\') >= 0 {
			var u string
			if json.Unmarshal(raw, &u) != nil {
				return true // cannot happen for valid JSON; let the full walk decide
			}
			s = []byte(u)
		}
		return len(s) > 0 && !bytes.Contains(s, []byte("...")) && !bytes.Contains(s, []byte("…")) && !bytes.Contains(s, []byte("***"))
	case '{':
		found := false
		upstream.EachField(raw, func(k string, e json.RawMessage) bool {
			found = anyToMask(e, names, fieldOwner(k, owner, names))
			return !found
		})
		return found
	case '[':
		found := false
		upstream.EachItem(raw, func(e json.RawMessage) bool {
			found = anyToMask(e, names, owner)
			return !found
		})
		return found
	}
	return false
}

// fieldOwner is the secret field that the value of field k is under, inside
// an object that is under owner ("" for none).
func fieldOwner(k, owner string, names []string) string {
	switch {
	case slices.Contains(names, k):
		return k
	case owner != "" && !harmlessFields[k]:
		return owner
	}
	return ""
}

// harmlessFields are the fields of an object under a secret field that stay
// readable: they describe the secret without being it.
var harmlessFields = map[string]bool{"id": true, "name": true, "notes": true, "type": true,
	"created_at": true, "last_used_at": true, "expires_at": true}

// maskFields masks, at any depth of data, every string held by a field of
// one of the given names; in an object under such a field (api_key: {id,
// name, key}) every string but the plainly harmless ones. It returns the new
// data and the names it masked; data that is not JSON, or has nothing to
// mask, comes back unchanged.
func maskFields(raw json.RawMessage, names ...string) (json.RawMessage, []string) {
	if trimmed := bytes.TrimSpace(raw); json.Valid(trimmed) && !anyToMask(trimmed, names, "") {
		return raw, nil // the common case (ModelsLab masked them already), without decoding
	}
	return maskDecoded(raw, names)
}

// maskDecoded is maskFields on a decoded tree.
func maskDecoded(raw json.RawMessage, names []string) (json.RawMessage, []string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw, nil
	}
	var masked []string
	// owner is the secret field v is under ("" for none).
	var walk func(v any, owner string) any
	walk = func(v any, owner string) any {
		switch x := v.(type) {
		case string:
			// A value ModelsLab masked itself ("sk_...abcd") is no secret.
			if owner != "" && x != "" && !strings.Contains(x, "...") && !strings.Contains(x, "…") && !strings.Contains(x, "***") {
				if !slices.Contains(masked, owner) {
					masked = append(masked, owner)
				}
				return maskSecret(x)
			}
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e, fieldOwner(k, owner, names))
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e, owner)
			}
		}
		return v
	}
	v = walk(v, "")
	if len(masked) == 0 {
		return raw, nil
	}
	out, err := marshalText(v)
	if err != nil {
		return raw, nil
	}
	slices.Sort(masked)
	return out, masked
}

// UnknownTool is the result of a tools/call that names a tool this server does
// not publish: like an unknown action, it names the nearest published tool and
// lists them all, and for one of ours held back by --read-only or --toolsets,
// says why. published is what tools/list shows.
func UnknownTool(name string, published []string, f Filter) *mcp.CallToolResult {
	shown := name
	if len(shown) > 64 {
		shown = strings.ToValidUTF8(shown[:64], "") + "…"
	}
	info := errorInfo{Tool: shown, Kind: "unknown_tool",
		NextStep: "call one of the published tools: " + strings.Join(published, ", ") + " (tools/list shows their actions)"}
	info.Message = fmt.Sprintf("unknown tool %q", shown)
	for _, s := range Specs() {
		if s.Name == name && !slices.Contains(published, name) {
			info.Message = fmt.Sprintf("tool %s is not published by this server: %s", name, (&Deps{filter: f}).whyNot(name))
		}
	}
	if s := Suggest(name, published); len(s) > 0 && s[0] != name {
		info.Message += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(info.Message + "\nNext step: " + info.NextStep)},
		StructuredContent: errorBody{Error: info},
		IsError:           true,
	}
}
