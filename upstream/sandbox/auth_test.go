package sandbox

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestSignupVerifyLoginFlow(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, Options{DisableRateLimit: true, Empty: true, Logger: zerolog.New(&logs)})

	d := e.do("POST", v1+"/auth/signup", "", map[string]any{
		"email": "New.Person+x@Example.com", "password": "password123", "password_confirmation": "password123",
	}).want(201).obj()
	if d["verification_required"] != true {
		t.Fatalf("signup data: %v", d)
	}
	u := d["user"].(map[string]any)
	if u["email"] != "new.person+x@example.com" || u["username"] != "new_person_x" || u["verified"] != false || u["name"] != "new.person+x" {
		t.Fatalf("signup user: %v", u)
	}
	if _, has := d["access_token"]; has {
		t.Fatal("signup must not issue a token before verification")
	}

	// Unverified: right password → 403 email_not_verified; wrong → 401 first.
	r := e.do("POST", v1+"/auth/login", "", map[string]any{"email": "new.person+x@example.com", "password": "password123"}).
		wantErr(403, "email_not_verified")
	if string(r.Error.Details) != `{"verification_required":true}` {
		t.Fatalf("details: %s", r.Error.Details)
	}
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": "new.person+x@example.com", "password": "wrong-password"}).
		wantErr(401, "invalid_credentials")

	mails := e.s.Outbox("NEW.person+x@example.com")
	if len(mails) != 1 || mails[0].Kind != "verification" || len(mails[0].Code) != 40 {
		t.Fatalf("outbox: %+v", mails)
	}
	if !strings.Contains(logs.String(), `"sandbox_code":"`+mails[0].Code+`"`) || !strings.Contains(logs.String(), "sandbox-only secret") {
		t.Fatalf("mail not logged with sandbox_code: %s", logs.String())
	}

	// A bad code is a 422 on verification_code.
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": "nope"}).
		wantField("verification_code", "The verification code is invalid or has expired.")

	v := e.do("POST", v1+"/auth/verify", "", map[string]any{"verification_code": mails[0].Code}).want(200).obj()
	if v["message"] != "Email verified successfully." || v["token_type"] != "Bearer" || v["token_expiry"] != "1_month" {
		t.Fatalf("verify data: %v", v)
	}
	if k, _ := v["api_key"].(string); !strings.HasPrefix(k, "sk_") || len(k) != 43 {
		t.Fatalf("verify must create the default API key: %v", v["api_key"])
	}
	if v["user"].(map[string]any)["verified"] != true {
		t.Fatalf("user not verified: %v", v["user"])
	}
	// Single use.
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": mails[0].Code}).wantErr(422, "validation_error")

	l := e.do("POST", v1+"/auth/login", "", map[string]any{"email": "new.person+x@example.com", "password": "password123"}).want(200).obj()
	if l["api_key"] != v["api_key"] {
		t.Fatalf("login api_key %v, want the default key %v", l["api_key"], v["api_key"])
	}
	if _, has := l["scopes"]; has {
		t.Fatal("scopes must only be echoed when requested")
	}
	exp, err := time.Parse(time.RFC3339, l["expires_at"].(string))
	if err != nil || !exp.Equal(e.clock.Now().Add(30*24*time.Hour)) || !strings.HasSuffix(l["expires_at"].(string), "Z") {
		t.Fatalf("expires_at %v (%v)", l["expires_at"], err)
	}
	// The token name is the default device name.
	list := e.do("GET", v1+"/auth/tokens", l["access_token"].(string), nil).want(200).list()
	if list[len(list)-1]["name"] != "agent-control-plane" {
		t.Fatalf("token name: %v", list)
	}
}

func TestSignupValidation(t *testing.T) {
	e := newEnv(t, quiet())
	cases := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"no email", map[string]any{"password": "password123"}, "email", "The email field is required."},
		{"blank email", map[string]any{"email": "  ", "password": "password123"}, "email", "The email field is required."},
		{"bad email", map[string]any{"email": "not-an-email", "password": "password123"}, "email", "The email field must be a valid email address."},
		{"email not string", map[string]any{"email": 42, "password": "password123"}, "email", "The email field must be a string."},
		{"no password", map[string]any{"email": "a@b.test"}, "password", "The password field is required."},
		{"short password", map[string]any{"email": "a@b.test", "password": "short"}, "password", "The password field must be at least 8 characters."},
		{"mismatch", map[string]any{"email": "a@b.test", "password": "password123", "password_confirmation": "password124"}, "password", "The password field confirmation does not match."},
		{"taken", map[string]any{"email": "DEMO@sandbox.test", "password": "password123"}, "email", "The email has already been taken."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			e.do("POST", v1+"/auth/signup", "", tc.body).wantField(tc.field, tc.msg)
		})
	}
	// Two errors: Laravel's "(and 1 more error)" message.
	e.t = t
	r := e.do("POST", v1+"/auth/signup", "", map[string]any{}).wantErr(422, "validation_error")
	if r.Error.Message != "The email field is required. (and 1 more error)" {
		t.Fatalf("message %q", r.Error.Message)
	}
}

func TestUsernamesAreUnique(t *testing.T) {
	e := newEnv(t, quiet())
	d := e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "demo@other.test", "password": "password123"}).want(201).obj()
	if got := d["user"].(map[string]any)["username"]; got != "demo2" {
		t.Fatalf("username %v, want demo2 (demo is taken)", got)
	}
}

func TestLoginValidationAndErrors(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"email": demo.Email, "password": demo.Password}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	e.do("POST", v1+"/auth/login", "", base(map[string]any{"token_expiry": "2_weeks"})).
		wantField("token_expiry", "The selected token expiry is invalid.")
	e.do("POST", v1+"/auth/login", "", base(map[string]any{"scopes": []string{"profile:read", "root:all"}})).
		wantField("scopes.1", "The selected scopes.1 is invalid.")
	e.do("POST", v1+"/auth/login", "", base(map[string]any{"scopes": "profile:read"})).
		wantField("scopes", "The scopes field must be an array.")
	e.do("POST", v1+"/auth/login", "", base(map[string]any{"scopes": []string{}})).wantField("scopes", "")
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": "nobody@sandbox.test", "password": "whatever1"}).
		wantErr(401, "invalid_credentials")
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": demo.Email}).wantField("password", "The password field is required.")

	d := e.do("POST", v1+"/auth/login", "", base(map[string]any{
		"scopes": []string{"profile:read", "tokens:read", "profile:read"}, "token_expiry": "never", "device_name": "ci-bot",
	})).want(200).obj()
	if jsonStr(d["scopes"]) != `["profile:read","tokens:read"]` || d["expires_at"] != nil || d["token_expiry"] != "never" {
		t.Fatalf("login data: %v", d)
	}
	for expiry, days := range map[string]int{"1_week": 7, "1_month": 30, "3_months": 90, "6_months": 180, "1_year": 365} {
		d := e.do("POST", v1+"/auth/login", "", base(map[string]any{"token_expiry": expiry})).want(200).obj()
		want := iso(e.clock.Now().Add(time.Duration(days) * 24 * time.Hour))
		if d["expires_at"] != want {
			t.Errorf("%s: expires_at %v, want %s", expiry, d["expires_at"], want)
		}
	}
}

func TestResendVerificationAndForgotAreGeneric(t *testing.T) {
	e := newEnv(t, quiet())
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "u@x.test", "password": "password123"}).want(201)
	first := e.s.Outbox("u@x.test")[0].Code

	for _, path := range []string{"/auth/resend-verification", "/auth/forgot-password"} {
		known := e.do("POST", v1+path, "", map[string]any{"email": "u@x.test"}).want(200).obj()
		unknown := e.do("POST", v1+path, "", map[string]any{"email": "ghost@x.test"}).want(200).obj()
		if known["message"] != unknown["message"] {
			t.Fatalf("%s reveals accounts: %v vs %v", path, known, unknown)
		}
		e.do("POST", v1+path, "", map[string]any{}).wantField("email", "The email field is required.")
	}
	if n := len(e.s.Outbox("ghost@x.test")); n != 0 {
		t.Fatalf("mail sent to an unknown address: %d", n)
	}
	// A verified user gets no verification mail.
	e.do("POST", v1+"/auth/resend-verification", "", map[string]any{"email": e.s.Demo().Email}).want(200)
	for _, m := range e.s.Outbox(e.s.Demo().Email) {
		if m.Kind == "verification" {
			t.Fatal("verified user got a verification mail")
		}
	}
	mails := e.s.Outbox("u@x.test")
	kinds := []string{}
	for _, m := range mails {
		kinds = append(kinds, m.Kind)
	}
	if strings.Join(kinds, ",") != "verification,verification,password_reset" {
		t.Fatalf("kinds: %v", kinds)
	}
	// Resending replaces the old code.
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": first}).wantErr(422, "validation_error")
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": mails[1].Code}).want(200)
}

func TestVerificationCodeExpires(t *testing.T) {
	e := newEnv(t, quiet())
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "late@x.test", "password": "password123"}).want(201)
	code := e.s.Outbox("late@x.test")[0].Code
	e.clock.Advance(25 * time.Hour)
	e.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": code}).wantField("verification_code", "")
}

func TestResetPassword(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	old := e.demoToken()
	e.do("POST", v1+"/auth/forgot-password", "", map[string]any{"email": demo.Email}).want(200)
	mails := e.s.Outbox(demo.Email)
	reset := mails[len(mails)-1]
	if reset.Kind != "password_reset" || reset.Code == "" {
		t.Fatalf("reset mail: %+v", reset)
	}
	body := func(tok, pw, conf string) map[string]any {
		return map[string]any{"email": demo.Email, "token": tok, "password": pw, "password_confirmation": conf}
	}
	e.do("POST", v1+"/auth/reset-password", "", body("wrong", "new-password-1", "new-password-1")).
		wantField("token", "This password reset token is invalid.")
	e.do("POST", v1+"/auth/reset-password", "", body(reset.Code, "new-password-1", "different-1")).
		wantField("password", "The password field confirmation does not match.")
	e.do("POST", v1+"/auth/reset-password", "", map[string]any{"email": demo.Email, "token": reset.Code, "password": "new-password-1"}).
		wantField("password_confirmation", "The password confirmation field is required.")
	e.do("POST", v1+"/auth/reset-password", "", map[string]any{}).wantField("token", "The token field is required.")

	e.do("POST", v1+"/auth/reset-password", "", body(reset.Code, "new-password-1", "new-password-1")).want(200)
	// Single use; old tokens revoked; old password gone; new one works.
	e.do("POST", v1+"/auth/reset-password", "", body(reset.Code, "new-password-2", "new-password-2")).wantField("token", "")
	e.do("GET", v1+"/me", old, nil).wantErr(401, "unauthenticated")
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": demo.Email, "password": demo.Password}).wantErr(401, "invalid_credentials")
	e.login(demo.Email, "new-password-1", nil)

	// Expiry: 60 minutes.
	e.do("POST", v1+"/auth/forgot-password", "", map[string]any{"email": demo.Email}).want(200)
	mails = e.s.Outbox(demo.Email)
	e.clock.Advance(61 * time.Minute)
	e.do("POST", v1+"/auth/reset-password", "", body(mails[len(mails)-1].Code, "new-password-3", "new-password-3")).wantField("token", "")
}
