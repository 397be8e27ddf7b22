package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// The drift table: answers a real control plane could plausibly give, which
// differ from upstream-contract.md only in what its docs never pin down. For
// every endpoint the call succeeds, ModelsLab's data reaches the model as
// sent, and each difference is a warning (and a warn log line) naming the
// field and the JSON kinds.

const driftMarker = "drift-marker-7f3a"

// driftCall is one endpoint and the tool action that reaches it.
type driftCall struct {
	tool, action string
	args         map[string]any
	method, path string
	// good is the data the contract describes (every field of its shape).
	good string
	list bool
}

func driftCalls() []driftCall {
	const uuid = "123e4567-e89b-42d3-a456-426614174000"
	user := `"user":{"id":7,"name":"Ada","email":"ada@example.test","username":"ada","verified":true}`
	session := `{"access_token":"41|driftTokenAbCdEfGhIjKlMnOpQrStUvWxYz012345","token_type":"Bearer","token_expiry":"1_month","expires_at":null,"api_key":"sk_live_default_0123456789",` + user + `}`
	msg := `{"message":"Done."}`
	token := `{"id":12,"name":"laptop","scopes":["*"],"last_used_at":null,"expires_at":null,"created_at":"2026-01-01T00:00:00Z"}`
	profile := `{"id":7,"name":"Ada","username":"ada","email":"ada@example.test","about_me":null,"verified":true,"socials":{},"preferences":{"nsfw_content":false,"wallet_notification_enabled":true,"wallet_notification_threshold":10},"wallet":{"balance":1.5,"currency":"USD"},"created_at":"2026-01-01T00:00:00Z"}`
	key := `{"id":5,"name":"ci key","notes":null,"key":"sk_...abcd","created_at":"2026-01-01T00:00:00Z","last_used_at":null}`
	member := `{"id":9,"email":"bob@example.test","name":null,"role":"member","permissions":[],"invite_status":"pending","invite_id":"` + uuid + `","created_at":"2026-01-01T00:00:00Z"}`
	a := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	return []driftCall{
		{"agent-auth", "signup", a("email", "ada@example.test", "password", "pw-123456"), "POST", "/auth/signup", `{"message":"Check your email.","verification_required":true,` + user + `}`, false},
		{"agent-auth", "login", a("email", "ada@example.test", "password", "pw-123456"), "POST", "/auth/login", session, false},
		{"agent-auth", "verify-email", a("verification_code", "vc-1"), "POST", "/auth/verify-email", session, false},
		{"agent-auth", "refresh", a(), "POST", "/auth/refresh", session, false},
		{"agent-auth", "logout", a(), "POST", "/auth/logout", msg, false},
		{"agent-auth", "logout-all", a(), "POST", "/auth/logout-all", msg, false},
		{"agent-auth", "forgot-password", a("email", "ada@example.test"), "POST", "/auth/forgot-password", msg, false},
		{"agent-auth", "reset-password", a("email", "ada@example.test", "token", "rt-1", "password", "pw-2", "password_confirmation", "pw-2"), "POST", "/auth/reset-password", msg, false},
		{"agent-auth", "resend-verification", a("email", "ada@example.test"), "POST", "/auth/resend-verification", msg, false},
		{"agent-tokens", "list", a(), "GET", "/auth/tokens", token, true},
		{"agent-tokens", "revoke", a("token_id", 12), "DELETE", "/auth/tokens/12", msg, false},
		{"agent-tokens", "revoke-others", a(), "POST", "/auth/tokens/revoke-others", msg, false},
		{"agent-tokens", "switch-account", a("account_username", "acme"), "POST", "/auth/switch-account", session, false},
		{"agent-profile", "get", a(), "GET", "/me", profile, false},
		{"agent-profile", "update", a("name", "Ada"), "PATCH", "/me", profile, false},
		{"agent-profile", "update-password", a("current_password", "a", "password", "b", "password_confirmation", "b"), "PATCH", "/me/password", msg, false},
		{"agent-profile", "update-socials", a("github", "ada"), "PATCH", "/me/socials", profile, false},
		{"agent-profile", "update-preferences", a("nsfw_content", true), "PATCH", "/me/preferences", profile, false},
		{"agent-api-keys", "list", a(), "GET", "/api-keys", key, true},
		{"agent-api-keys", "create", a("name", "ci key"), "POST", "/api-keys", strings.Replace(key, "sk_...abcd", "sk_live_created_secret_01", 1), false},
		{"agent-api-keys", "get", a("key_id", 5), "GET", "/api-keys/5", key, false},
		{"agent-api-keys", "update", a("key_id", 5, "name", "renamed"), "PUT", "/api-keys/5", key, false},
		{"agent-api-keys", "delete", a("key_id", 5), "DELETE", "/api-keys/5", msg, false},
		{"agent-teams", "list", a(), "GET", "/teams", member, true},
		{"agent-teams", "create", a("email", "bob@example.test", "role", "owner"), "POST", "/teams", member, false},
		{"agent-teams", "get", a("member_id", 9), "GET", "/teams/9", member, false},
		{"agent-teams", "update", a("member_id", 9, "role", "billing"), "PUT", "/teams/9", member, false},
		{"agent-teams", "delete", a("member_id", 9), "DELETE", "/teams/9", msg, false},
		{"agent-teams", "resend-invite", a("member_id", 9), "POST", "/teams/9/resend-invite", msg, false},
		{"agent-teams", "accept-invite", a("invite_id", uuid), "POST", "/teams/invitations/" + uuid + "/accept", member, false},
	}
}

// driftVariant is one plausible success answer.
type driftVariant struct {
	name   string
	status int
	body   string   // the whole response body
	warn   []string // "field:got" of every expected warning, in any order
	marker bool     // the body carries driftMarker, which must reach the model
}

func env(data string) string {
	return `{"data":` + data + `,"error":null,"meta":{"request_id":"drift-1"}}`
}

// withField returns the object good with field set to raw JSON (or deleted when raw is "").
func withField(t *testing.T, good, field, raw string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(good), &m); err != nil {
		t.Fatalf("bad table JSON %s: %v", good, err)
	}
	if raw == "" {
		delete(m, field)
	} else {
		m[field] = json.RawMessage(raw)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// variants derives at least three plausible answers for one endpoint.
func variants(t *testing.T, c driftCall) []driftVariant {
	marked := withField(t, c.good, "drift_extra", `"`+driftMarker+`"`)
	var out []driftVariant
	if c.list {
		item := marked
		return append(out,
			driftVariant{"ids as strings", 200, env("[" + withField(t, item, "id", `"12"`) + "]"), []string{"data[].id:string"}, true},
			driftVariant{"laravel paginator", 200, env(`{"data":[` + item + `],"current_page":1,"last_page":2,"per_page":1,"total":2,"next_page_url":"https://modelslab.com/api/agents/v1` + c.path + `?page=2"}`), []string{"data:object"}, true},
			driftVariant{"other wrapper", 200, env(`{"results":[` + item + `,` + item + `]}`), []string{"data:object"}, true},
			driftVariant{"items wrapper, no envelope", 200, `{"items":[` + item + `],"count":1,"total":1}`, nil, true},
			driftVariant{"a field missing", 200, env("[" + withField(t, item, "name", "") + "]"), []string{"data[].name:missing"}, true},
			driftVariant{"empty list", 200, env(`[]`), nil, false},
			driftVariant{"items of another kind", 200, env(`[1,2,3]`), []string{"data[]:number"}, false},
			driftVariant{"truncated JSON", 200, `{"data":[{"id":5,"name":"` + driftMarker, []string{"body:text that is not JSON"}, true},
		)
	}
	first := firstField(t, c.good)
	// A session answer without data has no token either: its own warning.
	noTok := func(ws ...string) []string {
		if strings.Contains(c.good, `"access_token"`) {
			ws = append(ws, "data.access_token:missing")
		}
		return ws
	}
	out = append(out,
		driftVariant{"[] for {}", 200, env(`[]`), noTok("data:array"), false},
		driftVariant{"data is a string", 200, env(`"` + driftMarker + `"`), noTok("data:string"), true},
		driftVariant{"truncated JSON", 200, `{"data":{"id":5,"name":"` + driftMarker, noTok("body:text that is not JSON"), true},
		driftVariant{"no envelope", 200, marked, nil, true},
		driftVariant{first + " missing", 200, env(withField(t, marked, first, "")), []string{"data." + first + ":missing"}, true},
	)
	var top map[string]json.RawMessage
	_ = json.Unmarshal([]byte(c.good), &top)
	if top["id"] != nil {
		out = append(out, driftVariant{"id as a string", 200, env(withField(t, marked, "id", `"77"`)), []string{"data.id:string"}, true})
	} else {
		out = append(out, driftVariant{"message as an array", 200, env(withField(t, marked, "message", `["Done."]`)), []string{"data.message:array"}, true})
	}
	if c.method != http.MethodGet {
		// A 2xx to a write is a success whatever its body.
		out = append(out,
			driftVariant{"empty 200", 200, "", noTok("data:missing"), false},
			driftVariant{"empty 204", 204, "", noTok(), false},
			driftVariant{"text", 200, "OK " + driftMarker, noTok("body:text that is not JSON"), true},
			driftVariant{"true", 200, env("true"), noTok("data:boolean"), false},
		)
	}
	return out
}

// firstField is a field of the contract's shape the variant leaves out (not
// the token of a session: that case has its own tests below).
func firstField(t *testing.T, good string) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(good), &m)
	for _, f := range []string{"user", "message", "name", "created_at"} {
		if _, ok := m[f]; ok {
			return f
		}
	}
	t.Fatalf("no field to leave out of %s", good)
	return ""
}

// driftServer is the tools over a faultUpstream, with a log to read.
type driftServer struct {
	*faultServer
	logs  *syncBuffer
	creds *memCreds
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// newDriftServer serves the tools; stdio selects adopting credentials and
// masking (unless reveal).
func newDriftServer(t *testing.T, stdio, reveal bool) *driftServer {
	t.Helper()
	up := newFaultUpstream(t)
	cl, err := upstream.New(upstream.Config{BaseURL: up.srv.URL + "/api/agents/v1", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	creds := &memCreds{tok: faultToken}
	deps := tools.Deps{Client: cl, Creds: creds, RevealTokens: reveal, HTTP: !stdio, Logger: zerolog.New(logs)}
	if !stdio {
		deps.Creds, deps.RevealTokens = staticCreds(faultToken), true
	}
	ts, err := tools.Build(deps, tools.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	s := mcpserver.NewMCPServer("drift", "1", mcpserver.WithToolCapabilities(false))
	s.AddTools(ts...)
	return &driftServer{faultServer: &faultServer{up: up, mcp: connect(t, s)}, logs: logs, creds: creds}
}

// answer makes the upstream answer method+path with status and body; other
// requests get the healthy answers.
func (s *driftServer) answer(method, path string, status int, body string) {
	s.up.set(func(w http.ResponseWriter, _ *http.Request) {
		if status != http.StatusNoContent {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}, func(r *http.Request) bool {
		return r.Method == method && strings.TrimPrefix(r.URL.EscapedPath(), "/api/agents/v1") == path
	})
}

type resultWarning struct {
	Path, Field, Expected, Got, Effect string
}

func (r faultResult) warnings() []resultWarning {
	var out []resultWarning
	raw, _ := json.Marshal(r.body["warnings"])
	_ = json.Unmarshal(raw, &out)
	return out
}

// warningOf returns the warning of field (zero when there is none).
func warningOf(r faultResult, field string) resultWarning {
	for _, w := range r.warnings() {
		if w.Field == field {
			return w
		}
	}
	return resultWarning{}
}

func warnKeys(ws []resultWarning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field+":"+w.Got)
	}
	slices.Sort(out)
	return out
}

func TestDriftTable(t *testing.T) {
	s := newDriftServer(t, false, true)
	calls := driftCalls()
	if len(calls) != 30 {
		t.Fatalf("the contract has 30 endpoints, the drift table %d", len(calls))
	}
	rows := 0
	for _, c := range calls {
		vs := variants(t, c)
		if len(vs) < 3 {
			t.Fatalf("%s %s: only %d variants", c.tool, c.action, len(vs))
		}
		for _, v := range vs {
			rows++
			what := fmt.Sprintf("%s %s, %s", c.tool, c.action, v.name)
			s.answer(c.method, c.path, v.status, v.body)
			s.logs.take()
			args := map[string]any{"action": c.action}
			for k, x := range c.args {
				args[k] = x
			}
			r := s.call(t, c.tool, args)
			if r.isError {
				t.Errorf("%s: the call failed although ModelsLab answered %d: %s", what, v.status, r.text)
				continue
			}
			if reqs := s.up.requests(); len(reqs) != 1 || reqs[0].String() != c.method+" "+c.path {
				t.Errorf("%s: requests %v", what, reqs)
			}
			if v.marker && !strings.Contains(r.text, driftMarker) {
				t.Errorf("%s: ModelsLab's data did not reach the model: %s", what, r.text)
			}
			want := slices.Clone(v.warn)
			slices.Sort(want)
			if got := warnKeys(r.warnings()); !slices.Equal(got, want) {
				t.Errorf("%s: warnings %v, want %v: %s", what, got, want, r.text)
			}
			logs := s.logs.take()
			for _, w := range r.warnings() {
				if w.Path != c.path || w.Expected == "" {
					t.Errorf("%s: warning %+v", what, w)
				}
				line := fmt.Sprintf(`"path":%q,"request_id":`, c.path)
				if !strings.Contains(logs, `"level":"warn"`) || !strings.Contains(logs, line) || !strings.Contains(logs, fmt.Sprintf(`"field":%q`, w.Field)) {
					t.Errorf("%s: no warn log line for %s: %s", what, w.Field, logs)
				}
			}
			if n := strings.Count(logs, `"level":"warn"`); n != len(v.warn) {
				t.Errorf("%s: %d warn lines for %d warnings", what, n, len(v.warn))
			}
			if strings.Contains(logs, driftMarker) || strings.Contains(logs, "sk_live") {
				t.Errorf("%s: a value reached the log: %s", what, logs)
			}
		}
	}
	t.Logf("%d drift rows over %d endpoints", rows, len(calls))
}

// TestDriftIssueExamples are the answers issue 10 names, one by one.
func TestDriftIssueExamples(t *testing.T) {
	s := newDriftServer(t, true, false)
	const newTok = "43|newTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab"
	login := map[string]any{"action": "login", "email": "ada@example.test", "password": "pw-123456"}

	// login with api_key as an object: the token is adopted, both are masked.
	s.answer("POST", "/auth/login", 200, env(`{"access_token":"`+newTok+`","api_key":{"id":3,"name":"Default","key":"sk_live_default_0123456789"}}`))
	r := s.call(t, "agent-auth", login)
	if r.isError || s.creds.get() != newTok {
		t.Fatalf("login with an api_key object: token %q: %s", s.creds.get(), r.text)
	}
	if strings.Contains(r.text, newTok) || strings.Contains(r.text, "sk_live_default") || !strings.Contains(r.text, "…6789") || !strings.Contains(r.text, `"name":"Default"`) {
		t.Errorf("secrets not masked, or the key's name lost: %s", r.text)
	}
	if !slices.Contains(warnKeys(r.warnings()), "data.api_key:object") {
		t.Errorf("warnings %v", r.warnings())
	}

	// The token under data.token, as ModelsLab's CLI accepts.
	s.answer("POST", "/auth/login", 200, env(`{"token":"44|underTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456789","api_key":null}`))
	if r = s.call(t, "agent-auth", login); r.isError || s.creds.get() != "44|underTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456789" || !strings.Contains(r.text, `"token":"44|…6789"`) {
		t.Errorf("data.token not adopted and masked: %s", r.text)
	}

	// No token the server can read: the session keeps the previous one.
	before := s.creds.get()
	s.answer("POST", "/auth/login", 200, env(`{"access_token":{"value":"45|nested"},"message":"`+driftMarker+`"}`))
	r = s.call(t, "agent-auth", login)
	if r.isError || s.creds.get() != before || !strings.Contains(r.text, driftMarker) {
		t.Fatalf("login without a readable token: %s", r.text)
	}
	if w := warningOf(r, "data.access_token"); w.Got != "object" || !strings.Contains(w.Effect, "still uses the token it had before") {
		t.Errorf("warning does not say what the server could not do: %+v", r.warnings())
	}
	if strings.Contains(r.text, "45|nested") {
		t.Errorf("an unreadable token was shown whole: %s", r.text)
	}

	// refresh without a new token: the old one is revoked upstream, so dropped here.
	s.answer("POST", "/auth/refresh", 200, env(`{"message":"Token refreshed."}`))
	r = s.call(t, "agent-auth", map[string]any{"action": "refresh"})
	if r.isError || s.creds.get() != "" {
		t.Fatalf("refresh without a token: still holding %q: %s", s.creds.get(), r.text)
	}
	if w := warningOf(r, "data.access_token"); !strings.Contains(w.Effect, "log in again") {
		t.Errorf("refresh warning %+v", r.warnings())
	}

	// logout answered with PHP's empty array: a success, and the token is dropped.
	s.creds.Adopt(context.Background(), newTok)
	s.answer("POST", "/auth/logout", 200, `{"data":[]}`)
	if r = s.call(t, "agent-auth", map[string]any{"action": "logout"}); r.isError || s.creds.get() != "" {
		t.Errorf("logout with data []: token %q: %s", s.creds.get(), r.text)
	}
	s.creds.Adopt(context.Background(), newTok)

	// api-keys create with a string id: the secret reaches the user whole.
	s.answer("POST", "/api-keys", 201, env(`{"id":"88","name":"k","key":"sk_live_once_only_secret"}`))
	if r = s.call(t, "agent-api-keys", map[string]any{"action": "create", "name": "k"}); r.isError || !strings.Contains(r.text, "sk_live_once_only_secret") {
		t.Errorf("create with a string id lost the secret: %s", r.text)
	}

	// list and get mask a whole key over stdio.
	s.answer("GET", "/api-keys", 200, env(`[{"id":5,"name":"k","key":"sk_live_whole_in_a_list"}]`))
	if r = s.call(t, "agent-api-keys", map[string]any{"action": "list"}); r.isError || strings.Contains(r.text, "sk_live_whole") || !strings.Contains(r.text, "…list") {
		t.Errorf("list showed a whole key: %s", r.text)
	}

	// Passed-on fields of another kind.
	for _, c := range []struct {
		tool, action string
		args         map[string]any
		method, path string
		body, warn   string
	}{
		{"agent-profile", "get", nil, "GET", "/me", env(`{"id":7,"email":"e","preferences":[],"drift":"` + driftMarker + `"}`), "data.preferences:array"},
		{"agent-teams", "get", map[string]any{"member_id": 9}, "GET", "/teams/9", env(`{"id":9,"email":"e","role":{"name":"owner"},"drift":"` + driftMarker + `"}`), "data.role:object"},
		{"agent-tokens", "list", nil, "GET", "/auth/tokens", env(`[{"id":1,"name":"n","scopes":"*","drift":"` + driftMarker + `"}]`), "data[].scopes:string"},
	} {
		args := map[string]any{"action": c.action}
		for k, v := range c.args {
			args[k] = v
		}
		s.answer(c.method, c.path, 200, c.body)
		r = s.call(t, c.tool, args)
		if r.isError || !strings.Contains(r.text, driftMarker) || !slices.Contains(warnKeys(r.warnings()), c.warn) {
			t.Errorf("%s %s: %s", c.tool, c.action, r.text)
		}
	}

	// A 200 whose envelope carries an error and no data is an error.
	s.answer("GET", "/me", 200, `{"data":null,"error":{"code":"account_locked","message":"Locked."},"meta":{"request_id":"r-err"}}`)
	if r = s.call(t, "agent-profile", map[string]any{"action": "get"}); !r.isError || r.errField("code") != "account_locked" {
		t.Errorf("2xx error envelope: %s", r.text)
	}
}

// TestDriftListPaging: where the upstream says a list goes on, the result
// says how many items came and which page to ask for; page reaches it.
func TestDriftListPaging(t *testing.T) {
	s := newDriftServer(t, false, true)
	s.answer("GET", "/teams", 200, env(`{"data":[{"id":1},{"id":2}],"current_page":1,"last_page":3,"per_page":2,"total":6,"next_page_url":"https://modelslab.com/api/agents/v1/teams?page=2"}`))
	r := s.call(t, "agent-teams", map[string]any{"action": "list"})
	list, _ := r.body["list"].(map[string]any)
	if r.isError || list["count"] != float64(2) || list["total"] != float64(6) || list["more"] != true || list["next_page"] != float64(2) || list["items_at"] != "data.data" {
		t.Fatalf("paginator: %s", r.text)
	}
	if !strings.Contains(r.text, "page: 2") {
		t.Errorf("no note on how to get the rest: %s", r.text)
	}
	s.up.set(nil, nil)
	if r = s.call(t, "agent-teams", map[string]any{"action": "list", "page": "2"}); r.isError {
		t.Fatal(r.text)
	}
	// faultUpstream records the path only; the query is checked in upstream's tests.
	if reqs := s.up.requests(); len(reqs) != 1 || reqs[0].String() != "GET /teams" {
		t.Errorf("requests %v", reqs)
	}
	s.answer("GET", "/api-keys", 200, env(`{"items":[{"id":1}],"count":1,"total":1}`))
	r = s.call(t, "agent-api-keys", map[string]any{"action": "list"})
	if list, _ = r.body["list"].(map[string]any); list["more"] != false || strings.Contains(r.text, "goes on") {
		t.Errorf("a complete list said it goes on: %s", r.text)
	}
}

// TestDriftRotateNeeds: what rotate needs from its answers, missing or
// misshapen. Nothing is lost: either nothing changed, or the new key's
// secret is in the result.
func TestDriftRotateNeeds(t *testing.T) {
	s := newDriftServer(t, false, true)
	rotate := map[string]any{"action": "rotate", "key_id": 5}
	seq := func() []string {
		var out []string
		for _, r := range s.up.requests() {
			out = append(out, r.String())
		}
		return out
	}
	// The old key's name is not a string: nothing is created.
	s.answer("GET", "/api-keys/5", 200, env(`{"id":5,"name":{"en":"ci key"}}`))
	r := s.call(t, "agent-api-keys", rotate)
	if !r.isError || !strings.Contains(r.text, "Nothing changed") || !slices.Equal(seq(), []string{"GET /api-keys/5"}) {
		t.Errorf("rotate without a readable name: %v: %s", seq(), r.text)
	}
	// Notes of another kind: the replacement is created without them.
	s.answer("GET", "/api-keys/5", 200, env(`{"id":5,"name":"ci key","notes":{"text":"x"}}`))
	r = s.call(t, "agent-api-keys", rotate)
	if r.isError || !strings.Contains(r.text, "sk_live_newSecretValue") || !slices.Equal(seq(), []string{"GET /api-keys/5", "POST /api-keys", "DELETE /api-keys/5"}) {
		t.Errorf("rotate with odd notes: %v: %s", seq(), r.text)
	}
	if w := warningOf(r, "data.notes"); w.Got != "object" || !strings.Contains(w.Effect, "without notes") {
		t.Errorf("warnings %+v", r.warnings())
	}
	// The new key's id as a string, or missing.
	for _, c := range []struct{ body, wantID, warn string }{
		{`{"id":"77","name":"ci key","key":"sk_live_rotated_secret_1"}`, "77", "data.id:string"},
		{`{"name":"ci key","key":"sk_live_rotated_secret_1"}`, "<nil>", "data.id:missing"},
	} {
		s.answer("POST", "/api-keys", 201, env(c.body))
		r = s.call(t, "agent-api-keys", rotate)
		data, _ := r.body["data"].(map[string]any)
		if r.isError || fmt.Sprint(data["new_key_id"]) != c.wantID || data["old_key_deleted"] != true || !strings.Contains(r.text, "sk_live_rotated_secret_1") {
			t.Errorf("rotate, new key %s: %s", c.body, r.text)
		}
		if !slices.Contains(warnKeys(r.warnings()), c.warn) {
			t.Errorf("rotate, new key %s: warnings %+v", c.body, r.warnings())
		}
	}
	// No secret in the answer: the old key is kept, so a usable key remains.
	s.answer("POST", "/api-keys", 201, env(`{"id":78,"name":"ci key","secret":"sk_live_under_another_name"}`))
	r = s.call(t, "agent-api-keys", rotate)
	data, _ := r.body["data"].(map[string]any)
	if r.isError || data["old_key_deleted"] != false || !strings.Contains(r.text, "sk_live_under_another_name") || slices.Contains(seq(), "DELETE /api-keys/5") {
		t.Errorf("rotate without data.key: %v: %s", seq(), r.text)
	}
	if w := warningOf(r, "data.key"); !strings.Contains(w.Effect, "old key 5 was kept") {
		t.Errorf("warnings %+v", r.warnings())
	}
}
