package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth/oauthtest"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// env is an authorization server on an httptest listener, with the sandbox
// as ModelsLab (API in process, site route on the same listener), and a
// browser: a cookie jar that does not follow redirects.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	as      *Server
	sb      *sandbox.Sandbox
	client  *upstream.Client
	browser *http.Client
	mu      sync.Mutex
	clock   time.Time
}

func newEnv(t *testing.T, mods ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, clock: time.Now()}
	e.sb = sandbox.New(sandbox.Options{DisableRateLimit: true})
	var err error
	e.client, err = upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: e.sb.Transport(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Secret: []byte(strings.Repeat("s", 32)), Client: e.client, SiteSelf: true, Logger: zerolog.Nop(),
		now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.clock }}
	for _, m := range mods {
		m(&cfg)
	}
	e.as, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.as.Routes(mux)
	mux.Handle(browserlogin.AuthorizePath, e.sb)
	mux.Handle("/mcp", e.as.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, ok := GrantFrom(r.Context())
		if !ok {
			fmt.Fprint(w, "agent-token:"+r.Header.Get("X-Agent-Token"))
			return
		}
		fmt.Fprint(w, "grant:"+string(g.Token))
	})))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.browser = e.newBrowser()
	return e
}

func (e *env) newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clock = e.clock.Add(d)
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(c *http.Client, method, path string, form url.Values, hdr ...string) resp {
	e.t.Helper()
	var body io.Reader
	target := path
	if !strings.HasPrefix(path, "http") {
		target = e.srv.URL + path
	}
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

func (e *env) register(redirects ...string) string {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"client_name": "Test Client", "redirect_uris": redirects})
	res, err := http.Post(e.srv.URL+PathRegister, "application/json", strings.NewReader(string(b)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusCreated || out.ClientID == "" {
		e.t.Fatalf("register: %d", res.StatusCode)
	}
	return out.ClientID
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "verifier-0123456789-0123456789-0123456789-abc"

func (e *env) authorizeURL(clientID, redirect string, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"st-1"},
		"code_challenge": {challengeOf(verifier)}, "code_challenge_method": {"S256"}, "resource": {e.srv.URL + "/mcp"}}
	for k, vs := range extra {
		q[k] = vs
	}
	return PathAuthorize + "?" + q.Encode()
}

// signIn drives the login and consent pages with the demo account and
// returns the redirect back to the client.
func (e *env) signIn(clientID, redirect string, extra url.Values) *url.URL {
	e.t.Helper()
	page := e.do(e.browser, "GET", e.authorizeURL(clientID, redirect, extra), nil)
	if page.status != 200 {
		e.t.Fatalf("authorize: %d %s", page.status, page.body)
	}
	f := oauthtest.FormFields(page.body)
	d := e.sb.Demo()
	f.Set("email", d.Email)
	f.Set("password", d.Password)
	res := e.do(e.browser, "POST", PathLogin, f)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != PathConsent {
		e.t.Fatalf("login: %d %s", res.status, res.body)
	}
	return e.consent("allow")
}

func (e *env) consent(decision string) *url.URL {
	e.t.Helper()
	page := e.do(e.browser, "GET", PathConsent, nil)
	if page.status != 200 || !strings.Contains(page.body, "Test Client") {
		e.t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	f := oauthtest.FormFields(page.body)
	f.Set("decision", decision)
	res := e.do(e.browser, "POST", PathConsent, f)
	if res.status != http.StatusFound {
		e.t.Fatalf("consent: %d %s", res.status, res.body)
	}
	u, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	Expires int    `json:"expires_in"`
	Error   string `json:"error"`
	Desc    string `json:"error_description"`
}

func (e *env) token(form url.Values) (int, tokens) {
	e.t.Helper()
	res := e.do(http.DefaultClient, "POST", PathToken, form)
	var tk tokens
	_ = json.Unmarshal([]byte(res.body), &tk)
	return res.status, tk
}

func (e *env) exchange(clientID, redirect, code, verifier string) (int, tokens) {
	return e.token(url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"code": {code}, "code_verifier": {verifier}, "resource": {e.srv.URL + "/mcp"}})
}

func (e *env) callMCP(access string, hdr ...string) resp {
	e.t.Helper()
	if access != "" {
		hdr = append(hdr, "Authorization", "Bearer "+access)
	}
	return e.do(http.DefaultClient, "POST", "/mcp", url.Values{}, hdr...)
}
