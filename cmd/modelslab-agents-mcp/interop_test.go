package main

// Interoperability tests: the real binary, driven by the official MCP Go SDK
// client (not mcp-go's own), over stdio and streamable HTTP, in the newest
// sessionless protocol era and in the handshake era. They catch what in-process
// tests cannot: flags and wiring in main, stdout kept clean for the protocol,
// the HTTP edge, and wire compatibility with a second implementation.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	eraNewest    = "2026-07-28" // sessionless; the SDK's default, reached through server/discover
	eraHandshake = "2025-11-25" // initialize handshake (Mcp-Session-Id over HTTP)

	demoEmail    = "demo@sandbox.test"
	demoPassword = "sandbox-demo-password"
	demoTeam     = "acme"
)

// TestInterop builds the binary once (into this test's temp dir, which outlives
// the parallel subtests) and runs every transport×era combination in its own
// process, so they share no sandbox state.
func TestInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, transport := range []string{"stdio", "http"} {
		for _, era := range []string{eraNewest, eraHandshake} {
			t.Run(transport+"/"+era, func(t *testing.T) {
				t.Parallel()
				var h *harness
				if transport == "stdio" {
					h = startStdio(t, bin, era)
				} else {
					h = startHTTP(t, bin, era)
				}
				t.Run("tools-list", h.checkToolsList)
				t.Run("journey", h.journey)
			})
		}
	}
}

func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "modelslab-agents-mcp")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the test's environment without MODELSLAB_* variables, so a
// developer's own token or settings cannot leak into (or skew) the child.
func childEnv(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "MODELSLAB_") })
	// Each child's sandbox in memory: tests never share the user's state file.
	return append(append(env, "MODELSLAB_SANDBOX_STATE=none"), extra...)
}

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mail is one sandbox email, as the outbox serves it and as stderr logs it.
type mail struct {
	Kind     string `json:"kind"`
	To       string `json:"to"`
	Code     string `json:"code"`
	InviteID string `json:"invite_id"`
}

// harness is one running server and one SDK client session on it.
type harness struct {
	t         *testing.T
	transport string
	era       string
	cs        *mcp.ClientSession
	wire      *lockedBuffer // the JSON-RPC messages, as LoggingTransport records them
	stderr    *lockedBuffer

	// HTTP only: the bearer token the client sends (the server keeps none).
	tokMu      sync.Mutex
	token      string
	seenTokens []string // every whole token the client received
	// outbox reads mails; over stdio from stderr, over HTTP from /sandbox/outbox.
	outbox func(email string) ([]mail, error)
}

func (h *harness) setToken(tok string) {
	h.tokMu.Lock()
	defer h.tokMu.Unlock()
	h.token = tok
}

func (h *harness) currentToken() string {
	h.tokMu.Lock()
	defer h.tokMu.Unlock()
	return h.token
}

func newClient(opts *mcp.ClientOptions) *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "interop-test", Version: "0.0.0"}, opts)
}

// startOpts vary a harness: extra server flags, and the client's options
// (elicitation handlers).
type startOpts struct {
	args   []string
	client *mcp.ClientOptions
}

func connect(t *testing.T, h *harness, tr mcp.Transport, o startOpts) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	h.wire = &lockedBuffer{}
	cs, err := newClient(o.client).Connect(ctx, &mcp.LoggingTransport{Transport: tr, Writer: h.wire},
		&mcp.ClientSessionOptions{ProtocolVersion: h.era})
	if err != nil {
		t.Fatalf("connect (%s, %s): %v\nserver stderr:\n%s", h.transport, h.era, err, h.stderr)
	}
	h.cs = cs
	// The SDK falls back to the handshake silently when server/discover fails:
	// check the era actually negotiated.
	if got := cs.InitializeResult().ProtocolVersion; got != h.era {
		t.Fatalf("negotiated protocol version %q, want %q", got, h.era)
	}
	if got := cs.InitializeResult().ServerInfo; got == nil || got.Name != "modelslab-agents-mcp" {
		t.Errorf("server info = %+v, want name modelslab-agents-mcp", got)
	}
}

// startStdio runs `stdio --sandbox` with a bogus MODELSLAB_AGENT_TOKEN, so the
// first authenticated call shows how a rejected token (401) is reported.
func startStdio(t *testing.T, bin, era string, opts ...startOpts) *harness {
	var o startOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	h := &harness{t: t, transport: "stdio", era: era, stderr: &lockedBuffer{}}
	cmd := exec.Command(bin, append([]string{"stdio", "--sandbox"}, o.args...)...)
	cmd.Env = childEnv("MODELSLAB_AGENT_TOKEN=999|bogus-token-from-env")
	cmd.Stderr = h.stderr
	// Close closes stdin, waits, then sends SIGTERM and SIGKILL: the process
	// never outlives the test. Without a session (Connect failed), kill it.
	t.Cleanup(func() {
		if h.cs != nil {
			h.cs.Close()
		} else if cmd.Process != nil {
			cmd.Process.Kill()
		}
	})
	connect(t, h, &mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, o)
	h.outbox = h.stderrOutbox
	return h
}

// stderrOutbox reads the sandbox mails logged as JSON lines on stderr.
func (h *harness) stderrOutbox(email string) ([]mail, error) {
	var out []mail
	sc := bufio.NewScanner(strings.NewReader(h.stderr.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Kind     string `json:"kind"`
			To       string `json:"to"`
			Code     string `json:"sandbox_code"`
			InviteID string `json:"invite_id"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Kind == "" {
			continue // not JSON (the sandbox banner) or another log line
		}
		if strings.EqualFold(line.To, email) {
			out = append(out, mail{Kind: line.Kind, To: line.To, Code: line.Code, InviteID: line.InviteID})
		}
	}
	return out, sc.Err()
}

// bearerTransport adds the harness's current token to every request: the SDK
// has no header option. The request is cloned, as a RoundTripper must not
// modify its input.
type bearerTransport struct {
	h    *harness
	base http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if tok := b.h.currentToken(); tok != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return b.base.RoundTrip(r)
}

var endpointRe = regexp.MustCompile(`MCP endpoint: (http://127\.0\.0\.1:\d+/mcp)`)

// startHTTP runs `http --sandbox` on a free port, read back from stderr.
func startHTTP(t *testing.T, bin, era string, opts ...startOpts) *harness {
	var o startOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	h := &harness{t: t, transport: "http", era: era}
	// No drain delay: nothing balances load here, and cleanup waits 5s at most.
	p := startServer(t, bin, procOptions{}, append([]string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--drain-delay", "0"}, o.args...)...)
	h.stderr = p.stderr

	httpClient := &http.Client{Transport: bearerTransport{h: h, base: http.DefaultTransport}, Timeout: 15 * time.Second}
	connect(t, h, &mcp.StreamableClientTransport{Endpoint: p.endpoint, HTTPClient: httpClient, MaxRetries: -1}, o)
	t.Cleanup(func() { h.cs.Close() })

	// The handshake era runs on a session; the newest era must have none.
	if sid := h.cs.ID(); (era == eraHandshake) != (sid != "") {
		t.Errorf("session id %q in era %s", sid, era)
	}
	h.outbox = httpOutbox(strings.TrimSuffix(p.endpoint, "/mcp") + "/sandbox/outbox")
	return h
}

// serverProc is a running `http` or `sandbox` child process.
type serverProc struct {
	cmd      *exec.Cmd
	stderr   *lockedBuffer
	endpoint string        // the MCP endpoint URL it printed
	exited   chan struct{} // closed once it has exited; waitErr is then set
	waitErr  error
}

// procOptions are the extras of a child process: environment variables
// (MODELSLAB_* ones are otherwise cleared) and a second destination for its stderr.
type procOptions struct {
	env []string
	tee io.Writer
}

// startServer runs bin with args (an http server on 127.0.0.1:0) and waits for
// the endpoint line on stderr. Cleanup stops it with SIGINT unless it already
// exited: either way it must have exited 0 (drained), and it is killed if it
// does not within 5s.
func startServer(t *testing.T, bin string, o procOptions, args ...string) *serverProc {
	t.Helper()
	p := &serverProc{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = childEnv(o.env...)
	p.cmd.Stderr = p.stderr
	if o.tee != nil {
		p.cmd.Stderr = io.MultiWriter(p.stderr, o.tee)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	// Registered before the clients' cleanups, so it runs after them.
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Signal(syscall.SIGINT)
		}
		select {
		case <-p.exited:
			if p.waitErr != nil {
				t.Errorf("%v exited with %v\nstderr:\n%s", args, p.waitErr, p.stderr)
			}
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
			t.Errorf("%v still running 5s after SIGINT; killed\nstderr:\n%s", args, p.stderr)
		}
	})
	p.endpoint = p.waitLine(t, endpointRe)
	return p
}

// waitLine waits (10s at most) for re to match the process's stderr and
// returns the first submatch.
func (p *serverProc) waitLine(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.exited:
			t.Fatalf("%v exited early (%v)\nstderr:\n%s", p.cmd.Args, p.waitErr, p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line matching %s on stderr after 10s:\n%s", re, p.stderr)
		}
	}
}

// httpOutbox reads a sandbox's mails from its GET /sandbox/outbox.
func httpOutbox(outboxURL string) func(email string) ([]mail, error) {
	return func(email string) ([]mail, error) {
		resp, err := http.Get(outboxURL + "?email=" + url.QueryEscape(email))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("outbox: %s", resp.Status)
		}
		var body struct {
			Data []mail `json:"data"`
		}
		return body.Data, json.NewDecoder(resp.Body).Decode(&body)
	}
}

// waitMail returns the newest mail of kind to email. Over stdio the log line
// may reach the test's buffer a moment after the tool result, hence the poll.
func (h *harness) waitMail(t *testing.T, email, kind string) mail {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mails, err := h.outbox(email)
		if err != nil {
			t.Fatalf("reading the outbox: %v", err)
		}
		for i := len(mails) - 1; i >= 0; i-- {
			if mails[i].Kind == kind {
				return mails[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s mail to %s; mails: %+v\nstderr:\n%s", kind, email, mails, h.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// toolError is the structured content of a failed call (tools/results.go).
type toolError struct {
	Tool      string              `json:"tool"`
	Action    string              `json:"action"`
	Kind      string              `json:"kind"`
	Status    int                 `json:"status"`
	Code      string              `json:"code"`
	Message   string              `json:"message"`
	Parameter string              `json:"parameter"`
	Fields    map[string][]string `json:"fields"`
	NextStep  string              `json:"next_step"`
	Text      string              `json:"-"` // the text content, what a text-only client shows
}

func (h *harness) call(t *testing.T, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		// Failures must be results with isError, never protocol errors.
		t.Fatalf("%s %v: protocol error %v\nstderr:\n%s", tool, args["action"], err, h.stderr)
	}
	return res
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ok calls a tool that must succeed and returns the structured content's data,
// checking the {"action","data","request_id"} envelope and the matching text.
func (h *harness) ok(t *testing.T, tool string, args map[string]any) map[string]any {
	t.Helper()
	res := h.call(t, tool, args)
	if res.IsError {
		t.Fatalf("%s %v: isError: %s", tool, args["action"], textOf(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Action    string         `json:"action"`
		Data      map[string]any `json:"data"`
		RequestID string         `json:"request_id"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s %v: structured content %s: %v", tool, args["action"], raw, err)
	}
	// browser-login calls no control-plane endpoint, so it has no request id.
	if body.Action != args["action"] || (body.RequestID == "" && args["action"] != "browser-login") {
		t.Errorf("%s %v: envelope action=%q request_id=%q", tool, args["action"], body.Action, body.RequestID)
	}
	if !json.Valid([]byte(textOf(res))) {
		t.Errorf("%s %v: text content is not the JSON of the result: %q", tool, args["action"], textOf(res))
	}
	return body.Data
}

// okList is ok for actions whose data is an array.
func (h *harness) okList(t *testing.T, tool string, args map[string]any) []map[string]any {
	t.Helper()
	res := h.call(t, tool, args)
	if res.IsError {
		t.Fatalf("%s %v: isError: %s", tool, args["action"], textOf(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var body struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s %v: structured content %s: %v", tool, args["action"], raw, err)
	}
	return body.Data
}

// fail calls a tool that must fail with isError (not a protocol error) and
// returns the structured error, which must say what to do next.
func (h *harness) fail(t *testing.T, tool string, args map[string]any) toolError {
	t.Helper()
	res := h.call(t, tool, args)
	if !res.IsError {
		t.Fatalf("%s %v: want isError, got %s", tool, args["action"], textOf(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var body struct {
		Error toolError `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s %v: structured content %s: %v", tool, args["action"], raw, err)
	}
	e := body.Error
	e.Text = textOf(res)
	if e.Tool != tool || e.Kind == "" || e.Message == "" || e.NextStep == "" {
		t.Errorf("%s %v: incomplete error %+v", tool, args["action"], e)
	}
	if !strings.Contains(textOf(res), "Next step: "+e.NextStep) {
		t.Errorf("%s %v: text lacks the next step: %q", tool, args["action"], textOf(res))
	}
	return e
}

// adopt handles a result that carries a new token. Over stdio the server keeps
// it and shows it masked; over HTTP it comes back whole and the client must send
// it on later requests.
func (h *harness) adopt(t *testing.T, data map[string]any) {
	t.Helper()
	tok, _ := data["access_token"].(string)
	if h.transport == "stdio" {
		if !strings.Contains(tok, "|…") {
			t.Errorf("stdio result shows the token %q, want it masked", tok)
		}
		return
	}
	if !regexp.MustCompile(`^\d+\|\S{20,}$`).MatchString(tok) {
		t.Fatalf("http result token %q, want a whole Sanctum token", tok)
	}
	h.seenTokens = append(h.seenTokens, tok)
	h.setToken(tok)
}

// checkToolsList: the five tools, each with all four annotation hints present
// on the wire (the SDK's typed struct cannot tell a missing readOnlyHint from
// false, so the raw response is read too).
func (h *harness) checkToolsList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := h.cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	want := []string{"agent-api-keys", "agent-auth", "agent-profile", "agent-teams", "agent-tokens"}
	var got []string
	for _, tool := range res.Tools {
		got = append(got, tool.Name)
		a := tool.Annotations
		if a == nil || a.DestructiveHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: annotations %+v lack a hint", tool.Name, a)
			continue
		}
		// Every tool has actions that change something.
		if a.ReadOnlyHint || !*a.DestructiveHint || a.IdempotentHint || !*a.OpenWorldHint || a.Title == "" {
			t.Errorf("%s: annotations read=%v destructive=%v idempotent=%v openWorld=%v title=%q",
				tool.Name, a.ReadOnlyHint, *a.DestructiveHint, a.IdempotentHint, *a.OpenWorldHint, a.Title)
		}
		if tool.Description == "" || tool.InputSchema == nil {
			t.Errorf("%s: no description or input schema", tool.Name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("tools = %v, want %v", got, want)
	}

	raw := rawToolsList(t, h.wire.String())
	for _, tool := range raw {
		for _, hint := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
			if _, ok := tool.Annotations[hint].(bool); !ok {
				t.Errorf("%s: %s missing on the wire: %v", tool.Name, hint, tool.Annotations)
			}
		}
	}
	if len(raw) != len(want) {
		t.Errorf("raw tools/list has %d tools, want %d", len(raw), len(want))
	}
}

type rawTool struct {
	Name        string         `json:"name"`
	Annotations map[string]any `json:"annotations"`
}

// rawToolsList finds the tools/list response among the recorded messages
// ("read: {json}" lines).
func rawToolsList(t *testing.T, wire string) []rawTool {
	t.Helper()
	for _, line := range strings.Split(wire, "\n") {
		msg, ok := strings.CutPrefix(line, "read: ")
		if !ok {
			continue
		}
		var resp struct {
			Result struct {
				Tools []rawTool `json:"tools"`
			} `json:"result"`
		}
		if json.Unmarshal([]byte(msg), &resp) == nil && len(resp.Result.Tools) > 0 {
			return resp.Result.Tools
		}
	}
	t.Fatalf("no tools/list response among the recorded messages:\n%s", wire)
	return nil
}

// journey is a whole agent session: a new account end to end, the demo
// account's switch to its team account, and the error paths a model meets.
func (h *harness) journey(t *testing.T) {
	// Before any login: stdio started with a bogus env token (upstream 401);
	// HTTP sends no header (refused before any upstream call).
	if h.transport == "stdio" {
		e := h.fail(t, "agent-profile", map[string]any{"action": "get"})
		if e.Kind != "upstream" || e.Status != http.StatusUnauthorized || !strings.Contains(e.NextStep, "log in") {
			t.Errorf("bogus env token: %+v, want upstream 401 with a log-in step", e)
		}
	} else {
		e := h.fail(t, "agent-profile", map[string]any{"action": "get"})
		if e.Kind != "not_logged_in" || !strings.Contains(e.NextStep, "Authorization: Bearer") {
			t.Errorf("no header: %+v, want not_logged_in naming the Authorization header", e)
		}
		h.setToken("999|bogus-token-in-header")
		e = h.fail(t, "agent-profile", map[string]any{"action": "get"})
		if e.Kind != "upstream" || e.Status != http.StatusUnauthorized || !strings.Contains(e.NextStep, "Authorization: Bearer") {
			t.Errorf("bogus header token: %+v, want upstream 401 naming the header", e)
		}
		h.setToken("")
	}

	email := fmt.Sprintf("interop-%s-%d@example.com", strings.ReplaceAll(h.transport+h.era, "-", ""), time.Now().UnixNano())
	const password = "correct-horse-battery"

	// Sign up, and the two 422s: the email taken, and a confirmation mismatch.
	d := h.ok(t, "agent-auth", map[string]any{"action": "signup", "email": email, "password": password,
		"password_confirmation": password, "name": "Interop Tester"})
	if u, _ := d["user"].(map[string]any); u["email"] != email || u["verified"] != false || d["verification_required"] != true {
		t.Errorf("signup data = %v", d)
	}
	e := h.fail(t, "agent-auth", map[string]any{"action": "signup", "email": email, "password": password})
	if e.Status != http.StatusUnprocessableEntity || len(e.Fields["email"]) == 0 || !strings.Contains(e.NextStep, "fields") ||
		!strings.Contains(e.Text, "\n- email: ") {
		t.Errorf("signup with a taken email: %+v, want 422 naming email", e)
	}
	e = h.fail(t, "agent-auth", map[string]any{"action": "signup", "email": "other-" + email,
		"password": password, "password_confirmation": password + "-typo"})
	if e.Status != http.StatusUnprocessableEntity || len(e.Fields["password"]) == 0 || !strings.Contains(e.Text, "\n- password: ") {
		t.Errorf("signup with a mismatched confirmation: %+v, want 422 naming password", e)
	}

	// An unverified login is refused with the step that fixes it.
	e = h.fail(t, "agent-auth", map[string]any{"action": "login", "email": email, "password": password})
	if e.Code != "email_not_verified" || !strings.Contains(e.NextStep, "verify-email") {
		t.Errorf("unverified login: %+v", e)
	}

	code := h.waitMail(t, email, "verification").Code
	d = h.ok(t, "agent-auth", map[string]any{"action": "verify-email", "verification_code": code})
	h.adopt(t, d)
	d = h.ok(t, "agent-auth", map[string]any{"action": "login", "email": email, "password": password, "device_name": "interop"})
	h.adopt(t, d)
	if u, _ := d["user"].(map[string]any); u["email"] != email || u["verified"] != true {
		t.Errorf("login user = %v", d["user"])
	}

	// Profile: an update, then an unknown parameter, which must name the right one.
	d = h.ok(t, "agent-profile", map[string]any{"action": "update", "name": "Renamed Tester", "about_me": "line one\nline two"})
	if d["name"] != "Renamed Tester" || d["about_me"] != "line one\nline two" || d["email"] != email {
		t.Errorf("profile update data = %v", d)
	}
	e = h.fail(t, "agent-profile", map[string]any{"action": "update", "about": "typo"})
	if e.Kind != "invalid_input" || e.Parameter != "about" || !strings.Contains(e.Message, "about_me") {
		t.Errorf("unknown parameter: %+v, want invalid_input suggesting about_me", e)
	}

	// API keys: create → list → rotate → delete, and a bad key_id.
	d = h.ok(t, "agent-api-keys", map[string]any{"action": "create", "name": "interop key", "notes": "made by a test"})
	keyID, _ := d["id"].(float64)
	if secret, _ := d["key"].(string); keyID <= 0 || !strings.HasPrefix(secret, "sk_") || strings.Contains(secret, "...") {
		t.Fatalf("create data = %v, want an id and the whole secret", d)
	}
	keys := h.okList(t, "agent-api-keys", map[string]any{"action": "list"})
	if !slices.ContainsFunc(keys, func(k map[string]any) bool { return k["id"] == keyID && k["name"] == "interop key" }) {
		t.Errorf("list lacks key %v: %v", keyID, keys)
	}
	d = h.ok(t, "agent-api-keys", map[string]any{"action": "rotate", "key_id": keyID})
	newID, _ := d["new_key_id"].(float64)
	if d["old_key_id"] != keyID || d["old_key_deleted"] != true || newID <= 0 || newID == keyID {
		t.Errorf("rotate data = %v", d)
	}
	if nk, _ := d["new_key"].(map[string]any); nk["name"] != "interop key" || nk["notes"] != "made by a test" {
		t.Errorf("rotated key = %v, want the old name and notes", d["new_key"])
	}
	h.ok(t, "agent-api-keys", map[string]any{"action": "delete", "key_id": newID})
	keys = h.okList(t, "agent-api-keys", map[string]any{"action": "list"})
	if slices.ContainsFunc(keys, func(k map[string]any) bool { return k["id"] == keyID || k["id"] == newID }) {
		t.Errorf("deleted keys still listed: %v", keys)
	}
	e = h.fail(t, "agent-api-keys", map[string]any{"action": "get", "key_id": -1})
	if e.Kind != "invalid_input" || e.Parameter != "key_id" || !strings.Contains(e.Message, "key_id") {
		t.Errorf("key_id -1: %+v, want invalid_input naming key_id", e)
	}
	e = h.fail(t, "agent-api-keys", map[string]any{"action": "get", "key_id": newID})
	if e.Status != http.StatusNotFound || !strings.Contains(e.NextStep, "list") {
		t.Errorf("deleted key: %+v, want 404 pointing at list", e)
	}

	// Teams: invite the demo user; the invitation is mailed and listed.
	d = h.ok(t, "agent-teams", map[string]any{"action": "create", "email": demoEmail, "role": "viewer"})
	inviteID, _ := d["invite_id"].(string)
	if d["email"] != demoEmail || d["role"] != "viewer" || d["invite_status"] != "pending" || inviteID == "" {
		t.Errorf("team create data = %v", d)
	}
	if m := h.waitMail(t, demoEmail, "team_invite"); m.InviteID != inviteID {
		t.Errorf("invite mail %+v, want invite_id %s", m, inviteID)
	}
	members := h.okList(t, "agent-teams", map[string]any{"action": "list"})
	if !slices.ContainsFunc(members, func(m map[string]any) bool { return m["email"] == demoEmail && m["invite_id"] == inviteID }) {
		t.Errorf("team list lacks the invitation: %v", members)
	}

	// The demo account switches to its team account; the new token then
	// carries the following calls (stdio: kept by the server; HTTP: sent back).
	h.adopt(t, h.ok(t, "agent-auth", map[string]any{"action": "login", "email": demoEmail, "password": demoPassword}))
	d = h.ok(t, "agent-tokens", map[string]any{"action": "switch-account", "account_username": demoTeam})
	if u, _ := d["user"].(map[string]any); d["account_username"] != demoTeam || u["username"] != demoTeam {
		t.Errorf("switch-account data = %v", d)
	}
	h.adopt(t, d)
	if d = h.ok(t, "agent-profile", map[string]any{"action": "get"}); d["username"] != demoTeam {
		t.Errorf("profile after switch-account = %v, want the %s account", d, demoTeam)
	}

	// Logout revokes the token: stdio forgets it; over HTTP, sending it again is a 401.
	h.ok(t, "agent-auth", map[string]any{"action": "logout"})
	e = h.fail(t, "agent-profile", map[string]any{"action": "get"})
	if h.transport == "stdio" {
		if e.Kind != "not_logged_in" || !strings.Contains(e.NextStep, "log in") {
			t.Errorf("after logout: %+v, want not_logged_in with a log-in step", e)
		}
	} else if e.Status != http.StatusUnauthorized || !strings.Contains(e.NextStep, "login") {
		t.Errorf("revoked token: %+v, want upstream 401 with a login step", e)
	}

	// Logs never carry a secret (the sandbox's mail codes aside, on purpose):
	// not the password, not a bearer token the client was given.
	logs := h.stderr.String()
	if strings.Contains(logs, password) {
		t.Errorf("the password reached stderr")
	}
	for _, tok := range h.seenTokens {
		if strings.Contains(logs, tok) {
			t.Errorf("a bearer token reached stderr")
		}
	}
}
