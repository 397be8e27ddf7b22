package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// hygieneBuf is a log sink safe for the concurrent writers of a server.
type hygieneBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (h *hygieneBuf) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.Write(p)
}

func (h *hygieneBuf) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.String()
}

// hygieneEnv is a sandbox whose own log (made-up codes, on purpose) goes to
// sbLog, and a server and upstream client that log at debug level to log.
type hygieneEnv struct {
	sb      *sandbox.Sandbox
	log     *hygieneBuf
	sbLog   *hygieneBuf
	opts    Options
	secrets map[string]string // value -> what it is
}

func newHygieneEnv(t *testing.T) *hygieneEnv {
	t.Helper()
	h := &hygieneEnv{log: &hygieneBuf{}, sbLog: &hygieneBuf{}, secrets: map[string]string{}}
	h.sb = sandbox.New(sandbox.Options{DisableRateLimit: true, Logger: zerolog.New(h.sbLog).Level(zerolog.DebugLevel)})
	logger := zerolog.New(h.log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: h.sb.Transport(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h.opts = Options{Version: "test", Client: cl, Logger: logger, RevealTokens: true}
	return h
}

func (h *hygieneEnv) secret(what string, v any) string {
	s, _ := v.(string)
	if len(s) >= 6 {
		h.secrets[s] = what
	}
	return s
}

func (h *hygieneEnv) mail(t *testing.T, email, kind string) string {
	t.Helper()
	mails := h.sb.Outbox(email)
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].Kind == kind {
			return h.secret(kind+" code", mails[i].Code)
		}
	}
	t.Fatalf("no %s mail for %s", kind, email)
	return ""
}

// journey walks every secret-bearing action: signup, verify, login, password
// change, key create and rotate, forgot and reset password, switch-account,
// logout. use hands a new token to the transport (a no-op over stdio, which
// adopts tokens itself).
func (h *hygieneEnv) journey(t *testing.T, c *client.Client, use func(string)) {
	email := fmt.Sprintf("hygiene-%p@example.test", h)
	p1 := h.secret("first password", "first-Secret-Passw0rd")
	p2 := h.secret("second password", "second-Secret-Passw0rd")
	p3 := h.secret("reset password", "third-Secret-Passw0rd")
	demo := h.sb.Demo()
	h.secret("demo password", demo.Password)

	ok := func(tool string, args map[string]any) result {
		t.Helper()
		r := call(t, c, tool, args)
		if r.isError {
			t.Fatalf("%s %v: %s", tool, args["action"], r.text)
		}
		return r
	}
	session := func(r result) {
		t.Helper()
		d := r.data()
		tok := h.secret("access token", d["access_token"])
		h.secret("default api key", d["api_key"])
		if tok == "" || strings.Contains(tok, "…") {
			t.Fatalf("no whole token in %s", r.text)
		}
		use(tok)
	}

	ok("agent-auth", map[string]any{"action": "signup", "email": email, "password": p1, "password_confirmation": p1, "name": "Hygiene"})
	session(ok("agent-auth", map[string]any{"action": "verify-email", "verification_code": h.mail(t, email, "verification")}))
	session(ok("agent-auth", map[string]any{"action": "login", "email": email, "password": p1, "device_name": "hygiene"}))
	ok("agent-profile", map[string]any{"action": "update-password", "current_password": p1, "password": p2, "password_confirmation": p2})
	session(ok("agent-auth", map[string]any{"action": "login", "email": email, "password": p2}))
	created := ok("agent-api-keys", map[string]any{"action": "create", "name": "hygiene key", "notes": "for the log test"})
	h.secret("api key", created.data()["key"])
	rotated := ok("agent-api-keys", map[string]any{"action": "rotate", "key_id": created.data()["id"]})
	newKey, _ := rotated.data()["new_key"].(map[string]any)
	if h.secret("rotated api key", newKey["key"]) == "" {
		t.Fatalf("rotate returned no key: %s", rotated.text)
	}
	ok("agent-auth", map[string]any{"action": "forgot-password", "email": email})
	reset := h.mail(t, email, "password_reset")
	ok("agent-auth", map[string]any{"action": "reset-password", "email": email, "token": reset, "password": p3, "password_confirmation": p3})
	session(ok("agent-auth", map[string]any{"action": "login", "email": email, "password": p3}))
	ok("agent-profile", map[string]any{"action": "get"})
	ok("agent-auth", map[string]any{"action": "logout"})

	// switch-account needs a team: the demo user belongs to acme's.
	session(ok("agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": demo.Password}))
	session(ok("agent-tokens", map[string]any{"action": "switch-account", "account_username": demo.TeamAccountUsername}))
	ok("agent-tokens", map[string]any{"action": "list"})
	// A failure path too: a wrong password is echoed nowhere.
	wrong := h.secret("wrong password", "wrong-Secret-Passw0rd")
	if r := call(t, c, "agent-auth", map[string]any{"action": "login", "email": demo.Email, "password": wrong}); !r.isError {
		t.Fatalf("login with a wrong password: %s", r.text)
	}
	ok("agent-auth", map[string]any{"action": "logout"})
}

// check finds no secret in the server and client log, and proves the check
// can see: the log has the debug lines, and the sandbox's own log (kept apart)
// does show its codes.
func (h *hygieneEnv) check(t *testing.T) {
	logs := h.log.String()
	if !strings.Contains(logs, `"upstream call"`) || !strings.Contains(logs, `"tool call"`) {
		t.Fatalf("the captured log lacks the debug and call lines; captured:\n%.2000s", logs)
	}
	if len(h.secrets) < 12 {
		t.Fatalf("the journey recorded only %d secrets", len(h.secrets))
	}
	for s, what := range h.secrets {
		if strings.Contains(logs, s) {
			i := strings.Index(logs, s)
			t.Errorf("the log contains the %s: …%s…", what, logs[max(0, i-200):min(len(logs), i+len(s)+50)])
		}
	}
	codes := 0
	for s, what := range h.secrets {
		if strings.HasSuffix(what, " code") && strings.Contains(h.sbLog.String(), s) {
			codes++
		}
	}
	if codes == 0 {
		t.Error("the sandbox log shows no code: the secret search would not find one either")
	}
	t.Logf("%d secrets, %d log lines, none in the log", len(h.secrets), strings.Count(logs, "\n"))
}

func TestLogHygieneStdio(t *testing.T) {
	h := newHygieneEnv(t)
	c := stdioClient(t, h.opts)
	h.journey(t, c, func(string) {})
	h.check(t)
}

func TestLogHygieneHTTP(t *testing.T) {
	h := newHygieneEnv(t)
	srv := httpServer(t, h.opts, HTTPOptions{}, true)
	var mu sync.Mutex
	current := ""
	c, err := client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaderFunc(func(context.Context) map[string]string {
		mu.Lock()
		defer mu.Unlock()
		if current == "" {
			return nil
		}
		return map[string]string{"Authorization": "Bearer " + current}
	}))
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	t.Cleanup(func() { c.Close() })
	h.journey(t, c, func(tok string) { mu.Lock(); current = tok; mu.Unlock() })
	h.check(t)
}
