package sandbox

import (
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var sanctumRe = regexp.MustCompile(`^([0-9]+)\|([A-Za-z0-9]{40})([0-9a-f]{8})$`)

func TestTokenFormatAndStorage(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	m := sanctumRe.FindStringSubmatch(tok)
	if m == nil {
		t.Fatalf("token %q is not Sanctum-shaped", tok)
	}
	if want := fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(m[2]))); m[3] != want {
		t.Fatalf("crc suffix %s, want %s", m[3], want)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	st := e.s.tokens[id]
	if st == nil || st.hash != sha256.Sum256([]byte(m[2]+m[3])) {
		t.Fatal("the token must be stored as the sha256 of the part after |")
	}
	// The id is the one listed and revocable.
	list := e.do("GET", v1+"/auth/tokens", tok, nil).want(200).list()
	found := false
	for _, it := range list {
		if int64(it["id"].(float64)) == id {
			found = true
			for _, k := range []string{"id", "name", "scopes", "last_used_at", "expires_at", "created_at"} {
				if _, ok := it[k]; !ok {
					t.Fatalf("token item lacks %s: %v", k, it)
				}
			}
			if it["last_used_at"] == nil {
				t.Fatal("last_used_at not updated on use")
			}
		}
	}
	if !found {
		t.Fatalf("token %d not listed: %v", id, list)
	}
}

func TestBadTokensAreUnauthenticated(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	m := sanctumRe.FindStringSubmatch(tok)
	other := e.login(e.s.Demo().Email, e.s.Demo().Password, nil)
	om := sanctumRe.FindStringSubmatch(other)
	cases := map[string]string{
		"missing":             "",
		"garbage":             "garbage",
		"no id":               m[2] + m[3],
		"wrong secret":        m[1] + "|" + om[2] + om[3], // another token's secret under this id
		"unknown id":          "999999|" + m[2] + m[3],
		"negative id":         "-" + m[1] + "|" + m[2] + m[3],
		"secret only changed": m[1] + "|" + m[2] + "00000000",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			r := e.do("GET", v1+"/me", h, nil).wantErr(401, "unauthenticated")
			if r.Error.Message != "Unauthenticated." {
				t.Fatalf("message %q", r.Error.Message)
			}
		})
	}
	e.t = t
	// Scheme is case-insensitive, other schemes are not accepted.
	for scheme, want := range map[string]int{"bearer ": 200, "BEARER ": 200, "Basic ": 401, "Token ": 401} {
		r := e.raw("GET", v1+"/me", map[string]string{"Authorization": scheme + tok}, nil)
		if r.Status != want {
			t.Errorf("scheme %q: %d, want %d", scheme, r.Status, want)
		}
	}
	if r := e.raw("GET", v1+"/me", map[string]string{"X-Agent-Token": tok}, nil); r.Status != 401 {
		t.Errorf("X-Agent-Token must not authenticate the REST API: %d", r.Status)
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t, quiet())
	week := e.login(e.s.Demo().Email, e.s.Demo().Password, map[string]any{"token_expiry": "1_week"})
	never := e.login(e.s.Demo().Email, e.s.Demo().Password, map[string]any{"token_expiry": "never"})
	e.clock.Advance(7*24*time.Hour - time.Second)
	e.do("GET", v1+"/me", week, nil).want(200)
	e.clock.Advance(time.Second)
	e.do("GET", v1+"/me", week, nil).wantErr(401, "unauthenticated")
	// Expired tokens disappear from the list; "never" lives on.
	e.clock.Advance(10 * 365 * 24 * time.Hour)
	list := e.do("GET", v1+"/auth/tokens", never, nil).want(200).list()
	if len(list) != 1 || list[0]["id"].(float64) != mustID(t, never) || list[0]["expires_at"] != nil {
		t.Fatalf("list after expiry: %v", list)
	}
}

func mustID(t *testing.T, tok string) float64 {
	t.Helper()
	n, err := strconv.ParseFloat(tokenID(tok), 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRevokeLogoutRefresh(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	a, b, c := e.demoToken(), e.demoToken(), e.demoToken()
	mate := e.login(demoTeammateEmail, demoPassword, nil)

	// Another person's token id is a 404; ids must be positive integers.
	e.do("DELETE", v1+"/auth/tokens/"+tokenID(mate), a, nil).wantErr(404, "not_found")
	for _, bad := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
		e.do("DELETE", v1+"/auth/tokens/"+bad, a, nil).wantErr(404, "not_found")
	}
	e.do("GET", v1+"/me", mate, nil).want(200)

	e.do("DELETE", v1+"/auth/tokens/"+tokenID(b), a, nil).want(200)
	e.do("GET", v1+"/me", b, nil).wantErr(401, "unauthenticated")
	e.do("DELETE", v1+"/auth/tokens/"+tokenID(b), a, nil).wantErr(404, "not_found")

	// Refresh: new token, old revoked, name kept, message present.
	d := e.do("POST", v1+"/auth/refresh", c, map[string]any{"token_expiry": "1_week"}).want(200).obj()
	if d["message"] != "Token refreshed successfully. Previous token has been revoked." || d["token_expiry"] != "1_week" {
		t.Fatalf("refresh: %v", d)
	}
	c2 := d["access_token"].(string)
	e.do("GET", v1+"/me", c, nil).wantErr(401, "unauthenticated")
	e.do("GET", v1+"/me", c2, nil).want(200)
	e.do("POST", v1+"/auth/refresh", c2, map[string]any{"token_expiry": "forever"}).wantField("token_expiry", "")

	// Refresh keeps a scoped token's scopes and is not itself gated.
	narrow := e.demoToken("profile:read")
	rd := e.do("POST", v1+"/auth/refresh", narrow, map[string]any{"device_name": "renamed"}).want(200).obj()
	if jsonStr(rd["scopes"]) != `["profile:read"]` {
		t.Fatalf("refreshed scopes: %v", rd["scopes"])
	}
	e.do("GET", v1+"/api-keys", rd["access_token"].(string), nil).wantErr(403, "insufficient_scope")

	// revoke-others keeps only the caller.
	r := e.do("POST", v1+"/auth/tokens/revoke-others", a, nil).want(200).obj()
	if r["revoked_count"].(float64) < 2 {
		t.Fatalf("revoke-others: %v", r)
	}
	list := e.do("GET", v1+"/auth/tokens", a, nil).want(200).list()
	if len(list) != 1 || list[0]["id"].(float64) != mustID(t, a) {
		t.Fatalf("after revoke-others: %v", list)
	}
	e.do("GET", v1+"/me", mate, nil).want(200) // other users untouched

	// logout revokes only the caller, even with the narrowest token.
	x := e.demoToken("models:read")
	e.do("POST", v1+"/auth/logout", x, nil).want(200)
	e.do("POST", v1+"/auth/logout", x, nil).wantErr(401, "unauthenticated")
	e.do("GET", v1+"/me", a, nil).want(200)

	// logout-all revokes every token of the user, the caller included.
	y := e.login(demo.Email, demo.Password, nil)
	e.do("POST", v1+"/auth/logout-all", y, nil).want(200)
	e.do("GET", v1+"/me", a, nil).wantErr(401, "unauthenticated")
	e.do("GET", v1+"/me", y, nil).wantErr(401, "unauthenticated")
	e.do("GET", v1+"/me", mate, nil).want(200)
}

func TestScopeGating(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	cases := []struct {
		method, path string
		scope        string
		body         any
	}{
		{"GET", "/auth/tokens", "tokens:read", nil},
		{"POST", "/auth/logout-all", "tokens:write", nil},
		{"DELETE", "/auth/tokens/1", "tokens:write", nil},
		{"POST", "/auth/tokens/revoke-others", "tokens:write", nil},
		{"POST", "/auth/switch-account", "tokens:write", map[string]any{"account_username": "acme"}},
		{"GET", "/me", "profile:read", nil},
		{"PATCH", "/me", "profile:write", map[string]any{}},
		{"PATCH", "/me/password", "profile:write", map[string]any{}},
		{"PATCH", "/me/socials", "profile:write", map[string]any{}},
		{"PATCH", "/me/preferences", "profile:write", map[string]any{}},
		{"GET", "/api-keys", "api-keys:read", nil},
		{"GET", fmt.Sprintf("/api-keys/%d", demo.APIKeyID), "api-keys:read", nil},
		{"POST", "/api-keys", "api-keys:write", map[string]any{"name": "x"}},
		{"PUT", fmt.Sprintf("/api-keys/%d", demo.APIKeyID), "api-keys:write", map[string]any{}},
		{"DELETE", fmt.Sprintf("/api-keys/%d", demo.APIKeyID), "api-keys:write", nil},
		{"GET", "/teams", "teams:read", nil},
		{"GET", fmt.Sprintf("/teams/%d", demo.MemberID), "teams:read", nil},
		{"POST", "/teams", "teams:write", map[string]any{"email": "z@z.test"}},
		{"PUT", fmt.Sprintf("/teams/%d", demo.MemberID), "teams:write", map[string]any{}},
		{"DELETE", fmt.Sprintf("/teams/%d", demo.MemberID), "teams:write", nil},
		{"POST", fmt.Sprintf("/teams/%d/resend-invite", demo.MemberID), "teams:write", nil},
		{"POST", "/teams/invitations/00000000-0000-4000-8000-000000000000/accept", "teams:write", nil},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e.t = t
			// Fresh each time: logout-all and revoke-others below revoke it.
			narrow := e.demoToken("models:read", "usage:read")
			r := e.do(tc.method, v1+tc.path, narrow, tc.body).wantErr(403, "insufficient_scope")
			want := `Bearer realm="modelslab", error="insufficient_scope", scope="` + tc.scope + `"`
			if got := r.Header.Get("WWW-Authenticate"); got != want {
				t.Fatalf("WWW-Authenticate %q, want %q", got, want)
			}
			if got := string(r.Error.Details); got != `{"granted_scopes":["models:read","usage:read"],"required_scope":"`+tc.scope+`"}` {
				t.Fatalf("details %s", got)
			}
			if r.Error.Message != "This token does not have the required scope: "+tc.scope+"." {
				t.Fatalf("message %q", r.Error.Message)
			}
			// The exact scope gets past the gate (any non-403 answer).
			ok := e.demoToken(tc.scope)
			if r := e.do(tc.method, v1+tc.path, ok, tc.body); r.Status == 403 && r.Error.Code == "insufficient_scope" {
				t.Fatalf("scope %s still refused: %s", tc.scope, r.Raw)
			}
		})
	}
}

func TestSwitchAccount(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	full := e.demoToken()

	d := e.do("POST", v1+"/auth/switch-account", full, map[string]any{"account_username": demo.TeamAccountUsername}).want(200).obj()
	acme := d["access_token"].(string)
	if !sanctumRe.MatchString(acme) || d["account_username"] != "acme" || d["api_key"] != nil || jsonStr(d["scopes"]) != `["*"]` {
		t.Fatalf("switch data: %v", d)
	}
	if u := d["user"].(map[string]any); u["username"] != "acme" {
		t.Fatalf("switch user: %v", u)
	}
	// The token acts as acme: /me and api-keys are acme's.
	if me := e.do("GET", v1+"/me", acme, nil).want(200).obj(); me["username"] != "acme" {
		t.Fatalf("/me as acme: %v", me)
	}
	e.do("GET", v1+fmt.Sprintf("/api-keys/%d", demo.APIKeyID), acme, nil).wantErr(404, "not_found")
	// It belongs to the demo user: listed with demo's tokens.
	list := e.do("GET", v1+"/auth/tokens", full, nil).want(200).list()
	if list[len(list)-1]["id"].(float64) != mustID(t, acme) || list[len(list)-1]["name"] != "agent-control-plane (as acme)" {
		t.Fatalf("switched token not in owner's list: %v", list)
	}
	// Password changes are the account owner's.
	e.do("PATCH", v1+"/me/password", acme, map[string]any{"current_password": demoPassword, "password": "x2345678", "password_confirmation": "x2345678"}).
		wantErr(403, "access_denied")

	// Switch back to personal by own username.
	back := e.do("POST", v1+"/auth/switch-account", acme, map[string]any{"account_username": "demo"}).want(200).obj()
	if me := e.do("GET", v1+"/me", back["access_token"].(string), nil).want(200).obj(); me["username"] != "demo" {
		t.Fatalf("switch back: %v", me)
	}

	// Scope intersection.
	narrow := e.demoToken("tokens:write", "profile:read", "teams:read")
	n := e.do("POST", v1+"/auth/switch-account", narrow, map[string]any{"account_username": "acme", "scopes": []string{"profile:read"}}).want(200).obj()
	if jsonStr(n["scopes"]) != `["profile:read"]` {
		t.Fatalf("requested ∩ held: %v", n["scopes"])
	}
	e.do("GET", v1+"/teams", n["access_token"].(string), nil).wantErr(403, "insufficient_scope")
	omitted := e.do("POST", v1+"/auth/switch-account", narrow, map[string]any{"account_username": "acme"}).want(200).obj()
	if jsonStr(omitted["scopes"]) != `["tokens:write","profile:read","teams:read"]` {
		t.Fatalf("omitted scopes must be the caller's: %v", omitted["scopes"])
	}
	r := e.do("POST", v1+"/auth/switch-account", narrow, map[string]any{"account_username": "acme", "scopes": []string{"profile:read", "api-keys:write"}}).
		wantErr(403, "insufficient_scope")
	if r.Header.Get("WWW-Authenticate") != `Bearer realm="modelslab", error="insufficient_scope", scope="api-keys:write"` {
		t.Fatalf("header %q", r.Header.Get("WWW-Authenticate"))
	}
	e.do("POST", v1+"/auth/switch-account", narrow, map[string]any{"account_username": "acme", "scopes": []string{"*"}}).
		wantErr(403, "insufficient_scope")

	// Unknown account and non-member are the same 404; validation is 422.
	e.do("POST", v1+"/auth/switch-account", full, map[string]any{"account_username": "nobody"}).wantErr(404, "not_found")
	e.do("POST", v1+"/auth/switch-account", full, map[string]any{"account_username": "teammate"}).wantErr(404, "not_found")
	e.do("POST", v1+"/auth/switch-account", full, map[string]any{}).wantField("account_username", "The account username field is required.")
	e.do("POST", v1+"/auth/switch-account", full, map[string]any{"account_username": "acme", "token_expiry": "x"}).wantField("token_expiry", "")

	// Removing demo from acme's team kills the switched tokens.
	acmeOwner := e.login(demoAcmeEmail, demoPassword, nil)
	for _, m := range e.do("GET", v1+"/teams", acmeOwner, nil).want(200).list() {
		if m["email"] == demo.Email {
			e.do("DELETE", v1+fmt.Sprintf("/teams/%d", int64(m["id"].(float64))), acmeOwner, nil).want(200)
		}
	}
	e.do("GET", v1+"/me", acme, nil).wantErr(401, "unauthenticated")
	e.do("GET", v1+"/me", full, nil).want(200)
	e.do("POST", v1+"/auth/switch-account", full, map[string]any{"account_username": "acme"}).wantErr(404, "not_found")
}

func TestTokenCap(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Limits: Limits{MaxTokensPerUser: 3}})
	demo := e.s.Demo()
	var toks []string
	for i := 0; i < 3; i++ {
		toks = append(toks, e.demoToken())
	}
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": demo.Email, "password": demo.Password}).wantField("tokens", "")
	// Refresh still works at the cap (it frees its own slot first).
	e.do("POST", v1+"/auth/refresh", toks[0], nil).want(200)
	e.do("POST", v1+"/auth/logout", toks[1], nil).want(200)
	e.demoToken()
}

func TestScopesArePublic(t *testing.T) {
	e := newEnv(t, quiet())
	list := e.do("GET", v1+"/auth/scopes", "", nil).want(200).list()
	if len(list) != len(knownScopes) || list[0]["name"] != "*" {
		t.Fatalf("scopes %v", list)
	}
	for _, it := range list {
		if !knownScopes[it["name"].(string)] || it["description"] == "" {
			t.Errorf("scope item %v", it)
		}
	}
}
