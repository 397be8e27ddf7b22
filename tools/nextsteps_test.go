package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// published is every "tool action" the harness's server lists.
func (h *harness) published() map[string]bool {
	h.t.Helper()
	res, err := h.mcp.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, tool := range res.Tools {
		var s struct {
			Properties struct {
				Action struct {
					Enum []string `json:"enum"`
				} `json:"action"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(schemaOf(tool), &s); err != nil {
			h.t.Fatal(err)
		}
		for _, a := range s.Properties.Action.Enum {
			out[tool.Name+" "+a] = true
		}
	}
	return out
}

var namedAction = regexp.MustCompile(`(agent-[a-z-]+) \(?action ([a-z-]+)(?: or action ([a-z-]+))?`)

// checkNextStep fails when r's next step names an action this server does not
// publish, or says nothing at all.
func (h *harness) checkNextStep(r callResult) string {
	h.t.Helper()
	next, _ := r.errField("next_step").(string)
	if next == "" {
		h.t.Fatalf("no next step: %s", r.text)
	}
	pub := h.published()
	for _, m := range namedAction.FindAllStringSubmatch(next, -1) {
		for _, act := range m[2:] {
			if act != "" && !pub[m[1]+" "+act] {
				h.t.Errorf("next step names %s action %s, which this server does not publish: %q", m[1], act, next)
			}
		}
	}
	if strings.Contains(r.text, "action action") {
		h.t.Errorf("stutter in %q", r.text)
	}
	return next
}

// Not logged in: the way to a token depends on what this server publishes.
func TestNotLoggedInNamesOnlyPublishedLogin(t *testing.T) {
	cases := []struct {
		name   string
		http   bool
		filter tools.Filter
		want   []string
		not    []string
	}{
		{"stdio, everything", false, tools.Filter{}, []string{"action login, with email and password", "MODELSLAB_AGENT_TOKEN"}, nil},
		{"http, everything", true, tools.Filter{}, []string{"Authorization: Bearer", "agent-auth action login"}, nil},
		{"stdio, read-only", false, tools.Filter{ReadOnly: true}, []string{"MODELSLAB_AGENT_TOKEN", "does not publish agent-auth login", "read-only mode"}, []string{"log in with"}},
		{"http, read-only", true, tools.Filter{ReadOnly: true}, []string{"Authorization: Bearer", "does not publish agent-auth login", "read-only"}, []string{"get one with"}},
		{"stdio, toolsets without auth", false, tools.Filter{Toolsets: []string{"profile", "teams"}}, []string{"MODELSLAB_AGENT_TOKEN", "the auth toolset is not enabled: --toolsets profile,teams"}, []string{"log in with"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *tools.Deps) { d.HTTP = tc.http }, tc.filter)
			r := h.call("agent-profile", map[string]any{"action": "get"})
			if !r.isError || r.errField("kind") != "not_logged_in" {
				t.Fatalf("%s", r.text)
			}
			next := h.checkNextStep(r)
			for _, w := range tc.want {
				if !strings.Contains(next, w) {
					t.Errorf("next step %q lacks %q", next, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(next, w) {
					t.Errorf("next step %q has %q", next, w)
				}
			}
		})
	}
}

// A write refused in read-only mode blames the mode, not the parameter, and
// reads without a stutter.
func TestReadOnlyRefusalNamesTheMode(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{ReadOnly: true})
	h.creds.tok = "1|whatever"
	r := h.call("agent-tokens", map[string]any{"action": "revoke", "token_id": 1})
	if !r.isError || r.errField("kind") != "not_available" {
		t.Fatalf("%s", r.text)
	}
	next := h.checkNextStep(r)
	for _, w := range []string{"agent-tokens revoke is not available on this server", "read-only mode (--read-only)", "nothing was sent"} {
		if !strings.Contains(r.text, w) {
			t.Errorf("%q lacks %q", r.text, w)
		}
	}
	if strings.Contains(r.text, "fix the parameter") || r.errField("parameter") != nil {
		t.Errorf("blames the parameter: %s", r.text)
	}
	if !strings.Contains(next, "only list") || !strings.Contains(next, "without --read-only") {
		t.Errorf("next step %q", next)
	}
	if n := h.upstreamRequests(); n != 0 {
		t.Errorf("%d requests upstream", n)
	}
}

// errTransport fails every request with err.
func errClient(t *testing.T, err error) *upstream.Client {
	t.Helper()
	cl, e := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, err })})
	if e != nil {
		t.Fatal(e)
	}
	return cl
}

type readTimeout struct{}

func (readTimeout) Error() string   { return "i/o timeout" }
func (readTimeout) Timeout() bool   { return true }
func (readTimeout) Temporary() bool { return true }

// A failure without an answer says what is true: a DNS or connect failure
// reached nothing; a request sent without an answer may have taken effect,
// and the check it suggests exists on that tool.
func TestNetworkFailuresSayWhatReachedModelsLab(t *testing.T) {
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "modelslab.invalid", IsNotFound: true}}
	sentNoAnswer := &net.OpError{Op: "read", Net: "tcp", Err: readTimeout{}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}

	// A real refused connection, on a loopback port nobody holds.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	refused, err := upstream.New(upstream.Config{BaseURL: "http://" + closed + "/api/agents/v1"})
	if err != nil {
		t.Fatal(err)
	}

	login := map[string]any{"action": "login", "email": "demo@sandbox.test", "password": "pw-pw-pw-pw"}
	cases := []struct {
		name   string
		client *upstream.Client
		tool   string
		args   map[string]any
		want   string
		not    []string
	}{
		{"dns, login", errClient(t, dns), "agent-auth", login, "nothing reached ModelsLab", []string{"may have", "list or get"}},
		{"refused, login", refused, "agent-auth", login, "nothing reached ModelsLab", []string{"may have"}},
		{"refused, create key", refused, "agent-api-keys", map[string]any{"action": "create", "name": "k"}, "nothing reached ModelsLab", []string{"may have"}},
		{"timeout, login", errClient(t, sentNoAnswer), "agent-auth", login, "may have taken effect: calling it again is safe", []string{"list", "nothing reached"}},
		{"reset, create key", errClient(t, reset), "agent-api-keys", map[string]any{"action": "create", "name": "k"}, "may have taken effect: check with agent-api-keys action list", nil},
		{"timeout, profile update", errClient(t, sentNoAnswer), "agent-profile", map[string]any{"action": "update", "name": "n"}, "check with agent-profile action get", nil},
		{"timeout, list keys", errClient(t, sentNoAnswer), "agent-api-keys", map[string]any{"action": "list"}, "changes nothing, so try again", []string{"may have"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *tools.Deps) { d.Client = tc.client }, tools.Filter{})
			h.creds.tok = "1|whatever"
			r := h.call(tc.tool, tc.args)
			if !r.isError {
				t.Fatalf("succeeded: %s", r.text)
			}
			next := h.checkNextStep(r)
			if !strings.Contains(next, tc.want) {
				t.Errorf("next step %q lacks %q", next, tc.want)
			}
			for _, w := range tc.not {
				if strings.Contains(next, w) {
					t.Errorf("next step %q has %q", next, w)
				}
			}
		})
	}
}

// Not-found hints fit the action: an unknown switch-account target is not
// fixed by a token id, an unknown invitation not by a member id.
func TestNotFoundHintsFitTheAction(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{})
	d := h.sb.Demo()
	h.ok("agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})

	r := h.call("agent-tokens", map[string]any{"action": "switch-account", "account_username": "nobody-here"})
	next := h.checkNextStep(r)
	if !strings.Contains(next, "accepted member") || strings.Contains(next, "token_id") || !strings.Contains(next, "agent-teams action accept-invite") {
		t.Errorf("switch-account to an unknown account: %q", next)
	}
	r = h.call("agent-teams", map[string]any{"action": "accept-invite", "invite_id": "00000000-0000-4000-8000-000000000000"})
	if next = h.checkNextStep(r); !strings.Contains(next, "invitation email") || strings.Contains(next, "member_id") {
		t.Errorf("accept-invite of an unknown invitation: %q", next)
	}
	r = h.call("agent-tokens", map[string]any{"action": "revoke", "token_id": 999999})
	if next = h.checkNextStep(r); !strings.Contains(next, "agent-tokens action list") {
		t.Errorf("revoke of an unknown token: %q", next)
	}

	// Without the teams toolset, the switch-account hint does not send the
	// caller to agent-teams.
	h = newHarness(t, nil, tools.Filter{Toolsets: []string{"auth", "tokens"}})
	h.ok("agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})
	r = h.call("agent-tokens", map[string]any{"action": "switch-account", "account_username": "nobody-here"})
	if next = h.checkNextStep(r); strings.Contains(next, "agent-teams") {
		t.Errorf("names agent-teams, not published: %q", next)
	}
}

// A parameter another action takes is not suggested as if this one did:
// username on login means the email.
func TestUnknownParameterSuggestsThisActionsOwn(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{})
	r := h.call("agent-auth", map[string]any{"action": "login", "username": "demo", "password": "pw-pw-pw-pw"})
	if !r.isError || !strings.Contains(r.text, "did you mean `email`?") || strings.Contains(r.text, "`name`") {
		t.Errorf("username on login: %s", r.text)
	}
	// Near only to another action's parameter: say what this one takes, and whose that is.
	r = h.call("agent-auth", map[string]any{"action": "login", "email": "a@b.co", "password": "pw-pw-pw-pw", "nmae": "x"})
	if !strings.Contains(r.text, "login takes: email, password") || !strings.Contains(r.text, "`name` is a parameter of signup") {
		t.Errorf("nmae on login: %s", r.text)
	}
	// Where the action does take username, it stays a real parameter.
	h.ok("agent-auth", map[string]any{"action": "login", "email": h.sb.Demo().Email, "password": h.sb.Demo().Password})
	h.ok("agent-profile", map[string]any{"action": "update", "username": "demo-renamed"})
	if n := h.upstreamRequests(); n != 2 {
		t.Errorf("%d upstream requests, want 2 (the refused calls sent nothing)", n)
	}
}

// In sandbox mode the results of the actions that send mail carry the
// made-up code, marked sandbox-only, so each flow finishes inside MCP; against
// a real control plane they carry nothing of the sort.
func TestSandboxMailNotes(t *testing.T) {
	var h *harness
	h = newHarness(t, func(d *tools.Deps) {
		d.SandboxMail = func(email string) []tools.SandboxMail {
			var out []tools.SandboxMail
			for _, m := range h.sb.Outbox(email) {
				out = append(out, tools.SandboxMail{Kind: m.Kind, To: m.To, Code: m.Code, InviteID: m.InviteID})
			}
			return out
		}
	}, tools.Filter{})
	note := func(r callResult) string {
		t.Helper()
		notes, _ := r.body["notes"].([]any)
		for _, n := range notes {
			if s, _ := n.(string); strings.HasPrefix(s, "SANDBOX ONLY") {
				return s
			}
		}
		t.Fatalf("no sandbox note: %s", r.text)
		return ""
	}
	codeIn := func(s, label string) string {
		m := regexp.MustCompile(label + ` (\S+):`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %s in %q", label, s)
		}
		return m[1]
	}

	// Sign up, verify with the code from the note.
	r := h.ok("agent-auth", map[string]any{"action": "signup", "email": "New@Example.test", "password": "a-long-password"})
	code := codeIn(note(r), "verification_code")
	if code != h.lastMail("new@example.test", "verification").Code || !strings.Contains(note(r), "sandbox://outbox/new@example.test") {
		t.Errorf("signup note %q, outbox code %q", note(r), h.lastMail("new@example.test", "verification").Code)
	}
	r = h.ok("agent-auth", map[string]any{"action": "resend-verification", "email": "new@example.test"})
	code2 := codeIn(note(r), "verification_code")
	if code2 == code {
		t.Errorf("resend-verification showed the old code %q", code)
	}
	h.ok("agent-auth", map[string]any{"action": "verify-email", "verification_code": code2})
	// Nothing to resend now: the note says so rather than showing an old code.
	r = h.ok("agent-auth", map[string]any{"action": "resend-verification", "email": "new@example.test"})
	if n := note(r); !strings.Contains(n, "no email was sent") {
		t.Errorf("resend to a verified account: %q", n)
	}

	// Reset a password with the token from the note.
	d := h.sb.Demo()
	r = h.ok("agent-auth", map[string]any{"action": "forgot-password", "email": d.Email})
	tok := codeIn(note(r), "carries token")
	h.ok("agent-auth", map[string]any{"action": "reset-password", "email": d.Email, "token": tok,
		"password": "a-new-long-password", "password_confirmation": "a-new-long-password"})
	h.ok("agent-auth", map[string]any{"action": "login", "email": d.Email, "password": "a-new-long-password"})

	// Invite, resend, accept with the invite_id from the note.
	r = h.ok("agent-teams", map[string]any{"action": "create", "email": "new@example.test"})
	invite := codeIn(note(r), "invite_id")
	memberID := num(r.data()["id"])
	r = h.ok("agent-teams", map[string]any{"action": "resend-invite", "member_id": memberID})
	if got := codeIn(note(r), "invite_id"); got != invite {
		t.Errorf("resend-invite note has invite_id %q, want %q", got, invite)
	}
	h.ok("agent-auth", map[string]any{"action": "login", "email": "new@example.test", "password": "a-long-password"})
	h.ok("agent-teams", map[string]any{"action": "accept-invite", "invite_id": invite})

	// Without the sandbox: no such note.
	plain := newHarness(t, nil, tools.Filter{})
	r = plain.ok("agent-auth", map[string]any{"action": "signup", "email": "x@example.test", "password": "a-long-password"})
	if strings.Contains(r.text, "SANDBOX ONLY") || strings.Contains(r.text, "sandbox") {
		t.Errorf("sandbox wording without the sandbox: %s", r.text)
	}
}

// schemaOf is the tool's input schema as published.
func schemaOf(tool mcp.Tool) []byte {
	if len(tool.RawInputSchema) > 0 {
		return tool.RawInputSchema
	}
	raw, _ := json.Marshal(tool.InputSchema)
	return raw
}

// Without agent-auth login, the tools' descriptions (which say "agent-auth
// login") say where the token comes from instead.
func TestDescriptionsSayWhenLoginIsMissing(t *testing.T) {
	for _, f := range []tools.Filter{{}, {ReadOnly: true}, {Toolsets: []string{"profile"}}} {
		h := newHarness(t, nil, f)
		res, err := h.mcp.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range res.Tools {
			says := strings.Contains(tool.Description, "does not publish agent-auth login")
			if want := !h.published()["agent-auth login"]; says != want {
				t.Errorf("%+v: %s says login is missing = %v, want %v", f, tool.Name, says, want)
			}
		}
	}
}

// In read-only mode a tool's description, which names every action (those
// that move money included), also names the ones this server offers, exactly
// the schema's.
func TestReadOnlyDescriptionsNameTheOfferedActions(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{ReadOnly: true, Toolsets: []string{tools.ToolsetsAll}})
	res, err := h.mcp.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	published := h.published()
	for _, tool := range res.Tools {
		_, note, ok := strings.Cut(tool.Description, "This server runs in read-only mode")
		if !ok {
			t.Errorf("%s: no read-only note: %s", tool.Name, tool.Description)
			continue
		}
		note, _, _ = strings.Cut(note, "\n")
		var spec tools.ToolSpec
		for _, s := range tools.Specs() {
			if s.Name == tool.Name {
				spec = s
			}
		}
		if len(spec.Actions) == 0 {
			t.Fatalf("%s: not declared", tool.Name)
		}
		for _, a := range spec.Actions {
			if named := strings.Contains(note, `"`+a.Name+`"`); named != published[tool.Name+" "+a.Name] {
				t.Errorf("%s: the read-only note names %q = %v, published %v: %s", tool.Name, a.Name, named, !named, note)
			}
		}
	}
}
