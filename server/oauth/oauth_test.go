package oauth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth/oauthtest"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func TestChallengeAndMetadata(t *testing.T) {
	e := newEnv(t)
	res := e.callMCP("")
	if res.status != 401 {
		t.Fatalf("no credential: %d", res.status)
	}
	ch := res.header.Get("WWW-Authenticate")
	if !strings.Contains(ch, `resource_metadata="`+e.srv.URL+`/.well-known/oauth-protected-resource/mcp"`) || !strings.Contains(ch, `scope="profile:read`) {
		t.Fatalf("challenge: %s", ch)
	}
	prm := e.do(http.DefaultClient, "GET", PathResourceMetadata+"/mcp", nil)
	if !strings.Contains(prm.body, `"resource":"`+e.srv.URL+`/mcp"`) || !strings.Contains(prm.body, `"authorization_servers":["`+e.srv.URL+`"]`) {
		t.Fatalf("resource metadata: %s", prm.body)
	}
	for _, p := range []string{PathServerMetadata, PathOpenIDConfig} {
		asm := e.do(http.DefaultClient, "GET", p, nil)
		if !strings.Contains(asm.body, `"client_id_metadata_document_supported":true`) || !strings.Contains(asm.body, `"code_challenge_methods_supported":["S256"]`) {
			t.Fatalf("%s: %s", p, asm.body)
		}
	}
	// A raw ModelsLab token is accepted in X-Agent-Token only, never as Bearer.
	if r := e.callMCP("", "X-Agent-Token", "1|raw"); r.status != 200 || r.body != "agent-token:1|raw" {
		t.Fatalf("X-Agent-Token: %d %s", r.status, r.body)
	}
	if r := e.callMCP("1|raw"); r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("raw bearer: %d %s", r.status, r.header)
	}
}

func TestFlowRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	back := e.signIn(cid, redirect, nil)
	q := back.Query()
	if q.Get("state") != "st-1" || q.Get("iss") != e.srv.URL || q.Get("code") == "" {
		t.Fatalf("redirect back: %s", back)
	}
	if strings.Contains(back.String(), "|") {
		t.Fatal("the redirect carries a ModelsLab token")
	}
	st, tk := e.exchange(cid, redirect, q.Get("code"), verifier)
	if st != 200 || tk.Access == "" || tk.Refresh == "" || tk.Expires != 3600 {
		t.Fatalf("exchange: %d %+v", st, tk)
	}
	if strings.Contains(tk.Access, "|") {
		t.Fatal("the access token shows the ModelsLab token")
	}
	r := e.callMCP(tk.Access)
	if r.status != 200 || !strings.HasPrefix(r.body, "grant:") || !strings.Contains(r.body, "|") {
		t.Fatalf("call with token: %d %s", r.status, r.body)
	}
	// The sealed ModelsLab token works upstream.
	if _, err := e.client.GetProfile(context.Background(), upstream.Token(strings.TrimPrefix(r.body, "grant:"))); err != nil {
		t.Fatalf("sealed token upstream: %v", err)
	}
	st, tk2 := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.Refresh}, "client_id": {cid}})
	if st != 200 || tk2.Refresh == tk.Refresh {
		t.Fatalf("refresh: %d %+v", st, tk2)
	}
	// The old refresh token again: reuse, and the whole grant ends.
	st, bad := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.Refresh}, "client_id": {cid}})
	if st != 400 || bad.Error != "invalid_grant" {
		t.Fatalf("reuse: %d %+v", st, bad)
	}
	if r := e.callMCP(tk2.Access); r.status != 401 {
		t.Fatalf("access token of a grant revoked for reuse: %d", r.status)
	}
	if st, _ := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk2.Refresh}}); st != 400 {
		t.Fatalf("new refresh token of a revoked grant: %d", st)
	}
}

// TestCodeExchangeNeedsClientID: a public client names itself when it
// redeems a code (RFC 6749 §4.1.3); without it the code is refused and not
// used up.
func TestCodeExchangeNeedsClientID(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	code := e.signIn(cid, redirect, nil).Query().Get("code")
	st, bad := e.token(url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {redirect},
		"code": {code}, "code_verifier": {verifier}, "resource": {e.srv.URL + "/mcp"}})
	if st != 400 || bad.Error != "invalid_request" {
		t.Fatalf("without client_id: %d %+v", st, bad)
	}
	if st, tk := e.exchange(cid, redirect, code, verifier); st != 200 || tk.Access == "" {
		t.Fatalf("with client_id, after the refusal: %d %+v", st, tk)
	}
}

func TestWrongVerifierDoesNotBurnTheCode(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	code := e.signIn(cid, redirect, nil).Query().Get("code")
	if st, tk := e.exchange(cid, redirect, code, strings.Repeat("x", 43)); st != 400 || tk.Error != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %+v", st, tk)
	}
	if st, tk := e.exchange(cid, redirect, code, verifier); st != 200 {
		t.Fatalf("right verifier after a wrong one: %d %+v", st, tk)
	}
}

func TestReusedCodeRevokesTheGrant(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	code := e.signIn(cid, redirect, nil).Query().Get("code")
	st, tk := e.exchange(cid, redirect, code, verifier)
	if st != 200 {
		t.Fatal(st)
	}
	if st, again := e.exchange(cid, redirect, code, verifier); st != 400 || again.Error != "invalid_grant" {
		t.Fatalf("reused code: %d %+v", st, again)
	}
	if r := e.callMCP(tk.Access); r.status != 401 {
		t.Fatalf("token of a replayed code still accepted: %d", r.status)
	}
}

func TestRedirectURIs(t *testing.T) {
	e := newEnv(t)
	cid := e.register("http://127.0.0.1:7777/cb", "https://app.example.com/cb")
	// Not registered: a page, never a redirect.
	for _, bad := range []string{"https://evil.example.com/cb", "https://app.example.com/cb2", "http://127.0.0.1:7777/other", "http://localhost:7777/cb"} {
		r := e.do(e.browser, "GET", e.authorizeURL(cid, bad, nil), nil)
		if r.status != 400 || r.header.Get("Location") != "" {
			t.Fatalf("%s: %d %s", bad, r.status, r.header.Get("Location"))
		}
	}
	// Loopback: any port (RFC 8252).
	back := e.signIn(cid, "http://127.0.0.1:45678/cb", nil)
	if back.Host != "127.0.0.1:45678" {
		t.Fatalf("loopback other port: %s", back)
	}
	// The code is bound to its redirect URI.
	if st, tk := e.exchange(cid, "http://127.0.0.1:7777/cb", back.Query().Get("code"), verifier); st != 400 || tk.Error != "invalid_grant" {
		t.Fatalf("another redirect_uri at the token endpoint: %d %+v", st, tk)
	}
	// Registration refuses http beyond loopback.
	res := e.do(http.DefaultClient, "POST", PathRegister, nil)
	if res.status != 400 {
		t.Fatalf("empty registration: %d", res.status)
	}
	r, _ := http.Post(e.srv.URL+PathRegister, "application/json", strings.NewReader(`{"redirect_uris":["http://example.com/cb"]}`))
	if r.StatusCode != 400 {
		t.Fatalf("http redirect beyond loopback registered: %d", r.StatusCode)
	}
	r.Body.Close()
}

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	for name, tc := range map[string]struct {
		extra url.Values
		want  string
	}{
		"plain PKCE":     {url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		"no PKCE":        {url.Values{"code_challenge": {""}}, "invalid_request"},
		"other resource": {url.Values{"resource": {"https://other.example.com/mcp"}}, "invalid_target"},
		"unknown scope":  {url.Values{"scope": {"root:all"}}, "invalid_scope"},
		"token flow":     {url.Values{"response_type": {"token"}}, "unsupported_response_type"},
	} {
		r := e.do(e.browser, "GET", e.authorizeURL(cid, redirect, tc.extra), nil)
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusFound || loc.Query().Get("error") != tc.want || loc.Query().Get("state") != "st-1" || loc.Query().Get("iss") != e.srv.URL {
			t.Errorf("%s: %d %s", name, r.status, r.header.Get("Location"))
		}
	}
}

func TestAudienceAndExpiry(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	_, tk := e.exchange(cid, redirect, e.signIn(cid, redirect, nil).Query().Get("code"), verifier)
	// The same server reached under another name is another resource.
	port := e.srv.URL[strings.LastIndex(e.srv.URL, ":")+1:]
	req, _ := http.NewRequest("POST", e.srv.URL+"/mcp", nil)
	req.Host = "localhost:" + port
	req.Header.Set("Authorization", "Bearer "+tk.Access)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(res.Header.Get("WWW-Authenticate"), "another resource") {
		t.Fatalf("token for another audience: %d %s", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	// Another server's secret: not ours.
	other := newEnv(t, func(c *Config) { c.Secret = []byte(strings.Repeat("o", 32)) })
	if r := other.callMCP(tk.Access); r.status != 401 {
		t.Fatalf("token of another secret: %d", r.status)
	}
	if r := e.callMCP(tk.Access); r.status != 200 {
		t.Fatalf("fresh token: %d", r.status)
	}
	e.advance(AccessTTL + time.Second)
	if r := e.callMCP(tk.Access); r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), "expired") {
		t.Fatalf("expired token: %d %s", r.status, r.header.Get("WWW-Authenticate"))
	}
	// The refresh token still works after the access token expired.
	if st, _ := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tk.Refresh}}); st != 200 {
		t.Fatalf("refresh after expiry: %d", st)
	}
}

func TestExpiredCode(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	code := e.signIn(cid, redirect, nil).Query().Get("code")
	e.advance(codeTTL + time.Second)
	if st, tk := e.exchange(cid, redirect, code, verifier); st != 400 || !strings.Contains(tk.Desc, "expired") {
		t.Fatalf("expired code: %d %+v", st, tk)
	}
}

func TestRevokeEndsTheGrant(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	_, tk := e.exchange(cid, redirect, e.signIn(cid, redirect, nil).Query().Get("code"), verifier)
	up := strings.TrimPrefix(e.callMCP(tk.Access).body, "grant:")
	if r := e.do(http.DefaultClient, "POST", PathRevoke, url.Values{"token": {tk.Refresh}}); r.status != 200 {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := e.callMCP(tk.Access); r.status != 401 {
		t.Fatalf("access token after revoking the grant: %d", r.status)
	}
	if _, err := e.client.GetProfile(context.Background(), upstream.Token(up)); err == nil {
		t.Fatal("the ModelsLab token of a revoked grant still works upstream")
	}
}

func TestCSRFAndForgedState(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	page := e.do(e.browser, "GET", e.authorizeURL(cid, redirect, nil), nil)
	f := oauthtest.FormFields(page.body)
	d := e.sb.Demo()
	f.Set("email", d.Email)
	f.Set("password", d.Password)
	// Another browser (no CSRF cookie) posting the same form.
	if r := e.do(e.newBrowser(), "POST", PathLogin, f); r.status != 403 {
		t.Fatalf("login without the CSRF cookie: %d", r.status)
	}
	forged := url.Values{"csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "req": f["req"], "email": f["email"], "password": f["password"]}
	if r := e.do(e.browser, "POST", PathLogin, forged); r.status != 403 {
		t.Fatalf("login with a forged CSRF field: %d", r.status)
	}
	// A forged state on the site callback.
	if r := e.do(e.browser, "GET", PathSiteCallback+"?state=forged&access_token=1%7Cx", nil); r.status != 400 {
		t.Fatalf("forged state: %d", r.status)
	}
	// A real state, in a browser that did not start the sign-in.
	r := e.do(e.browser, "POST", PathSite, url.Values{"csrf": f["csrf"], "req": f["req"]})
	loc, _ := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || loc.Path != "/auth/modelslab-cli/oauth/authorize" {
		t.Fatalf("site: %d %s", r.status, r.header.Get("Location"))
	}
	st := loc.Query().Get("state")
	if r := e.do(e.newBrowser(), "GET", PathSiteCallback+"?"+url.Values{"state": {st}, "access_token": {"1|x"}}.Encode(), nil); r.status != 400 {
		t.Fatalf("state from another browser: %d", r.status)
	}
	// A consent answered twice (the same cookie posted again) mints one code only.
	f2 := oauthtest.FormFields(e.do(e.browser, "GET", e.authorizeURL(cid, redirect, nil), nil).body)
	f2.Set("email", d.Email)
	f2.Set("password", d.Password)
	e.do(e.browser, "POST", PathLogin, f2)
	consentCookie := ""
	for _, c := range e.browser.Jar.Cookies(mustURL(e.srv.URL + PathConsent)) {
		if c.Name == cookieConsent {
			consentCookie = c.Value
		}
	}
	e.consent("allow")
	cf := oauthtest.FormFields(e.do(e.browser, "GET", e.authorizeURL(cid, redirect, nil), nil).body)
	cf.Set("decision", "allow")
	if r := e.do(e.browser, "POST", PathConsent, cf, "Cookie", cookieConsent+"="+consentCookie+"; "+cookieCSRF+"="+csrfCookie(e)); r.status != 400 {
		t.Fatalf("consent replayed: %d %s", r.status, r.header.Get("Location"))
	}
	// Consent without having signed in.
	if r := e.do(e.newBrowser(), "POST", PathConsent, url.Values{"decision": {"allow"}}); r.status != 400 {
		t.Fatalf("consent without sign-in: %d", r.status)
	}
	// Pages cannot be framed.
	if page.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(page.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("framing headers: %v", page.header)
	}
	if strings.Contains(page.body, d.Password) {
		t.Fatal("password on the page")
	}
}

func TestSiteFlow(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	page := e.do(e.browser, "GET", e.authorizeURL(cid, redirect, nil), nil)
	if !strings.Contains(page.body, `id="site"`) {
		t.Fatal("no Continue with ModelsLab on a loopback server")
	}
	f := oauthtest.FormFields(page.body)
	r := e.do(e.browser, "POST", PathSite, url.Values{"csrf": f["csrf"], "req": f["req"]})
	site := e.do(e.browser, "GET", r.header.Get("Location"), nil)
	if site.status != 200 {
		t.Fatalf("site page: %d", site.status)
	}
	loc, _ := url.Parse(r.header.Get("Location"))
	form := loc.Query()
	d := e.sb.Demo()
	form.Set("email", d.Email)
	form.Set("password", d.Password)
	form.Set("decision", "login")
	cb := e.do(e.browser, "POST", loc.Path, form)
	if cb.status != http.StatusSeeOther || !strings.HasPrefix(cb.header.Get("Location"), e.srv.URL+PathSiteCallback) {
		t.Fatalf("site login: %d %s", cb.status, cb.header.Get("Location"))
	}
	r = e.do(e.browser, "GET", cb.header.Get("Location"), nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != PathConsent {
		t.Fatalf("callback: %d %s", r.status, r.body)
	}
	back := e.consent("allow")
	if st, _ := e.exchange(cid, redirect, back.Query().Get("code"), verifier); st != 200 {
		t.Fatalf("exchange after the site: %d", st)
	}
	// A public server is refused by the site (contract §6): no button, a note.
	pub := newEnv(t, func(c *Config) { c.PublicURL = "https://agents.example.com" })
	pcid := pub.register(redirect)
	q := url.Values{"resource": {"https://agents.example.com/mcp"}}
	p := pub.do(pub.browser, "GET", pub.authorizeURL(pcid, redirect, q), nil)
	if p.status != 200 || strings.Contains(p.body, `id="site"`) || !strings.Contains(p.body, `id="site-unavailable"`) {
		t.Fatalf("public server page: %d %s", p.status, p.body)
	}
}

func TestLoginErrorsShownWithNextStep(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	if _, err := e.client.Signup(context.Background(), upstream.SignupRequest{Email: "new@example.com", Password: "Passw0rd!long"}); err != nil {
		t.Fatal(err)
	}
	page := e.do(e.browser, "GET", e.authorizeURL(cid, redirect, nil), nil)
	f := oauthtest.FormFields(page.body)
	f.Set("email", e.sb.Demo().Email)
	f.Set("password", "wrong-password")
	r := e.do(e.browser, "POST", PathLogin, f)
	if r.status != 401 || !strings.Contains(r.body, "incorrect") || strings.Contains(r.body, "wrong-password") {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
	f.Set("email", "new@example.com")
	f.Set("password", "Passw0rd!long")
	r = e.do(e.browser, "POST", PathLogin, f)
	if !strings.Contains(r.body, "not verified") || !strings.Contains(r.body, `id="resend"`) {
		t.Fatalf("unverified: %d %s", r.status, r.body)
	}
	// The form's own rate limit: 5 tries per email, then a wait.
	f.Set("email", "rate@example.com")
	var last resp
	for range 7 {
		last = e.do(e.browser, "POST", PathLogin, f)
	}
	if last.status != 429 || !strings.Contains(last.body, "Wait") {
		t.Fatalf("rate limit: %d", last.status)
	}
}

func TestClientIDMetadataDocument(t *testing.T) {
	doc := httptest.NewServer(nil)
	defer doc.Close()
	docURL := doc.URL + "/client.json"
	doc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"client_id":"` + docURL + `","client_name":"Test Client","redirect_uris":["http://127.0.0.1:7777/cb"],"token_endpoint_auth_method":"none"}`))
	})
	// Without the test flag: http refused, and https to a loopback or private
	// address refused at dial time, whatever the name.
	strict := newEnv(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(doc.URL, "http://"))
	for _, id := range []string{docURL, "https://127.0.0.1:" + port + "/client.json", "https://localhost:" + port + "/client.json",
		"https://10.0.0.1:" + port + "/c.json", "https://169.254.169.254/latest/meta-data"} {
		r := strict.do(strict.browser, "GET", strict.authorizeURL(id, "http://127.0.0.1:7777/cb", nil), nil)
		if r.status != 400 || r.header.Get("Location") != "" {
			t.Fatalf("%s: %d", id, r.status)
		}
	}
	if _, err := strict.as.cimd.fetch(context.Background(), "https://localhost:"+port+"/client.json"); err == nil || !strings.Contains(err.Error(), "private") {
		t.Fatalf("name resolving to loopback: %v", err)
	}
	// With it, a full flow with the URL as client_id.
	e := newEnv(t, func(c *Config) { c.AllowInsecureClientMetadata = true })
	back := e.signIn(docURL, "http://127.0.0.1:7777/cb", nil)
	if st, tk := e.exchange(docURL, "http://127.0.0.1:7777/cb", back.Query().Get("code"), verifier); st != 200 {
		t.Fatalf("CIMD exchange: %d %+v", st, tk)
	}
	if r := e.do(e.browser, "GET", e.authorizeURL(docURL, "http://127.0.0.1:7777/other", nil), nil); r.status != 400 {
		t.Fatalf("CIMD unregistered redirect: %d", r.status)
	}
}

// TestClientIDMetadataFailureIsCached: a URL that failed is not fetched
// again at once, so a page that repeats authorize requests naming it cannot
// make this server send a request out for each.
func TestClientIDMetadataFailureIsCached(t *testing.T) {
	var hits atomic.Int32
	doc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer doc.Close()
	e := newEnv(t, func(c *Config) { c.AllowInsecureClientMetadata = true })
	id := doc.URL + "/missing.json"
	for range 5 {
		if _, err := e.as.lookupClient(context.Background(), id); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("lookup: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the failing document was fetched %d times, want 1", n)
	}
}

func TestPublicAddr(t *testing.T) {
	for a, want := range map[string]bool{"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.1": false, "10.1.2.3": false,
		"192.168.1.1": false, "172.16.0.1": false, "169.254.169.254": false, "::1": false, "fd00::1": false, "fe80::1": false,
		"100.64.0.1": false, "0.0.0.0": false, "::ffff:127.0.0.1": false} {
		if got := publicAddr(mustAddr(a)); got != want {
			t.Errorf("%s: %v", a, got)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func csrfCookie(e *env) string {
	for _, c := range e.browser.Jar.Cookies(mustURL(e.srv.URL + "/")) {
		if c.Name == cookieCSRF {
			return c.Value
		}
	}
	return ""
}
