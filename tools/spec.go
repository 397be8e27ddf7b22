package tools

// A tool is declared once, in its own file (auth.go, tokens.go, ...): its
// description, its parameters' local rules and every action with its
// handler. The JSON Schema in schemas/ holds the types and descriptions a
// client sees; NewValidator checks at start-up that both agree.

// ActionSpec declares one action: which parameters it takes, what it may do,
// and the handler that runs it once its arguments are valid.
type ActionSpec struct {
	Name       string
	Required   []string
	Optional   []string
	AtLeastOne bool // at least one Optional param must be given
	ReadOnly   bool // changes nothing upstream (published in read-only mode)
	NeedsToken bool // calls an authenticated endpoint
	// Mails is the email the action makes the control plane send (verification,
	// password_reset, team_invite); in sandbox mode its result carries the code.
	Mails string
	// Handler runs the validated action: one upstream call (or a few, for
	// rotate) and the shaping of its answer.
	Handler handlerFunc
	// Confirm, for an action that cannot be undone, words the question put
	// to the person (form elicitation) before Handler runs.
	Confirm confirmFunc
	// Check holds the action's rules over several parameters (tax_id_type
	// only with tax_id, from before to, ...): run after the schema's, before
	// anything is sent.
	Check func(a *Args) error

	// Money, for an action that charges, credits, withdraws, changes what
	// is charged later or adds or removes a card (issue 17): Confirm is asked
	// whatever --confirm-destructive says, the README lists it as moving
	// money, and its amounts meet --max-charge. nil for every other action.
	Money *MoneySpec
	// Ours marks an action the hosted server does not have (README).
	Ours bool
}

// MoneySpec holds the money rules of one action.
type MoneySpec struct {
	// Ceiling names the parameter holding a single charge in USD, refused
	// above --max-charge before anything is sent.
	Ceiling string
	// PlanCeiling names the parameter holding a plan id: the plan's price,
	// where the plans list gives one, is refused above --max-charge.
	PlanCeiling string
	// SubscriptionCeiling names the parameter holding a subscription id: the
	// price of its plan (what resume, reset-cycle and fix-payment charge),
	// where the subscriptions or plans list gives one, is named in the
	// question and refused above --max-charge.
	SubscriptionCeiling string
	// skipConfirm, when it says so, spares the question: nothing is charged
	// by the action itself (the person pays on Stripe's page, or does not).
	skipConfirm func(c *call) bool
}

// ParamSpec holds the rules of one parameter that a JSON Schema cannot say.
type ParamSpec struct {
	Secret    bool   // never echoed in errors (nor the positions of bad characters)
	Multiline bool   // may contain line breaks and tabs; other strings are one line
	Hint      string // where a model gets the value, for a missing or malformed one
	// Form says in words what the schema's pattern asks for ("an email
	// address"); required when the property has a pattern.
	Form string
}

// ToolSpec ties a tool to its schema (schemas.Tool(Name)) and actions.
type ToolSpec struct {
	Name        string // MCP tool name, also the schema's name
	Toolset     string // group used to enable or disable tools together
	Title       string // human-readable title (MCP annotations.title)
	Description string // what the model reads in tools/list
	// Params holds the local rules of the parameters that need one; a
	// parameter not listed is a plain single-line, non-secret value.
	Params  map[string]ParamSpec
	Actions []ActionSpec
}

// Action returns the spec of the named action.
func (t ToolSpec) Action(name string) (ActionSpec, bool) {
	for _, a := range t.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return ActionSpec{}, false
}

// Specs returns the ten ToolSpecs, in a stable order: the five account
// tools (the default toolsets), then the five of the rest of the account.
// The result is a fresh copy on every call, so callers may modify it.
func Specs() []ToolSpec {
	out := make([]ToolSpec, len(registry))
	for i, r := range registry {
		out[i] = declare(r.name)
	}
	return out
}

// registry names every tool and its toolset without building it: Build
// declares only the tools it publishes.
var registry = [...]struct{ name, toolset string }{
	{"agent-auth", "auth"},
	{"agent-tokens", "tokens"},
	{"agent-profile", "profile"},
	{"agent-api-keys", "api-keys"},
	{"agent-teams", "teams"},
	{"agent-usage", "usage"},
	{"agent-models", "models"},
	{"agent-billing", "billing"},
	{"agent-wallet", "wallet"},
	{"agent-subscriptions", "subscriptions"},
}

// declare returns the declaration of the named tool of the registry.
func declare(name string) ToolSpec {
	switch name {
	case "agent-auth":
		return authTool()
	case "agent-tokens":
		return tokensTool()
	case "agent-profile":
		return profileTool()
	case "agent-api-keys":
		return apiKeysTool()
	case "agent-teams":
		return teamsTool()
	case "agent-usage":
		return usageTool()
	case "agent-models":
		return modelsTool()
	case "agent-billing":
		return billingTool()
	case "agent-wallet":
		return walletTool()
	case "agent-subscriptions":
		return subscriptionsTool()
	}
	panic("tools: no declaration for " + name)
}

// Parameter rules shared by several tools.
var (
	secretParam = ParamSpec{Secret: true}
	listIDParam = ParamSpec{Hint: "pass the numeric id from the list action"}
	emailParam  = ParamSpec{Form: "an email address", Hint: "pass an address like name@example.com"}
	// Scopes have the documented shape area:read|write or *; the names are
	// ModelsLab's to judge (GET /auth/scopes lists them; it answers 422).
	scopesParam  = ParamSpec{Form: "\"*\" or a scope of the form area:read or area:write", Hint: "e.g. profile:read, tokens:write, teams:read"}
	confirmParam = ParamSpec{Secret: true, Hint: "repeat the new password"}
)
