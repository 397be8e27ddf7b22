package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"go.uber.org/goleak"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// faultToken is the bearer token every fault-matrix call carries; no error text may show it.
const faultToken = "77|faultMatrixSecretToken0123456789abcdefABCDEF"

// faultValidArgs holds minimal valid arguments for every action of every tool.
// TestFaultArgsCoverEveryAction keeps it in step with tools.Specs().
var faultValidArgs = map[string]map[string]map[string]any{
	"agent-auth": {
		"signup":              {"email": "new@example.test", "password": "correct-horse-battery"},
		"login":               {"email": "user@example.test", "password": "correct-horse-battery"},
		"verify-email":        {"verification_code": "vc-314159"},
		"refresh":             {},
		"logout":              {},
		"logout-all":          {},
		"forgot-password":     {"email": "user@example.test"},
		"reset-password":      {"email": "user@example.test", "token": "reset-token-271828", "password": "new-horse-battery", "password_confirmation": "new-horse-battery"},
		"resend-verification": {"email": "user@example.test"},
		"browser-login":       {"token_expiry": "1_week"},
	},
	"agent-tokens": {
		"list":           {},
		"revoke":         {"token_id": 12},
		"revoke-others":  {},
		"switch-account": {"account_username": "acme"},
	},
	"agent-profile": {
		"get":                {},
		"update":             {"name": "New Name"},
		"update-password":    {"current_password": "correct-horse-battery", "password": "new-horse-battery", "password_confirmation": "new-horse-battery"},
		"update-socials":     {"github": "https://github.com/someone"},
		"update-preferences": {"nsfw_content": false},
	},
	"agent-api-keys": {
		"list":   {},
		"create": {"name": "ci key"},
		"get":    {"key_id": 5},
		"update": {"key_id": 5, "name": "renamed"},
		"delete": {"key_id": 5},
		"rotate": {"key_id": 5},
	},
	"agent-teams": {
		"list":          {},
		"create":        {"email": "mate@example.test"},
		"get":           {"member_id": 9},
		"update":        {"member_id": 9, "role": "viewer"},
		"delete":        {"member_id": 9},
		"resend-invite": {"member_id": 9},
		"accept-invite": {"invite_id": "123e4567-e89b-42d3-a456-426614174000"},
	},
}

func init() {
	for tool, acts := range tools.I17ValidArgs {
		faultValidArgs[tool] = acts
	}
}

// faultArgs returns a fresh copy of an action's valid arguments, action included.
func faultArgs(tool, action string) map[string]any {
	out := map[string]any{"action": action}
	for k, v := range faultValidArgs[tool][action] {
		out[k] = v
	}
	return out
}

func TestFaultArgsCoverEveryAction(t *testing.T) {
	n := 0
	for _, s := range tools.Specs() {
		for _, a := range s.Actions {
			n++
			if _, ok := faultValidArgs[s.Name][a.Name]; !ok {
				t.Errorf("faultValidArgs has no entry for %s %s", s.Name, a.Name)
			}
		}
	}
	m := 0
	for _, acts := range faultValidArgs {
		m += len(acts)
	}
	if m != n {
		t.Errorf("faultValidArgs has %d actions, tools.Specs() %d", m, n)
	}
}

// faultReq is one request as the fake upstream saw it.
type faultReq struct{ method, path, auth string }

func (r faultReq) String() string { return r.method + " " + r.path }

// faultUpstream is a control plane on 127.0.0.1 that answers healthily, or
// with a fault for the requests that match.
type faultUpstream struct {
	srv *httptest.Server

	mu    sync.Mutex
	fault http.HandlerFunc
	match func(*http.Request) bool // nil: every request gets the fault
	reqs  []faultReq
}

func newFaultUpstream(t *testing.T) *faultUpstream {
	f := &faultUpstream{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *faultUpstream) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/api/agents/v1")
	f.mu.Lock()
	f.reqs = append(f.reqs, faultReq{r.Method, path, r.Header.Get("Authorization")})
	fault, match := f.fault, f.match
	f.mu.Unlock()
	if fault != nil && (match == nil || match(r)) {
		fault(w, r)
		return
	}
	faultHealthy(w, r, path)
}

// set installs a fault (nil: healthy) and clears the request log.
func (f *faultUpstream) set(fault http.HandlerFunc, match func(*http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault, f.match, f.reqs = fault, match, nil
}

func (f *faultUpstream) requests() []faultReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// faultHealthy answers like the control plane, with just enough data for every action.
func faultHealthy(w http.ResponseWriter, r *http.Request, path string) {
	data := `{"message":"done"}`
	status := http.StatusOK
	switch {
	case r.Method == http.MethodGet && path == "/me":
		data = `{"id":1,"name":"Fault Test","username":"fault","email":"user@example.test","about_me":null,"verified":true,"created_at":"2025-01-01T00:00:00Z"}`
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api-keys/"):
		data = `{"id":5,"name":"ci key","notes":"kept","key":"sk_...abcd","created_at":"2025-01-01T00:00:00Z","last_used_at":null}`
	case r.Method == http.MethodPost && path == "/api-keys":
		data, status = `{"id":6,"name":"ci key","notes":"kept","key":"sk_live_newSecretValue","created_at":"2025-01-02T00:00:00Z","last_used_at":null}`, http.StatusCreated
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"data":%s,"error":null,"meta":{"request_id":"healthy-1"}}`, data)
}

// faultCase is one way the upstream can fail.
type faultCase struct {
	name    string
	handler http.HandlerFunc
	kind    string   // error.kind of the result
	want    []string // phrases the error text must contain
	// retryable: GET, PUT and DELETE may be retried (up to two more requests).
	retryable bool
	// timeout: the client gets a short Timeout.
	timeout bool
}

func faultJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func faultCases() []faultCase {
	big := 10 << 20
	return []faultCase{
		{name: "500", kind: "upstream", want: []string{"HTTP 500", "server_error", "Something broke"},
			handler: faultJSON(500, `{"data":null,"error":{"code":"server_error","message":"Something broke","details":[]},"meta":{"request_id":"req-500"}}`)},
		{name: "502-html", kind: "upstream", want: []string{"HTTP 502", "Bad Gateway"}, retryable: true,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
			}},
		{name: "503-empty", kind: "upstream", want: []string{"HTTP 503", "Service Unavailable"}, retryable: true,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{name: "504", kind: "upstream", want: []string{"HTTP 504"}, retryable: true,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusGatewayTimeout)
				_, _ = w.Write([]byte("upstream request timeout"))
			}},
		// A 2xx with truncated JSON, a string or an array of numbers as data
		// used to be a bad_response here. They are successes now (a 2xx proves
		// the request did its work upstream): drift_test.go holds them.
		{name: "10MiB-body", kind: "bad_response", want: []string{"could not be used", "larger than"},
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"data":{"name":"`))
				chunk := []byte(strings.Repeat("a", 64<<10))
				for n := 0; n < big; n += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return // the client gave up reading, as it should
					}
				}
				_, _ = w.Write([]byte(`"}}`))
			}},
		{name: "slower-than-timeout", kind: "timeout", want: []string{"did not answer in time"}, retryable: true, timeout: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				// Reading the body lets the server notice the client hanging up,
				// which ends r.Context().
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}},
		{name: "connection-reset", kind: "network", want: []string{"could not reach ModelsLab"}, retryable: true,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with RST, not FIN
				}
				_ = conn.Close()
			}},
		{name: "429-retry-after-120", kind: "upstream", want: []string{"HTTP 429", "rate_limited", "retry after 120 seconds"},
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "120")
				faultJSON(429, `{"data":null,"error":{"code":"rate_limited","message":"Too many requests."},"meta":{"request_id":"req-429"}}`)(w, nil)
			}},
	}
}

// faultTimeout is the client timeout of the slow case: short to keep the
// matrix fast, long enough for the healthy calls in between under -race.
func faultTimeout() time.Duration {
	if faultRace {
		return 400 * time.Millisecond
	}
	return 250 * time.Millisecond
}

// faultServer is an MCP server over a faultUpstream, with an in-process client.
type faultServer struct {
	up  *faultUpstream
	mcp *client.Client
}

// staticCreds gives every call the same token and adopts nothing, like HTTP.
type staticCreds upstream.Token

func (s staticCreds) Token(context.Context) upstream.Token     { return upstream.Token(s) }
func (staticCreds) Adopt(context.Context, upstream.Token) bool { return false }
func (staticCreds) Drop(context.Context, upstream.Token)       {}

func newFaultServer(t *testing.T, timeout time.Duration) *faultServer {
	t.Helper()
	up := newFaultUpstream(t)
	// Our own transport, so its idle connections can be closed before the leak check.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	cl, err := upstream.New(upstream.Config{BaseURL: up.srv.URL + "/api/agents/v1", Transport: tr, Timeout: timeout,
		RetryBaseWait: 2 * time.Millisecond, RetryMaxWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tools.Build(tools.Deps{Client: cl, Creds: staticCreds(faultToken), HTTP: true, RevealTokens: true}, tools.Filter{Toolsets: []string{tools.ToolsetsAll}})
	if err != nil {
		t.Fatal(err)
	}
	s := mcpserver.NewMCPServer("faults", "1", mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery())
	s.AddTools(ts...)
	return &faultServer{up: up, mcp: connect(t, s)}
}

// faultResult is a decoded tool result.
type faultResult struct {
	isError bool
	text    string
	body    map[string]any
}

func (r faultResult) errField(k string) any {
	e, _ := r.body["error"].(map[string]any)
	return e[k]
}

func (s *faultServer) call(t *testing.T, tool string, args map[string]any) faultResult {
	t.Helper()
	return s.callRawArgs(t, tool, args)
}

// callRawArgs calls with arguments of any JSON type, an object or not.
func (s *faultServer) callRawArgs(t *testing.T, tool string, args any) faultResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = tool, args
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := s.mcp.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s %.80v: protocol error %v (failures must be tool results)", tool, args, err)
	}
	out := faultResult{isError: res.IsError}
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			out.text += tc.Text
		}
	}
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// faultDumpMarks are signs of a Go value or a raw upstream body leaking into
// a text meant for a model.
var faultDumpMarks = []string{"&{", "map[", "%!", "<nil>", "0xc0", "upstream.", "*errors.", "goroutine ", "panic", "<", "resty"}

// checkFaultText checks what every failure text must be: readable, bounded,
// without Go dumps, HTML or the token.
func checkFaultText(t *testing.T, what, text string) {
	t.Helper()
	if text == "" {
		t.Errorf("%s: empty error text", what)
	}
	if !utf8.ValidString(text) {
		t.Errorf("%s: error text is not valid UTF-8: %q", what, text)
	}
	if len(text) > 2000 {
		t.Errorf("%s: error text is %d bytes long", what, len(text))
	}
	for _, m := range faultDumpMarks {
		if strings.Contains(text, m) {
			t.Errorf("%s: error text contains %q: %s", what, m, text)
		}
	}
	if strings.Contains(text, faultToken) || strings.Contains(text, faultToken[3:]) {
		t.Errorf("%s: error text contains the bearer token", what)
	}
}

// checkFaultCounts checks how often each request reached the upstream:
// POST and PATCH exactly once, GET, PUT and DELETE at most three times, and
// only once when the fault is not worth a retry.
func checkFaultCounts(t *testing.T, what string, reqs []faultReq, retryable, money bool) {
	t.Helper()
	counts := map[faultReq]int{}
	for _, r := range reqs {
		if r.auth != "" && r.auth != "Bearer "+faultToken {
			t.Errorf("%s: upstream got Authorization %q", what, r.auth)
		}
		r.auth = ""
		counts[r]++
	}
	for r, n := range counts {
		limit := 1
		if retryable && (r.method == http.MethodGet || !money && (r.method == http.MethodPut || r.method == http.MethodDelete)) {
			limit = 3
		}
		if n > limit {
			t.Errorf("%s: %s reached the upstream %d times, at most %d allowed (requests: %v)", what, r, n, limit, reqs)
		}
	}
}

// TestFaultMatrix runs every action of every tool against every upstream
// fault, through an MCP client: each call gets an isError result that says
// what happened, nothing panics, the next call is served, writes are never
// repeated, and no goroutine outlives the test.
func TestFaultMatrix(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Run("matrix", func(t *testing.T) {
		for _, fc := range faultCases() {
			for _, spec := range tools.Specs() {
				t.Run(fc.name+"/"+spec.Name, func(t *testing.T) {
					t.Parallel()
					runFaultCase(t, fc, spec)
				})
			}
		}
	})
	if t.Failed() {
		return
	}
	// Everything above has closed its servers, clients and connections.
	goleak.VerifyNone(t, ignore)
}

func runFaultCase(t *testing.T, fc faultCase, spec tools.ToolSpec) {
	timeout := 10 * time.Second
	if fc.timeout {
		timeout = faultTimeout()
	}
	s := newFaultServer(t, timeout)
	healthy := func(after string) {
		t.Helper()
		s.up.set(nil, nil)
		r := s.call(t, "agent-profile", map[string]any{"action": "get"})
		if r.isError && r.errField("kind") == "timeout" {
			// The point is that the server still serves, not its latency: on a
			// loaded machine the slow case's short bound can expire on a
			// healthy call too, so one more try.
			r = s.call(t, "agent-profile", map[string]any{"action": "get"})
		}
		if r.isError {
			t.Fatalf("the call after %s was not served: %s", after, r.text)
		}
	}
	for _, a := range spec.Actions {
		if a.Name == "browser-login" {
			continue // talks to the site through the person's browser, not to the control plane
		}
		what := fmt.Sprintf("%s %s under %s", spec.Name, a.Name, fc.name)
		s.up.set(fc.handler, nil)
		r := s.call(t, spec.Name, faultArgs(spec.Name, a.Name))
		reqs := s.up.requests()
		if len(reqs) == 0 {
			t.Fatalf("%s: no request reached the upstream (invalid args in the table?): %s", what, r.text)
		}
		if !r.isError {
			t.Fatalf("%s: not an error result: %s", what, r.text)
		}
		if got := r.errField("kind"); got != fc.kind {
			t.Errorf("%s: error kind %v, want %s: %s", what, got, fc.kind, r.text)
		}
		if !strings.HasPrefix(r.text, spec.Name+" "+a.Name) {
			t.Errorf("%s: text does not start with the tool and action: %s", what, r.text)
		}
		for _, w := range fc.want {
			if !strings.Contains(r.text, w) {
				t.Errorf("%s: text lacks %q: %s", what, w, r.text)
			}
		}
		if !strings.Contains(r.text, "Next step:") {
			t.Errorf("%s: text gives no next step: %s", what, r.text)
		}
		if fc.name == "429-retry-after-120" && r.errField("retry_after_seconds") != float64(120) {
			t.Errorf("%s: retry_after_seconds %v", what, r.errField("retry_after_seconds"))
		}
		checkFaultText(t, what, r.text)
		// A billing, wallet or subscription change is never retried, whatever
		// its method (docs/security.md); its reads (a plan's price) may be.
		money := spec.Toolset == "billing" || spec.Toolset == "wallet" || spec.Toolset == "subscriptions"
		checkFaultCounts(t, what, reqs, fc.retryable, money)
		if a.Name == "rotate" {
			// Every request failed, so rotate must stop at its first step.
			for _, q := range reqs {
				if q.method != http.MethodGet || q.path != "/api-keys/5" {
					t.Errorf("%s: rotate went on after its first step failed: %v", what, reqs)
				}
			}
		} else {
			for _, q := range reqs[1:] {
				if q.method != reqs[0].method || q.path != reqs[0].path {
					t.Errorf("%s: one action sent different requests: %v", what, reqs)
				}
			}
		}
		healthy(what)
	}
	if spec.Name == "agent-api-keys" {
		runRotateSteps(t, s, fc)
		healthy("rotate steps")
	}
}

// runRotateSteps fails rotate's later steps only: the create must be sent
// once and never followed by the delete; a failed delete keeps the new key.
func runRotateSteps(t *testing.T, s *faultServer, fc faultCase) {
	args := faultArgs("agent-api-keys", "rotate")
	seq := func(reqs []faultReq) []string {
		var out []string
		for _, r := range reqs {
			out = append(out, r.String())
		}
		return out
	}

	// The create fails: the old key is left alone.
	s.up.set(fc.handler, func(r *http.Request) bool { return r.Method == http.MethodPost })
	r := s.call(t, "agent-api-keys", args)
	got := seq(s.up.requests())
	what := "rotate with its create failing under " + fc.name
	if want := []string{"GET /api-keys/5", "POST /api-keys"}; !slices.Equal(got, want) {
		t.Errorf("%s: requests %v, want %v", what, got, want)
	}
	if !r.isError || !strings.Contains(r.text, "key 5 is unchanged") {
		t.Errorf("%s: %s", what, r.text)
	}
	checkFaultText(t, what, r.text)

	// The delete fails: the new key exists and only this answer has its
	// secret, so the result is a success that warns.
	s.up.set(fc.handler, func(r *http.Request) bool { return r.Method == http.MethodDelete })
	r = s.call(t, "agent-api-keys", args)
	reqs := s.up.requests()
	got = seq(reqs)
	what = "rotate with its delete failing under " + fc.name
	if len(got) < 3 || got[0] != "GET /api-keys/5" || got[1] != "POST /api-keys" {
		t.Fatalf("%s: requests %v", what, got)
	}
	for _, g := range got[2:] {
		if g != "DELETE /api-keys/5" {
			t.Errorf("%s: unexpected request after the create: %v", what, got)
		}
	}
	checkFaultCounts(t, what, reqs, fc.retryable, false)
	if r.isError {
		t.Fatalf("%s: the new key was created, yet the result is an error: %s", what, r.text)
	}
	var body struct {
		Data struct {
			NewKey        map[string]any `json:"new_key"`
			OldKeyDeleted bool           `json:"old_key_deleted"`
		} `json:"data"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(r.text), &body); err != nil {
		t.Fatalf("%s: %v: %s", what, err, r.text)
	}
	if body.Data.OldKeyDeleted || body.Data.NewKey["key"] != "sk_live_newSecretValue" {
		t.Errorf("%s: data %+v", what, body.Data)
	}
	if len(body.Notes) == 0 || !strings.Contains(body.Notes[0], "WARNING") || !strings.Contains(body.Notes[0], "delete key 5") {
		t.Errorf("%s: no warning about the old key: %v", what, body.Notes)
	}
	for _, n := range body.Notes {
		for _, m := range faultDumpMarks {
			if strings.Contains(n, m) {
				t.Errorf("%s: note contains %q: %s", what, m, n)
			}
		}
		if strings.Contains(n, faultToken) {
			t.Errorf("%s: note contains the token", what)
		}
	}
}
