package tools

// ActionSpec declares one action's parameters.
type ActionSpec struct {
	Name       string
	Required   []string
	Optional   []string
	AtLeastOne bool // at least one Optional param must be given
	ReadOnly   bool // changes nothing upstream (published in read-only mode)
	NeedsToken bool // calls an authenticated endpoint
}

// ToolSpec ties a tool to its schema (schemas.Tool(Name)) and actions.
type ToolSpec struct {
	Name    string // MCP tool name, also the schema's name
	Toolset string // group used to enable or disable tools together
	Title   string // human-readable title (MCP annotations.title)
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
//
// Login, verify-email and refresh are not ReadOnly: each mints a token
// upstream. A read-only deployment therefore needs a preconfigured token.
func Specs() []ToolSpec {
	return []ToolSpec{
		{
			Name: "agent-auth", Toolset: "auth", Title: "Agent account authentication",
			Actions: []ActionSpec{
				{Name: "signup", Required: []string{"email", "password"}, Optional: []string{"name", "password_confirmation"}},
				{Name: "login", Required: []string{"email", "password"}, Optional: []string{"device_name", "token_expiry", "scopes"}},
				{Name: "verify-email", Required: []string{"verification_code"}},
				{Name: "refresh", Optional: []string{"token_expiry", "device_name"}, NeedsToken: true},
				{Name: "logout", NeedsToken: true},
				{Name: "logout-all", NeedsToken: true},
				{Name: "forgot-password", Required: []string{"email"}},
				{Name: "reset-password", Required: []string{"email", "token", "password", "password_confirmation"}},
				{Name: "resend-verification", Required: []string{"email"}},
			},
		},
		{
			Name: "agent-tokens", Toolset: "tokens", Title: "Agent access tokens",
			Actions: []ActionSpec{
				{Name: "list", ReadOnly: true, NeedsToken: true},
				{Name: "revoke", Required: []string{"token_id"}, NeedsToken: true},
				{Name: "revoke-others", NeedsToken: true},
				{Name: "switch-account", Required: []string{"account_username"}, Optional: []string{"device_name", "token_expiry", "scopes"}, NeedsToken: true},
			},
		},
		{
			Name: "agent-profile", Toolset: "profile", Title: "Agent account profile",
			Actions: []ActionSpec{
				{Name: "get", ReadOnly: true, NeedsToken: true},
				{Name: "update", Optional: []string{"name", "username", "about_me"}, AtLeastOne: true, NeedsToken: true},
				{Name: "update-password", Required: []string{"current_password", "password", "password_confirmation"}, NeedsToken: true},
				{Name: "update-socials", Optional: []string{"facebook", "github", "twitter", "instagram", "discord"}, AtLeastOne: true, NeedsToken: true},
				{Name: "update-preferences", Optional: []string{"nsfw_content", "wallet_notification_enabled", "wallet_notification_threshold"}, AtLeastOne: true, NeedsToken: true},
			},
		},
		{
			Name: "agent-api-keys", Toolset: "api-keys", Title: "Agent API keys",
			Actions: []ActionSpec{
				{Name: "list", ReadOnly: true, NeedsToken: true},
				{Name: "create", Required: []string{"name"}, Optional: []string{"notes"}, NeedsToken: true},
				{Name: "get", Required: []string{"key_id"}, ReadOnly: true, NeedsToken: true},
				{Name: "update", Required: []string{"key_id"}, Optional: []string{"name", "notes"}, AtLeastOne: true, NeedsToken: true},
				{Name: "delete", Required: []string{"key_id"}, NeedsToken: true},
				{Name: "rotate", Required: []string{"key_id"}, NeedsToken: true},
			},
		},
		{
			Name: "agent-teams", Toolset: "teams", Title: "Agent team members",
			Actions: []ActionSpec{
				{Name: "list", ReadOnly: true, NeedsToken: true},
				{Name: "create", Required: []string{"email"}, Optional: []string{"role"}, NeedsToken: true},
				{Name: "get", Required: []string{"member_id"}, ReadOnly: true, NeedsToken: true},
				{Name: "update", Required: []string{"member_id"}, Optional: []string{"role", "permissions", "invite_status"}, AtLeastOne: true, NeedsToken: true},
				{Name: "delete", Required: []string{"member_id"}, NeedsToken: true},
				{Name: "resend-invite", Required: []string{"member_id"}, NeedsToken: true},
				{Name: "accept-invite", Required: []string{"invite_id"}, NeedsToken: true},
			},
		},
	}
}
