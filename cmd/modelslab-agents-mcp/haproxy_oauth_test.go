package main

// Two `http --oauth` replicas behind HAProxy with a shared Redis: a token one
// replica issued works on the other with no shared database (the ModelsLab
// token is sealed inside it), and with the store on, a code or an old refresh
// token replayed on the other replica is refused. Gated by
// MODELSLAB_TEST_HAPROXY and MODELSLAB_TEST_REDIS (haproxy and redis-server
// binaries); `bash .ci/haproxy-oauth.sh` installs Debian's and runs it.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth/oauthtest"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

func TestOAuthReplicasBehindHAProxy(t *testing.T) {
	haproxyBin, redisBin := os.Getenv("MODELSLAB_TEST_HAPROXY"), os.Getenv("MODELSLAB_TEST_REDIS")
	if haproxyBin == "" || redisBin == "" {
		t.Skip("set MODELSLAB_TEST_HAPROXY and MODELSLAB_TEST_REDIS to haproxy and redis-server binaries; bash .ci/haproxy-oauth.sh installs Debian's and runs this")
	}
	bin := buildBinary(t)
	redisURL := startRedisServer(t, redisBin)

	sb := sandbox.New(sandbox.Options{AuthLimit: 10_000, GeneralLimit: 10_000})
	cp := httptest.NewServer(sb)
	t.Cleanup(cp.Close)

	lbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + lbLn.Addr().String()
	secret := make([]byte, 32)
	rand.Read(secret)
	logs := &lockedBuffer{}
	var reps []string // each replica's own base URL
	var servers strings.Builder
	for i := range 2 {
		p := startServer(t, bin, procOptions{env: []string{"MODELSLAB_SESSION_SECRET=" + hex.EncodeToString(secret),
			"MODELSLAB_OAUTH_REDIS_URL=" + redisURL}, tee: logs},
			"http", "--oauth", "--public-url", public, "--addr", "127.0.0.1:0", "--base-url", cp.URL+sandbox.APIPrefix, "--drain-delay", "0")
		base := strings.TrimSuffix(p.endpoint, "/mcp")
		reps = append(reps, base)
		fmt.Fprintf(&servers, "    server r%d %s\n", i+1, strings.TrimPrefix(base, "http://"))
	}
	lb := startHAProxyOn(t, haproxyBin, servers.String(), lbLn)
	lb.waitStatus(t, "UP", "r1", "r2")

	// Through the load balancer, as a client that knows only the URL: the
	// forms land on either replica and carry their state sealed.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	redirect := "http://127.0.0.1:47913/callback"
	var reg struct {
		ClientID string `json:"client_id"`
	}
	postJSON(t, public+"/oauth/register", `{"client_name":"Replica Test","redirect_uris":["`+redirect+`"]}`, &reg)
	verifier := strings.Repeat("r", 60)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "state": {"s"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "resource": {public + "/mcp"}}
	page := browse(t, browser, "GET", public+"/oauth/authorize?"+q.Encode(), nil)
	form := oauthtest.FormFields(page.body)
	form.Set("email", sb.Demo().Email)
	form.Set("password", sb.Demo().Password)
	if r := browse(t, browser, "POST", public+"/oauth/login", form); r.status != http.StatusSeeOther {
		t.Fatalf("login through the load balancer: %d %s", r.status, r.body)
	}
	page = browse(t, browser, "GET", public+"/oauth/consent", nil)
	form = oauthtest.FormFields(page.body)
	form.Set("decision", "allow")
	back, _ := url.Parse(browse(t, browser, "POST", public+"/oauth/consent", form).location)
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("iss") != public {
		t.Fatalf("redirect back: %s", back)
	}

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {reg.ClientID}, "code_verifier": {verifier}, "resource": {public + "/mcp"}}
	st, tk := tokenCall(t, reps[0], exchange)
	if st != 200 {
		t.Fatalf("exchange on r1: %d %v", st, tk)
	}
	if st, again := tokenCall(t, reps[1], exchange); st != 400 || again["error"] != "invalid_grant" {
		t.Fatalf("the code replayed on r2: %d %v (the shared store must refuse it)", st, again)
	}
	// The replay revoked the grant (the code may have been stolen): start again.
	if r := mcpStatus(t, reps[1], tk["access_token"]); r != 401 {
		t.Fatalf("access token of a replayed code on r2: %d", r)
	}

	// A second grant, the code used once: r1's token works on r2, and refresh
	// rotation holds across replicas.
	page = browse(t, browser, "GET", public+"/oauth/authorize?"+q.Encode(), nil)
	form = oauthtest.FormFields(page.body)
	form.Set("email", sb.Demo().Email)
	form.Set("password", sb.Demo().Password)
	browse(t, browser, "POST", public+"/oauth/login", form)
	form = oauthtest.FormFields(browse(t, browser, "GET", public+"/oauth/consent", nil).body)
	form.Set("decision", "allow")
	back, _ = url.Parse(browse(t, browser, "POST", public+"/oauth/consent", form).location)
	exchange.Set("code", back.Query().Get("code"))
	if st, tk = tokenCall(t, reps[0], exchange); st != 200 {
		t.Fatalf("second exchange: %d %v", st, tk)
	}
	for _, base := range append(reps, public) {
		if r := mcpStatus(t, base, tk["access_token"]); r != 200 {
			t.Fatalf("r1's access token on %s: %d", base, r)
		}
	}
	cs := oauthSession(t, public+"/mcp", tk["access_token"])
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "agent-profile", Arguments: map[string]any{"action": "get"}})
	if err != nil || res.IsError {
		t.Fatalf("tool call through the load balancer: %v %+v", err, res)
	}
	cs.Close()
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk["refresh_token"]}, "client_id": {reg.ClientID}}
	st, tk2 := tokenCall(t, reps[1], refresh)
	if st != 200 {
		t.Fatalf("refresh on r2: %d %v", st, tk2)
	}
	if st, old := tokenCall(t, reps[0], refresh); st != 400 || old["error"] != "invalid_grant" {
		t.Fatalf("the old refresh token on r1: %d %v", st, old)
	}
	if r := mcpStatus(t, reps[0], tk2["access_token"]); r != 401 {
		t.Fatalf("after refresh reuse, the grant's newest token on r1: %d (want revoked)", r)
	}

	all := logs.String()
	for _, secretish := range []string{tk["access_token"], tk2["refresh_token"], code, sb.Demo().Password} {
		if strings.Contains(all, secretish) {
			t.Fatalf("a token, code or password reached a replica's log")
		}
	}
	if regexp.MustCompile(`\d+\|[A-Za-z0-9]{40}`).MatchString(all) {
		t.Fatal("a ModelsLab token reached a replica's log")
	}
}

func startRedisServer(t *testing.T, bin string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "redis://" + addr + "/0"
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return ""
}

type page struct {
	status   int
	location string
	body     string
}

func browse(t *testing.T, c *http.Client, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Header.Get("Location"), string(b)}
}

func postJSON(t *testing.T, u, body string, out any) {
	t.Helper()
	res, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func tokenCall(t *testing.T, base string, form url.Values) (int, map[string]string) {
	t.Helper()
	res, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]string{}
	var raw map[string]any
	_ = json.NewDecoder(res.Body).Decode(&raw)
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return res.StatusCode, out
}

// mcpStatus sends a 2026-era server/discover... simply a ping with the token
// and returns the HTTP status: 401 at the edge, or 200.
func mcpStatus(t *testing.T, base, access string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+access)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

type headerRT struct {
	h    string
	base http.RoundTripper
}

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", h.h)
	return h.base.RoundTrip(r)
}

func oauthSession(t *testing.T, endpoint, access string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "oauth-replicas", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: endpoint,
		HTTPClient: &http.Client{Transport: headerRT{"Bearer " + access, http.DefaultTransport}}, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
