package server

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth/oauthtest"
)

// TestOAuthFlowToToolCall drives what a client that knows only the URL does:
// the first 401, discovery, registration, the login and consent pages (a
// browser with a cookie jar), the code exchange, then tool calls with the
// issued token through the mcp-go client; and logout ends the grant.
func TestOAuthFlowToToolCall(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.Site = e.sb
	srv := httpServer(t, opts, HTTPOptions{OAuth: &OAuthOptions{}}, true)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		if strings.HasPrefix(u, "/") {
			u = srv.URL + u
		}
		res, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	post := func(u string, f url.Values) *http.Response {
		t.Helper()
		res, err := browser.PostForm(srv.URL+u, f)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	getJSON := func(u string, v any) {
		t.Helper()
		_, body := get(u)
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %s", u, body)
		}
	}

	// 1. The first request: 401 and where the metadata is.
	res, err := http.Post(srv.URL+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(res.Header.Get("WWW-Authenticate"))
	if res.StatusCode != 401 || m == nil {
		t.Fatalf("first request: %d %s", res.StatusCode, res.Header)
	}
	// 2. Discovery.
	var prm struct {
		Resource string   `json:"resource"`
		AS       []string `json:"authorization_servers"`
	}
	getJSON(m[1], &prm)
	var asm struct {
		Authorize string `json:"authorization_endpoint"`
		Token     string `json:"token_endpoint"`
		Register  string `json:"registration_endpoint"`
	}
	getJSON(prm.AS[0]+"/.well-known/oauth-authorization-server", &asm)
	// 3. Registration.
	redirect := "http://127.0.0.1:33418/callback"
	rr, err := http.Post(asm.Register, "application/json", strings.NewReader(`{"client_name":"Flow Test","redirect_uris":["`+redirect+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(rr.Body).Decode(&reg)
	rr.Body.Close()
	// 4. Login and consent.
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "state": {"s1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"resource": {prm.Resource}, "scope": {"profile:read tokens:read"}}
	_, page := get(asm.Authorize + "?" + q.Encode())
	form := oauthtest.FormFields(page)
	d := e.sb.Demo()
	form.Set("email", d.Email)
	form.Set("password", d.Password)
	if r := post(oauth.PathLogin, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	_, page = get(oauth.PathConsent)
	if !strings.Contains(page, "Flow Test") || !strings.Contains(page, "127.0.0.1:33418") || !strings.Contains(page, "profile:read") {
		t.Fatalf("consent page: %s", page)
	}
	form = oauthtest.FormFields(page)
	form.Set("decision", "allow")
	r := post(oauth.PathConsent, form)
	back, _ := url.Parse(r.Header.Get("Location"))
	// 5. The code for tokens.
	tr, err := http.PostForm(asm.Token, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {redirect}, "client_id": {reg.ClientID}, "code_verifier": {verifier}, "resource": {prm.Resource}})
	if err != nil {
		t.Fatal(err)
	}
	var tk struct {
		Access string `json:"access_token"`
	}
	_ = json.NewDecoder(tr.Body).Decode(&tk)
	tr.Body.Close()
	if tk.Access == "" {
		t.Fatalf("token: %d", tr.StatusCode)
	}
	// 6. Tool calls with the issued token.
	c := httpClient(t, srv, map[string]string{"Authorization": "Bearer " + tk.Access})
	got := call(t, c, "agent-profile", getProfile)
	if got.isError || got.data()["email"] != d.Email {
		t.Fatalf("profile with the issued token: %s", got.text)
	}
	e.mu.Lock()
	last := e.auths[len(e.auths)-1]
	e.mu.Unlock()
	if !strings.HasPrefix(last, "Bearer ") || strings.Contains(last, tk.Access) || !strings.Contains(last, "|") {
		t.Fatalf("upstream got %q: not the sealed ModelsLab token", last)
	}
	// The grant's scopes are ModelsLab's: a write outside them is refused
	// upstream, and the answer is the step-up challenge (403 insufficient_scope)
	// naming what the grant holds plus what is missing.
	req0, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"agent-profile",`+
		`"arguments":{"action":"update","name":"Someone"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",`+
		`"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`))
	for k, v := range map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "agent-profile", "Authorization": "Bearer " + tk.Access} {
		req0.Header.Set(k, v)
	}
	res0, err := http.DefaultClient.Do(req0)
	if err != nil {
		t.Fatal(err)
	}
	b0, _ := io.ReadAll(res0.Body)
	res0.Body.Close()
	if ch := res0.Header.Get("WWW-Authenticate"); res0.StatusCode != 403 || !strings.Contains(ch, `error="insufficient_scope"`) ||
		!strings.Contains(ch, `scope="profile:read tokens:read profile:write"`) {
		t.Fatalf("write outside the grant's scopes: %d %s %s", res0.StatusCode, ch, b0)
	}
	if got := call(t, c, "agent-profile", getProfile); got.isError {
		t.Fatalf("the session after a step-up challenge: %s", got.text)
	}
	// 7. Logout through the tool ends the grant: the same token is refused at the edge.
	got = call(t, c, "agent-auth", map[string]any{"action": "logout"})
	if got.isError {
		t.Fatalf("logout: %s", got.text)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Authorization", "Bearer "+tk.Access)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(res.Header.Get("WWW-Authenticate"), "revoked") {
		t.Fatalf("after logout: %d %s", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestOAuthHeaderClients: with --oauth a ModelsLab token still works in
// X-Agent-Token, and never as a bearer token.
func TestOAuthHeaderClients(t *testing.T) {
	e := newEnv(t)
	tok := string(e.demoToken(t))
	srv := httpServer(t, e.opts(), HTTPOptions{OAuth: &OAuthOptions{}}, true)
	c := httpClient(t, srv, map[string]string{"X-Agent-Token": tok})
	if got := call(t, c, "agent-profile", getProfile); got.isError {
		t.Fatalf("X-Agent-Token with --oauth: %s", got.text)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("a ModelsLab token as bearer with --oauth: %d", res.StatusCode)
	}
}

// TestHTTPLoginResultsAreHonest: over HTTP without --oauth the token must be
// whole (the client sends it back) and the result says so, pointing clients
// that cannot set headers to --oauth; the default API key stays masked. With
// --oauth the model sees no ModelsLab token at all.
func TestHTTPLoginResultsAreHonest(t *testing.T) {
	e := newEnv(t)
	d := e.sb.Demo()
	login := map[string]any{"action": "login", "email": d.Email, "password": d.Password}
	srv := httpServer(t, e.opts(), HTTPOptions{}, false)
	r := call(t, httpClient(t, srv, nil), "agent-auth", login)
	tok, _ := r.data()["access_token"].(string)
	key, _ := r.data()["api_key"].(string)
	if r.isError || !strings.Contains(tok, "|") || strings.Contains(tok, "…") || !strings.Contains(key, "…") {
		t.Fatalf("header mode login: token %q key %q", tok, key)
	}
	if !strings.Contains(r.text, "must send") || !strings.Contains(r.text, "--oauth") {
		t.Fatalf("header mode note: %s", r.text)
	}

	osrv := httpServer(t, e.opts(), HTTPOptions{OAuth: &OAuthOptions{}}, true)
	c := httpClient(t, osrv, map[string]string{"X-Agent-Token": string(e.demoToken(t))})
	r = call(t, c, "agent-auth", login)
	tok, _ = r.data()["access_token"].(string)
	if r.isError || !strings.Contains(tok, "…") || !strings.Contains(r.text, "OAuth") {
		t.Fatalf("oauth mode login: token %q: %s", tok, r.text)
	}
}

// TestOAuthEdgeOrigins: the forms post with the page's own Origin (a browser
// sends `Origin: null` under Referrer-Policy no-referrer, which the guard
// refuses, so the pages use same-origin); the callback and the token endpoint
// take other origins; /mcp still refuses them.
func TestOAuthEdgeOrigins(t *testing.T) {
	e := newEnv(t)
	srv := httpServer(t, e.opts(), HTTPOptions{OAuth: &OAuthOptions{}}, true)
	res, err := http.Get(srv.URL + "/oauth/authorize?client_id=x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if rp := res.Header.Get("Referrer-Policy"); rp != "same-origin" {
		t.Fatalf("pages' Referrer-Policy %q", rp)
	}
	for path, want := range map[string]int{"/oauth/token": 400, "/callback": 400, "/mcp": 403, "/oauth/login": 403} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(""))
		req.Header.Set("Origin", "https://modelslab.com")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || (want == 403 && !strings.Contains(string(b), "Origin")) && path == "/mcp" {
			t.Errorf("%s from another origin: %d %s", path, res.StatusCode, b)
		}
	}
}

// TestInstructionsPerTransport: what the instructions promise about the token
// holds on the transport that sends them.
func TestInstructionsPerTransport(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name          string
		opts          func(*Options)
		http          bool
		want, notWant string
	}{
		{"stdio", func(*Options) {}, false, "the session then uses the new token", "remembers no credential"},
		{"http", func(*Options) {}, true, "remembers no credential between requests", "the session then uses the new token"},
		{"oauth", func(o *Options) { o.oauth = true }, true, "Authorization is OAuth", "the session then uses the new token"},
		{"http read-only", func(o *Options) { o.ReadOnly = true }, true, "each request's Authorization", "MODELSLAB_AGENT_TOKEN"},
		{"oauth read-only", func(o *Options) { o.ReadOnly, o.oauth = true, true }, true, "OAuth authorization", "MODELSLAB_AGENT_TOKEN"},
	} {
		opts := e.opts()
		tc.opts(&opts)
		got := instructionsFor(opts, tc.http)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.notWant) || strings.Contains(got, "%!") {
			t.Errorf("%s:\n%s", tc.name, got)
		}
	}
}
