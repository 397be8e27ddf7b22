package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/schemas"
)

// validators compiles every tool's validator once per test binary.
var validators = sync.OnceValues(func() (map[string]*Validator, error) {
	out := map[string]*Validator{}
	for _, s := range Specs() {
		raw, ok := schemas.Tool(s.Name)
		if !ok {
			return nil, errors.New("no schema for " + s.Name)
		}
		v, err := NewValidator(s, raw)
		if err != nil {
			return nil, err
		}
		out[s.Name] = v
	}
	return out, nil
})

// isSecretParam reports whether any tool declares the parameter secret.
func isSecretParam(name string) bool {
	for _, s := range Specs() {
		if s.Params[name].Secret {
			return true
		}
	}
	return false
}

func mustValidator(t testing.TB, tool string) *Validator {
	t.Helper()
	vs, err := validators()
	if err != nil {
		t.Fatal(err)
	}
	v := vs[tool]
	if v == nil {
		t.Fatalf("no validator for %s", tool)
	}
	return v
}

// decodeArgs turns a JSON object (a string) into arguments the way an MCP
// server does; a map is used as is.
func decodeArgs(t testing.TB, args any, useNumber bool) map[string]any {
	t.Helper()
	switch a := args.(type) {
	case map[string]any:
		return a
	case string:
		dec := json.NewDecoder(strings.NewReader(a))
		if useNumber {
			dec.UseNumber()
		}
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("bad test JSON %s: %v", a, err)
		}
		return m
	}
	t.Fatalf("bad test args %T", args)
	return nil
}

func TestSpecsMatchSchemas(t *testing.T) {
	specs := Specs()
	var names, toolsets []string
	for _, s := range specs {
		names = append(names, s.Name)
		toolsets = append(toolsets, s.Toolset)
		if s.Title == "" {
			t.Errorf("%s has no title", s.Name)
		}
		for _, a := range s.Actions {
			// Issue 17's tools have reads of their own names; what matters
			// is that no read carries money or an Idempotency-Key, and every
			// write of a billing, wallet or subscription does.
			mutation := slices.Contains(a.Optional, "idempotency_key")
			switch {
			case slices.Contains(DefaultToolsets(), s.Toolset) && a.ReadOnly && a.Name != "list" && a.Name != "get":
				t.Errorf("%s %s: unexpected read-only action", s.Name, a.Name)
			case a.ReadOnly && (a.Money != nil || mutation || a.Confirm != nil):
				t.Errorf("%s %s: read-only, yet it moves money or takes an idempotency_key", s.Name, a.Name)
			case !a.ReadOnly && (s.Toolset == "billing" || s.Toolset == "wallet" || s.Toolset == "subscriptions") && !mutation:
				t.Errorf("%s %s: a mutation without idempotency_key", s.Name, a.Name)
			case a.Money != nil && a.Confirm == nil && a.Money.skipConfirm == nil:
				t.Errorf("%s %s: moves money without a confirmation question", s.Name, a.Name)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, schemas.Names()) {
		t.Errorf("spec tools %v != schema tools %v", names, schemas.Names())
	}
	if want := []string{"auth", "tokens", "profile", "api-keys", "teams", "usage", "models", "billing", "wallet", "subscriptions"}; !slices.Equal(toolsets, want) {
		t.Errorf("toolsets = %v, want %v", toolsets, want)
	}
	if _, err := validators(); err != nil {
		t.Fatal(err)
	}
	// Specs returns a copy: mutating it must not affect the next call.
	specs[0].Actions[0].Name = "mutated"
	if Specs()[0].Actions[0].Name == "mutated" {
		t.Error("Specs returns shared data")
	}
	if a, ok := Specs()[3].Action("rotate"); !ok || a.Required[0] != "key_id" {
		t.Error("ToolSpec.Action(rotate) not found")
	}
}

// TestPublicInterfaceKept checks the names of upstream-contract.md §3: every
// tool, action and parameter there must exist here unchanged.
func TestPublicInterfaceKept(t *testing.T) {
	public := map[string][2][]string{
		"agent-auth": {{"signup", "login", "logout", "logout-all", "forgot-password", "reset-password", "resend-verification"},
			{"email", "password", "password_confirmation", "name", "device_name", "token", "token_expiry"}},
		"agent-tokens": {{"list", "revoke", "revoke-others", "switch-account"},
			{"token_id", "account_username", "device_name", "token_expiry"}},
		"agent-profile": {{"get", "update", "update-password", "update-socials", "update-preferences"},
			{"name", "username", "about_me", "current_password", "password", "password_confirmation", "facebook", "github", "twitter", "instagram", "discord", "nsfw_content", "wallet_notification_enabled", "wallet_notification_threshold"}},
		"agent-api-keys": {{"list", "create", "get", "update", "delete"}, {"key_id", "name", "notes"}},
		"agent-teams": {{"list", "create", "get", "update", "delete", "resend-invite", "accept-invite"},
			{"member_id", "invite_id", "email", "role", "permissions", "invite_status"}},
	}
	for tool, ap := range public {
		v := mustValidator(t, tool)
		for _, a := range ap[0] {
			if v.actions[a] == nil {
				t.Errorf("%s: public action %s missing", tool, a)
			}
		}
		for _, p := range ap[1] {
			if v.params[p] == nil {
				t.Errorf("%s: public parameter %s missing", tool, p)
			}
		}
	}
}

// TestSchemaDescriptionsNameActions cross-checks each property description
// against Specs(): it must name every action that takes the parameter.
func TestSchemaDescriptionsNameActions(t *testing.T) {
	for _, s := range Specs() {
		raw, _ := schemas.Tool(s.Name)
		var doc struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Actions {
			for _, p := range slices.Concat(a.Required, a.Optional) {
				d := doc.Properties[p].Description
				// Whole word: "update" must not match inside "update-password".
				re := regexp.MustCompile(`(^|[^a-z-])` + regexp.QuoteMeta(a.Name) + `($|[^a-z-])`)
				if !re.MatchString(d) {
					t.Errorf("%s.%s: description does not name action %s: %q", s.Name, p, a.Name, d)
				}
				if slices.Contains(a.Required, p) && !strings.Contains(d, "Required for") {
					t.Errorf("%s.%s: required by %s but the description has no \"Required for\"", s.Name, p, a.Name)
				}
			}
		}
	}
}

type goodCase struct {
	tool      string
	args      any // JSON text or map
	useNumber bool
	check     func(t *testing.T, a *Args)
}

var goodCases = []goodCase{
	{"agent-auth", `{"action":"signup","email":"ada@example.com","password":"s3cret-pass"}`, false, func(t *testing.T, a *Args) {
		eq(t, a.String("email"), "ada@example.com")
		eq(t, a.Has("name"), false)
		eq(t, a.StringPtr("name") == nil, true)
	}},
	{"agent-auth", `{"action":"signup","email":"ada.l+tag@mail.example.co.uk","password":"pw","password_confirmation":"pw","name":"Ada Lovelace 🚀"}`, false, func(t *testing.T, a *Args) {
		eq(t, *a.StringPtr("name"), "Ada Lovelace 🚀")
	}},
	{"agent-auth", `{"action":"login","email":"ada@example.com","password":"pw","device_name":"laptop","token_expiry":"never","scopes":["profile:read","tokens:write"]}`, false, func(t *testing.T, a *Args) {
		eq(t, strings.Join(a.Strings("scopes"), ","), "profile:read,tokens:write")
		eq(t, a.String("token_expiry"), "never")
	}},
	{"agent-auth", `{"action":"login","email":"ada@example.com","password":"pw","scopes":["*"],"device_name":null}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Has("device_name"), false)
	}},
	{"agent-auth", `{"action":"verify-email","verification_code":"483920"}`, false, nil},
	{"agent-tokens", `{"action":"list","page":2}`, false, func(t *testing.T, a *Args) { eq(t, a.Int("page"), int64(2)) }},
	{"agent-api-keys", `{"action":"list","page":3}`, false, func(t *testing.T, a *Args) { eq(t, a.Int("page"), int64(3)) }},
	{"agent-teams", `{"action":"list","page":1}`, false, nil},
	{"agent-auth", `{"action":"refresh"}`, false, nil},
	{"agent-auth", `{"action":"refresh","token_expiry":"1_week","device_name":"ci"}`, false, nil},
	{"agent-auth", `{"action":"logout"}`, false, nil},
	{"agent-auth", `{"action":"logout-all","email":null}`, false, nil},
	{"agent-auth", `{"action":"forgot-password","email":"ada@example.com"}`, false, nil},
	{"agent-auth", `{"action":"reset-password","email":"ada@example.com","token":"abc123","password":"n3w-pass","password_confirmation":"n3w-pass"}`, false, nil},
	{"agent-auth", `{"action":"resend-verification","email":"ada@example.com"}`, false, nil},

	{"agent-tokens", `{"action":"list"}`, false, nil},
	{"agent-tokens", `{"action":"revoke","token_id":42}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Int("token_id"), int64(42))
		eq(t, *a.IntPtr("token_id"), int64(42))
	}},
	{"agent-tokens", `{"action":"revoke","token_id":9007199254740991}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Int("token_id"), int64(9007199254740991))
	}},
	{"agent-tokens", `{"action":"revoke","token_id":9007199254740991}`, true, func(t *testing.T, a *Args) {
		eq(t, a.Int("token_id"), int64(9007199254740991))
	}},
	{"agent-tokens", `{"action":"revoke-others"}`, false, nil},
	{"agent-tokens", `{"action":"switch-account","account_username":"acme","device_name":"bot","token_expiry":"1_year","scopes":["teams:read"]}`, false, nil},

	{"agent-profile", `{"action":"get"}`, false, nil},
	{"agent-profile", `{"action":"update","name":"Ada"}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Has("username"), false)
		eq(t, a.String("name"), "Ada")
	}},
	{"agent-profile", `{"action":"update","about_me":"line one\nline two\tindented"}`, false, nil},
	{"agent-profile", `{"action":"update","about_me":""}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Has("about_me"), true) // an empty about_me clears it
		eq(t, *a.StringPtr("about_me"), "")
	}},
	{"agent-profile", `{"action":"update","username":"ada_l","about_me":"` + strings.Repeat("é", 1000) + `"}`, false, nil},
	{"agent-profile", `{"action":"update-password","current_password":"old","password":"new-password","password_confirmation":"new-password"}`, false, nil},
	{"agent-profile", `{"action":"update-socials","github":"https://github.com/ada","twitter":"http://x.com/ada?ref=1","discord":"ada#1234"}`, false, nil},
	{"agent-profile", `{"action":"update-socials","instagram":"HTTPS://www.instagram.com/ada/","facebook":"https://facebook.com:443/ada"}`, false, nil},
	{"agent-profile", `{"action":"update-preferences","nsfw_content":false}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Has("nsfw_content"), true)
		eq(t, *a.BoolPtr("nsfw_content"), false)
		eq(t, a.BoolPtr("wallet_notification_enabled") == nil, true)
	}},
	{"agent-profile", `{"action":"update-preferences","wallet_notification_enabled":true,"wallet_notification_threshold":0}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Bool("wallet_notification_enabled"), true)
		eq(t, *a.FloatPtr("wallet_notification_threshold"), 0.0)
	}},
	{"agent-profile", `{"action":"update-preferences","wallet_notification_threshold":12.5}`, true, func(t *testing.T, a *Args) {
		eq(t, a.Float("wallet_notification_threshold"), 12.5)
	}},

	{"agent-api-keys", `{"action":"list"}`, false, nil},
	{"agent-api-keys", `{"action":"list","key_id":null}`, false, nil},
	{"agent-api-keys", `{"action":"create","name":"prod"}`, false, nil},
	{"agent-api-keys", `{"action":"create","name":"prod","notes":"used by the\n\tbilling job"}`, false, nil},
	{"agent-api-keys", `{"action":"get","key_id":3}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Int("key_id"), int64(3))
		eq(t, a.Float("key_id"), 3.0)
		eq(t, a.Action(), "get")
	}},
	{"agent-api-keys", `{"action":"get","key_id":3}`, true, func(t *testing.T, a *Args) { eq(t, a.Int("key_id"), int64(3)) }},
	{"agent-api-keys", `{"action":"get","key_id":3.0}`, true, func(t *testing.T, a *Args) { eq(t, a.Int("key_id"), int64(3)) }},
	{"agent-api-keys", `{"action":"get","key_id":1e3}`, false, func(t *testing.T, a *Args) { eq(t, a.Int("key_id"), int64(1000)) }},
	{"agent-api-keys", `{"action":"update","key_id":3,"notes":""}`, false, nil},
	{"agent-api-keys", `{"action":"update","key_id":3,"name":"renamed","notes":"n"}`, false, nil},
	{"agent-api-keys", `{"action":"delete","key_id":3}`, false, nil},
	{"agent-api-keys", `{"action":"rotate","key_id":3}`, false, nil},
	{"agent-api-keys", map[string]any{"action": "get", "key_id": 7}, false, func(t *testing.T, a *Args) { eq(t, a.Int("key_id"), int64(7)) }},

	{"agent-teams", `{"action":"list"}`, false, nil},
	{"agent-teams", `{"action":"create","email":"bob@example.org"}`, false, nil},
	{"agent-teams", `{"action":"create","email":"bob@example.org","role":"viewer"}`, false, nil},
	{"agent-teams", `{"action":"get","member_id":12}`, false, nil},
	{"agent-teams", `{"action":"update","member_id":12,"permissions":[]}`, false, func(t *testing.T, a *Args) {
		eq(t, a.Has("permissions"), true)
		ps := a.Strings("permissions")
		eq(t, ps != nil && len(ps) == 0, true)
	}},
	{"agent-teams", `{"action":"update","member_id":12,"role":"admin","permissions":["models:read","billing"],"invite_status":"accepted"}`, false, func(t *testing.T, a *Args) {
		ps := a.Strings("permissions")
		ps[0] = "changed" // a copy: must not leak into Args
		eq(t, a.Strings("permissions")[0], "models:read")
	}},
	{"agent-teams", `{"action":"delete","member_id":12}`, false, nil},
	{"agent-auth", `{"action":"browser-login"}`, false, nil},
	{"agent-auth", `{"action":"browser-login","device_name":"laptop","token_expiry":"never"}`, false, nil},
	{"agent-teams", `{"action":"resend-invite","member_id":12}`, false, nil},
	{"agent-teams", `{"action":"accept-invite","invite_id":"123e4567-e89b-12d3-a456-426614174000"}`, false, nil},
	{"agent-teams", `{"action":"accept-invite","invite_id":"123E4567-E89B-12D3-A456-426614174000"}`, false, nil},
	{"agent-teams", map[string]any{"action": "update", "member_id": int64(2), "permissions": []string{"a", "b"}}, false, nil},
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestValidateGood(t *testing.T) {
	seen := map[string]bool{}
	for i, c := range goodCases {
		args := decodeArgs(t, c.args, c.useNumber)
		a, err := mustValidator(t, c.tool).Validate(args)
		if err != nil {
			t.Errorf("#%d %s %v: unexpected error: %v", i, c.tool, c.args, err)
			continue
		}
		if a.Action() != args["action"] {
			t.Errorf("#%d: Action() = %q", i, a.Action())
		}
		seen[c.tool+" "+a.Action()] = true
		if c.check != nil {
			c.check(t, a)
		}
	}
	for _, s := range Specs() {
		for _, a := range s.Actions {
			if !seen[s.Name+" "+a.Name] {
				t.Errorf("no good case for %s %s", s.Name, a.Name)
			}
		}
	}
}

type badCase struct {
	tool      string
	args      any // JSON text or map
	param     string
	want      []string // substrings of Error()
	useNumber bool
}

var (
	mib        = strings.Repeat("a", 1<<20)
	longSecret = "hunter2-" + strings.Repeat("x", 4100)
	manyScopes = `["` + strings.Repeat(`profile:read","`, 100) + `*"]`
)

func manyPerms(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = "perm-" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

var badCases = []badCase{
	// action
	{"agent-auth", `{}`, "action", []string{"action is required", "signup, login"}, false},
	{"agent-auth", `{"action":null,"email":"a@b.co"}`, "action", []string{"is required"}, false},
	{"agent-auth", `{"action":5}`, "action", []string{"must be a string", "not a number"}, false},
	{"agent-auth", `{"action":["login"]}`, "action", []string{"not an array"}, false},
	{"agent-auth", `{"action":"sign-up"}`, "action", []string{"did you mean `signup`?"}, false},
	{"agent-auth", `{"action":"Login"}`, "action", []string{"did you mean `login`?"}, false},
	{"agent-auth", `{"action":"delete-account"}`, "action", []string{"is not an action of agent-auth", `"delete-account"`, "resend-verification"}, false},
	{"agent-api-keys", `{"action":"remove","key_id":1}`, "action", []string{"did you mean `delete`?"}, false},
	{"agent-api-keys", `{"action":"rotat","key_id":1}`, "action", []string{"did you mean `rotate`?"}, false},
	{"agent-teams", map[string]any{"action": mib}, "action", []string{"is not an action", "…"}, false},

	// agent-auth
	{"agent-auth", `{"action":"signup","email":"a@b.co"}`, "password", []string{"password is required for signup"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":null}`, "password", []string{"is required for signup"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":""}`, "password", []string{"must not be empty"}, false},
	{"agent-auth", `{"action":"signup","email":"not-an-email","password":"pw"}`, "email", []string{"must be an email address", `"not-an-email"`, "name@example.com"}, false},
	{"agent-auth", `{"action":"forgot-password","email":5}`, "email", []string{"must be an email address string, not a number"}, false},
	{"agent-auth", `{"action":"resend-verification","email":["ada@example.com"]}`, "email", []string{"not an array"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":12345678}`, "password", []string{"must be a string, not a number"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","token_expiry":"2_weeks"}`, "token_expiry", []string{"must be one of 1_week, 1_month, 3_months, 6_months, 1_year, never", `"2_weeks"`}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","token_expiry":"3 months"}`, "token_expiry", []string{"did you mean `3_months`?"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":"profile:read"}`, "scopes", []string{"must be an array of strings, not a string", "wrap it in a JSON array"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":["profile:read","bogus"]}`, "scopes", []string{"item 2 must be \"*\" or a scope of the form area:read", `"bogus"`}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":["profile:admin"]}`, "scopes", []string{"item 1 must be", `"profile:admin"`, "profile:read"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":[1]}`, "scopes", []string{"item 1 must be a string, not a number"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":` + manyScopes + `}`, "scopes", []string{"has 101 items, at most 100"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","expiry":"1_week"}`, "expiry", []string{"not a parameter of agent-auth", "did you mean `token_expiry`?"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","Password":"pw"}`, "Password", []string{"did you mean `password`?"}, false},
	{"agent-auth", `{"action":"verify-email","verification_code":123456}`, "verification_code", []string{"must be a string, not a number"}, false},
	{"agent-auth", `{"action":"verify-email"}`, "verification_code", []string{"is required for verify-email", "verification email"}, false},
	{"agent-auth", `{"action":"logout","email":"a@b.co"}`, "email", []string{"is not a parameter of logout", "used by signup, login", "logout takes no parameters"}, false},
	{"agent-auth", `{"action":"refresh","scopes":["*"]}`, "scopes", []string{"is not a parameter of refresh", "used by login"}, false},
	{"agent-auth", `{"action":"reset-password","email":"a@b.co","token":"t","password":"pw"}`, "password_confirmation", []string{"is required for reset-password", "repeat the new password"}, false},
	{"agent-auth", map[string]any{"action": "reset-password", "email": "a@b.co", "token": "secret-tok\x00en", "password": "p", "password_confirmation": "p"}, "token", []string{"control character U+0000"}, false},
	{"agent-auth", map[string]any{"action": "login", "email": "a@b.co", "password": mib}, "password", []string{"is too long: 1048576 characters, at most 4096"}, false},
	{"agent-auth", map[string]any{"action": "login", "email": "a@b.co", "password": longSecret}, "password", []string{"is too long: 4108 characters"}, false},
	{"agent-auth", map[string]any{"action": "signup", "email": "a@b.co", "password": "pw", "name": mib}, "name", []string{"is too long: 1048576 characters, at most 4096", "shorten it"}, false},
	{"agent-auth", map[string]any{"action": "signup", "email": "a@b.co", "password": "pw", "name": "Ada\xff\xfe"}, "name", []string{"is not valid UTF-8"}, false},
	{"agent-auth", map[string]any{"action": "signup", "email": "a@b.co", "password": "p\xffw"}, "password", []string{"is not valid UTF-8"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":"pw","name":"Ada\ufffd"}`, "name", []string{"replacement character U+FFFD at character 4"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":"pw","name":"Ada\nLovelace"}`, "name", []string{"line break or tab (U+000A) at character 4", "one line"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":"pw","name":"evil\u202egnp.exe"}`, "name", []string{"bidirectional control U+202E"}, false},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":"pw","name":{"first":"Ada"}}`, "name", []string{"must be a string, not an object"}, false},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","device_name":true}`, "device_name", []string{"must be a string, not a boolean"}, false},

	// agent-tokens
	{"agent-tokens", `{"action":"revoke","token_id":1.5}`, "token_id", []string{"not a fraction (got 1.5)"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":0}`, "token_id", []string{"must be a positive integer (got 0)"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":-3}`, "token_id", []string{"must be a positive integer (got -3)"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":9007199254740992}`, "token_id", []string{"must be at most 9007199254740991"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":1e300}`, "token_id", []string{"must be at most 9007199254740991 (got 1e+300)"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":99999999999999999999}`, "token_id", []string{"must be at most 9007199254740991"}, true},
	{"agent-tokens", `{"action":"revoke","token_id":1e999}`, "token_id", []string{"must be at most"}, true},
	{"agent-tokens", `{"action":"revoke","token_id":-0.5}`, "token_id", []string{"not a fraction"}, true},
	{"agent-tokens", `{"action":"revoke","token_id":"1/../me"}`, "token_id", []string{"not a string", `"1/../me"`}, false},
	{"agent-tokens", `{"action":"revoke","token_id":true}`, "token_id", []string{"not a boolean"}, false},
	{"agent-tokens", `{"action":"revoke","token_id":[1]}`, "token_id", []string{"not an array"}, false},
	{"agent-tokens", `{"action":"revoke"}`, "token_id", []string{"is required for revoke", "from the list action"}, false},
	{"agent-tokens", `{"action":"switch-account"}`, "account_username", []string{"is required for switch-account"}, false},
	{"agent-tokens", `{"action":"switch-account","username":"acme"}`, "username", []string{"did you mean `account_username`?"}, false},
	{"agent-tokens", `{"action":"list","token_id":3}`, "token_id", []string{"is not a parameter of list", "used by revoke"}, false},
	{"agent-tokens", `{"action":"switch-account","account_username":"acme","scopes":{"a":1}}`, "scopes", []string{"not an object"}, false},

	// agent-profile
	{"agent-profile", `{"action":"update"}`, "", []string{"agent-profile update: needs at least one of name, username, about_me"}, false},
	{"agent-profile", `{"action":"update","name":null,"username":null}`, "", []string{"needs at least one of"}, false},
	{"agent-profile", `{"action":"update","about":"hi"}`, "about", []string{"did you mean `about_me`?"}, false},
	{"agent-profile", `{"action":"update","about_me":"` + strings.Repeat("x", 65537) + `"}`, "about_me", []string{"too long: 65537 characters, at most 65536"}, false},
	{"agent-profile", `{"action":"update","about_me":"a\r\nb"}`, "about_me", []string{"U+000D", `use \n for line breaks`}, false},
	{"agent-profile", `{"action":"update","about_me":"bell\u0007"}`, "about_me", []string{"control character U+0007 at character 5"}, false},
	{"agent-profile", `{"action":"update-password","password":"a","password_confirmation":"a"}`, "current_password", []string{"is required for update-password"}, false},
	{"agent-profile", `{"action":"update-password","current_password":"a","password":"b","password_confirmation":"b","name":"x"}`, "name", []string{"is not a parameter of update-password", "used by update"}, false},
	{"agent-profile", `{"action":"update","password":"b"}`, "password", []string{"is not a parameter of update", "used by update-password"}, false},
	{"agent-profile", `{"action":"update-socials","discord":5}`, "discord", []string{"must be a string, not a number"}, false},
	{"agent-profile", `{"action":"update-socials"}`, "", []string{"needs at least one of facebook, github, twitter, instagram, discord"}, false},
	{"agent-profile", `{"action":"update-preferences","nsfw_content":1}`, "nsfw_content", []string{"must be true or false, not a number"}, false},
	{"agent-profile", `{"action":"get","profile_id":1}`, "profile_id", []string{"is not a parameter of agent-profile", "get takes no parameters besides action"}, false},

	// agent-api-keys
	{"agent-api-keys", `{"action":"get","keyId":3}`, "keyId", []string{"did you mean `key_id`?"}, false},
	{"agent-api-keys", `{"action":"get","id":3}`, "id", []string{"did you mean `key_id`?"}, false},
	{"agent-api-keys", `{"action":"get","key_id":"abc"}`, "key_id", []string{"not a string"}, false},
	{"agent-api-keys", `{"action":"get","key_id":{}}`, "key_id", []string{"not an object"}, false},
	{"agent-api-keys", `{"action":"create"}`, "name", []string{"is required for create", "create needs name"}, false},
	{"agent-api-keys", `{"action":"create","name":"` + strings.Repeat("n", 4097) + `"}`, "name", []string{"too long: 4097 characters, at most 4096"}, false},
	{"agent-api-keys", `{"action":"create","name":"k","notes":["a"]}`, "notes", []string{"must be a string, not an array"}, false},
	{"agent-api-keys", `{"action":"update","key_id":1}`, "", []string{"needs at least one of name, notes"}, false},
	{"agent-api-keys", `{"action":"update","name":"x"}`, "key_id", []string{"is required for update"}, false},
	{"agent-api-keys", `{"action":"delete","key_id":null}`, "key_id", []string{"is required for delete"}, false},
	{"agent-api-keys", `{"action":"rotate","key_id":2.5}`, "key_id", []string{"not a fraction"}, false},
	{"agent-api-keys", `{"action":"list","notes":"x"}`, "notes", []string{"is not a parameter of list", "used by create, update"}, false},

	// agent-teams
	{"agent-teams", `{"action":"accept-invite","invite_id":"not-a-uuid"}`, "invite_id", []string{"must be a UUID", `"not-a-uuid"`}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":"123e4567e89b12d3a456426614174000"}`, "invite_id", []string{"must be a UUID"}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":"{123e4567-e89b-12d3-a456-426614174000}"}`, "invite_id", []string{"must be a UUID"}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":"123e4567-e89b-12d3-a456-42661417400g"}`, "invite_id", []string{"must be a UUID"}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":"../../teams/1"}`, "invite_id", []string{"must be a UUID"}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":12345}`, "invite_id", []string{"must be a UUID string, not a number"}, false},
	{"agent-teams", `{"action":"accept-invite","invite_id":null}`, "invite_id", []string{"is required for accept-invite"}, false},
	{"agent-teams", `{"action":"create","email":"bob"}`, "email", []string{"must be an email address"}, false},
	{"agent-teams", `{"action":"update","member_id":1,"permissions":"read"}`, "permissions", []string{"wrap it in a JSON array"}, false},
	{"agent-teams", map[string]any{"action": "update", "member_id": 1.0, "permissions": manyPerms(101)}, "permissions", []string{"has 101 items, at most 100"}, false},
	{"agent-teams", `{"action":"update","member_id":1,"permissions":["ok","` + strings.Repeat("p", 4097) + `"]}`, "permissions", []string{"item 2 is too long: 4097 characters, at most 4096"}, false},
	{"agent-teams", `{"action":"update","member_id":1,"permissions":[["a"]]}`, "permissions", []string{"item 1 must be a string, not an array"}, false},
	{"agent-teams", `{"action":"update","member_id":1,"invite_status":"declined"}`, "invite_status", []string{"must be one of pending, accepted"}, false},
	{"agent-teams", `{"action":"get","member_id":"1/../me"}`, "member_id", []string{"not a string"}, false},
	{"agent-teams", `{"action":"get","member_id":0}`, "member_id", []string{"must be a positive integer (got 0)"}, false},
	{"agent-teams", `{"action":"create","email":"bob@example.org","invite_id":"123e4567-e89b-12d3-a456-426614174000"}`, "invite_id", []string{"is not a parameter of create", "used by accept-invite"}, false},
	{"agent-teams", `{"action":"update","member_id":3}`, "", []string{"needs at least one of role, permissions, invite_status"}, false},
	{"agent-teams", `{"action":"delete","member":2}`, "member", []string{"did you mean `member_id`?"}, false},
	{"agent-teams", `{"action":"resend-invite","member_id":{}}`, "member_id", []string{"not an object"}, false},
	{"agent-teams", map[string]any{"action": "get", strings.Repeat("k", 5000): 1}, `"` + strings.Repeat("k", 40) + `…"`, []string{"is not a parameter"}, false},
}

// upstreamDecides are inputs this server once refused on a guess. No doc,
// the CLI or safety rules them out, so they now reach ModelsLab, whose 422
// judges them (issue 10; upstream-contract.md §5). reason says why.
var upstreamDecides = []struct {
	tool, args, reason string
}{
	{"agent-auth", `{"action":"signup","email":"ada@localhost","password":"pw"}`, "no source restricts email domains; ModelsLab decides"},
	{"agent-auth", `{"action":"login","email":"ada lovelace@example.com","password":"pw"}`, "no source gives an email syntax beyond local@domain"},
	{"agent-auth", `{"action":"login","email":"ada@@example.com","password":"pw"}`, "quoted local parts may contain @; ModelsLab decides"},
	{"agent-auth", `{"action":"forgot-password","email":"ada@example..com"}`, "no source gives an email syntax beyond local@domain"},
	{"agent-auth", `{"action":"login","email":"a@b.co","password":"pw","scopes":["teams:read","teams:read"]}`, "no source forbids a repeated scope"},
	{"agent-auth", `{"action":"signup","email":"a@b.co","password":"pw","name":"   "}`, "no source gives a rule for blank names"},
	{"agent-tokens", `{"action":"revoke","token_id":"5"}`, `"5" can only mean 5 (issue 10: accept what a model means)`},
	{"agent-profile", `{"action":"update","name":""}`, "no source forbids an empty name; ModelsLab decides"},
	{"agent-profile", `{"action":"update-socials","github":"github.com/ada"}`, "socials are a URL or a handle (MCP-TOOLS: URLs; SKILL sends handles)"},
	{"agent-profile", `{"action":"update-socials","github":"ftp://github.com/ada"}`, "socials are a URL or a handle"},
	{"agent-profile", `{"action":"update-socials","facebook":"javascript:alert(1)"}`, "socials are a URL or a handle; ModelsLab validates links"},
	{"agent-profile", `{"action":"update-socials","twitter":"https://user:pw@x.com/ada"}`, "socials are a URL or a handle"},
	{"agent-profile", `{"action":"update-socials","instagram":"https://"}`, "socials are a URL or a handle"},
	{"agent-profile", `{"action":"update-socials","instagram":"https://insta gram.com/x"}`, "socials are a URL or a handle"},
	{"agent-profile", `{"action":"update-preferences","nsfw_content":"true"}`, `"true" can only mean true`},
	{"agent-profile", `{"action":"update-preferences","wallet_notification_threshold":-1}`, "no source gives a minimum threshold"},
	{"agent-profile", `{"action":"update-preferences","wallet_notification_threshold":"10"}`, `"10" can only mean 10`},
	{"agent-api-keys", `{"action":"update","key_id":1,"name":""}`, "no source forbids an empty key name; ModelsLab decides"},
	{"agent-teams", `{"action":"create","email":"bob@example.org","role":"owner"}`, "roles are undocumented: admin, member and viewer were the sandbox's choice"},
	{"agent-teams", `{"action":"create","email":"bob@example.org","role":"Admin"}`, "roles are undocumented; ModelsLab decides whether case matters"},
	{"agent-teams", `{"action":"update","member_id":1,"permissions":[""]}`, "permission names are undocumented"},
	{"agent-teams", `{"action":"update","member_id":1,"permissions":["a","a"]}`, "no source forbids a repeated permission"},
	{"agent-tokens", `{"action":"revoke","token_id":" 12 "}`, "a quoted number can only mean that number"},
	{"agent-api-keys", `{"action":"get","key_id":"12"}`, "a quoted number can only mean that number"},
	{"agent-profile", `{"action":"update-preferences","wallet_notification_enabled":"FALSE"}`, "a quoted boolean can only mean that boolean"},
	{"agent-profile", `{"action":"update-socials","github":"","discord":""}`, "an empty string clears a social link, as it does notes"},
	{"agent-profile", `{"action":"update-socials","twitter":"@ada"}`, "socials are a URL or a handle"},
}

func TestUpstreamDecides(t *testing.T) {
	for i, c := range upstreamDecides {
		if _, err := mustValidator(t, c.tool).Validate(decodeArgs(t, c.args, false)); err != nil {
			t.Errorf("#%d %s (%s): refused locally: %v", i, c.args, c.reason, err)
		}
	}
	// A role is a string: an object is still a type error, not a guess.
	if _, err := mustValidator(t, "agent-teams").Validate(decodeArgs(t, `{"action":"update","member_id":1,"role":{"name":"admin"}}`, false)); err == nil {
		t.Error("a role object was accepted")
	}
}

func TestValidateBad(t *testing.T) {
	if len(badCases) < 60 {
		t.Fatalf("only %d bad cases", len(badCases))
	}
	for i, c := range badCases {
		args := decodeArgs(t, c.args, c.useNumber)
		a, err := mustValidator(t, c.tool).Validate(args)
		if err == nil {
			t.Errorf("#%d %s: accepted %v (action %s)", i, c.tool, short(c.args), a.Action())
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("#%d: error %T is not *InputError", i, err)
			continue
		}
		msg := err.Error()
		if ie.Param != c.param {
			t.Errorf("#%d %s: Param = %q, want %q (%s)", i, c.tool, ie.Param, c.param, msg)
		}
		if ie.Tool != c.tool {
			t.Errorf("#%d: Tool = %q", i, ie.Tool)
		}
		if act, _ := args["action"].(string); ie.Param != "action" && ie.Action != act {
			t.Errorf("#%d: Action = %q, want %q", i, ie.Action, act)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("#%d %s: message %q lacks %q", i, c.tool, msg, w)
			}
		}
		checkMessage(t, msg, args)
	}
}

// checkMessage holds for every error: one short sentence, no secret value,
// no long echo.
func checkMessage(t testing.TB, msg string, args map[string]any) {
	t.Helper()
	if len(msg) > 700 || !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		t.Errorf("message too long or unterminated (%d bytes): %.200q", len(msg), msg)
	}
	if !utf8.ValidString(msg) {
		t.Errorf("message is not valid UTF-8: %q", msg)
	}
	for k, v := range args {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if isSecretParam(k) && len(s) >= 3 && strings.Contains(msg, s[:3]) {
			t.Errorf("message echoes secret %s: %q", k, msg)
		}
		if utf8.RuneCountInString(s) > echoLimit+5 && strings.Contains(msg, s) {
			t.Errorf("message echoes a long value of %s in full", k)
		}
	}
}

func short(v any) string {
	s, ok := v.(string)
	if !ok || len(s) > 120 {
		return "(long or map args)"
	}
	return s
}

func TestInputErrorExample(t *testing.T) {
	v := mustValidator(t, "agent-api-keys")
	_, err := v.Validate(map[string]any{"action": "get", "key_id": -3.0})
	want := "agent-api-keys get: key_id must be a positive integer (got -3); pass the numeric id from the list action."
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	e := &InputError{Tool: "t", Action: "a", Param: "p", Problem: "is odd", Hint: "did you mean `q`?"}
	if e.Error() != "t a: p is odd; did you mean `q`?" {
		t.Errorf("got %q", e.Error())
	}
}

func TestNearestNames(t *testing.T) {
	for _, c := range []struct {
		in    string
		cands []string
		want  string
	}{
		{"about", []string{"name", "username", "about_me"}, "about_me"},
		{"expiry", []string{"email", "device_name", "token_expiry", "token"}, "token_expiry"},
		{"keyId", []string{"key_id", "name", "notes"}, "key_id"},
		{"KEY-ID", []string{"key_id", "name", "notes"}, "key_id"},
		{"emial", []string{"email", "role"}, "email"},
		{"passwrod", []string{"password", "password_confirmation", "current_password"}, "password"},
		{"zzzzzz", []string{"email", "role"}, ""},
		{"", []string{"email"}, ""},
		{strings.Repeat("e", 100), []string{"email"}, ""},
	} {
		got := strings.Join(nearestNames(c.in, c.cands), ",")
		if got != c.want {
			t.Errorf("nearestNames(%.20q) = %q, want %q", c.in, got, c.want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d", d)
	}
	if d := editDistance("", "abc"); d != 3 {
		t.Errorf("editDistance = %d", d)
	}
}

func TestNewValidatorRejectsMismatch(t *testing.T) {
	keys := Specs()[3] // agent-api-keys
	raw, _ := schemas.Tool("agent-api-keys")
	if _, err := NewValidator(keys, raw); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	props := func(m map[string]any) map[string]any { return m["properties"].(map[string]any) }
	withSpec := func(f func(s *ToolSpec)) ToolSpec {
		s := Specs()[3]
		f(&s)
		return s
	}
	cases := []struct {
		name   string
		spec   ToolSpec
		schema []byte
		want   string
	}{
		{"not json", keys, []byte("{"), "not a JSON object"},
		{"trailing", keys, append(slices.Clone(raw), []byte("{}")...), "trailing"},
		{"spec action missing from enum", withSpec(func(s *ToolSpec) {
			s.Actions = append(s.Actions, ActionSpec{Name: "purge"})
		}), raw, `"purge" is in the spec but not in the schema enum`},
		{"enum action missing from spec", withSpec(func(s *ToolSpec) { s.Actions = s.Actions[:5] }), raw, `"rotate" is in the schema enum but not in the spec`},
		{"spec param not a property", withSpec(func(s *ToolSpec) {
			s.Actions[1].Optional = []string{"notes", "color"}
		}), raw, `uses "color", which is not a schema property`},
		{"property used by no action", keys, edit(func(m map[string]any) {
			props(m)["color"] = map[string]any{"type": "string", "maxLength": 5, "description": "unused colour"}
		}), `"color" is used by no action`},
		{"duplicate action", withSpec(func(s *ToolSpec) { s.Actions = append(s.Actions, s.Actions[0]) }), raw, "declared twice"},
		{"duplicate param", withSpec(func(s *ToolSpec) { s.Actions[1].Optional = []string{"name"} }), raw, "twice"},
		{"AtLeastOne without optionals", withSpec(func(s *ToolSpec) { s.Actions[4].AtLeastOne = true }), raw, "AtLeastOne"},
		{"combinator at root", keys, edit(func(m map[string]any) { m["oneOf"] = []any{} }), `unsupported keyword "oneOf"`},
		{"$schema at root", keys, edit(func(m map[string]any) { m["$schema"] = "x" }), `"$schema"`},
		{"additionalProperties open", keys, edit(func(m map[string]any) { m["additionalProperties"] = true }), "additionalProperties"},
		{"required param at root", keys, edit(func(m map[string]any) { m["required"] = []any{"action", "key_id"} }), "exactly"},
		{"action not enum", keys, edit(func(m map[string]any) { delete(props(m)["action"].(map[string]any), "enum") }), "no enum"},
		{"unsupported keyword", keys, edit(func(m map[string]any) { props(m)["name"].(map[string]any)["const"] = "a" }), `"const"`},
		{"pattern without a Form", keys, edit(func(m map[string]any) { props(m)["name"].(map[string]any)["pattern"] = "^a" }), "no Form"},
		{"unsupported format", keys, edit(func(m map[string]any) { props(m)["name"].(map[string]any)["format"] = "date" }), "format"},
		{"no description", keys, edit(func(m map[string]any) { delete(props(m)["notes"].(map[string]any), "description") }), "description"},
		{"object type", keys, edit(func(m map[string]any) { props(m)["notes"].(map[string]any)["type"] = "object" }), "unsupported type"},
		{"unnamed spec", ToolSpec{}, raw, "without a name"},
		{"param rule for no property", withSpec(func(s *ToolSpec) {
			s.Params = map[string]ParamSpec{"colour": {Secret: true}}
		}), raw, `Params declares "colour"`},
	}
	for _, c := range cases {
		_, err := NewValidator(c.spec, c.schema)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Every tool's schema against another tool's spec fails too.
	specs := Specs()
	for i, s := range specs {
		other := specs[(i+1)%len(specs)]
		raw, _ := schemas.Tool(other.Name)
		if _, err := NewValidator(s, raw); err == nil {
			t.Errorf("%s spec accepted the %s schema", s.Name, other.Name)
		}
	}
}

func TestValidateConcurrent(t *testing.T) {
	v := mustValidator(t, "agent-teams")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				args := map[string]any{"action": "update", "member_id": float64(g*1000 + i + 1), "permissions": []any{"a", "b"}}
				a, err := v.Validate(args)
				if err != nil || a.Int("member_id") != int64(g*1000+i+1) {
					t.Errorf("concurrent validate: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestArgsNilAndUnknown(t *testing.T) {
	var a *Args
	if a.Action() != "" || a.Has("x") || a.String("x") != "" || a.Int("x") != 0 || a.Strings("x") != nil || a.BoolPtr("x") != nil {
		t.Error("nil Args accessors must return zero values")
	}
	good, err := mustValidator(t, "agent-api-keys").Validate(map[string]any{"action": "get", "key_id": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	if good.Has("nope") || good.String("name") != "" || good.FloatPtr("nope") != nil {
		t.Error("absent or unknown names must read as zero values")
	}
	if _, err := mustValidator(t, "agent-api-keys").Validate(nil); err == nil {
		t.Error("nil args accepted")
	}
}

// compileSchemas builds santhosh-tekuri validators with format assertions.
func compileSchemas(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for _, name := range schemas.Names() {
		raw, _ := schemas.Tool(name)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		if err := c.AddResource("mem://"+name, doc); err != nil {
			t.Fatal(err)
		}
		out[name], err = c.Compile("mem://" + name)
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// toInstance strips nulls (absent for us) and re-decodes the arguments the
// way santhosh-tekuri expects; ok is false for values JSON cannot carry.
func toInstance(args map[string]any) (any, bool) {
	m := map[string]any{}
	for k, v := range args {
		if v != nil {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil || !utf8.Valid(b) || bytes.Contains(b, []byte(`\ufffd`)) {
		return nil, false
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	return inst, err == nil
}

// TestSchemaAgreement: whatever our validator accepts, the JSON Schema
// accepts too (we are at least as strict), and on type-level facts (a value
// of the wrong JSON type, a fraction for an integer, an enum miss) both
// reject.
func TestSchemaAgreement(t *testing.T) {
	compiled := compileSchemas(t)
	for i, c := range goodCases {
		args := decodeArgs(t, c.args, c.useNumber)
		inst, ok := toInstance(args)
		if !ok {
			continue
		}
		if err := compiled[c.tool].Validate(inst); err != nil {
			t.Errorf("good #%d %s: schema rejects what we accept: %v", i, c.tool, err)
		}
	}
	for i, c := range badCases {
		args := decodeArgs(t, c.args, c.useNumber)
		inst, ok := toInstance(args)
		if !ok {
			continue
		}
		if compiled[c.tool].Validate(inst) != nil {
			if _, err := mustValidator(t, c.tool).Validate(args); err == nil {
				t.Errorf("bad #%d: schema rejects but we accept", i)
			}
		}
	}
	// Type mutations of a good instance, property by property.
	wrong := map[string][]any{
		"string": {1.0, true, []any{"x"}, map[string]any{}},
		// "1" for a number and "true" for a boolean are accepted on purpose
		// (the one place this validator is more lenient than the schema).
		"integer": {"x1", 1.5, true, []any{1.0}, map[string]any{}, 0.0},
		"number":  {"ten", true, []any{1.0}},
		"boolean": {"yes", 1.0, []any{true}},
		"array":   {"x", 1.0, true, map[string]any{}, []any{1.0}},
	}
	mutations := 0
	for _, s := range Specs() {
		v := mustValidator(t, s.Name)
		for _, p := range v.paramList {
			base := goodBase(t, s.Name, p.name)
			if base == nil {
				t.Errorf("%s: no good case uses %s", s.Name, p.name)
				continue
			}
			typ := map[paramKind]string{paramString: "string", paramInteger: "integer", paramNumber: "number", paramBoolean: "boolean", paramArray: "array"}[p.kind]
			vals := wrong[typ]
			if typ == "integer" && (!p.hasMin || p.min < 1) {
				vals = vals[:len(vals)-1] // 0 is valid here (an offset)
			}
			if p.enum != nil {
				vals = append(vals, "not-in-enum")
			}
			for _, w := range vals {
				args := map[string]any{}
				for k, x := range base {
					args[k] = x
				}
				args[p.name] = w
				inst, _ := toInstance(args)
				theirs := compiled[s.Name].Validate(inst)
				_, ours := v.Validate(args)
				if theirs == nil || ours == nil {
					t.Errorf("%s.%s = %v: schema err %v, our err %v; want both to reject", s.Name, p.name, w, theirs, ours)
				}
				mutations++
			}
		}
	}
	if mutations < 100 {
		t.Errorf("only %d mutations", mutations)
	}
}

// goodBase returns the arguments of a good case that sets param.
func goodBase(t *testing.T, tool, param string) map[string]any {
	for _, c := range goodCases {
		if c.tool != tool || c.useNumber {
			continue
		}
		args := decodeArgs(t, c.args, false)
		if args[param] != nil {
			return args
		}
	}
	return nil
}

func BenchmarkValidate(b *testing.B) {
	for _, bc := range []struct {
		name, tool string
		args       map[string]any
		ok         bool
	}{
		{"keys-get", "agent-api-keys", map[string]any{"action": "get", "key_id": 42.0}, true},
		{"auth-login", "agent-auth", map[string]any{"action": "login", "email": "ada@example.com", "password": "correct horse battery staple", "device_name": "laptop", "token_expiry": "1_month", "scopes": []any{"profile:read", "tokens:read", "teams:write"}}, true},
		{"profile-socials", "agent-profile", map[string]any{"action": "update-socials", "github": "https://github.com/ada", "discord": "ada"}, true},
		{"error-unknown-param", "agent-profile", map[string]any{"action": "update", "about": "hi"}, false},
		{"error-1MiB", "agent-auth", map[string]any{"action": "signup", "email": "a@b.co", "password": "pw", "name": mib}, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v := mustValidator(b, bc.tool)
			b.ReportAllocs()
			for b.Loop() {
				_, err := v.Validate(bc.args)
				if (err == nil) != bc.ok {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzValidate: any input yields either Args or an *InputError, never a
// panic, and errors keep their promises (short, no secrets in full).
func FuzzValidate(f *testing.F) {
	for _, c := range goodCases {
		if s, ok := c.args.(string); ok {
			f.Add(uint8(toolIndex(c.tool)), []byte(s), c.useNumber)
		}
	}
	for _, c := range badCases {
		if s, ok := c.args.(string); ok && len(s) < 2000 {
			f.Add(uint8(toolIndex(c.tool)), []byte(s), c.useNumber)
		}
	}
	vs, err := validators()
	if err != nil {
		f.Fatal(err)
	}
	specs := Specs()
	f.Fuzz(func(t *testing.T, tool uint8, data []byte, useNumber bool) {
		spec := specs[int(tool)%len(specs)]
		v := vs[spec.Name]
		var args map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		if useNumber {
			dec.UseNumber()
		}
		if dec.Decode(&args) != nil {
			// Not JSON: use the raw bytes as a string value, so invalid
			// UTF-8 and control characters reach the string checks.
			act := spec.Actions[len(data)%len(spec.Actions)]
			args = map[string]any{"action": act.Name}
			if ps := slices.Concat(act.Required, act.Optional); len(ps) > 0 {
				args[ps[int(tool)/len(specs)%len(ps)]] = string(data)
			}
		}
		a, err := v.Validate(args)
		if (a == nil) == (err == nil) {
			t.Fatalf("Validate returned (%v, %v)", a, err)
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Tool != spec.Name {
				t.Fatalf("error %T %v", err, err)
			}
			msg := err.Error()
			if len(msg) > 1000 || !utf8.ValidString(msg) {
				t.Fatalf("bad message (%d bytes): %q", len(msg), msg)
			}
			for k, val := range args {
				if s, ok := val.(string); ok && isSecretParam(k) && len(s) >= 16 && strings.Contains(msg, s) {
					t.Fatalf("secret %s echoed: %q", k, msg)
				}
			}
			return
		}
		act, ok := spec.Action(a.Action())
		if !ok {
			t.Fatalf("accepted unknown action %q", a.Action())
		}
		for _, p := range slices.Concat(act.Required, act.Optional) {
			_ = a.Has(p)
			_, _, _, _ = a.String(p), a.Int(p), a.Float(p), a.Bool(p)
			_, _, _ = a.StringPtr(p), a.BoolPtr(p), a.FloatPtr(p)
			_ = a.Strings(p)
			s, isStr := args[p].(string)
			if isStr && v.params[p].kind == paramString && a.String(p) != s {
				t.Fatalf("%s: String = %q, arg %q", p, a.String(p), s)
			}
			// A quoted integer is read as the number it spells, and only that,
			// within the parameter's own minimum (ids from 1, offset from 0).
			lo := int64(math.MinInt64)
			if v.params[p].hasMin {
				lo = int64(v.params[p].min)
			}
			if isStr && v.params[p].kind == paramInteger {
				if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil || n != a.Int(p) || n < lo || n > maxSafeInt {
					t.Fatalf("%s: Int = %d, arg %q", p, a.Int(p), s)
				}
			}
			if f, ok := args[p].(float64); ok && v.params[p].kind == paramInteger && (float64(a.Int(p)) != f || f < float64(lo) || f > maxSafeInt || math.Trunc(f) != f) {
				t.Fatalf("%s: Int = %d, arg %v", p, a.Int(p), f)
			}
		}
		for _, p := range act.Required {
			if !a.Has(p) {
				t.Fatalf("required %s absent", p)
			}
		}
	})
}

func toolIndex(name string) int {
	for i, s := range Specs() {
		if s.Name == name {
			return i
		}
	}
	return 0
}
