package tools_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin/browsertest"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// memCreds behaves like the stdio transport: one token, adopted on login.
type memCreds struct {
	mu  sync.Mutex
	tok upstream.Token
}

func (m *memCreds) Token(context.Context) upstream.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok
}
func (m *memCreds) Adopt(_ context.Context, t upstream.Token) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = t
	return true
}
func (m *memCreds) Drop(_ context.Context, t upstream.Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == t {
		m.tok = ""
	}
}

// AdoptLocal keeps a browser login's token, as stdio does.
func (m *memCreds) AdoptLocal(ctx context.Context, t upstream.Token) bool { return m.Adopt(ctx, t) }
func (m *memCreds) get() upstream.Token                                   { return m.Token(context.Background()) }

type harness struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	creds *memCreds
	mcp   *client.Client
	// browser runs browser-login, with the sandbox as the site.
	browser *browserlogin.Manager
	// requests counts requests that reached the sandbox.
	mu       sync.Mutex
	requests int
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newHarness(t *testing.T, deps func(*tools.Deps), filter tools.Filter) *harness {
	t.Helper()
	h := &harness{t: t, creds: &memCreds{}}
	h.sb = sandbox.New(sandbox.Options{Seed: 7, DisableRateLimit: true})
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			h.mu.Lock()
			h.requests++
			h.mu.Unlock()
			return h.sb.Transport().RoundTrip(r)
		})})
	if err != nil {
		t.Fatal(err)
	}
	h.browser = browserlogin.New(browserlogin.Config{Site: h.sb})
	t.Cleanup(h.browser.Close)
	d := tools.Deps{Client: cl, Creds: h.creds, BrowserLogin: h.browser}
	if deps != nil {
		deps(&d)
	}
	ts, err := tools.Build(d, filter)
	if err != nil {
		t.Fatal(err)
	}
	s := mcpserver.NewMCPServer("test", "1", mcpserver.WithToolCapabilities(false))
	s.AddTools(ts...)
	h.mcp = connect(t, s)
	return h
}

func (h *harness) upstreamRequests() int { h.mu.Lock(); defer h.mu.Unlock(); return h.requests }

// callResult is a tool result, decoded.
type callResult struct {
	isError bool
	text    string
	body    map[string]any
}

func (r callResult) data() map[string]any {
	d, _ := r.body["data"].(map[string]any)
	return d
}

func (r callResult) list() []any {
	l, _ := r.body["data"].([]any)
	return l
}

func (r callResult) errField(k string) any {
	e, _ := r.body["error"].(map[string]any)
	return e[k]
}

func (h *harness) call(tool string, args map[string]any) callResult {
	h.t.Helper()
	return callTool(h.t, h.mcp, tool, args)
}

// callTool calls a tool through an MCP client and decodes the result.
func callTool(t *testing.T, c *client.Client, tool string, args map[string]any) callResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %v: protocol error %v (tool failures must be results)", tool, args["action"], err)
	}
	out := callResult{isError: res.IsError}
	if len(res.Content) > 0 {
		if tc, ok := res.Content[0].(mcp.TextContent); ok {
			out.text = tc.Text
		}
	}
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// ok calls and fails the test on an error result.
func (h *harness) ok(tool string, args map[string]any) callResult {
	h.t.Helper()
	r := h.call(tool, args)
	if r.isError {
		h.t.Fatalf("%s %v failed: %s", tool, args["action"], r.text)
	}
	if r.body["action"] != args["action"] {
		h.t.Fatalf("%s: structured action %v", tool, r.body["action"])
	}
	// The text block carries the same JSON as the structured content.
	var fromText map[string]any
	if err := json.Unmarshal([]byte(r.text), &fromText); err != nil || fromText["action"] != args["action"] {
		h.t.Fatalf("%s: text block is not the result JSON: %s", tool, r.text)
	}
	return r
}

func (h *harness) lastMail(email, kind string) sandbox.Mail {
	h.t.Helper()
	mails := h.sb.Outbox(email)
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].Kind == kind {
			return mails[i]
		}
	}
	h.t.Fatalf("no %s mail for %s", kind, email)
	return sandbox.Mail{}
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

// TestEveryActionAgainstTheSandbox runs each action of each tool, in an order a
// real agent would, through an MCP client.
func TestEveryActionAgainstTheSandbox(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{})
	demo := h.sb.Demo()
	const email, pw = "newcomer@example.test", "correct-horse-1"
	seen := map[string]bool{}
	mark := func(tool, action string) { seen[tool+" "+action] = true }

	// agent-auth: signup, then login refused until verified.
	r := h.ok("agent-auth", map[string]any{"action": "signup", "email": email, "password": pw, "password_confirmation": pw, "name": "New Comer"})
	mark("agent-auth", "signup")
	if !strings.Contains(r.text, "verify-email") {
		t.Errorf("signup result does not point to verify-email: %s", r.text)
	}
	r = h.call("agent-auth", map[string]any{"action": "login", "email": email, "password": pw})
	if !r.isError || r.errField("code") != "email_not_verified" || !strings.Contains(r.text, "verify-email") {
		t.Fatalf("login before verification: %s", r.text)
	}
	h.ok("agent-auth", map[string]any{"action": "resend-verification", "email": email})
	mark("agent-auth", "resend-verification")
	code := h.lastMail(email, "verification").Code
	r = h.ok("agent-auth", map[string]any{"action": "verify-email", "verification_code": code})
	mark("agent-auth", "verify-email")
	tok := h.creds.get()
	if tok == "" {
		t.Fatal("verify-email did not authenticate the session")
	}
	if got := r.data()["access_token"]; got == string(tok) || !strings.HasSuffix(got.(string), string(tok[len(tok)-4:])) {
		t.Errorf("access_token not masked as id|…last4: %v", got)
	}
	if strings.Contains(r.text, string(tok)) {
		t.Error("the whole token reached the model's context")
	}

	// agent-profile.
	r = h.ok("agent-profile", map[string]any{"action": "get"})
	mark("agent-profile", "get")
	if r.data()["email"] != email {
		t.Errorf("profile email %v", r.data()["email"])
	}
	r = h.ok("agent-profile", map[string]any{"action": "update", "about_me": "I test things", "name": "Renamed"})
	mark("agent-profile", "update")
	if r.data()["about_me"] != "I test things" || r.data()["name"] != "Renamed" {
		t.Errorf("update answered %v", r.data())
	}
	h.ok("agent-profile", map[string]any{"action": "update-socials", "github": "https://github.com/newcomer", "discord": "newcomer"})
	mark("agent-profile", "update-socials")
	r = h.ok("agent-profile", map[string]any{"action": "update-preferences", "nsfw_content": false, "wallet_notification_threshold": 0})
	mark("agent-profile", "update-preferences")
	if prefs, _ := r.data()["preferences"].(map[string]any); prefs["wallet_notification_threshold"] != float64(0) || prefs["nsfw_content"] != false {
		t.Errorf("preferences %v", r.data()["preferences"])
	}
	const pw2 = "correct-horse-2"
	h.ok("agent-profile", map[string]any{"action": "update-password", "current_password": pw, "password": pw2, "password_confirmation": pw2})
	mark("agent-profile", "update-password")

	// agent-api-keys.
	r = h.ok("agent-api-keys", map[string]any{"action": "create", "name": "CI key", "notes": "for the pipeline"})
	mark("agent-api-keys", "create")
	keyID, secret := num(r.data()["id"]), r.data()["key"].(string)
	if keyID <= 0 || strings.Contains(secret, "...") {
		t.Fatalf("create: id %d key %q", keyID, secret)
	}
	r = h.ok("agent-api-keys", map[string]any{"action": "list"})
	mark("agent-api-keys", "list")
	if strings.Contains(r.text, secret) {
		t.Error("list shows a whole secret")
	}
	h.ok("agent-api-keys", map[string]any{"action": "get", "key_id": keyID})
	mark("agent-api-keys", "get")
	r = h.ok("agent-api-keys", map[string]any{"action": "update", "key_id": keyID, "name": "CI key v2"})
	mark("agent-api-keys", "update")
	if r.data()["name"] != "CI key v2" {
		t.Errorf("update name %v", r.data()["name"])
	}
	r = h.ok("agent-api-keys", map[string]any{"action": "rotate", "key_id": keyID})
	mark("agent-api-keys", "rotate")
	newKey, _ := r.data()["new_key"].(map[string]any)
	newID := num(r.data()["new_key_id"])
	if r.data()["old_key_deleted"] != true || newID == keyID || newKey["name"] != "CI key v2" || newKey["notes"] != "for the pipeline" {
		t.Errorf("rotate: %v", r.data())
	}
	if s, _ := newKey["key"].(string); s == "" || s == secret || strings.Contains(s, "...") {
		t.Errorf("rotate did not return a new whole secret: %q", s)
	}
	r = h.call("agent-api-keys", map[string]any{"action": "get", "key_id": keyID})
	if !r.isError || r.errField("status") != float64(404) || !strings.Contains(r.text, "action list") {
		t.Errorf("old key after rotate: %s", r.text)
	}
	h.ok("agent-api-keys", map[string]any{"action": "delete", "key_id": newID})
	mark("agent-api-keys", "delete")

	// agent-teams: invite the demo user, who accepts.
	r = h.ok("agent-teams", map[string]any{"action": "create", "email": demo.Email, "role": "viewer"})
	mark("agent-teams", "create")
	memberID, inviteID := num(r.data()["id"]), r.data()["invite_id"].(string)
	r = h.ok("agent-teams", map[string]any{"action": "list"})
	mark("agent-teams", "list")
	if len(r.list()) != 1 {
		t.Errorf("team list %v", r.list())
	}
	h.ok("agent-teams", map[string]any{"action": "get", "member_id": memberID})
	mark("agent-teams", "get")
	r = h.ok("agent-teams", map[string]any{"action": "update", "member_id": memberID, "role": "admin", "permissions": []any{"api-keys:read"}})
	mark("agent-teams", "update")
	if r.data()["role"] != "admin" {
		t.Errorf("role %v", r.data()["role"])
	}
	h.ok("agent-teams", map[string]any{"action": "resend-invite", "member_id": memberID})
	mark("agent-teams", "resend-invite")
	newcomerToken := h.creds.get()

	h.ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password})
	h.ok("agent-teams", map[string]any{"action": "accept-invite", "invite_id": inviteID})
	mark("agent-teams", "accept-invite")

	// agent-tokens, as the demo user: switch to the newcomer's account.
	r = h.ok("agent-tokens", map[string]any{"action": "list"})
	mark("agent-tokens", "list")
	var demoTokenID int64
	for _, it := range r.list() {
		demoTokenID = max(demoTokenID, num(it.(map[string]any)["id"]))
	}
	h.creds.Adopt(context.Background(), newcomerToken)
	username := h.ok("agent-profile", map[string]any{"action": "get"}).data()["username"].(string)
	h.ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password})
	before := h.creds.get()
	h.ok("agent-tokens", map[string]any{"action": "switch-account", "account_username": username})
	mark("agent-tokens", "switch-account")
	if h.creds.get() == before {
		t.Error("switch-account did not change the session's token")
	}
	if got := h.ok("agent-profile", map[string]any{"action": "get"}).data()["username"]; got != username {
		t.Errorf("after switch-account the session acts as %v, want %s", got, username)
	}
	h.ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password})
	h.ok("agent-tokens", map[string]any{"action": "revoke", "token_id": demoTokenID})
	mark("agent-tokens", "revoke")
	h.ok("agent-tokens", map[string]any{"action": "revoke-others"})
	mark("agent-tokens", "revoke-others")
	if n := len(h.ok("agent-tokens", map[string]any{"action": "list"}).list()); n != 1 {
		t.Errorf("after revoke-others %d tokens remain, want 1", n)
	}

	// Back to the newcomer: refresh, remove the member, recover the password, log out.
	h.creds.Adopt(context.Background(), newcomerToken)
	h.ok("agent-teams", map[string]any{"action": "delete", "member_id": memberID})
	mark("agent-teams", "delete")
	h.ok("agent-auth", map[string]any{"action": "refresh", "token_expiry": "1_week"})
	mark("agent-auth", "refresh")
	if h.creds.get() == newcomerToken || h.creds.get() == "" {
		t.Error("refresh did not adopt the new token")
	}
	r = h.call("agent-profile", map[string]any{"action": "get"})
	if r.isError {
		t.Fatalf("after refresh: %s", r.text)
	}
	h.ok("agent-auth", map[string]any{"action": "forgot-password", "email": email})
	mark("agent-auth", "forgot-password")
	reset := h.lastMail(email, "password_reset").Code
	const pw3 = "correct-horse-3"
	h.ok("agent-auth", map[string]any{"action": "reset-password", "email": email, "token": reset, "password": pw3, "password_confirmation": pw3})
	mark("agent-auth", "reset-password")
	h.ok("agent-auth", map[string]any{"action": "login", "email": email, "password": pw3})
	mark("agent-auth", "login")
	h.ok("agent-auth", map[string]any{"action": "logout"})
	mark("agent-auth", "logout")
	if h.creds.get() != "" {
		t.Error("logout left the token in the session")
	}
	n := h.upstreamRequests()
	r = h.call("agent-profile", map[string]any{"action": "get"})
	if !r.isError || r.errField("kind") != "not_logged_in" || !strings.Contains(r.text, "agent-auth") || h.upstreamRequests() != n {
		t.Errorf("call after logout: %s (upstream requests %d → %d)", r.text, n, h.upstreamRequests())
	}
	// browser-login, for a client without elicitation: the URL, the person
	// logs in on the page, and the next call reports the session.
	r = h.ok("agent-auth", map[string]any{"action": "browser-login", "device_name": "tools-test"})
	mark("agent-auth", "browser-login")
	authorize, _ := r.data()["authorize_url"].(string)
	if r.data()["status"] != "pending" || authorize == "" {
		t.Fatalf("browser-login: %s", r.text)
	}
	if p, err := browsertest.Submit(authorize, email, pw3, "login"); err != nil || !strings.Contains(p.Body, "You may close this tab") {
		t.Fatalf("the browser: %v %+v", err, p)
	}
	r = h.ok("agent-auth", map[string]any{"action": "browser-login"})
	if r.data()["status"] != "logged_in" || r.data()["email"] != email || h.creds.get() == "" ||
		strings.Contains(r.text, string(h.creds.get())) {
		t.Fatalf("browser-login after the page: %s", r.text)
	}
	h.ok("agent-auth", map[string]any{"action": "logout-all"})
	mark("agent-auth", "logout-all")
	if h.creds.get() != "" {
		t.Error("logout-all left the token in the session")
	}

	for _, spec := range tools.Specs() {
		if !slices.Contains(tools.DefaultToolsets(), spec.Toolset) {
			continue // issue 17's tools: TestI17EveryActionAgainstTheSandbox
		}
		for _, a := range spec.Actions {
			if !seen[spec.Name+" "+a.Name] {
				t.Errorf("action %s %s not exercised", spec.Name, a.Name)
			}
		}
	}
}
