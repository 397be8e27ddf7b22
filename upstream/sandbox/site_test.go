package sandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func siteQuery(callback string) url.Values {
	return url.Values{"client_name": {"modelslab-agents-mcp"}, "device_name": {"laptop"},
		"redirect_uri": {callback}, "state": {"the-state"}, "token_expiry": {"1_week"}}
}

func siteDo(s *Sandbox, method string, q url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if method == http.MethodGet {
		req = httptest.NewRequest(method, SiteAuthorizePath+"?"+q.Encode(), nil)
	} else {
		req = httptest.NewRequest(method, SiteAuthorizePath, strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestSiteFormAndLogin(t *testing.T) {
	e := newEnv(t, quiet())
	cb := "http://127.0.0.1:54321/callback"
	rec := siteDo(e.s, http.MethodGet, siteQuery(cb))
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{`value="` + demoEmail + `"`, `value="` + demoPassword + `"`, `value="the-state"`, "laptop", `id="login"`} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %q", want)
		}
	}

	// A wrong password: the form again, with the error, no redirect.
	q := siteQuery(cb)
	q.Set("email", demoEmail)
	q.Set("password", "wrong")
	rec = siteDo(e.s, http.MethodPost, q)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "Email or password is incorrect") ||
		rec.Header().Get("Location") != "" || strings.Contains(rec.Body.String(), `value="wrong"`) {
		t.Fatalf("wrong password: %d %q", rec.Code, rec.Body.String())
	}

	q.Set("password", demoPassword)
	rec = siteDo(e.s, http.MethodPost, q)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", rec.Code, rec.Body.String())
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != cb {
		t.Fatalf("Location %q, want the callback", rec.Header().Get("Location"))
	}
	got := loc.Query()
	if got.Get("state") != "the-state" || got.Get("email") != demoEmail || got.Get("token_type") != "Bearer" ||
		got.Get("token_expiry") != "1_week" || got.Get("token_expiry_effective") != "1_week" ||
		got.Get("token_lifetime_capped") != "0" || got.Get("expires_at") == "" || !strings.HasPrefix(got.Get("api_key"), "sk_") {
		t.Errorf("callback query %v", got)
	}
	// The token works on the API, under the device name asked for.
	tok := got.Get("access_token")
	if r := e.do("GET", v1+"/auth/tokens", tok, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `"name":"laptop"`) {
		t.Errorf("token list with the site's token: %d %s", r.Status, r.Raw)
	}

	// Cancel: back to the callback with an error.
	q = siteQuery(cb)
	q.Set("decision", "cancel")
	rec = siteDo(e.s, http.MethodPost, q)
	loc, _ = url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "the-state" ||
		loc.Query().Get("access_token") != "" {
		t.Errorf("cancel: %d %v", rec.Code, loc)
	}
}

func TestSiteRefusesBadRequests(t *testing.T) {
	e := newEnv(t, quiet())
	for name, cb := range map[string]string{
		"remote host": "http://evil.example:80/callback", "https": "https://127.0.0.1:1/callback",
		"other path": "http://127.0.0.1:1/steal", "no port": "http://127.0.0.1/callback", "empty": "",
		"userinfo": "http://x@127.0.0.1:1/callback",
	} {
		rec := siteDo(e.s, http.MethodGet, siteQuery(cb))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "redirect_uri") {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	q := siteQuery("http://localhost:1/callback")
	q.Del("state")
	if rec := siteDo(e.s, http.MethodGet, q); rec.Code != http.StatusBadRequest {
		t.Errorf("no state: %d", rec.Code)
	}
	q = siteQuery("http://[::1]:1/callback")
	q.Set("token_expiry", "forever")
	if rec := siteDo(e.s, http.MethodGet, q); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "token_expiry") {
		t.Errorf("bad token_expiry: %d", rec.Code)
	}
	rec := httptest.NewRecorder()
	e.s.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, SiteAuthorizePath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", rec.Code)
	}
}
