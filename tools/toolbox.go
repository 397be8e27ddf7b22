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
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/schemas"
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
	// RevealTokens returns bearer tokens whole in results; otherwise they are masked.
	RevealTokens bool
	// HTTP selects the wording of authentication hints: over HTTP the caller sends
	// a header, over stdio the server keeps the token.
	HTTP   bool
	Logger zerolog.Logger
}

// Filter selects what is published.
type Filter struct {
	// ReadOnly publishes and accepts only actions that change nothing.
	ReadOnly bool
	// Toolsets limits the tools to these toolsets (auth, tokens, profile,
	// api-keys, teams); empty means all.
	Toolsets []string
}

// Toolsets lists the valid toolset names.
func Toolsets() []string {
	var out []string
	for _, s := range Specs() {
		out = append(out, s.Toolset)
	}
	return out
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
}

// tool is one published tool.
type tool struct {
	spec      ToolSpec
	published map[string]ActionSpec
	disabled  map[string]bool
	validator *Validator
	rawSchema json.RawMessage
	deps      *Deps
}

// Build returns the tools to register, with their schemas, annotations and handlers.
func Build(deps Deps, f Filter) ([]mcpserver.ServerTool, error) {
	return build(deps, f, Specs())
}

// build is Build over the given declarations (tests swap a handler).
func build(deps Deps, f Filter, specs []ToolSpec) ([]mcpserver.ServerTool, error) {
	for _, ts := range f.Toolsets {
		if !slices.Contains(Toolsets(), ts) {
			return nil, fmt.Errorf("unknown toolset %q (valid: %s)", ts, strings.Join(Toolsets(), ", "))
		}
	}
	d := deps
	var out []mcpserver.ServerTool
	for _, spec := range specs {
		if len(f.Toolsets) > 0 && !slices.Contains(f.Toolsets, spec.Toolset) {
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
	t := &tool{spec: spec, published: map[string]ActionSpec{}, disabled: map[string]bool{}, deps: deps}
	var kept []ActionSpec
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
	v, err := NewValidator(published, raw)
	if err != nil {
		return nil, fmt.Errorf("tool %s: %w", spec.Name, err)
	}
	t.validator = v
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
		desc += "\n\nThis server runs in read-only mode: only the actions that change nothing are available."
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
		ev := t.deps.Logger.WithLevel(level) // one event: an unused one is not returned to zerolog's pool
		if ev == nil {
			return
		}
		ev.Str("tool", t.spec.Name).Str("action", action).Str("outcome", outcome).
			Int("upstream_status", status).Dur("duration", time.Since(start)).Str("request_id", requestID).Msg("tool call")
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
	if a, ok := args["action"].(string); ok {
		action = a
	}
	if aerr == nil && t.disabled[action] {
		aerr = &InputError{Tool: t.spec.Name, Action: action, Param: "action",
			Problem: fmt.Sprintf("action %q is not available because the server runs in read-only mode", action),
			Hint:    "use one of: " + strings.Join(t.actionNames(), ", ")}
	}
	var a *Args
	if aerr == nil {
		var err error
		if a, err = t.validator.Validate(args); err != nil {
			aerr = err
		}
	}
	if aerr != nil {
		res, info := errorResult(t.deps, t.spec.Name, action, aerr)
		log(info.Kind, 0, "")
		return res, nil
	}

	spec := t.published[action]
	c := &call{ctx: ctx, deps: t.deps, tool: t.spec.Name, action: action, args: a, client: t.deps.Client}
	if spec.NeedsToken {
		c.token = t.deps.Creds.Token(ctx)
		if c.token == "" {
			res, info := errorResult(t.deps, t.spec.Name, action, upstream.ErrNoToken)
			log(info.Kind, 0, "")
			return res, nil
		}
	}
	out, err := spec.Handler(ctx, c)
	if err != nil {
		res, info := errorResult(t.deps, t.spec.Name, action, err)
		log(info.Kind, info.Status, info.RequestID)
		return res, nil
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
