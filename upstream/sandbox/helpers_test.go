package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const v1 = APIPrefix

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// env is a test harness around one sandbox.
type env struct {
	t     *testing.T
	s     *Sandbox
	clock *fakeClock
	ip    string
}

// newEnv builds a sandbox with a fake clock and a fixed seed; rate limiting
// is off unless the test turns it on through opts.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	return &env{t: t, s: New(opts), clock: c, ip: "192.0.2.1"}
}

func quiet() Options { return Options{DisableRateLimit: true} }

type apiErr struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// res is a decoded response.
type res struct {
	t      *testing.T
	Status int
	Header http.Header
	Raw    []byte
	Data   json.RawMessage `json:"data"`
	Error  *apiErr         `json:"error"`
	Meta   struct {
		RequestID string `json:"request_id"`
	} `json:"meta"`
}

// do sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON).
func (e *env) do(method, path, tok string, body any) *res {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = e.ip + ":1234"
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, req)
	return decode(e.t, w.Code, w.Header(), w.Body.Bytes())
}

func decode(t *testing.T, status int, h http.Header, raw []byte) *res {
	t.Helper()
	r := &res{t: t, Status: status, Header: h, Raw: raw}
	if err := json.Unmarshal(raw, r); err != nil {
		t.Fatalf("status %d: body is not JSON: %v: %s", status, err, raw)
	}
	if r.Meta.RequestID == "" || h.Get("X-Request-Id") != r.Meta.RequestID {
		t.Fatalf("request id: meta %q, header %q", r.Meta.RequestID, h.Get("X-Request-Id"))
	}
	if status < 400 && (r.Error != nil || string(r.Data) == "null" || !bytes.Contains(raw, []byte(`"error":null`))) {
		t.Fatalf("envelope: success must have data and no error: %s", raw)
	}
	if status >= 400 && (r.Error == nil || string(r.Data) != "null") {
		t.Fatalf("envelope: error response must have error and null data: %s", raw)
	}
	return r
}

func (r *res) want(status int) *res {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status = %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// wantErr checks status and error code.
func (r *res) wantErr(status int, code string) *res {
	r.t.Helper()
	r.want(status)
	if r.Error.Code != code {
		r.t.Fatalf("error code = %q, want %q: %s", r.Error.Code, code, r.Raw)
	}
	return r
}

// wantField checks a 422 field bag has field with msg (msg "" = any).
func (r *res) wantField(field, msg string) *res {
	r.t.Helper()
	r.wantErr(422, "validation_error")
	var bag map[string][]string
	if err := json.Unmarshal(r.Error.Details, &bag); err != nil {
		r.t.Fatalf("details is not a field bag: %s", r.Error.Details)
	}
	msgs, ok := bag[field]
	if !ok {
		r.t.Fatalf("no %q in field bag: %s", field, r.Error.Details)
	}
	if msg != "" && !contains(msgs, msg) {
		r.t.Fatalf("%s: %q not in %q", field, msg, msgs)
	}
	return r
}

func (r *res) into(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		r.t.Fatalf("data: %v: %s", err, r.Data)
	}
}

func (r *res) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.into(&m)
	return m
}

func (r *res) list() []map[string]any {
	r.t.Helper()
	var l []map[string]any
	r.into(&l)
	return l
}

// login returns a token for email/password (200 expected).
func (e *env) login(email, password string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"email": email, "password": password}
	for k, v := range extra {
		body[k] = v
	}
	d := e.do("POST", v1+"/auth/login", "", body).want(200).obj()
	return d["access_token"].(string)
}

func (e *env) demoToken(scopes ...string) string {
	e.t.Helper()
	var extra map[string]any
	if len(scopes) > 0 {
		extra = map[string]any{"scopes": scopes}
	}
	d := e.s.Demo()
	return e.login(d.Email, d.Password, extra)
}

// signupVerified creates, verifies and logs in a fresh user via the API and
// the outbox; it returns the token from verify-email.
func (e *env) signupVerified(email string) string {
	e.t.Helper()
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": email, "password": "password123", "name": "N"}).want(201)
	mails := e.s.Outbox(email)
	if len(mails) == 0 {
		e.t.Fatalf("no verification mail for %s", email)
	}
	code := mails[len(mails)-1].Code
	d := e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": code}).want(200).obj()
	return d["access_token"].(string)
}

func jsonStr(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func tokenID(tok string) string { return tok[:strings.IndexByte(tok, '|')] }

// raw sends a request with exactly the given headers and raw body.
func (e *env) raw(method, path string, hdr map[string]string, body []byte) *res {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.RemoteAddr = e.ip + ":1234"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, req)
	return decode(e.t, w.Code, w.Header(), w.Body.Bytes())
}
