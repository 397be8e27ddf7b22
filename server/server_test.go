package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// env is a sandbox, a client of it, and a count of the requests that reached it.
type env struct {
	sb       *sandbox.Sandbox
	client   *upstream.Client
	requests atomic.Int32
	// auths records the Authorization header of every upstream request.
	mu    sync.Mutex
	auths []string
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{sb: sandbox.New(sandbox.Options{Seed: 3, DisableRateLimit: true})}
	var err error
	e.client, err = upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			e.requests.Add(1)
			e.mu.Lock()
			e.auths = append(e.auths, r.Header.Get("Authorization"))
			e.mu.Unlock()
			return e.sb.Transport().RoundTrip(r)
		})})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) opts() Options {
	return Options{Version: "test", Client: e.client, Logger: zerolog.Nop()}
}

// demoToken logs the demo user in directly, as a token from elsewhere would be.
func (e *env) demoToken(t *testing.T) upstream.Token {
	t.Helper()
	d := e.sb.Demo()
	res, err := e.client.Login(context.Background(), upstream.LoginRequest{Email: d.Email, Password: d.Password})
	if err != nil {
		t.Fatal(err)
	}
	return upstream.Token(res.Data.AccessToken)
}

func initialize(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-11-25"
	req.Params.ClientInfo = mcp.Implementation{Name: "server-test", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatal(err)
	}
}

// stdioClient runs ServeStdio on pipes and returns a client speaking to it.
func stdioClient(t *testing.T, opts Options) *client.Client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStdio(ctx, opts, inR, outW) }()
	c := client.NewClient(transport.NewIO(outR, inW, io.NopCloser(strings.NewReader(""))))
	initialize(t, c)
	t.Cleanup(func() {
		c.Close()
		cancel()
		inW.Close()
		outW.Close()
		<-done
	})
	return c
}

// httpClient serves NewHTTP with httptest and returns a client sending headers.
func httpClient(t *testing.T, srv *httptest.Server, headers map[string]string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaders(headers))
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	t.Cleanup(func() { c.Close() })
	return c
}

func httpServer(t *testing.T, opts Options, hopts HTTPOptions, loopback bool) *httptest.Server {
	t.Helper()
	hs, err := NewHTTP(opts, hopts, loopback)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hs.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	isError bool
	text    string
	body    map[string]any
}

func (r result) data() map[string]any { d, _ := r.body["data"].(map[string]any); return d }
func (r result) errKind() any {
	e, _ := r.body["error"].(map[string]any)
	return e["kind"]
}

func call(t *testing.T, c *client.Client, tool string, args map[string]any) result {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = tool, args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: protocol error %v", tool, err)
	}
	r := result{isError: res.IsError}
	if len(res.Content) > 0 {
		r.text = res.Content[0].(mcp.TextContent).Text
	}
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &r.body)
	return r
}

var getProfile = map[string]any{"action": "get"}

func TestStdioStartsWithEnvToken(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.EnvToken = e.demoToken(t)
	c := stdioClient(t, opts)
	r := call(t, c, "agent-profile", getProfile)
	if r.isError || r.data()["email"] != e.sb.Demo().Email {
		t.Fatalf("profile with MODELSLAB_AGENT_TOKEN: %s", r.text)
	}
}

func TestStdioLoginAuthenticatesTheSession(t *testing.T) {
	for _, reveal := range []bool{false, true} {
		t.Run(map[bool]string{false: "masked", true: "revealed"}[reveal], func(t *testing.T) {
			e := newEnv(t)
			opts := e.opts()
			opts.RevealTokens = reveal
			c := stdioClient(t, opts)
			d := e.sb.Demo()

			before := e.requests.Load()
			r := call(t, c, "agent-profile", getProfile)
			if !r.isError || r.errKind() != "not_logged_in" || !strings.Contains(r.text, "MODELSLAB_AGENT_TOKEN") {
				t.Fatalf("before login: %s", r.text)
			}
			if e.requests.Load() != before {
				t.Error("a call without a token reached the upstream")
			}
			r = call(t, c, "agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})
			if r.isError {
				t.Fatal(r.text)
			}
			shown := r.data()["access_token"].(string)
			isWhole := strings.Count(shown, "…") == 0 && len(shown) > 40
			if isWhole != reveal {
				t.Errorf("reveal=%v but access_token shown as %q", reveal, shown)
			}
			if !strings.Contains(r.text, "now uses the new token") {
				t.Errorf("login result does not say the server uses the token: %s", r.text)
			}
			if r = call(t, c, "agent-profile", getProfile); r.isError {
				t.Fatalf("after login: %s", r.text)
			}
			if r = call(t, c, "agent-auth", map[string]any{"action": "logout"}); r.isError {
				t.Fatal(r.text)
			}
			if r = call(t, c, "agent-profile", getProfile); r.errKind() != "not_logged_in" {
				t.Errorf("after logout: %s", r.text)
			}
		})
	}
}

func TestHTTPTokenComesFromEachRequest(t *testing.T) {
	e := newEnv(t)
	tok := e.demoToken(t)
	srv := httpServer(t, e.opts(), HTTPOptions{}, false)

	anon := httpClient(t, srv, nil)
	r := call(t, anon, "agent-profile", getProfile)
	if r.errKind() != "not_logged_in" || !strings.Contains(r.text, "Authorization: Bearer") {
		t.Fatalf("no header: %s", r.text)
	}
	for _, h := range []map[string]string{
		{"Authorization": "Bearer " + string(tok)},
		{"X-Agent-Token": string(tok)},
	} {
		if r := call(t, httpClient(t, srv, h), "agent-profile", getProfile); r.isError {
			t.Errorf("header %v: %s", slices.Collect(maps.Keys(h)), r.text)
		}
	}

	// A login over HTTP returns the token whole and authenticates nothing else.
	d := e.sb.Demo()
	r = call(t, anon, "agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})
	if r.isError || strings.Contains(r.data()["access_token"].(string), "…") {
		t.Fatalf("login over HTTP: %s", r.text)
	}
	if r = call(t, anon, "agent-profile", getProfile); r.errKind() != "not_logged_in" {
		t.Errorf("a login over HTTP authenticated a later request: %s", r.text)
	}

	// The upstream only ever saw the bearer form of the token.
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.auths {
		if a != "" && a != "Bearer "+string(tok) {
			t.Errorf("unexpected upstream Authorization %q", a)
		}
	}
}

func TestHTTPEnvTokenOnlyOnLoopback(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.EnvToken = e.demoToken(t)
	if r := call(t, httpClient(t, httpServer(t, opts, HTTPOptions{}, true), nil), "agent-profile", getProfile); r.isError {
		t.Errorf("loopback listener should fall back to MODELSLAB_AGENT_TOKEN: %s", r.text)
	}
	if r := call(t, httpClient(t, httpServer(t, opts, HTTPOptions{}, false), nil), "agent-profile", getProfile); r.errKind() != "not_logged_in" {
		t.Errorf("a listener beyond loopback must not use MODELSLAB_AGENT_TOKEN: %s", r.text)
	}
}

func TestHTTPConcurrentCallersKeepTheirOwnTokens(t *testing.T) {
	e := newEnv(t)
	srv := httpServer(t, e.opts(), HTTPOptions{}, false)
	demo := e.demoToken(t)
	// A second account, through the sandbox's own flow.
	ctx := context.Background()
	if _, err := e.client.Signup(ctx, upstream.SignupRequest{Email: "other@example.test", Password: "other-password-1"}); err != nil {
		t.Fatal(err)
	}
	mails := e.sb.Outbox("other@example.test")
	v, err := e.client.VerifyEmail(ctx, upstream.VerifyEmailRequest{VerificationCode: mails[len(mails)-1].Code})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]upstream.Token{e.sb.Demo().Email: demo, "other@example.test": upstream.Token(v.Data.AccessToken)}
	var wg sync.WaitGroup
	for email, tok := range users {
		c := httpClient(t, srv, map[string]string{"Authorization": "Bearer " + string(tok)})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					req := mcp.CallToolRequest{}
					req.Params.Name, req.Params.Arguments = "agent-profile", getProfile
					res, err := c.CallTool(ctx, req)
					if err != nil || res.IsError {
						t.Errorf("%s: %v %v", email, err, res)
						return
					}
					if !strings.Contains(res.Content[0].(mcp.TextContent).Text, email) {
						t.Errorf("a caller with %s's token saw another account", email)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
}

func TestHTTPGuards(t *testing.T) {
	e := newEnv(t)
	srv := httpServer(t, e.opts(), HTTPOptions{AllowedOrigins: []string{"https://agents.example.com"}, MaxBodyBytes: 4096}, false)
	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	send := func(mod func(*http.Request), body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		mod(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name string
		mod  func(*http.Request)
		body string
		want int
	}{
		{"plain loopback request", func(*http.Request) {}, initBody, 200},
		{"loopback origin", func(r *http.Request) { r.Header.Set("Origin", "http://localhost:6274") }, initBody, 200},
		{"allowed origin", func(r *http.Request) { r.Header.Set("Origin", "https://agents.example.com") }, initBody, 200},
		{"foreign origin with a good host", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, initBody, 403},
		{"null origin", func(r *http.Request) { r.Header.Set("Origin", "null") }, initBody, 403},
		{"allowed origin's scheme differs", func(r *http.Request) { r.Header.Set("Origin", "http://agents.example.com") }, initBody, 403},
		{"foreign host", func(r *http.Request) { r.Host = "evil.example" }, initBody, 403},
		{"host of an allowed origin", func(r *http.Request) { r.Host = "agents.example.com" }, initBody, 200},
		{"oversized body", func(*http.Request) {}, `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 5000) + `"}}`, 413},
	}
	for _, tc := range cases {
		if got := send(tc.mod, tc.body); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, resp, err)
		}
	}
}

func listTools(t *testing.T, c *client.Client) []mcp.Tool {
	t.Helper()
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Tools
}

func actionEnum(t *testing.T, tool mcp.Tool) []string {
	t.Helper()
	var s struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	raw, _ := json.Marshal(tool.RawInputSchema)
	if len(tool.RawInputSchema) == 0 {
		raw, _ = json.Marshal(tool.InputSchema)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s.Properties["action"].Enum
}

func TestReadOnlyMode(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.ReadOnly = true
	opts.EnvToken = e.demoToken(t)
	c := stdioClient(t, opts)
	got := map[string][]string{}
	for _, tool := range listTools(t, c) {
		got[tool.Name] = actionEnum(t, tool)
		if tool.Annotations.ReadOnlyHint == nil || !*tool.Annotations.ReadOnlyHint || *tool.Annotations.DestructiveHint {
			t.Errorf("%s: read-only mode but hints %+v", tool.Name, tool.Annotations)
		}
	}
	want := map[string][]string{
		"agent-tokens": {"list"}, "agent-profile": {"get"}, "agent-api-keys": {"list", "get"}, "agent-teams": {"list", "get"},
	}
	for name, actions := range want {
		if !slices.Equal(sortedCopy(got[name]), sortedCopy(actions)) {
			t.Errorf("%s publishes %v, want %v", name, got[name], actions)
		}
	}
	if _, ok := got["agent-auth"]; ok {
		t.Error("agent-auth has no read-only action and must not be published")
	}
	before := e.requests.Load()
	r := call(t, c, "agent-api-keys", map[string]any{"action": "delete", "key_id": e.sb.Demo().APIKeyID})
	if !r.isError || !strings.Contains(r.text, "read-only") || e.requests.Load() != before {
		t.Errorf("write in read-only mode: %s", r.text)
	}
	if r := call(t, c, "agent-api-keys", map[string]any{"action": "list"}); r.isError {
		t.Errorf("read in read-only mode: %s", r.text)
	}
}

func sortedCopy(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestToolsets(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Toolsets = []string{"profile", "api-keys"}
	var names []string
	for _, tool := range listTools(t, stdioClient(t, opts)) {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"agent-api-keys", "agent-profile"}) {
		t.Errorf("toolsets profile,api-keys published %v", names)
	}
	opts.Toolsets = []string{"money"}
	if _, err := NewHTTP(opts, HTTPOptions{}, true); err == nil || !strings.Contains(err.Error(), "money") {
		t.Errorf("unknown toolset: %v", err)
	}
	for sets, want := range map[string]int{"": 5, "default": 5, "all": 10, "default,wallet": 6, "wallet,billing": 2} {
		opts.Toolsets = strings.Split(sets, ",")
		if sets == "" {
			opts.Toolsets = nil
		}
		if n := len(listTools(t, stdioClient(t, opts))); n != want {
			t.Errorf("toolsets %q published %d tools, want %d", sets, n, want)
		}
	}
}

// TestToolsListSnapshot pins what clients see. Regenerate with UPDATE_SNAPSHOTS=1;
// a missing snapshot fails (in CI too) instead of being written. The default
// toolsets' snapshot is the five account tools, unchanged by issue 17.
func TestToolsListSnapshot(t *testing.T) {
	e := newEnv(t)
	snapshotTools(t, e.opts(), "tools_list.snap.json")
}

// TestToolsListSnapshotAll pins tools/list with --toolsets all: the ten tools.
func TestToolsListSnapshotAll(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Toolsets = []string{"all"}
	tools := snapshotTools(t, opts, "tools_list_all.snap.json")
	if len(tools) != 10 {
		t.Errorf("--toolsets all lists %d tools", len(tools))
	}
}

func snapshotTools(t *testing.T, opts Options, name string) []mcp.Tool {
	t.Helper()
	tools := listTools(t, stdioClient(t, opts))
	slices.SortFunc(tools, func(a, b mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	got, err := json.MarshalIndent(tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	want, err := os.ReadFile(path)
	switch {
	case os.Getenv("UPDATE_SNAPSHOTS") != "":
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return tools
	case err != nil:
		t.Fatalf("snapshot %s missing: run UPDATE_SNAPSHOTS=1 go test ./server and commit it", path)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("tools/list differs from %s; if intended, regenerate with UPDATE_SNAPSHOTS=1.\n got: %.2000s", path, got)
	}
	for _, tool := range tools {
		a := tool.Annotations
		if a.Title == "" || a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: not all four annotation hints set: %+v", tool.Name, a)
		}
		if tool.Description == "" {
			t.Errorf("%s has no description", tool.Name)
		}
	}
	return tools
}
