package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// recorded is one request as the fake upstream saw it.
type recorded struct {
	Method, Path, Auth, UserAgent, ContentType string
	Body                                       string
	// Query is the raw query; Idem the Idempotency-Key header.
	Query, Idem string
}

// fakeUpstream records requests and answers with the handler's response.
type fakeUpstream struct {
	mu    sync.Mutex
	reqs  []recorded
	srv   *httptest.Server
	reply http.HandlerFunc
}

func newFake(t *testing.T, reply http.HandlerFunc) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"),
			r.Header.Get("User-Agent"), r.Header.Get("Content-Type"), string(b), r.URL.RawQuery, r.Header.Get("Idempotency-Key")})
		f.mu.Unlock()
		f.reply(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeUpstream) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeUpstream) client(t *testing.T, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: f.srv.URL + "/api/agents/v1", UserAgent: "modelslab-agents-mcp/test",
		RetryBaseWait: time.Millisecond, RetryMaxWait: 5 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func envelopeOK(w http.ResponseWriter, status int, data string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-RateLimit-Remaining", "119")
	w.Header().Set("X-RateLimit-Reset", "1893456000")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"data":%s,"error":null,"meta":{"request_id":"req-1"}}`, data)
}

func ptr[T any](v T) *T { return &v }

const tok Token = "42|secretsecretsecretsecretsecretsecretsecr1234abcd"

func TestEndpoints(t *testing.T) {
	type call func(context.Context, *Client) (any, error)
	cases := []struct {
		name       string
		call       call
		method     string
		path       string
		auth       bool
		body       string // exact JSON, "" for none
		replyData  string
		wantStatus int
	}{
		{"signup", func(ctx context.Context, c *Client) (any, error) {
			return c.Signup(ctx, SignupRequest{Email: "a@b.co", Password: "pw123456", Name: "A"})
		}, "POST", "/auth/signup", false, `{"email":"a@b.co","password":"pw123456","name":"A"}`, `{"message":"ok"}`, 201},
		{"login", func(ctx context.Context, c *Client) (any, error) {
			return c.Login(ctx, LoginRequest{Email: "a@b.co", Password: "pw", TokenExpiry: "never", Scopes: []string{"tokens:read"}})
		}, "POST", "/auth/login", false, `{"email":"a@b.co","password":"pw","token_expiry":"never","scopes":["tokens:read"]}`, `{"access_token":"1|x"}`, 200},
		{"verify-email", func(ctx context.Context, c *Client) (any, error) {
			return c.VerifyEmail(ctx, VerifyEmailRequest{VerificationCode: "abc"})
		}, "POST", "/auth/verify-email", false, `{"verification_code":"abc"}`, `{"access_token":"1|x"}`, 200},
		{"refresh", func(ctx context.Context, c *Client) (any, error) {
			return c.Refresh(ctx, tok, RefreshRequest{TokenExpiry: "1_week"})
		}, "POST", "/auth/refresh", true, `{"token_expiry":"1_week"}`, `{"access_token":"2|y"}`, 200},
		{"logout", func(ctx context.Context, c *Client) (any, error) { return c.Logout(ctx, tok) },
			"POST", "/auth/logout", true, "", `{"message":"bye"}`, 200},
		{"logout-all", func(ctx context.Context, c *Client) (any, error) { return c.LogoutAll(ctx, tok) },
			"POST", "/auth/logout-all", true, "", `{"message":"bye"}`, 200},
		{"forgot-password", func(ctx context.Context, c *Client) (any, error) { return c.ForgotPassword(ctx, "a@b.co") },
			"POST", "/auth/forgot-password", false, `{"email":"a@b.co"}`, `{"message":"sent"}`, 200},
		{"reset-password", func(ctx context.Context, c *Client) (any, error) {
			return c.ResetPassword(ctx, ResetPasswordRequest{Email: "a@b.co", Token: "t", Password: "p", PasswordConfirmation: "p"})
		}, "POST", "/auth/reset-password", false, `{"email":"a@b.co","token":"t","password":"p","password_confirmation":"p"}`, `{"message":"ok"}`, 200},
		{"resend-verification", func(ctx context.Context, c *Client) (any, error) { return c.ResendVerification(ctx, "a@b.co") },
			"POST", "/auth/resend-verification", false, `{"email":"a@b.co"}`, `{"message":"ok"}`, 200},
		{"list tokens", func(ctx context.Context, c *Client) (any, error) { return c.ListTokens(ctx, tok) },
			"GET", "/auth/tokens", true, "", `[{"id":1,"name":"x"}]`, 200},
		{"revoke token", func(ctx context.Context, c *Client) (any, error) { return c.RevokeToken(ctx, tok, 7) },
			"DELETE", "/auth/tokens/7", true, "", `{"message":"revoked"}`, 200},
		{"revoke others", func(ctx context.Context, c *Client) (any, error) { return c.RevokeOtherTokens(ctx, tok) },
			"POST", "/auth/tokens/revoke-others", true, "", `{"message":"ok"}`, 200},
		{"switch account", func(ctx context.Context, c *Client) (any, error) {
			return c.SwitchAccount(ctx, tok, SwitchAccountRequest{AccountUsername: "acme", DeviceName: "d"})
		}, "POST", "/auth/switch-account", true, `{"account_username":"acme","device_name":"d"}`, `{"access_token":"3|z"}`, 200},
		{"get profile", func(ctx context.Context, c *Client) (any, error) { return c.GetProfile(ctx, tok) },
			"GET", "/me", true, "", `{"id":1,"name":"A"}`, 200},
		{"update profile", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateProfile(ctx, tok, ProfileUpdate{AboutMe: ptr("")})
		}, "PATCH", "/me", true, `{"about_me":""}`, `{"id":1}`, 200},
		{"update password", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdatePassword(ctx, tok, PasswordUpdate{CurrentPassword: "a", Password: "b", PasswordConfirmation: "b"})
		}, "PATCH", "/me/password", true, `{"current_password":"a","password":"b","password_confirmation":"b"}`, `{"message":"ok"}`, 200},
		{"update socials", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateSocials(ctx, tok, SocialsUpdate{GitHub: ptr("https://github.com/a"), Discord: ptr("a#1")})
		}, "PATCH", "/me/socials", true, `{"github":"https://github.com/a","discord":"a#1"}`, `{"id":1}`, 200},
		{"update preferences sends false and 0", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdatePreferences(ctx, tok, PreferencesUpdate{NSFWContent: ptr(false), WalletNotificationThreshold: ptr(0.0)})
		}, "PATCH", "/me/preferences", true, `{"nsfw_content":false,"wallet_notification_threshold":0}`, `{"id":1}`, 200},
		{"list keys", func(ctx context.Context, c *Client) (any, error) { return c.ListAPIKeys(ctx, tok) },
			"GET", "/api-keys", true, "", `{"items":[{"id":1}],"count":1,"total":1}`, 200},
		{"create key", func(ctx context.Context, c *Client) (any, error) {
			return c.CreateAPIKey(ctx, tok, APIKeyCreate{Name: "Prod", Notes: ptr("n")})
		}, "POST", "/api-keys", true, `{"name":"Prod","notes":"n"}`, `{"id":9,"key":"sk_x"}`, 201},
		{"get key", func(ctx context.Context, c *Client) (any, error) { return c.GetAPIKey(ctx, tok, 9) },
			"GET", "/api-keys/9", true, "", `{"id":9}`, 200},
		{"update key", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateAPIKey(ctx, tok, 9, APIKeyUpdate{Name: ptr("B")})
		}, "PUT", "/api-keys/9", true, `{"name":"B"}`, `{"id":9}`, 200},
		{"delete key", func(ctx context.Context, c *Client) (any, error) { return c.DeleteAPIKey(ctx, tok, 9) },
			"DELETE", "/api-keys/9", true, "", `{"message":"deleted"}`, 200},
		{"list team", func(ctx context.Context, c *Client) (any, error) { return c.ListTeamMembers(ctx, tok) },
			"GET", "/teams", true, "", `[]`, 200},
		{"invite", func(ctx context.Context, c *Client) (any, error) {
			return c.InviteTeamMember(ctx, tok, TeamInvite{Email: "b@c.co", Role: "viewer"})
		}, "POST", "/teams", true, `{"email":"b@c.co","role":"viewer"}`, `{"id":3}`, 201},
		{"get member", func(ctx context.Context, c *Client) (any, error) { return c.GetTeamMember(ctx, tok, 3) },
			"GET", "/teams/3", true, "", `{"id":3}`, 200},
		{"update member clears permissions", func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateTeamMember(ctx, tok, 3, TeamMemberUpdate{Permissions: &[]string{}})
		}, "PUT", "/teams/3", true, `{"permissions":[]}`, `{"id":3}`, 200},
		{"remove member", func(ctx context.Context, c *Client) (any, error) { return c.RemoveTeamMember(ctx, tok, 3) },
			"DELETE", "/teams/3", true, "", `{"message":"removed"}`, 200},
		{"resend invite", func(ctx context.Context, c *Client) (any, error) { return c.ResendInvite(ctx, tok, 3) },
			"POST", "/teams/3/resend-invite", true, "", `{"message":"sent"}`, 200},
		{"accept invite", func(ctx context.Context, c *Client) (any, error) {
			return c.AcceptInvite(ctx, tok, "123e4567-e89b-42d3-a456-426614174000")
		}, "POST", "/teams/invitations/123e4567-e89b-42d3-a456-426614174000/accept", true, "", `{"id":3}`, 200},
	}
	if len(cases) != 30 {
		t.Fatalf("the contract has 30 endpoints, the table %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, tc.wantStatus, tc.replyData) })
			res, err := tc.call(context.Background(), f.client(t))
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("want 1 request, got %d", len(reqs))
			}
			got := reqs[0]
			if got.Method != tc.method || got.Path != "/api/agents/v1"+tc.path {
				t.Errorf("request %s %s, want %s /api/agents/v1%s", got.Method, got.Path, tc.method, tc.path)
			}
			if got.Body != tc.body {
				t.Errorf("body %q, want %q", got.Body, tc.body)
			}
			if tc.body != "" && got.ContentType != "application/json" {
				t.Errorf("content type %q", got.ContentType)
			}
			wantAuth := ""
			if tc.auth {
				wantAuth = "Bearer " + string(tok)
			}
			if got.Auth != wantAuth {
				t.Errorf("Authorization %q, want %q", got.Auth, wantAuth)
			}
			if got.UserAgent != "modelslab-agents-mcp/test" {
				t.Errorf("User-Agent %q", got.UserAgent)
			}
			raw, _ := json.Marshal(res)
			if !strings.Contains(string(raw), `"RequestID":"req-1"`) || !strings.Contains(string(raw), fmt.Sprintf(`"Status":%d`, tc.wantStatus)) {
				t.Errorf("result metadata missing: %s", raw)
			}
		})
	}
}

func TestResultKeepsRawDataAndRateLimit(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		envelopeOK(w, 200, `[{"id":1,"name":"k","key":"sk_...abcd","brand_new_field":{"x":1}}]`)
	})
	res, err := f.client(t).ListAPIKeys(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data.Items) != 1 || !strings.Contains(string(res.Data.Items[0]), `"key":"sk_...abcd"`) {
		t.Errorf("decoded %+v", res.Data)
	}
	if !strings.Contains(string(res.Raw), "brand_new_field") {
		t.Errorf("raw data lost a field: %s", res.Raw)
	}
	if !res.RateLimit.Known || res.RateLimit.Remaining != 119 || res.RateLimit.Reset.Unix() != 1893456000 {
		t.Errorf("rate limit %+v", res.RateLimit)
	}
}

func TestListAcceptsItemsShape(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		envelopeOK(w, 200, `{"items":[{"id":5},{"id":6}],"count":2,"total":2}`)
	})
	res, err := f.client(t).ListTeamMembers(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data.Items) != 2 || string(res.Data.Items[1]) != `{"id":6}` || res.Data.ItemsAt != "data.items" || res.Data.More {
		t.Errorf("items shape decoded to %+v", res.Data)
	}
}

func TestNoContentAndUnenvelopedSuccess(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	if _, err := f.client(t).DeleteAPIKey(context.Background(), tok, 1); err != nil {
		t.Errorf("204 without body: %v", err)
	}
	g := newFake(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id":3,"name":"bare"}`) })
	res, err := g.client(t).GetAPIKey(context.Background(), tok, 3)
	if err != nil || res.Data.Name != "bare" || res.Data.ID != 3 {
		t.Errorf("unenveloped body: %+v %v", res, err)
	}
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		ctype       string
		body        string
		header      map[string]string
		code, msg   string
		details     map[string][]string
		scope       string
		retryAfter  time.Duration
		requestID   string
		noSecretsIn bool
	}{
		{name: "envelope with field bag", status: 422, body: `{"data":null,"error":{"code":"validation_error","message":"Invalid login payload.","details":{"token_expiry":["The selected token expiry is invalid."],"email":["The email field is required."]}},"meta":{"request_id":"r-9"}}`,
			code: "validation_error", msg: "Invalid login payload.", requestID: "r-9",
			details: map[string][]string{"token_expiry": {"The selected token expiry is invalid."}, "email": {"The email field is required."}}},
		{name: "envelope with flat details", status: 403, body: `{"data":null,"error":{"code":"email_not_verified","message":"Email is not verified.","details":{"verification_required":true}},"meta":{}}`,
			code: "email_not_verified", msg: "Email is not verified.", details: map[string][]string{"verification_required": {"true"}}},
		{name: "envelope with PHP empty array", status: 401, body: `{"data":null,"error":{"code":"invalid_credentials","message":"Email or password is incorrect.","details":[]},"meta":{"request_id":"r-1"}}`,
			code: "invalid_credentials", msg: "Email or password is incorrect.", requestID: "r-1"},
		{name: "insufficient scope", status: 403,
			body:   `{"data":null,"error":{"code":"insufficient_scope","message":"This token does not have the required scope: tokens:read.","details":{"required_scope":"tokens:read","granted_scopes":["profile:read","teams:read"]}},"meta":{"request_id":"r"}}`,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="modelslab", error="insufficient_scope", scope="tokens:read"`},
			code:   "insufficient_scope", msg: "This token does not have the required scope: tokens:read.", scope: "tokens:read", requestID: "r",
			details: map[string][]string{"required_scope": {"tokens:read"}, "granted_scopes": {"profile:read", "teams:read"}}},
		{name: "scope only in the challenge header", status: 403, body: `{"message":"Forbidden."}`,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="modelslab", error="insufficient_scope", scope="teams:write"`},
			msg:    "Forbidden.", scope: "teams:write"},
		{name: "laravel default", status: 422, body: `{"message":"The given data was invalid.","errors":{"email":["The email has already been taken."]}}`,
			msg: "The given data was invalid.", details: map[string][]string{"email": {"The email has already been taken."}}},
		{name: "bare message", status: 401, body: `{"message":"Unauthenticated."}`, msg: "Unauthenticated."},
		{name: "error string", status: 400, body: `{"error":"something broke"}`, msg: "something broke"},
		{name: "html page", status: 502, ctype: "text/html", body: "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>", msg: "502 Bad Gateway"},
		{name: "empty body", status: 503, body: "", msg: "Service Unavailable", header: map[string]string{"Retry-After": "120"}, retryAfter: 120 * time.Second},
		{name: "plain text cut short", status: 500, ctype: "text/plain", body: strings.Repeat("x", 1000)},
		{name: "rate limited", status: 429, body: `{"data":null,"error":{"code":"rate_limited","message":"Too Many Attempts.","details":{}},"meta":{}}`,
			header: map[string]string{"Retry-After": "60"}, code: "rate_limited", msg: "Too Many Attempts.", retryAfter: 60 * time.Second},
		{name: "message echoing the token is scrubbed", status: 400, body: `{"message":"bad token 42|secretsecretsecretsecretsecretsecretsecr1234abcd"}`,
			msg: "bad token [redacted]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			// POST: no retries, so each case sees exactly one answer.
			_, err := f.client(t, func(c *Config) { c.MaxRetries = -1 }).RevokeOtherTokens(context.Background(), tok)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if ae.Status != tc.status || ae.Code != tc.code {
				t.Errorf("status/code %d %q, want %d %q", ae.Status, ae.Code, tc.status, tc.code)
			}
			if tc.msg != "" && ae.Message != tc.msg {
				t.Errorf("message %q, want %q", ae.Message, tc.msg)
			}
			if tc.name == "plain text cut short" && (len(ae.Message) > 210 || !strings.HasSuffix(ae.Message, "…")) {
				t.Errorf("long text not cut: %d bytes", len(ae.Message))
			}
			if tc.details != nil {
				if fmt.Sprint(ae.Details) != fmt.Sprint(tc.details) {
					t.Errorf("details %v, want %v", ae.Details, tc.details)
				}
			} else if len(ae.Details) != 0 {
				t.Errorf("details %v, want none", ae.Details)
			}
			if ae.RequiredScope != tc.scope {
				t.Errorf("scope %q, want %q", ae.RequiredScope, tc.scope)
			}
			if ae.RetryAfter != tc.retryAfter {
				t.Errorf("retry after %v, want %v", ae.RetryAfter, tc.retryAfter)
			}
			if tc.requestID != "" && ae.RequestID != tc.requestID {
				t.Errorf("request id %q", ae.RequestID)
			}
			if strings.Contains(err.Error(), string(tok)) {
				t.Errorf("error carries the token: %v", err)
			}
		})
	}
}

// A 2xx is a success whatever its data: another kind becomes a warning, and a
// body that is not JSON is passed on as text. Both used to be errors.
func TestWrongShapeAndInvalidJSONAreWarnings(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `"just a string"`) })
	res, err := f.client(t).GetProfile(context.Background(), tok)
	if err != nil || string(res.Raw) != `"just a string"` {
		t.Fatalf("wrong shape: %v", err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "data" || res.Warnings[0].Expected != KindObject || res.Warnings[0].Got != KindString {
		t.Errorf("warnings %+v", res.Warnings)
	}
	g := newFake(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data":{"id":1`) })
	res, err = g.client(t).GetProfile(context.Background(), tok)
	if err != nil || string(res.Raw) != `"{\"data\":{\"id\":1"` {
		t.Fatalf("truncated JSON: %v %s", err, res.Raw)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "body" || res.Warnings[0].Got != KindText {
		t.Errorf("warnings %+v", res.Warnings)
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name      string
		call      func(*Client) error
		statuses  []int
		wantCalls int
		wantErr   bool
	}{
		{"GET retried on 502 then succeeds", func(c *Client) error { _, err := c.ListAPIKeys(context.Background(), tok); return err },
			[]int{502, 503, 200}, 3, false},
		{"GET gives up after two retries", func(c *Client) error { _, err := c.ListAPIKeys(context.Background(), tok); return err },
			[]int{504, 504, 504, 200}, 3, true},
		{"GET not retried on 500", func(c *Client) error { _, err := c.ListAPIKeys(context.Background(), tok); return err },
			[]int{500, 200}, 1, true},
		{"GET not retried on 404", func(c *Client) error { _, err := c.GetAPIKey(context.Background(), tok, 1); return err },
			[]int{404, 200}, 1, true},
		{"PUT retried on 503", func(c *Client) error {
			_, err := c.UpdateAPIKey(context.Background(), tok, 1, APIKeyUpdate{Name: ptr("x")})
			return err
		}, []int{503, 200}, 2, false},
		{"DELETE retried on 502", func(c *Client) error { _, err := c.DeleteAPIKey(context.Background(), tok, 1); return err },
			[]int{502, 200}, 2, false},
		{"POST create never retried on 502", func(c *Client) error {
			_, err := c.CreateAPIKey(context.Background(), tok, APIKeyCreate{Name: "k"})
			return err
		}, []int{502, 201}, 1, true},
		{"POST invite never retried on 503", func(c *Client) error {
			_, err := c.InviteTeamMember(context.Background(), tok, TeamInvite{Email: "a@b.co"})
			return err
		}, []int{503, 201}, 1, true},
		{"PATCH never retried on 504", func(c *Client) error {
			_, err := c.UpdateProfile(context.Background(), tok, ProfileUpdate{Name: ptr("n")})
			return err
		}, []int{504, 200}, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if tc.statuses[i] >= 300 {
					w.WriteHeader(tc.statuses[i])
					return
				}
				envelopeOK(w, tc.statuses[i], `{"id":1}`)
			})
			err := tc.call(f.client(t))
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got := len(f.requests()); got != tc.wantCalls {
				t.Errorf("upstream saw %d requests, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestRateLimitRule(t *testing.T) {
	serve := func(retryAfter string) (*fakeUpstream, *atomic.Int32) {
		var n atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", retryAfter)
				w.WriteHeader(429)
				io.WriteString(w, `{"data":null,"error":{"code":"rate_limited","message":"Too Many Attempts."},"meta":{}}`)
				return
			}
			envelopeOK(w, 200, `[]`)
		})
		return f, &n
	}
	t.Run("short Retry-After on GET is waited out", func(t *testing.T) {
		f, n := serve("1")
		start := time.Now()
		if _, err := f.client(t).ListTokens(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		if n.Load() != 2 || time.Since(start) < 900*time.Millisecond {
			t.Errorf("calls %d after %v", n.Load(), time.Since(start))
		}
	})
	t.Run("long Retry-After is returned at once", func(t *testing.T) {
		f, n := serve("60")
		_, err := f.client(t).ListTokens(context.Background(), tok)
		var ae *APIError
		if !errors.As(err, &ae) || ae.RetryAfter != time.Minute || n.Load() != 1 {
			t.Errorf("err %v, calls %d", err, n.Load())
		}
	})
	t.Run("429 on POST is never retried", func(t *testing.T) {
		f, n := serve("1")
		if _, err := f.client(t).CreateAPIKey(context.Background(), tok, APIKeyCreate{Name: "k"}); err == nil || n.Load() != 1 {
			t.Errorf("err %v, calls %d", err, n.Load())
		}
	})
	t.Run("X-RateLimit-Reset when Retry-After is absent", func(t *testing.T) {
		reset := time.Now().Add(90 * time.Second).Unix()
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset))
			w.WriteHeader(429)
		})
		_, err := f.client(t).ListTokens(context.Background(), tok)
		var ae *APIError
		if !errors.As(err, &ae) || ae.RetryAfter < 80*time.Second || ae.RetryAfter > 91*time.Second {
			t.Errorf("retry after from reset: %v", err)
		}
	})
}

func TestBodyCap(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":"`+strings.Repeat("a", 2<<20)+`"}`)
	})
	_, err := f.client(t, func(c *Config) { c.MaxResponseBytes = 1 << 20 }).GetProfile(context.Background(), tok)
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Problem, "larger than the 1048576-byte limit") {
		t.Errorf("body cap: %v", err)
	}
}

func TestCancellationAndTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.client(t).ListAPIKeys(ctx, tok)
		var ne *NetworkError
		if !errors.As(err, &ne) || !ne.Canceled || !errors.Is(err, context.Canceled) {
			t.Errorf("cancel: %T %v", err, err)
		}
	})
	t.Run("timeout is one deadline for all attempts", func(t *testing.T) {
		n.Store(0)
		start := time.Now()
		_, err := f.client(t, func(c *Config) { c.Timeout = 150 * time.Millisecond }).ListAPIKeys(context.Background(), tok)
		var ne *NetworkError
		if !errors.As(err, &ne) || !ne.Timeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("timeout: %T %v", err, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v, past the deadline", d)
		}
		if n.Load() != 1 {
			t.Errorf("a timed-out call was retried past its deadline: %d attempts", n.Load())
		}
	})
}

func TestNetworkErrorIsRetriedForGetOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close() // reset before any answer
		}
	}()
	t.Cleanup(func() { ln.Close() })
	c, _ := New(Config{BaseURL: "http://" + ln.Addr().String(), RetryBaseWait: time.Millisecond, RetryMaxWait: 2 * time.Millisecond})

	_, err = c.ListAPIKeys(context.Background(), tok)
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Timeout || ne.Canceled {
		t.Fatalf("want a plain network error, got %T %v", err, err)
	}
	if strings.Contains(err.Error(), string(tok)) {
		t.Error("network error carries the token")
	}
	getAttempts := accepted.Load()
	if getAttempts != 3 {
		t.Errorf("GET attempts %d, want 3", getAttempts)
	}
	accepted.Store(0)
	_, _ = c.CreateAPIKey(context.Background(), tok, APIKeyCreate{Name: "k"})
	if accepted.Load() != 1 {
		t.Errorf("POST attempts %d, want 1", accepted.Load())
	}
}

func TestPathParamsCannotEscape(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{}`) })
	c := f.client(t)
	for _, id := range []string{"1/../../me", "../me", "123e4567-e89b-42d3-a456-426614174000/../../../me", "%2e%2e", ""} {
		if _, err := c.AcceptInvite(context.Background(), tok, id); err == nil {
			t.Errorf("invite id %q accepted", id)
		}
	}
	for _, id := range []int64{0, -1} {
		if _, err := c.DeleteAPIKey(context.Background(), tok, id); err == nil {
			t.Errorf("key id %d accepted", id)
		}
		if _, err := c.RevokeToken(context.Background(), tok, id); err == nil {
			t.Errorf("token id %d accepted", id)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

func TestNoTokenFailsBeforeRequest(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{}`) })
	if _, err := f.client(t).GetProfile(context.Background(), ""); !errors.Is(err, ErrNoToken) {
		t.Errorf("err %v", err)
	}
	if len(f.requests()) != 0 {
		t.Error("request sent without a token")
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	})
	_, err := f.client(t).GetProfile(context.Background(), tok)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusFound {
		t.Errorf("redirect: %v", err)
	}
	if elsewhere.Load() != 0 {
		t.Error("the token followed a redirect to another host")
	}
}

func TestKeepAliveReusesOneConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `[]`) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := New(Config{BaseURL: srv.URL})
	for i := 0; i < 1000; i++ {
		if _, err := c.ListAPIKeys(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	// Not exactly one: under load the transport's read loop can hand the
	// connection back to the pool just after the next request looked for an
	// idle one, and that request dials. Without keep-alive it would be 1000.
	if n := conns.Load(); n < 1 || n > 5 {
		t.Errorf("1000 sequential calls opened %d connections", n)
	}
}

func TestBaseURLValidation(t *testing.T) {
	for _, bad := range []string{"modelslab.com/api", "ftp://x/y", "https://user:pw@x/y", "https://x/y?q=1", "://"} {
		if _, err := New(Config{BaseURL: bad}); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
	c, err := New(Config{})
	if err != nil || c.BaseURL() != DefaultBaseURL {
		t.Errorf("default base URL: %v %v", c, err)
	}
}

func TestDebugLogHasNoSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	w := zerolog.SyncWriter(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) }))
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { envelopeOK(w, 200, `{"access_token":"9|zzzz"}`) })
	c := f.client(t, func(c *Config) { c.Logger = zerolog.New(w).Level(zerolog.DebugLevel) })
	if _, err := c.Login(context.Background(), LoginRequest{Email: "a@b.co", Password: "hunter2hunter2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTokens(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"hunter2hunter2", string(tok), "9|zzzz", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("log carries %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"path":"/auth/tokens"`) || !strings.Contains(out, `"request_id":"req-1"`) {
		t.Errorf("log lacks the call: %s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestTokenFormatsMasked(t *testing.T) {
	if s := fmt.Sprintf("%v %s %#v", tok, tok, tok); strings.Contains(s, "secret") {
		t.Errorf("token printed: %s", s)
	}
}

func TestErrorDetailsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"message":"bad","errors":{`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"f%03d":[%s]`, i, strings.TrimSuffix(strings.Repeat(`"m",`, 40), ","))
	}
	b.WriteString(`}}`)
	body := b.String()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(422); io.WriteString(w, body) })
	_, err := f.client(t).CreateAPIKey(context.Background(), tok, APIKeyCreate{Name: "k"})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatal(err)
	}
	if len(ae.Details) != 50 || len(ae.Details["f000"]) != 10 || ae.Details["f049"] == nil || ae.Details["f050"] != nil {
		t.Errorf("details not capped to the first 50 fields × 10 messages: %d fields, %d messages in f000", len(ae.Details), len(ae.Details["f000"]))
	}
}
