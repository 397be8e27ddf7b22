package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRouting(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	e.do("GET", v1+"/unknown", tok, nil).wantErr(404, "not_found")
	e.do("GET", "/api/agents/v2/me", tok, nil).wantErr(404, "not_found")
	e.do("GET", "/", "", nil).wantErr(404, "not_found")
	e.do("GET", v1+"/me/", tok, nil).want(200) // a trailing slash is tolerated

	r := e.do("DELETE", v1+"/me", tok, nil).wantErr(405, "method_not_allowed")
	if r.Header.Get("Allow") != "GET, PATCH" {
		t.Fatalf("Allow %q", r.Header.Get("Allow"))
	}
	e.do("GET", v1+"/auth/login", "", nil).wantErr(405, "method_not_allowed")
	e.do("PUT", v1+"/auth/tokens/revoke-others", tok, nil).wantErr(405, "method_not_allowed")
	e.do("POST", OutboxPath, "", nil).wantErr(405, "method_not_allowed")

	if r := e.do("GET", v1+"/me", tok, nil); r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %v", r.Header)
	}
}

func TestMalformedBodies(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	for _, body := range []string{"{", `{"email":`, "[1,2]", `"str"`, "null null", "42", `{"a":1} {"b":2}`, "\xff\xfe"} {
		r := e.do("POST", v1+"/auth/login", "", body).wantErr(400, "invalid_json")
		if r.Error.Message != "The request body must be a JSON object." {
			t.Fatalf("message %q", r.Error.Message)
		}
		e.do("PATCH", v1+"/me", tok, body).wantErr(400, "invalid_json")
	}
	// An empty body and null are an empty object: validation, not a parse error.
	e.do("POST", v1+"/auth/login", "", "").wantField("email", "The email field is required.")
	e.do("POST", v1+"/auth/login", "", " null ").wantField("email", "The email field is required.")
	// GET bodies are ignored.
	e.do("GET", v1+"/me", tok, "{{{").want(200)
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Limits: Limits{MaxBodyBytes: 1024}})
	tok := e.demoToken()
	big := `{"name":"` + strings.Repeat("x", 2000) + `"}`
	r := e.do("POST", v1+"/api-keys", tok, big).wantErr(413, "payload_too_large")
	if !strings.Contains(r.Error.Message, "1024") {
		t.Fatalf("message %q", r.Error.Message)
	}
	e.do("POST", v1+"/auth/signup", "", big).wantErr(413, "payload_too_large")
	e.do("POST", v1+"/api-keys", tok, `{"name":"`+strings.Repeat("x", 200)+`"}`).want(201)
}

func TestAccountCap(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Limits: Limits{MaxAccounts: 4}}) // 3 seeded
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "a@x.test", "password": "password123"}).want(201)
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "b@x.test", "password": "password123"}).
		wantField("email", "The sandbox account limit (4) has been reached.")
}

func TestOutboxEndpointAndCaps(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Empty: true})
	e.do("GET", OutboxPath, "", nil).wantField("email", "The email field is required.")
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "o@x.test", "password": "password123"}).want(201)
	for i := 0; i < 30; i++ {
		e.do("POST", v1+"/auth/resend-verification", "", map[string]any{"email": "o@x.test"}).want(200)
	}
	var mails []Mail
	e.do("GET", OutboxPath+"?email=O%40x.test", "", nil).want(200).into(&mails)
	if len(mails) != maxMailsPerAddress {
		t.Fatalf("outbox kept %d mails, want %d", len(mails), maxMailsPerAddress)
	}
	// Newest last, and only the newest code works.
	last := mails[len(mails)-1].Code
	if direct := e.s.Outbox("o@x.test"); direct[len(direct)-1].Code != last {
		t.Fatal("Outbox and GET /sandbox/outbox disagree")
	}
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": mails[0].Code}).wantErr(422, "validation_error")
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": last}).want(200)
	var raw []map[string]any
	e.do("GET", OutboxPath+"?email=o@x.test", "", nil).want(200).into(&raw)
	if raw[0]["kind"] != "verification" || raw[0]["to"] != "o@x.test" || raw[0]["sent_at"] == nil {
		t.Fatalf("mail json: %v", raw[0])
	}

	// The overall cap.
	for i := 0; i < maxMails+50; i++ {
		e.s.mu.Lock()
		e.s.send(e.clock.Now(), "verification", fmt.Sprintf("u%d@x.test", i), "c", "")
		e.s.mu.Unlock()
	}
	e.s.mu.Lock()
	n := len(e.s.outbox)
	e.s.mu.Unlock()
	if n != maxMails || len(e.s.Outbox("u0@x.test")) != 0 || len(e.s.Outbox(fmt.Sprintf("u%d@x.test", maxMails+49))) != 1 {
		t.Fatalf("overall cap: %d mails", n)
	}
}

func TestDemo(t *testing.T) {
	e := newEnv(t, quiet())
	d := e.s.Demo()
	if d.Email != "demo@sandbox.test" || d.Password != "sandbox-demo-password" || d.Username != "demo" ||
		d.TeamAccountUsername != "acme" || d.APIKeyID == 0 || d.MemberID == 0 || d.PendingInviteEmail == "" {
		t.Fatalf("demo: %+v", d)
	}
	if (New(Options{Empty: true}).Demo() != Demo{}) {
		t.Fatal("Empty sandbox has demo data")
	}
	empty := newEnv(t, Options{Empty: true, DisableRateLimit: true})
	empty.do("POST", v1+"/auth/login", "", map[string]any{"email": d.Email, "password": d.Password}).wantErr(401, "invalid_credentials")
}

// script runs a fixed sequence and returns every response body.
func script(t *testing.T, seed int64) []string {
	e := newEnv(t, Options{Seed: seed})
	var out []string
	add := func(r *res) { out = append(out, string(r.Raw)+r.Header.Get("X-Request-Id")) }
	lr := e.do("POST", v1+"/auth/login", "", map[string]any{"email": demoEmail, "password": demoPassword})
	add(lr)
	tok := lr.obj()["access_token"].(string)
	add(e.do("POST", v1+"/api-keys", tok, map[string]any{"name": "k"}))
	add(e.do("POST", v1+"/teams", tok, map[string]any{"email": "z@x.test"}))
	add(e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "s@x.test", "password": "password123"}))
	add(e.do("GET", OutboxPath+"?email=s@x.test", "", nil))
	add(e.do("GET", v1+"/teams", tok, nil))
	return out
}

func TestDeterministicWithSeed(t *testing.T) {
	a, b := script(t, 7), script(t, 7)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d differs with the same seed:\n%s\n%s", i, a[i], b[i])
		}
	}
	c := script(t, 8)
	if a[0] == c[0] {
		t.Fatal("different seeds gave the same login")
	}
	// Seed 0 is crypto-random: two sandboxes differ.
	x, y := New(Options{}), New(Options{})
	if x.Outbox(demoInviteEmail)[0].InviteID == y.Outbox(demoInviteEmail)[0].InviteID {
		t.Fatal("unseeded sandboxes share invite ids")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(Options{Seed: 1, DisableRateLimit: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	client := srv.Client()
	post := func(path, tok string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(b))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		var env struct{ Data map[string]any }
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return resp.StatusCode, env.Data
	}
	var wg sync.WaitGroup
	const workers = 32
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			email := fmt.Sprintf("c%d@x.test", w)
			if st, _ := post(v1+"/auth/signup", "", map[string]any{"email": email, "password": "password123"}); st != 201 {
				t.Errorf("signup %d", st)
				return
			}
			code := s.Outbox(email)[0].Code
			st, d := post(v1+"/auth/verify-email", "", map[string]any{"verification_code": code})
			if st != 200 {
				t.Errorf("verify %d", st)
				return
			}
			tok := d["access_token"].(string)
			for i := 0; i < 5; i++ {
				if st, _ := post(v1+"/api-keys", tok, map[string]any{"name": "k"}); st != 201 {
					t.Errorf("create key %d", st)
				}
				if st, _ := post(v1+"/teams", tok, map[string]any{"email": fmt.Sprintf("m%d-%d@x.test", w, i)}); st != 201 {
					t.Errorf("invite %d", st)
				}
				st, d := post(v1+"/auth/refresh", tok, nil)
				if st != 200 {
					t.Errorf("refresh %d", st)
					return
				}
				tok = d["access_token"].(string) // the old one is revoked
			}
			// Demo logins and outbox reads in parallel with everything else.
			post(v1+"/auth/login", "", map[string]any{"email": demoEmail, "password": demoPassword})
			_ = s.Outbox(demoInviteEmail)
		}(w)
	}
	wg.Wait()
	tokens := 0
	s.mu.Lock()
	tokens = len(s.tokens)
	s.mu.Unlock()
	if tokens == 0 {
		t.Fatal("no tokens after the run")
	}
}

// TestNoPanics throws awkward input at every route; each must answer a
// well-formed envelope (checked by decode) and never a 500.
func TestNoPanics(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true})
	tok := e.demoToken()
	bodies := []string{
		"", "{}", "null", `{"email":null,"password":null}`, `{"email":[],"password":{}}`,
		`{"scopes":[null,1,{}],"permissions":[[]],"token_expiry":5,"device_name":true}`,
		`{"wallet_notification_threshold":1e308,"nsfw_content":null,"role":null,"invite_status":[]}`,
		`{"name":"\u0000","username":"\ud800","about_me":"` + strings.Repeat("é", 2000) + `"}`,
		`{"account_username":"acme","scopes":["*","*"]}`, `{"verification_code":"x","token":"y"}`,
	}
	paths := []string{}
	for _, rt := range e.s.routeTable {
		p := strings.Join(rt.pattern, "/")
		p = strings.ReplaceAll(p, "{id}", "1")
		p = strings.ReplaceAll(p, "{uuid}", "00000000-0000-4000-8000-000000000000")
		paths = append(paths, rt.method+" "+p)
	}
	for _, mp := range paths {
		method, path, _ := strings.Cut(mp, " ")
		for _, b := range bodies {
			for _, auth := range []string{"", tok} {
				r := e.do(method, v1+"/"+path, auth, b)
				if r.Status >= 500 {
					t.Fatalf("%s %s %q: %d %s", method, path, b, r.Status, r.Raw)
				}
				if strings.HasSuffix(path, "logout-all") || strings.HasSuffix(path, "logout") ||
					strings.HasSuffix(path, "revoke-others") || strings.HasSuffix(path, "refresh") ||
					strings.HasSuffix(path, "tokens/1") || strings.HasSuffix(path, "me/password") {
					tok = e.demoToken() // these may revoke or rotate the token
				}
			}
		}
	}
}

func TestTimestampsUseClock(t *testing.T) {
	e := newEnv(t, quiet())
	e.clock.Advance(90 * time.Minute)
	tok := e.demoToken()
	k := e.do("POST", v1+"/api-keys", tok, map[string]any{"name": "t"}).want(201).obj()
	if k["created_at"] != "2026-03-01T13:30:00Z" {
		t.Fatalf("created_at %v", k["created_at"])
	}
}
