// Package tools implements the five MCP tools: each action validates its input,
// calls one control-plane endpoint through the upstream client and shapes the
// answer into a tool result.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/schemas"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Credentials is where a call's bearer token comes from, and where a token that
// a login-like action returns goes. The server provides one per transport.
type Credentials interface {
	// Token returns the bearer token for the call in ctx, or "" when there is none.
	Token(ctx context.Context) upstream.Token
	// Adopt offers a token that login, verify-email, refresh or switch-account
	// returned; it reports whether later calls will use it.
	Adopt(ctx context.Context, tok upstream.Token) bool
	// Drop says tok was revoked (logout, logout-all, revoke of the current token).
	Drop(ctx context.Context, tok upstream.Token)
}

// Deps is what the tools need from the server.
type Deps struct {
	Client *upstream.Client
	Creds  Credentials
	// ObserveCall, when set, is called once per tool call when it ends (for
	// metrics). action is as the caller sent it: the observer must check it.
	// outcome is "ok", "panic" or the error kind of the result.
	ObserveCall func(tool, action, outcome string, d time.Duration)
	// RevealTokens returns bearer tokens and the default API key whole in
	// results; otherwise they are masked. Over HTTP without OAuth the token of
	// login, verify-email, refresh and switch-account is whole regardless: the
	// caller must send it back.
	RevealTokens bool
	// HTTP selects the wording of authentication hints: over HTTP the caller sends
	// a header, over stdio the server keeps the token.
	HTTP bool
	// OAuth (HTTP with --oauth): calls use the client's grant, never a token a
	// tool returned, so new ModelsLab tokens are always shown masked.
	OAuth  bool
	Logger zerolog.Logger

	// Browser login and confirmations (issue 11).

	// BrowserLogin runs agent-auth browser-login; nil means the action answers
	// BrowserLoginUnavailable (a server reached over the network).
	BrowserLogin *browserlogin.Manager
	// BrowserLoginUnavailable says why browser-login cannot work here and what
	// to do instead.
	BrowserLoginUnavailable string
	// Confirm is ConfirmAuto (ask before destructive actions where the client
	// declares form elicitation) or ConfirmNever; "" means auto.
	Confirm string
	// StateKey signs the requestState of confirmations; replicas behind one
	// load balancer share it. Empty: random per process.
	StateKey []byte
	// SandboxMail, set in sandbox mode only, returns the mail the sandbox
	// would have sent to an address ("" for every address), oldest first:
	// results of the actions that send mail then carry its made-up code in a
	// sandbox-only note.
	SandboxMail func(email string) []SandboxMail

	// MaxCharge is --max-charge: the largest single charge in USD an action
	// may ask for (fund, withdraw, charge-amount, a payment link, a plan's
	// price); 0 means DefaultMaxCharge.
	MaxCharge float64

	// What Build published, so that next steps name only actions that exist.
	filter    Filter
	published map[string]bool // "tool action"
}

// SandboxMail is one email of the sandbox's outbox.
type SandboxMail struct {
	Kind     string // verification, password_reset or team_invite
	To       string // the address, lower case
	Code     string // verification code or password-reset token
	InviteID string // team_invite only
}

// offers reports whether this server, as configured, publishes the action.
func (d *Deps) offers(tool, action string) bool { return d.published[tool+" "+action] }

// whyNot says why this server does not publish tool's writes, or the tool.
func (d *Deps) whyNot(tool string) string {
	for _, r := range registry {
		if r.name == tool && !slices.Contains(d.filter.Toolsets, r.toolset) {
			return fmt.Sprintf("the %s toolset is not enabled: --toolsets %s", r.toolset, strings.Join(d.filter.Toolsets, ","))
		}
	}
	if d.filter.ReadOnly {
		return "the server runs in read-only mode (--read-only), which publishes only the actions that change nothing"
	}
	return "not published"
}

// Filter selects what is published.
type Filter struct {
	// ReadOnly publishes and accepts only actions that change nothing.
	ReadOnly bool
	// Toolsets limits the tools to these toolsets (auth, tokens, profile,
	// api-keys, teams, usage, models, billing, wallet, subscriptions), where
	// "default" stands for the first five and "all" for every one; empty
	// means the default five.
	Toolsets []string
}

// Toolset names that stand for several.
const (
	ToolsetsDefault = "default" // the five account toolsets, what an empty list means
	ToolsetsAll     = "all"     // all ten, as the hosted server publishes
)

// Toolsets lists the valid toolset names, in declaration order.
func Toolsets() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.toolset
	}
	return out
}

// DefaultToolsets lists the toolsets published when none are named: the
// five account tools, as before issue 17, so nothing changes for today's users.
func DefaultToolsets() []string {
	return []string{"auth", "tokens", "profile", "api-keys", "teams"}
}

// ExpandToolsets resolves a --toolsets list to toolset names: empty or
// "default" is the five account toolsets, "all" is every toolset, and the
// names mix freely ("default,wallet"). Unknown names are an error naming the
// valid ones. The result is in declaration order, without repeats.
func ExpandToolsets(names []string) ([]string, error) {
	if len(names) == 0 {
		names = []string{ToolsetsDefault}
	}
	want := map[string]bool{}
	for _, n := range names {
		switch n = strings.ToLower(strings.TrimSpace(n)); {
		case n == ToolsetsDefault:
			for _, d := range DefaultToolsets() {
				want[d] = true
			}
		case n == ToolsetsAll:
			for _, d := range Toolsets() {
				want[d] = true
			}
		case slices.Contains(Toolsets(), n):
			want[n] = true
		default:
			hint := ""
			if n == "money" || n == "payments" { // a natural guess, and near "models"
				hint = "; what moves money is billing, wallet and subscriptions"
			} else if near := nearestNames(n, append(Toolsets(), ToolsetsDefault, ToolsetsAll)); len(near) > 0 {
				hint = "; did you mean " + near[0] + "?"
			}
			return nil, fmt.Errorf("unknown toolset %q (valid: %s, or %s for %s, or %s)%s", n,
				strings.Join(Toolsets(), ", "), ToolsetsDefault, strings.Join(DefaultToolsets(), ","), ToolsetsAll, hint)
		}
	}
	var out []string
	for _, ts := range Toolsets() {
		if want[ts] {
			out = append(out, ts)
		}
	}
	return out, nil
}

// handlerFunc runs one validated action.
type handlerFunc func(ctx context.Context, c *call) (*outcome, error)

// call is one tool call in flight.
type call struct {
	// ctx is the call's context, kept for the result shapers that adopt or drop tokens.
	ctx    context.Context
	deps   *Deps
	tool   string
	action string
	args   *Args
	token  upstream.Token
	client *upstream.Client
	// req is the MCP request: its inputResponses, requestState and progress token.
	req mcp.CallToolRequest
	// idem is the Idempotency-Key of a billing, wallet or subscription
	// mutation: the caller's idempotency_key, or one made for this call.
	idem string
	// raw is the call's arguments as sent, which a Checkout's state is signed over.
	raw map[string]any
	// reads caches what the money questions and the ceiling read; nil until
	// then, so that a call that moves no money pays one pointer for it.
	reads *moneyReads
}

// outcome is a successful action: the upstream data unabridged, plus notes for
// the model and the differences from the contract.
type outcome struct {
	data      json.RawMessage
	requestID string
	status    int
	notes     []string
	warnings  []upstream.Warning
	list      *listInfo
	path      string // of the upstream request the answer came from
	// result, when set, is the answer as is (an input request).
	result *mcp.CallToolResult
	// money, for a money answer: what the result says besides the data.
	money *moneyOut
}

// moneyOut is what a money answer's result says besides the data: the
// Idempotency-Key sent, whether ModelsLab replayed its first answer, and
// done=false for what is not done (3-D Secure, a page to pay on).
type moneyOut struct {
	idemKey string
	replay  bool
	done    *bool
}

// tool is one published tool.
type tool struct {
	spec      ToolSpec
	published map[string]ActionSpec
	disabled  map[string]bool
	// validator is built on the tool's first call, not at start-up: a run pays
	// only for the tools it calls (TestValidatorsOfEveryTool builds them all).
	validator func() (*Validator, error)
	rawSchema json.RawMessage
	deps      *Deps
	signer    stateSigner
}

// Build returns the tools to register, with their schemas, annotations and
// handlers. Only the published toolsets' tools are declared, and only their
// schemas read and validators built: a tool not published costs nothing.
func Build(deps Deps, f Filter) ([]mcpserver.ServerTool, error) {
	sets, err := ExpandToolsets(f.Toolsets)
	if err != nil {
		return nil, err
	}
	var specs []ToolSpec
	for _, r := range registry {
		if slices.Contains(sets, r.toolset) {
			specs = append(specs, declare(r.name))
		}
	}
	return build(deps, f, specs)
}

// build is Build over the given declarations (tests swap a handler).
func build(deps Deps, f Filter, specs []ToolSpec) ([]mcpserver.ServerTool, error) {
	sets, err := ExpandToolsets(f.Toolsets)
	if err != nil {
		return nil, err
	}
	f.Toolsets = sets
	d := deps
	if d.MaxCharge <= 0 {
		d.MaxCharge = DefaultMaxCharge
	}
	if len(d.StateKey) == 0 {
		d.StateKey = newStateSigner(nil).key // one random key for every tool
	}
	d.filter, d.published = f, map[string]bool{}
	for _, spec := range specs {
		if !slices.Contains(f.Toolsets, spec.Toolset) {
			continue
		}
		for _, a := range spec.Actions {
			if !f.ReadOnly || a.ReadOnly {
				d.published[spec.Name+" "+a.Name] = true
			}
		}
	}
	var out []mcpserver.ServerTool
	for _, spec := range specs {
		if !slices.Contains(f.Toolsets, spec.Toolset) {
			continue
		}
		t, err := newTool(&d, spec, f.ReadOnly)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue // nothing of this tool is left in read-only mode
		}
		out = append(out, mcpserver.ServerTool{Tool: t.definition(f.ReadOnly), Handler: t.handle})
	}
	return out, nil
}

func newTool(deps *Deps, spec ToolSpec, readOnly bool) (*tool, error) {
	raw, ok := schemas.Tool(spec.Name)
	if !ok {
		return nil, fmt.Errorf("tool %s: no schema in schemas/", spec.Name)
	}
	t := &tool{spec: spec, published: make(map[string]ActionSpec, len(spec.Actions)), disabled: map[string]bool{}, deps: deps, signer: newStateSigner(deps.StateKey)}
	kept := make([]ActionSpec, 0, len(spec.Actions)) // sized: an ActionSpec is large, regrowing copies them all
	for _, a := range spec.Actions {
		if a.Handler == nil {
			return nil, fmt.Errorf("tool %s: action %s has no handler", spec.Name, a.Name)
		}
		if readOnly && !a.ReadOnly {
			t.disabled[a.Name] = true
			continue
		}
		kept = append(kept, a)
		t.published[a.Name] = a
	}
	if len(kept) == 0 {
		return nil, nil
	}
	if len(kept) < len(spec.Actions) {
		var err error
		if raw, err = restrictSchema(raw, kept); err != nil {
			return nil, fmt.Errorf("tool %s: %w", spec.Name, err)
		}
	}
	published := spec
	published.Actions = kept
	published.Params = map[string]ParamSpec{}
	for _, a := range kept {
		for _, p := range slices.Concat(a.Required, a.Optional) {
			if r, ok := spec.Params[p]; ok {
				published.Params[p] = r
			}
		}
	}
	t.validator = sync.OnceValues(func() (*Validator, error) {
		v, err := NewValidator(published, raw)
		if err != nil {
			return nil, fmt.Errorf("tool %s: %w", spec.Name, err)
		}
		return v, nil
	})
	t.spec = published
	t.rawSchema = raw
	return t, nil
}

// definition is the tool as tools/list shows it. NewToolWithRawSchema leaves the
// annotations empty, so all four hints are set here, from the published actions.
func (t *tool) definition(readOnly bool) mcp.Tool {
	allRead := true
	for _, a := range t.spec.Actions {
		allRead = allRead && a.ReadOnly
	}
	desc := t.spec.Description
	if readOnly {
		// The description above names every action, those that move money
		// included: say which ones this server offers.
		names := make([]string, len(t.spec.Actions))
		for i, a := range t.spec.Actions {
			names[i] = strconv.Quote(a.Name)
		}
		desc += "\n\nThis server runs in read-only mode: only the actions that change nothing are available (" +
			strings.Join(names, ", ") + "); the others described above are refused, and nothing moves money."
	}
	if !t.deps.offers("agent-auth", "login") {
		// The descriptions say "Needs a logged-in session (agent-auth login)".
		from := "the token the server was started with (MODELSLAB_AGENT_TOKEN)"
		if t.deps.SandboxMail != nil {
			from = "the token the server was started with (in the sandbox, the demo account's, logged in at start)"
		}
		desc += "\n\nThis server does not publish agent-auth login: " + t.deps.whyNot("agent-auth") +
			". Calls use " + from + " or, over HTTP, the request's Authorization header."
	}
	def := mcp.NewToolWithRawSchema(t.spec.Name, desc, t.rawSchema)
	def.Annotations = mcp.ToolAnnotation{
		Title:           t.spec.Title,
		ReadOnlyHint:    mcp.ToBoolPtr(allRead),
		DestructiveHint: mcp.ToBoolPtr(!allRead),
		IdempotentHint:  mcp.ToBoolPtr(allRead),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	}
	return def
}

// handle is the tool's MCP handler. It never returns a Go error: every failure
// is a result with isError, which is what a model gets to read.
func (t *tool) handle(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, _ error) {
	start := time.Now()
	action := "?"
	log := func(outcome string, status int, requestID string) {
		// Failures at info; a success only at debug: a line per call cost a write
		// to stderr on the server and a read on the client for every call.
		level := zerolog.InfoLevel
		switch outcome {
		case "ok":
			level = zerolog.DebugLevel
		case "panic":
			level = zerolog.ErrorLevel
		}
		d := time.Since(start)
		// Metrics count every call, whether or not its log line is written.
		if t.deps.ObserveCall != nil {
			t.deps.ObserveCall(t.spec.Name, action, outcome, d)
		}
		ev := t.deps.Logger.WithLevel(level) // one event: an unused one is not returned to zerolog's pool
		if ev == nil {
			return
		}
		// The action is the caller's text until it is one of the tool's: a
		// value pasted there (a secret, a wall of text) stays out of the log.
		logged := action
		if _, ok := t.published[action]; !ok && !t.disabled[action] && action != "?" {
			logged = "unknown"
		}
		ev.Str("tool", t.spec.Name).Str("action", logged).Str("outcome", outcome).
			Int("upstream_status", status).Dur("duration", d).Str("request_id", requestID).Msg("tool call")
	}
	defer func() {
		if p := recover(); p != nil {
			// The stack goes to the log; the model gets a plain sentence.
			t.deps.Logger.Error().Str("tool", t.spec.Name).Str("action", action).
				Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("handler panic")
			log("panic", 0, "")
			res = internalErrorResult(t.spec.Name, action)
		}
	}()

	args, aerr := argumentsOf(req)
	if aerr == nil {
		// Before anything reads, echoes or logs a value: a card number is
		// refused without a trace of it (the action too may be one).
		if aerr = checkCardNumbers(t.deps, t.spec.Name, args); aerr != nil {
			res, info := errorResult(t.deps, t.spec.Name, action, aerr)
			log(info.Kind, 0, "")
			return res, nil
		}
	}
	if a, ok := args["action"].(string); ok {
		action = a
	}
	if aerr == nil && t.disabled[action] {
		aerr = &unavailableError{tool: t.spec.Name, action: action, why: t.deps.whyNot(t.spec.Name),
			next: "this tool offers here only " + strings.Join(t.actionNames(), ", ") +
				"; to " + action + ", whoever runs the server must restart it without --read-only"}
	}
	var a *Args
	if aerr == nil {
		v, err := t.validator()
		if err != nil {
			// The embedded schema disagrees with the declarations: a bug the
			// tests catch, logged here in case a build skipped them.
			t.deps.Logger.Error().Err(err).Str("tool", t.spec.Name).Msg("tool validator")
			log("internal", 0, "")
			return internalErrorResult(t.spec.Name, action), nil
		}
		if a, err = v.Validate(args); err != nil {
			aerr = err
		} else if spec := t.published[action]; spec.Check != nil {
			aerr = spec.Check(a)
		}
		if aerr == nil {
			aerr = t.checkCeiling(t.published[action], a)
		}
	}
	if aerr != nil {
		res, info := errorResult(t.deps, t.spec.Name, action, aerr)
		log(info.Kind, 0, "")
		return res, nil
	}

	spec := t.published[action]
	c := &call{ctx: ctx, deps: t.deps, tool: t.spec.Name, action: action, args: a, client: t.deps.Client, req: req, raw: args}
	if spec.NeedsToken {
		c.token = t.deps.Creds.Token(ctx)
		if c.token == "" {
			res, info := errorResult(t.deps, t.spec.Name, action, upstream.ErrNoToken)
			log(info.Kind, 0, "")
			return res, nil
		}
	}
	if slices.Contains(spec.Optional, "idempotency_key") {
		if c.idem = a.String("idempotency_key"); c.idem == "" {
			var amount *float64
			if spec.Money != nil {
				amount = a.FloatPtr(spec.Money.Ceiling)
			}
			c.idem = newIdempotencyKey(action, amount)
		}
	}
	// The second round of a Checkout (the person was sent to the page): it
	// was confirmed and sent in the first; now the server waits for the payment.
	if resume, ok := t.checkoutResume(c); ok {
		out, err := resume(ctx)
		if err != nil {
			res, info := errorResult(t.deps, t.spec.Name, action, err)
			log(info.Kind, info.Status, info.RequestID)
			return res, nil
		}
		log("ok", out.status, out.requestID)
		return successResult(action, out), nil
	}
	if err := t.checkPriceCeiling(ctx, c, spec); err != nil {
		res, info := errorResult(t.deps, t.spec.Name, action, err)
		log(info.Kind, 0, "")
		return res, nil
	}
	if ask, err := t.confirmStep(ctx, c, spec, req, args); ask != nil || err != nil {
		if err != nil {
			res, info := errorResult(t.deps, t.spec.Name, action, err)
			log(info.Kind, 0, "")
			return res, nil
		}
		log("confirmation_asked", 0, "")
		return ask, nil
	}
	sandboxMail := t.deps.SandboxMail != nil && spec.Mails != ""
	var outbox []SandboxMail
	if sandboxMail {
		outbox = t.deps.SandboxMail(mailAddress(a))
	}
	out, err := spec.Handler(ctx, c)
	if err == nil && sandboxMail {
		out.notes = append(out.notes, sandboxNote(t.deps, spec.Mails, mailAddress(a), outbox))
	}
	if err != nil {
		if c.idem != "" && mayHaveHappened(err) {
			err = &idemError{err: err, tool: t.spec.Name, action: action, key: c.idem}
		}
		res, info := errorResult(t.deps, t.spec.Name, action, err)
		log(info.Kind, info.Status, info.RequestID)
		return res, nil
	}
	if out.result != nil {
		log("input_required", 0, "")
		return out.result, nil
	}
	log("ok", out.status, out.requestID)
	for _, w := range out.warnings {
		// One line per surprise, so the first real user can report drift.
		rid := w.RequestID
		if rid == "" {
			rid = out.requestID
		}
		t.deps.Logger.Warn().Str("tool", t.spec.Name).Str("action", action).Str("path", w.Path).
			Str("request_id", rid).Str("field", w.Field).Stringer("expected", w.Expected).
			Stringer("got", w.Got).Msg("upstream answer differs from the contract")
	}
	return successResult(action, out), nil
}

func (t *tool) actionNames() []string {
	var names []string
	for _, a := range t.spec.Actions {
		names = append(names, a.Name)
	}
	return names
}

// argumentsOf returns the call's arguments as an object; anything else is bad input.
func argumentsOf(req mcp.CallToolRequest) (map[string]any, error) {
	switch a := req.Params.Arguments.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return a, nil
	}
	return nil, &InputError{Tool: req.Params.Name, Param: "arguments",
		Problem: fmt.Sprintf("arguments must be a JSON object, got %s", jsonKind(req.Params.Arguments)),
		Hint:    `pass an object such as {"action": "list"}`}
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// restrictSchema removes from a tool schema the actions not published, and the
// properties that only those actions used.
func restrictSchema(raw []byte, kept []ActionSpec) ([]byte, error) {
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	props, _ := s["properties"].(map[string]any)
	act, _ := props["action"].(map[string]any)
	if act == nil {
		return nil, fmt.Errorf("schema has no action property")
	}
	used := map[string]bool{"action": true}
	var names []any
	for _, a := range kept {
		names = append(names, a.Name)
		for _, p := range slices.Concat(a.Required, a.Optional) {
			used[p] = true
		}
	}
	act["enum"] = names
	for p := range props {
		if !used[p] {
			delete(props, p)
		}
	}
	return json.Marshal(s)
}

// fromResult turns a client answer into an outcome.
func fromResult[T any](res *upstream.Result[T], err error) (*outcome, error) {
	if err != nil {
		return nil, err
	}
	return &outcome{data: res.Raw, path: res.Path, requestID: res.RequestID, status: res.Status, warnings: res.Warnings}, nil
}

// fromList turns a list answer into an outcome that says how many items came
// and how to get the rest.
func fromList(res *upstream.Result[upstream.List], err error) (*outcome, error) {
	out, err := fromResult(res, err)
	if err != nil {
		return nil, err
	}
	l := res.Data
	out.list = &listInfo{Count: len(l.Items), ItemsAt: l.ItemsAt, Total: l.Total, Page: l.Page, LastPage: l.LastPage, More: l.More, NextPage: l.NextPage}
	switch {
	case l.More && l.NextPage > 0:
		out.notes = append(out.notes, fmt.Sprintf("The list goes on: this answer has %d items; call the same action with page: %d for the next ones.", len(l.Items), l.NextPage))
	case l.More:
		out.notes = append(out.notes, fmt.Sprintf("ModelsLab says the list goes on past these %d items, but gave no page number this server can ask for.", len(l.Items)))
	}
	return out, nil
}

// need records that the server could not read a field it needs.
func (o *outcome) need(field string, expected upstream.Kind, effect string) {
	o.warnings = needField(o.warnings, o.path, field, expected, effect)
}

// needField gives the warning of field (or a new one) the effect: what the
// server could not do without it.
func needField(ws []upstream.Warning, path, field string, expected upstream.Kind, effect string) []upstream.Warning {
	for i := range ws {
		if ws[i].Path == path && ws[i].Field == field {
			ws[i].Effect = effect
			return ws
		}
	}
	return append(ws, upstream.Warning{Path: path, Field: field, Expected: expected, Got: upstream.KindMissing, Effect: effect})
}

// listInfo is what a list result says about the list besides its items.
type listInfo struct {
	Count    int    `json:"count"`    // items in this answer
	ItemsAt  string `json:"items_at"` // where they are in the result, e.g. "data" or "data.items"
	Total    *int64 `json:"total,omitempty"`
	Page     *int64 `json:"page,omitempty"`
	LastPage *int64 `json:"last_page,omitempty"`
	More     bool   `json:"more"`
	NextPage int64  `json:"next_page,omitempty"`
}
