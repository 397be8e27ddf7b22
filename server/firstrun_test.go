package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// A plain GET of /mcp (curl, a browser, a probe) gets a short 406 that says
// what the endpoint is, rather than an event stream that never ends; a GET that
// asks for the stream still gets it.
func TestPlainGETOfMCPIsAnsweredShort(t *testing.T) {
	e := newEnv(t)
	url := edgeServe(t, e.opts(), HTTPOptions{})
	// Any hang fails here instead of stalling the test run.
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	for _, accept := range []string{"", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json"} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET /mcp, Accept %q: %v", accept, err)
		}
		var body strings.Builder
		_, _ = copyBody(&body, resp)
		if resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("GET /mcp, Accept %q: HTTP %d, want 406", accept, resp.StatusCode)
		}
		for _, want := range []string{"POST", "Accept: text/event-stream", "the server is up", "MCP client", `"method":"tools/list"`} {
			if !strings.Contains(body.String(), want) {
				t.Errorf("GET /mcp, Accept %q: body %q lacks %q", accept, body.String(), want)
			}
		}
		// Its own answer proves the server is up (issue 21): no asking.
		if strings.Contains(body.String(), "?") {
			t.Errorf("GET /mcp, Accept %q: body asks a question: %q", accept, body.String())
		}
		if body.Len() > 450 {
			t.Errorf("answer is %d bytes, want a short one", body.Len())
		}
	}

	// The stream itself, as a client opens it (handshake era, with a session).
	sid := edgeSession(t, c, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range withSession(sid) {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("GET with Accept: text/event-stream: HTTP %d, %q; want the event stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cancel()

	// POST is untouched.
	if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(sid), strings.NewReader(edgePing)); st != http.StatusOK {
		t.Errorf("POST ping: HTTP %d: %s", st, body)
	}
}

func copyBody(b *strings.Builder, resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		b.Write(buf[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

func readResource(t *testing.T, c *client.Client, uri string) (string, error) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := c.ReadResource(context.Background(), req)
	if err != nil {
		return "", err
	}
	if len(res.Contents) != 1 {
		t.Fatalf("%s: %d contents, want 1", uri, len(res.Contents))
	}
	return res.Contents[0].(mcp.TextResourceContents).Text, nil
}

type outboxDoc struct {
	SandboxOnly bool   `json:"sandbox_only"`
	Email       string `json:"email"`
	Mails       []struct {
		Kind, To, Code string
		InviteID       string `json:"invite_id"`
	} `json:"mails"`
}

// In sandbox mode every email flow finishes inside MCP, over stdio and HTTP
// alike: sign up, read the code from the outbox resource, verify; ask for a
// password reset, read the token, reset. Without the sandbox there is no
// such resource.
func TestSandboxOutboxResources(t *testing.T) {
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t)
			opts := e.opts()
			opts.Outbox = e.sb
			var c *client.Client
			if transport == "stdio" {
				c = stdioClient(t, opts)
			} else {
				c = httpClient(t, httpServer(t, opts, HTTPOptions{}, true), nil)
			}
			ctx := context.Background()
			rl, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
			if err != nil || len(rl.Resources) != 1 || rl.Resources[0].URI != OutboxURI ||
				!strings.HasPrefix(rl.Resources[0].Description, "SANDBOX ONLY") {
				t.Fatalf("resources/list: %+v, %v", rl, err)
			}
			tl, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
			if err != nil || len(tl.ResourceTemplates) != 1 || tl.ResourceTemplates[0].URITemplate.Raw() != OutboxURI+"/{+email}" {
				t.Fatalf("resources/templates/list: %+v, %v", tl, err)
			}

			// The seeded invitation is there from the start.
			text, err := readResource(t, c, OutboxURI)
			var all outboxDoc
			if err != nil || json.Unmarshal([]byte(text), &all) != nil || !all.SandboxOnly || len(all.Mails) != 1 || all.Mails[0].InviteID == "" {
				t.Fatalf("%s: %s, %v", OutboxURI, text, err)
			}

			email := "Newcomer+" + transport + "@Example.test"
			signup := call(t, c, "agent-auth", map[string]any{"action": "signup", "email": email, "password": "a-long-password"})
			if signup.isError {
				t.Fatal(signup.text)
			}
			for _, uri := range []string{OutboxURI + "/" + email, OutboxURI + "/" + strings.ReplaceAll(email, "@", "%40")} {
				text, err = readResource(t, c, uri)
				var doc outboxDoc
				if err != nil || json.Unmarshal([]byte(text), &doc) != nil || len(doc.Mails) != 1 || doc.Mails[0].Kind != "verification" || doc.Mails[0].Code == "" {
					t.Fatalf("%s: %s, %v", uri, text, err)
				}
				// The signup result itself carries the same code, marked sandbox-only.
				if !strings.Contains(signup.text, "SANDBOX ONLY") || !strings.Contains(signup.text, "verification_code "+doc.Mails[0].Code) {
					t.Errorf("signup result lacks the sandbox note with the code: %s", signup.text)
				}
				r := call(t, c, "agent-auth", map[string]any{"action": "verify-email", "verification_code": doc.Mails[0].Code})
				if uri == OutboxURI+"/"+email && r.isError {
					t.Fatalf("verify-email with the code from the resource: %s", r.text)
				}
			}

			d := e.sb.Demo()
			if r := call(t, c, "agent-auth", map[string]any{"action": "forgot-password", "email": d.Email}); r.isError {
				t.Fatal(r.text)
			}
			text, _ = readResource(t, c, OutboxURI+"/"+d.Email)
			var doc outboxDoc
			_ = json.Unmarshal([]byte(text), &doc)
			if len(doc.Mails) != 1 || doc.Mails[0].Kind != "password_reset" {
				t.Fatalf("demo's outbox after forgot-password: %s", text)
			}
			r := call(t, c, "agent-auth", map[string]any{"action": "reset-password", "email": d.Email, "token": doc.Mails[0].Code,
				"password": "another-long-password", "password_confirmation": "another-long-password"})
			if r.isError {
				t.Fatalf("reset-password with the token from the resource: %s", r.text)
			}

			if _, err := readResource(t, c, OutboxURI+"/not-an-address"); err == nil || !strings.Contains(err.Error(), "email address") {
				t.Errorf("a URI without an address: %v, want an error saying what to put there", err)
			}
		})
	}

	// Against a real control plane: no outbox, and no resources capability.
	e := newEnv(t)
	c := stdioClient(t, e.opts())
	if rl, err := c.ListResources(context.Background(), mcp.ListResourcesRequest{}); err == nil && len(rl.Resources) > 0 {
		t.Errorf("resources published without the sandbox: %+v", rl.Resources)
	}
	if r := call(t, c, "agent-auth", map[string]any{"action": "signup", "email": "plain@example.test", "password": "a-long-password"}); r.isError || strings.Contains(r.text, "SANDBOX") {
		t.Errorf("signup without the outbox: %s", r.text)
	}
}

// Read-only mode with only the auth toolset leaves nothing to call: refused at
// start, on both transports, with what to change.
func TestNoToolLeftIsRefused(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.ReadOnly, opts.Toolsets = true, []string{"auth"}
	if _, err := NewStdio(opts); err == nil || !strings.Contains(err.Error(), "no tool left") || !strings.Contains(err.Error(), "--read-only") {
		t.Errorf("stdio: %v", err)
	}
	if _, err := NewHTTP(opts, HTTPOptions{}, true); err == nil || !strings.Contains(err.Error(), "no tool left") {
		t.Errorf("http: %v", err)
	}
	opts.Toolsets = []string{"auth", "tokens"}
	if _, err := NewStdio(opts); err != nil {
		t.Errorf("read-only with tokens still has agent-tokens list: %v", err)
	}
}

// The instructions point to agent-auth login only where it is published, and
// mention the outbox in sandbox mode.
func TestInstructionsFollowTheConfiguration(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		opts      func(*Options)
		login     bool
		sandboxed bool
	}{
		{func(*Options) {}, true, false},
		{func(o *Options) { o.ReadOnly = true }, false, false},
		{func(o *Options) { o.Toolsets = []string{"profile"} }, false, false},
		{func(o *Options) { o.Outbox = e.sb }, true, true},
	} {
		opts := e.opts()
		tc.opts(&opts)
		got := instructionsFor(opts, false)
		if strings.Contains(got, `"login" (email, password)`) != tc.login {
			t.Errorf("%+v: login named = %v, want %v:\n%s", opts, !tc.login, tc.login, got)
		}
		if strings.Contains(got, OutboxURI) != tc.sandboxed {
			t.Errorf("%+v: outbox named = %v:\n%s", opts, !tc.sandboxed, got)
		}
	}
}

// An unknown tool name gets a tool error like an unknown action does: the
// nearest published name, the list, and for one of ours held back, why; the
// fallback that answers it is never listed (issue 21).
func TestUnknownToolGetsASuggestion(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	srv := httpServer(t, opts, HTTPOptions{}, true)
	clients := map[string]*client.Client{"stdio": stdioClient(t, opts)}
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		c, err := client.NewStreamableHttpClient(srv.URL + "/mcp")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		req := mcp.InitializeRequest{}
		req.Params.ProtocolVersion = era
		req.Params.ClientInfo = mcp.Implementation{Name: "server-test", Version: "1"}
		if _, err := c.Initialize(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		clients["http "+era] = c
	}
	for name, c := range clients {
		r := call(t, c, "agent-token", map[string]any{"action": "list"})
		if !r.isError || r.errKind() != "unknown_tool" || !strings.Contains(r.text, `unknown tool "agent-token"; did you mean agent-tokens?`) ||
			!strings.Contains(r.text, "agent-auth, agent-tokens, agent-profile, agent-api-keys, agent-teams") {
			t.Errorf("%s: %+v", name, r)
		}
		for _, tool := range listTools(t, c) {
			if tool.Name == unknownToolName {
				t.Errorf("%s: the fallback is listed", name)
			}
		}
		// A published tool still works after the fallback was used.
		if r := call(t, c, "agent-auth", map[string]any{"action": "logut"}); r.errKind() != "invalid_input" {
			t.Errorf("%s: a known tool was routed away: %+v", name, r)
		}
	}
	opts.ReadOnly = true
	r := call(t, stdioClient(t, opts), "agent-auth", map[string]any{"action": "login"})
	if !r.isError || !strings.Contains(r.text, "agent-auth is not published by this server: the server runs in read-only mode") {
		t.Errorf("read-only agent-auth: %s", r.text)
	}
}
