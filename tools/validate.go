package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// InputError reports arguments a model must fix. Its Error text is one
// sentence meant for the model: what is wrong with which parameter of which
// action, and what to send instead. It never contains the value of a secret
// parameter, and echoes other values only truncated.
type InputError struct {
	Tool    string // tool name, e.g. "agent-api-keys"
	Action  string // the action; empty when the action itself is missing or unknown
	Param   string // the offending parameter; empty for a rule over several ("at least one of")
	Problem string // what is wrong; follows the parameter name in Error
	Hint    string // what to do instead; may be empty
}

// Error renders "<tool> <action>: <param> <problem>; <hint>.".
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Tool)
	if e.Action != "" {
		b.WriteByte(' ')
		b.WriteString(e.Action)
	}
	b.WriteString(": ")
	if e.Param != "" {
		b.WriteString(e.Param)
		b.WriteByte(' ')
	}
	b.WriteString(e.Problem)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if s := b.String(); !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		b.WriteByte('.')
	}
	return b.String()
}

// maxSafeInt is 2^53-1: larger ids cannot round-trip through JSON numbers
// in every client, so they are rejected rather than silently rounded.
const maxSafeInt = 1<<53 - 1

// echoLimit is how many characters of a bad value an error may quote.
const echoLimit = 40

// actionSynonyms maps words models often use to this project's action names.
var actionSynonyms = map[string]string{
	"remove": "delete", "destroy": "delete", "del": "delete",
	"show": "get", "read": "get", "fetch": "get", "view": "get", "info": "get", "describe": "get",
	"ls": "list", "all": "list", "index": "list",
	"add": "create", "new": "create", "invite": "create", "make": "create",
	"edit": "update", "modify": "update", "patch": "update", "set": "update", "change": "update",
	"register": "signup", "sign-up": "signup", "signin": "login", "sign-in": "login", "log-in": "login",
	"signout": "logout", "sign-out": "logout", "log-out": "logout",
	"verify": "verify-email", "regenerate": "rotate", "roll": "rotate",
}

type paramKind uint8

const (
	paramString paramKind = iota + 1
	paramInteger
	paramNumber
	paramBoolean
	paramArray
)

// paramSchema is one property's constraints, parsed once from the schema.
type paramSchema struct {
	name      string
	idx       int
	kind      paramKind
	enum      []string
	format    string         // "" or "uuid"
	pattern   *regexp.Regexp // the schema's pattern, nil for none
	form      string         // ParamSpec.Form: the pattern in words
	min, max  float64
	hasMin    bool
	hasMax    bool
	maxLen    int // runes; -1 means none
	maxItems  int // -1 means none
	items     *paramSchema
	secret    bool
	multiline bool
	hint      string   // ParamSpec.Hint
	usedBy    []string // actions that take it, in spec order
}

type actionRule struct {
	spec     ActionSpec
	takes    []bool // by paramSchema.idx
	required []bool // by paramSchema.idx
	params   []*paramSchema
	req      []*paramSchema
	opt      []*paramSchema
}

// Validator checks one tool's arguments against its schema and action
// rules. It is built once at start-up; Validate does no schema parsing and
// is safe for concurrent use.
type Validator struct {
	tool        string
	actionNames []string // enum order
	actions     map[string]*actionRule
	params      map[string]*paramSchema
	paramList   []*paramSchema // by idx, sorted by name
	paramNames  []string       // sorted
}

// NewValidator parses schema (the tool's MCP input schema) and checks that
// it and spec describe the same tool: the action enum equals the spec's
// actions, every spec parameter is a schema property, every property is used
// by some action, and every constraint is one this validator enforces.
func NewValidator(spec ToolSpec, schema []byte) (*Validator, error) {
	if spec.Name == "" {
		return nil, fmt.Errorf("tools: spec without a name")
	}
	fail := func(format string, a ...any) (*Validator, error) {
		return nil, fmt.Errorf("tools: %s: "+format, append([]any{spec.Name}, a...)...)
	}
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return fail("schema is not a JSON object: %v", err)
	}
	if dec.More() {
		return fail("trailing data after the schema")
	}
	for k := range root {
		switch k {
		case "type", "properties", "required", "additionalProperties":
		default:
			// Combinators, $ref and $schema are unportable and not enforced here.
			return fail("schema root has unsupported keyword %q", k)
		}
	}
	if root["type"] != "object" {
		return fail(`schema root type must be "object"`)
	}
	if root["additionalProperties"] != false {
		return fail("schema root must set additionalProperties to false")
	}
	if req, _ := root["required"].([]any); len(req) != 1 || req[0] != "action" {
		return fail(`schema root must require exactly ["action"]`)
	}
	props, ok := root["properties"].(map[string]any)
	if !ok {
		return fail("schema has no properties object")
	}

	actionProp, ok := props["action"].(map[string]any)
	if !ok {
		return fail("schema has no action property")
	}
	if actionProp["type"] != "string" {
		return fail("action must be a string")
	}
	if d, _ := actionProp["description"].(string); d == "" {
		return fail("action has no description")
	}
	rawEnum, _ := actionProp["enum"].([]any)
	if len(rawEnum) == 0 {
		return fail("action has no enum")
	}
	v := &Validator{tool: spec.Name, actions: map[string]*actionRule{}, params: map[string]*paramSchema{}}
	for _, e := range rawEnum {
		s, ok := e.(string)
		if !ok || s == "" || slices.Contains(v.actionNames, s) {
			return fail("action enum has a bad or duplicate value %v", e)
		}
		v.actionNames = append(v.actionNames, s)
	}

	for name, raw := range props {
		if name == "action" {
			continue
		}
		m, ok := raw.(map[string]any)
		if !ok {
			return fail("property %s is not an object", name)
		}
		p, err := parseParamSchema(name, m, false)
		if err != nil {
			return fail("%v", err)
		}
		rule := spec.Params[name]
		for _, q := range []*paramSchema{p, p.items} {
			if q == nil {
				continue
			}
			q.secret, q.multiline, q.hint, q.form = rule.Secret, rule.Multiline, rule.Hint, rule.Form
			if q.pattern != nil && q.form == "" {
				return fail("property %s has a pattern but its ParamSpec no Form to explain it", name)
			}
		}
		v.params[name] = p
		v.paramNames = append(v.paramNames, name)
	}
	slices.Sort(v.paramNames)
	for i, n := range v.paramNames {
		p := v.params[n]
		p.idx = i
		v.paramList = append(v.paramList, p)
	}

	for _, a := range spec.Actions {
		if !slices.Contains(v.actionNames, a.Name) {
			return fail("action %q is in the spec but not in the schema enum", a.Name)
		}
		if v.actions[a.Name] != nil {
			return fail("action %q is declared twice", a.Name)
		}
		if a.AtLeastOne && len(a.Optional) == 0 {
			return fail("action %q has AtLeastOne but no optional parameters", a.Name)
		}
		r := &actionRule{spec: a, takes: make([]bool, len(v.paramList)), required: make([]bool, len(v.paramList))}
		for i, n := range slices.Concat(a.Required, a.Optional) {
			p := v.params[n]
			if p == nil {
				return fail("action %q uses %q, which is not a schema property", a.Name, n)
			}
			if r.takes[p.idx] {
				return fail("action %q lists %q twice", a.Name, n)
			}
			r.takes[p.idx] = true
			r.params = append(r.params, p)
			if i < len(a.Required) {
				r.required[p.idx] = true
				r.req = append(r.req, p)
			} else {
				r.opt = append(r.opt, p)
			}
			p.usedBy = append(p.usedBy, a.Name)
		}
		v.actions[a.Name] = r
	}
	for _, n := range v.actionNames {
		if v.actions[n] == nil {
			return fail("action %q is in the schema enum but not in the spec", n)
		}
	}
	for _, p := range v.paramList {
		if len(p.usedBy) == 0 {
			return fail("property %q is used by no action", p.name)
		}
	}
	for name := range spec.Params {
		if v.params[name] == nil {
			return fail("Params declares %q, which is not a schema property", name)
		}
	}
	return v, nil
}

// parseParamSchema reads one property (or array items) schema, refusing
// keywords Validate would not enforce.
func parseParamSchema(name string, m map[string]any, isItems bool) (*paramSchema, error) {
	p := &paramSchema{name: name, maxLen: -1, maxItems: -1}
	switch m["type"] {
	case "string":
		p.kind = paramString
	case "integer":
		p.kind = paramInteger
	case "number":
		p.kind = paramNumber
	case "boolean":
		p.kind = paramBoolean
	case "array":
		if isItems {
			return nil, fmt.Errorf("property %s: nested arrays are not supported", name)
		}
		p.kind = paramArray
	default:
		return nil, fmt.Errorf("property %s: unsupported type %v", name, m["type"])
	}
	if d, _ := m["description"].(string); d == "" && !isItems {
		return nil, fmt.Errorf("property %s has no description", name)
	}
	intKW := func(k string) (int, error) {
		n, ok := m[k].(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < 0 {
			return 0, fmt.Errorf("property %s: %s must be a non-negative integer", name, k)
		}
		return i, nil
	}
	numKW := func(k string) (float64, error) {
		n, ok := m[k].(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			return 0, fmt.Errorf("property %s: %s must be a number", name, k)
		}
		return f, nil
	}
	for k, val := range m {
		var err error
		switch {
		case k == "type" || k == "description":
		case k == "enum" && p.kind == paramString:
			list, _ := val.([]any)
			for _, e := range list {
				s, ok := e.(string)
				if !ok || slices.Contains(p.enum, s) {
					return nil, fmt.Errorf("property %s: enum values must be distinct strings", name)
				}
				p.enum = append(p.enum, s)
			}
			if len(p.enum) == 0 {
				return nil, fmt.Errorf("property %s: empty enum", name)
			}
		case k == "format" && p.kind == paramString:
			if val != "uuid" {
				return nil, fmt.Errorf("property %s: unsupported format %v", name, val)
			}
			p.format = "uuid"
		case k == "pattern" && p.kind == paramString:
			// Patterns are kept to the syntax RE2 and ECMA-262 read alike.
			src, _ := val.(string)
			if p.pattern, err = regexp.Compile(src); err != nil {
				return nil, fmt.Errorf("property %s: pattern: %v", name, err)
			}
		case k == "maxLength" && p.kind == paramString:
			p.maxLen, err = intKW(k)
		case k == "minimum" && (p.kind == paramInteger || p.kind == paramNumber):
			p.min, err = numKW(k)
			p.hasMin = true
		case k == "maximum" && (p.kind == paramInteger || p.kind == paramNumber):
			p.max, err = numKW(k)
			p.hasMax = true
		case k == "maxItems" && p.kind == paramArray:
			p.maxItems, err = intKW(k)
		case k == "items" && p.kind == paramArray:
			im, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("property %s: items must be an object", name)
			}
			p.items, err = parseParamSchema(name, im, true)
			if err == nil && p.items.kind != paramString {
				err = fmt.Errorf("property %s: only string items are supported", name)
			}
		default:
			return nil, fmt.Errorf("property %s: keyword %q is not supported for type %v", name, k, m["type"])
		}
		if err != nil {
			return nil, err
		}
	}
	if p.kind == paramArray && p.items == nil {
		return nil, fmt.Errorf("property %s: array without items", name)
	}
	return p, nil
}

// argValue is one validated, typed argument.
type argValue struct {
	set bool
	s   string
	i   int64
	f   float64
	b   bool
	ss  []string
}

// Args holds the validated arguments of one call. Accessors return the zero
// value for an absent parameter (or a name the tool does not have).
type Args struct {
	action string
	v      *Validator
	vals   []argValue // by paramSchema.idx
}

func (a *Args) get(name string) *argValue {
	if a == nil || a.v == nil {
		return nil
	}
	p := a.v.params[name]
	if p == nil || !a.vals[p.idx].set {
		return nil
	}
	return &a.vals[p.idx]
}

// Action returns the validated action name.
func (a *Args) Action() string {
	if a == nil {
		return ""
	}
	return a.action
}

// Has reports whether the parameter was given (a JSON null counts as absent).
func (a *Args) Has(name string) bool { return a.get(name) != nil }

// String returns a string parameter, or "" when absent.
func (a *Args) String(name string) string {
	if v := a.get(name); v != nil {
		return v.s
	}
	return ""
}

// StringPtr returns a string parameter, or nil when absent.
func (a *Args) StringPtr(name string) *string {
	if v := a.get(name); v != nil {
		s := v.s
		return &s
	}
	return nil
}

// Int returns an integer parameter, or 0 when absent.
func (a *Args) Int(name string) int64 {
	if v := a.get(name); v != nil {
		return v.i
	}
	return 0
}

// IntPtr returns an integer parameter, or nil when absent.
func (a *Args) IntPtr(name string) *int64 {
	if v := a.get(name); v != nil {
		i := v.i
		return &i
	}
	return nil
}

// Bool returns a boolean parameter, or false when absent.
func (a *Args) Bool(name string) bool {
	if v := a.get(name); v != nil {
		return v.b
	}
	return false
}

// BoolPtr returns a boolean parameter, or nil when absent.
func (a *Args) BoolPtr(name string) *bool {
	if v := a.get(name); v != nil {
		b := v.b
		return &b
	}
	return nil
}

// Float returns a number (or integer) parameter, or 0 when absent.
func (a *Args) Float(name string) float64 {
	if v := a.get(name); v != nil {
		return v.f
	}
	return 0
}

// FloatPtr returns a number (or integer) parameter, or nil when absent.
func (a *Args) FloatPtr(name string) *float64 {
	if v := a.get(name); v != nil {
		f := v.f
		return &f
	}
	return nil
}

// Strings returns a copy of an array parameter: nil when absent, empty
// (non-nil) when given as [].
func (a *Args) Strings(name string) []string {
	if v := a.get(name); v != nil {
		return slices.Clone(v.ss)
	}
	return nil
}

// Validate checks args (a JSON-decoded tools/call arguments object, numbers
// as float64 or json.Number) and returns the typed arguments. Any error is
// an *InputError. A JSON null counts as an absent parameter.
func (v *Validator) Validate(args map[string]any) (*Args, error) {
	raw := args["action"]
	if raw == nil {
		return nil, &InputError{Tool: v.tool, Param: "action", Problem: "is required",
			Hint: "use one of: " + strings.Join(v.actionNames, ", ")}
	}
	name, ok := raw.(string)
	if !ok {
		return nil, &InputError{Tool: v.tool, Param: "action",
			Problem: "must be a string naming the action, not " + describeJSONType(raw),
			Hint:    "use one of: " + strings.Join(v.actionNames, ", ")}
	}
	rule := v.actions[name]
	if rule == nil {
		hint := "use one of: " + strings.Join(v.actionNames, ", ")
		if s := v.suggestAction(name); s != "" {
			hint = "did you mean `" + s + "`? Valid actions: " + strings.Join(v.actionNames, ", ")
		}
		return nil, &InputError{Tool: v.tool, Param: "action",
			Problem: "is not an action of " + v.tool + " (got " + echoString(name) + ")", Hint: hint}
	}

	// Names first, each error for the alphabetically first offender so
	// that the message does not depend on map iteration order.
	var unknown, foreign string
	var haveUnknown, haveForeign bool
	for k, val := range args {
		if k == "action" || val == nil {
			continue
		}
		p := v.params[k]
		switch {
		case p == nil:
			if !haveUnknown || k < unknown {
				unknown, haveUnknown = k, true
			}
		case !rule.takes[p.idx]:
			if !haveForeign || k < foreign {
				foreign, haveForeign = k, true
			}
		}
	}
	if haveUnknown {
		return nil, v.unknownParamError(rule, unknown)
	}
	if haveForeign {
		p := v.params[foreign]
		return nil, &InputError{Tool: v.tool, Action: name, Param: foreign,
			Problem: "is not a parameter of " + name,
			Hint:    "it is used by " + strings.Join(p.usedBy, ", ") + "; " + takesText(rule)}
	}

	a := &Args{action: name, v: v, vals: make([]argValue, len(v.paramList))}
	for _, p := range rule.params {
		val := args[p.name]
		if val == nil {
			continue
		}
		if e := checkValue(p, val, rule.required[p.idx], &a.vals[p.idx]); e != nil {
			e.Tool, e.Action = v.tool, name
			if e.Param == "" {
				e.Param = p.name
			}
			return nil, e
		}
	}
	for _, p := range rule.req {
		if !a.vals[p.idx].set {
			return nil, &InputError{Tool: v.tool, Action: name, Param: p.name,
				Problem: "is required for " + name, Hint: missingHint(rule, p)}
		}
	}
	if rule.spec.AtLeastOne {
		given := false
		for _, p := range rule.opt {
			given = given || a.vals[p.idx].set
		}
		if !given {
			return nil, &InputError{Tool: v.tool, Action: name,
				Problem: "needs at least one of " + strings.Join(rule.spec.Optional, ", "),
				Hint:    "pass only the values to change"}
		}
	}
	return a, nil
}

func (v *Validator) suggestAction(got string) string {
	if s, ok := actionSynonyms[strings.ToLower(got)]; ok && v.actions[s] != nil {
		return s
	}
	if n := nearestNames(got, v.actionNames); len(n) > 0 {
		return strings.Join(n, "` or `")
	}
	return ""
}

func (v *Validator) unknownParamError(rule *actionRule, k string) *InputError {
	e := &InputError{Tool: v.tool, Action: rule.spec.Name, Param: displayName(k),
		Problem: "is not a parameter of " + v.tool}
	own := make([]string, 0, len(rule.params))
	for _, p := range rule.params {
		own = append(own, p.name)
	}
	// Prefer what this action takes; fall back to the whole tool.
	sug := nearestNames(k, own)
	if len(sug) == 0 {
		sug = nearestNames(k, v.paramNames)
	}
	if len(sug) > 0 {
		e.Hint = "did you mean `" + strings.Join(sug, "` or `") + "`?"
	} else {
		e.Hint = takesText(rule)
	}
	return e
}

func takesText(rule *actionRule) string {
	if len(rule.params) == 0 {
		return rule.spec.Name + " takes no parameters besides action"
	}
	names := make([]string, len(rule.params))
	for i, p := range rule.params {
		names[i] = p.name
	}
	return rule.spec.Name + " takes: " + strings.Join(names, ", ")
}

func missingHint(rule *actionRule, p *paramSchema) string {
	if h := p.hint; h != "" {
		return h
	}
	names := make([]string, len(rule.req))
	for i, q := range rule.req {
		names[i] = q.name
	}
	return rule.spec.Name + " needs " + strings.Join(names, ", ")
}

// checkValue validates one non-null value and stores it in out. The
// returned error lacks Tool and Action, which the caller fills in.
func checkValue(p *paramSchema, val any, required bool, out *argValue) *InputError {
	switch p.kind {
	case paramString:
		s, ok := val.(string)
		if !ok {
			return typeError(p, val)
		}
		if s == "" && required {
			return &InputError{Problem: "is required and must not be empty", Hint: p.hint}
		}
		if e := checkString(p, s); e != nil {
			return e
		}
		out.s = s
	case paramInteger:
		n, e := toInteger(p, val)
		if e != nil {
			return e
		}
		out.i, out.f = n, float64(n)
	case paramNumber:
		f, e := toNumber(p, val)
		if e != nil {
			return e
		}
		out.f = f
	case paramBoolean:
		b, ok := val.(bool)
		if s, isStr := val.(string); isStr {
			// "true" can only mean true: accept what a model means unambiguously.
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true":
				b, ok = true, true
			case "false":
				b, ok = false, true
			}
		}
		if !ok {
			return typeError(p, val)
		}
		out.b = b
	case paramArray:
		ss, e := toStrings(p, val)
		if e != nil {
			return e
		}
		out.ss = ss
	}
	out.set = true
	return nil
}

// checkString applies the text rules, length, enum and format.
func checkString(p *paramSchema, s string) *InputError {
	if p.format == "uuid" && !canonicalUUID(s) {
		// Before the length check: "{uuid}" or a missing hyphen is a shape
		// mistake, and the shape error says how to fix it.
		return uuidError(p, s)
	}
	if p.maxLen >= 0 && len(s) > p.maxLen { // bytes >= runes, so this is a cheap pre-check
		if n := utf8.RuneCountInString(s); n > p.maxLen {
			return &InputError{Problem: fmt.Sprintf("is too long: %d characters, at most %d allowed", n, p.maxLen), Hint: "shorten it"}
		}
	}
	if !utf8.ValidString(s) {
		return &InputError{Problem: "is not valid UTF-8 text", Hint: "send the text UTF-8 encoded"}
	}
	pos := 0
	for _, r := range s {
		pos++
		if r >= 0x20 && r < 0x7F {
			continue // fast path for ASCII text
		}
		where := ""
		if !p.secret && (r < 0x20 || r == utf8.RuneError || unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)) {
			where = fmt.Sprintf(" at character %d", pos)
		}
		switch {
		case r == utf8.RuneError:
			return &InputError{Problem: "contains the replacement character U+FFFD" + where,
				Hint: "the text was mis-encoded somewhere; send the original characters"}
		case (r == '\n' || r == '\t') && p.multiline:
		case r == '\n' || r == '\r' || r == '\t':
			h := "send it on one line"
			if p.multiline {
				h = "use \\n for line breaks"
			}
			return &InputError{Problem: fmt.Sprintf("contains a line break or tab (%U)%s", r, where), Hint: h}
		case unicode.IsControl(r):
			return &InputError{Problem: fmt.Sprintf("contains the control character %U%s", r, where), Hint: "remove it"}
		case (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			// Bidirectional overrides make text display differently from
			// what it is (spoofed names); nothing here needs them.
			return &InputError{Problem: fmt.Sprintf("contains the invisible bidirectional control %U%s", r, where), Hint: "remove it"}
		}
	}
	if p.enum != nil {
		if slices.Contains(p.enum, s) {
			return nil
		}
		e := &InputError{Problem: "must be one of " + strings.Join(p.enum, ", ") + " (got " + echoValue(p, s) + ")"}
		if sug := nearestNames(s, p.enum); len(sug) > 0 && !p.secret {
			e.Hint = "did you mean `" + strings.Join(sug, "` or `") + "`?"
		}
		return e
	}
	if p.pattern != nil && !p.pattern.MatchString(s) {
		e := &InputError{Problem: "must be " + p.form + " (got " + echoValue(p, s) + ")", Hint: p.hint}
		if p.secret {
			e.Problem = "must be " + p.form
		}
		return e
	}
	return nil
}

func uuidError(p *paramSchema, s string) *InputError {
	h := p.hint
	if h == "" {
		h = "pass the UUID unchanged"
	}
	return &InputError{Problem: "must be a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex (got " + echoValue(p, s) + ")", Hint: h}
}

func toInteger(p *paramSchema, val any) (int64, *InputError) {
	var f float64
	var n int64
	exact := false // n holds the value exactly (f may be rounded)
	switch x := val.(type) {
	case float64:
		f = x
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			n, f, exact = i, float64(i), true
		} else if g, err := strconv.ParseFloat(string(x), 64); err == nil || isRangeErr(err) {
			f = g // ±Inf on overflow, caught below
		} else {
			return 0, typeError(p, val)
		}
	case int:
		n, f, exact = int64(x), float64(x), true
	case int64:
		n, f, exact = x, float64(x), true
	case int32:
		n, f, exact = int64(x), float64(x), true
	case uint64:
		if x > math.MaxInt64 {
			f = float64(x)
		} else {
			n, f, exact = int64(x), float64(x), true
		}
	case string:
		// "12" can only mean 12. Only an optional sign and digits: "1/../me"
		// or "0x10" stay refused, so a path parameter is still just a number.
		t := strings.TrimSpace(x)
		digits := strings.TrimPrefix(t, "-")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return 0, typeError(p, val)
		}
		i, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return 0, rangeError(p, val, !strings.HasPrefix(t, "-"))
		}
		n, f, exact = i, float64(i), true
	default:
		return 0, typeError(p, val)
	}
	if math.IsNaN(f) {
		return 0, typeError(p, val)
	}
	if !exact {
		if math.IsInf(f, 0) || math.Abs(f) > maxSafeInt {
			return 0, rangeError(p, val, f > 0)
		}
		if f != math.Trunc(f) {
			return 0, &InputError{Problem: "must be " + expectText(p) + ", not a fraction (got " + echoValue(p, val) + ")", Hint: hintFor(p)}
		}
		n = int64(f)
	}
	switch {
	case n < -maxSafeInt || (p.hasMin && float64(n) < p.min):
		return 0, rangeError(p, val, false)
	case n > maxSafeInt || (p.hasMax && float64(n) > p.max):
		return 0, rangeError(p, val, true)
	}
	return n, nil
}

func toNumber(p *paramSchema, val any) (float64, *InputError) {
	var f float64
	switch x := val.(type) {
	case float64:
		f = x
	case json.Number:
		g, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return 0, typeError(p, val)
		}
		f = g
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case string:
		// "10.5" can only mean 10.5; "NaN", "Inf" and hex floats are refused.
		t := strings.TrimSpace(x)
		g, err := strconv.ParseFloat(t, 64)
		if err != nil || strings.ContainsAny(strings.ToLower(t), "nix") {
			return 0, typeError(p, val)
		}
		f = g
	default:
		return 0, typeError(p, val)
	}
	switch {
	case math.IsNaN(f):
		return 0, typeError(p, val)
	case math.IsInf(f, -1) || (p.hasMin && f < p.min):
		return 0, rangeError(p, val, false)
	case math.IsInf(f, 1) || (p.hasMax && f > p.max):
		return 0, rangeError(p, val, true)
	}
	return f, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func toStrings(p *paramSchema, val any) ([]string, *InputError) {
	var n int
	switch x := val.(type) {
	case []any:
		n = len(x)
	case []string:
		n = len(x)
	default:
		return nil, typeError(p, val)
	}
	if p.maxItems >= 0 && n > p.maxItems {
		return nil, &InputError{Problem: fmt.Sprintf("has %d items, at most %d allowed", n, p.maxItems), Hint: "send fewer"}
	}
	out := make([]string, n)
	for i := range n {
		var s string
		switch x := val.(type) {
		case []any:
			str, ok := x[i].(string)
			if !ok {
				return nil, &InputError{Problem: fmt.Sprintf("item %d must be a string, not %s", i+1, describeJSONType(x[i])), Hint: hintFor(p)}
			}
			s = str
		case []string:
			s = x[i]
		}
		if e := checkString(p.items, s); e != nil {
			e.Problem = fmt.Sprintf("item %d %s", i+1, e.Problem)
			return nil, e
		}
		out[i] = s
	}
	return out, nil
}

// typeError reports a value of the wrong JSON type.
func typeError(p *paramSchema, val any) *InputError {
	problem := "must be " + expectText(p) + ", not " + describeJSONType(val)
	switch val.(type) {
	case string, float64, json.Number, bool:
		if !p.secret {
			problem += " (got " + echoValue(p, val) + ")"
		}
	}
	hint := hintFor(p)
	if s, ok := val.(string); ok {
		switch p.kind {
		case paramInteger, paramNumber:
			if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				hint = "send the number without quotes"
			}
		case paramArray:
			hint = "wrap it in a JSON array, e.g. [" + exampleItem(p) + "]"
		}
	}
	return &InputError{Problem: problem, Hint: hint}
}

// rangeError reports a number outside the allowed range: below the minimum
// reads like a type error ("must be a positive integer"), above the maximum
// names the maximum.
func rangeError(p *paramSchema, val any, tooBig bool) *InputError {
	problem := "must be " + expectText(p)
	if tooBig {
		limit := strconv.FormatInt(maxSafeInt, 10)
		if p.hasMax && p.max < maxSafeInt {
			limit = strconv.FormatFloat(p.max, 'g', -1, 64)
		}
		problem = "must be at most " + limit
	}
	return &InputError{Problem: problem + " (got " + echoValue(p, val) + ")", Hint: hintFor(p)}
}

func expectText(p *paramSchema) string {
	switch p.kind {
	case paramInteger:
		switch {
		case p.hasMin && p.min == 1:
			return "a positive integer"
		case p.hasMin:
			return "an integer of at least " + strconv.FormatFloat(p.min, 'g', -1, 64)
		}
		return "an integer"
	case paramNumber:
		switch {
		case p.hasMin && p.min == 0:
			return "a number of at least 0"
		case p.hasMin:
			return "a number of at least " + strconv.FormatFloat(p.min, 'g', -1, 64)
		}
		return "a number"
	case paramBoolean:
		return "true or false"
	case paramArray:
		return "an array of strings"
	}
	switch {
	case p.enum != nil:
		return "one of " + strings.Join(p.enum, ", ")
	case p.format == "uuid":
		return "a UUID string"
	case p.form != "":
		return p.form + " string"
	}
	return "a string"
}

func hintFor(p *paramSchema) string {
	if h := p.hint; h != "" {
		return h
	}
	switch p.kind {
	case paramInteger:
		return "send a whole number without quotes"
	case paramNumber:
		return "send a number without quotes"
	case paramBoolean:
		return "send true or false without quotes"
	case paramArray:
		return "send a JSON array of strings, e.g. [" + exampleItem(p) + "]"
	}
	return "send a JSON string"
}

func exampleItem(p *paramSchema) string {
	if p.items != nil && len(p.items.enum) > 1 {
		return strconv.Quote(p.items.enum[1])
	}
	return `"value"`
}

func describeJSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32, json.Number, int, int64, int32, uint64:
		return "a number"
	case []any, []string:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// echoValue quotes a bad value for an error message: never a secret, at
// most echoLimit characters, control characters escaped.
func echoValue(p *paramSchema, v any) string {
	if p.secret {
		return "a hidden value"
	}
	switch x := v.(type) {
	case string:
		return echoString(x)
	case json.Number:
		return truncateRunes(string(x))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e21 {
			return strconv.FormatFloat(x, 'f', -1, 64) // 9007199254740992, not 9.007199254740992e+15
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return describeJSONType(v)
}

func echoString(s string) string {
	if !utf8.ValidString(s) {
		return "text that is not valid UTF-8"
	}
	return strconv.Quote(truncateRunes(s))
}

func truncateRunes(s string) string {
	n := 0
	for i := range s {
		if n == echoLimit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// displayName renders an unknown parameter name: as is when it looks like
// an identifier, otherwise quoted and truncated.
func displayName(k string) string {
	if len(k) > 0 && len(k) <= echoLimit {
		plain := true
		for _, r := range k {
			if !(r == '_' || r == '-' || r == '.' || r == ':' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
				plain = false
				break
			}
		}
		if plain {
			return k
		}
	}
	return echoString(k)
}

// canonicalUUID accepts 8-4-4-4-12 hex digits (either case), nothing else:
// no braces, no urn: prefix, no missing hyphens.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
