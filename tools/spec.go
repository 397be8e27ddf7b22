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
	// Handler runs the validated action: one upstream call (or a few, for
	// rotate) and the shaping of its answer.
	Handler handlerFunc
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

// Specs returns the five ToolSpecs, in a stable order. The result is a fresh
// copy on every call, so callers may modify it.
func Specs() []ToolSpec {
	return []ToolSpec{authTool(), tokensTool(), profileTool(), apiKeysTool(), teamsTool()}
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
