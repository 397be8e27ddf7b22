package tools_test

import (
	"fmt"
	"strings"
	"testing"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// agent-tokens list marks the token the session uses (issue 21: every token is
// named agent-control-plane, so the model could not tell which is its own).
func TestTokensListMarksTheCurrentToken(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{})
	demo := h.sb.Demo()
	for range 2 { // two sessions' worth of tokens, all with the default name
		h.ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password})
	}
	current := h.creds.get().ID()
	r := h.ok("agent-tokens", map[string]any{"action": "list"})
	marked := 0
	for _, it := range r.list() {
		item := it.(map[string]any)
		if item["current"] == true {
			marked++
			if num(item["id"]) != current {
				t.Errorf("token %v marked current, the session uses %d", item["id"], current)
			}
		}
	}
	if len(r.list()) < 2 || marked != 1 {
		t.Fatalf("%d of %d tokens marked current, want 1:\n%s", marked, len(r.list()), r.text)
	}
	if !strings.Contains(r.text, fmt.Sprintf("Token %d, marked current: true, is the one this session uses", current)) {
		t.Errorf("no note names the current token:\n%s", r.text)
	}
}

// One mask style everywhere (issue 21): login's token and key, and the keys
// of the sandbox's list, all read "…abcd" (a Sanctum token "42|…abcd").
func TestOneMaskStyleThroughTheTools(t *testing.T) {
	h := newHarness(t, nil, tools.Filter{})
	demo := h.sb.Demo()
	r := h.ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password})
	tok, _ := r.data()["access_token"].(string)
	key, _ := r.data()["api_key"].(string)
	if want := fmt.Sprintf("%d|…", h.creds.get().ID()); !strings.HasPrefix(tok, want) || len(tok) != len(want)+4 {
		t.Errorf("login token shown as %q, want %s and four characters", tok, want)
	}
	keys := h.ok("agent-api-keys", map[string]any{"action": "list"}).list()
	if len(keys) == 0 {
		t.Fatal("no keys")
	}
	for _, k := range append([]any{map[string]any{"key": key}}, keys...) {
		if s, _ := k.(map[string]any)["key"].(string); !strings.HasPrefix(s, "…") || len(s) != len("…")+4 {
			t.Errorf("key shown as %q, want …abcd", s)
		}
	}
}

// The sandbox is not ModelsLab: its errors say so, since nothing left the
// machine (issue 21: "ModelsLab answered HTTP 422" in sandbox mode).
func TestSandboxErrorsNameTheSandbox(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Seed: 7, DisableRateLimit: true})
	for _, name := range []string{"", upstream.SandboxName} {
		cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: sb.Transport(), Name: name})
		if err != nil {
			t.Fatal(err)
		}
		ts, err := tools.Build(tools.Deps{Client: cl, Creds: &memCreds{}}, tools.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		s := mcpserver.NewMCPServer("test", "1", mcpserver.WithToolCapabilities(false))
		s.AddTools(ts...)
		h := &harness{t: t, mcp: connect(t, s)}
		r := h.call("agent-auth", map[string]any{"action": "verify-email", "verification_code": "000000"})
		want := "ModelsLab answered HTTP 422"
		if name != "" {
			want = "the sandbox (offline ModelsLab) answered HTTP 422"
		}
		if !r.isError || !strings.Contains(r.text, want) || (name != "" && strings.Contains(r.text, "ModelsLab answered")) {
			t.Errorf("name %q: %s, want %q", name, r.text, want)
		}
	}
}
