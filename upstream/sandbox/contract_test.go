package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// world is a sandbox with the tokens and ids a contract row needs.
type world struct {
	sb          *sandbox.Sandbox
	c           *upstream.Client
	demo        sandbox.Demo
	tok         upstream.Token // demo, scope *
	narrow      upstream.Token // demo, scope profile:read only
	keyID       int64
	inviteID    string         // invitation of the demo user to a fresh account's team
	invitee     upstream.Token // token of the account invited by demo (teammate)
	unverifiedE string
}

const pw = "contract-password-1"

func newWorld(t *testing.T, opts sandbox.Options) *world {
	t.Helper()
	sb := sandbox.New(opts)
	c, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: sb.Transport(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{sb: sb, c: c, demo: sb.Demo()}
	ctx := context.Background()
	login := func(email, password string, scopes ...string) upstream.Token {
		t.Helper()
		res, err := c.Login(ctx, upstream.LoginRequest{Email: email, Password: password, Scopes: scopes})
		if err != nil {
			t.Fatalf("login %s: %v", email, err)
		}
		return upstream.Token(res.Data.AccessToken)
	}
	w.tok = login(w.demo.Email, w.demo.Password)
	w.narrow = login(w.demo.Email, w.demo.Password, "profile:read")
	w.keyID = w.demo.APIKeyID

	// A second account that invites the demo user, so the demo user can accept.
	if _, err := c.Signup(ctx, upstream.SignupRequest{Email: "host@example.test", Password: pw}); err != nil {
		t.Fatal(err)
	}
	mails := sb.Outbox("host@example.test")
	v, err := c.VerifyEmail(ctx, upstream.VerifyEmailRequest{VerificationCode: mails[len(mails)-1].Code})
	if err != nil {
		t.Fatal(err)
	}
	hostTok := upstream.Token(v.Data.AccessToken)
	inv, err := c.InviteTeamMember(ctx, hostTok, upstream.TeamInvite{Email: w.demo.Email})
	if err != nil {
		t.Fatal(err)
	}
	w.inviteID = field[string](t, inv.Raw, "invite_id")
	w.invitee = hostTok

	w.unverifiedE = "unverified@example.test"
	if _, err := c.Signup(ctx, upstream.SignupRequest{Email: w.unverifiedE, Password: pw}); err != nil {
		t.Fatal(err)
	}
	return w
}

type row struct {
	name   string
	call   func(context.Context, *world) error
	status int    // 0: success
	code   string // expected error code
}

func ptr[T any](v T) *T { return &v }

// noDrift fails a success whose answer differs from the contract's shapes:
// the sandbox plays the contract, so the client must find nothing to warn about.
func noDrift[T any](res *upstream.Result[T], err error) error {
	if err != nil {
		return err
	}
	if len(res.Warnings) > 0 {
		return fmt.Errorf("the sandbox's answer differs from the contract: %+v", res.Warnings)
	}
	return nil
}

// field reads one field of a JSON object (t may be nil in a row).
func field[T any](t *testing.T, raw json.RawMessage, name string) T {
	var obj map[string]json.RawMessage
	var v T
	if err := json.Unmarshal(raw, &obj); err == nil {
		err = json.Unmarshal(obj[name], &v)
	}
	if t != nil && obj[name] == nil {
		t.Fatalf("no %s in %s", name, raw)
	}
	return v
}

// TestContractTable runs the typed client against the sandbox for every endpoint:
// the success path, then 401, 403 (email_not_verified, insufficient_scope), 404
// and 422 paths. Client and sandbox must agree with the contract on each.
func TestContractTable(t *testing.T) {
	const bad upstream.Token = "999|notarealtokennotarealtokennotarealtoken00000000"
	const missingUUID = "123e4567-e89b-42d3-a456-426614174000"
	ok := []row{
		{"signup", func(ctx context.Context, w *world) error {
			return noDrift(w.c.Signup(ctx, upstream.SignupRequest{Email: "row@example.test", Password: pw, PasswordConfirmation: pw}))
		}, 0, ""},
		{"login", func(ctx context.Context, w *world) error {
			return noDrift(w.c.Login(ctx, upstream.LoginRequest{Email: w.demo.Email, Password: w.demo.Password, TokenExpiry: "never"}))
		}, 0, ""},
		{"verify-email", func(ctx context.Context, w *world) error {
			m := w.sb.Outbox(w.unverifiedE)
			return noDrift(w.c.VerifyEmail(ctx, upstream.VerifyEmailRequest{VerificationCode: m[len(m)-1].Code}))
		}, 0, ""},
		{"refresh", func(ctx context.Context, w *world) error {
			return noDrift(w.c.Refresh(ctx, w.tok, upstream.RefreshRequest{}))
		}, 0, ""},
		{"logout", func(ctx context.Context, w *world) error { return noDrift(w.c.Logout(ctx, w.narrow)) }, 0, ""},
		{"logout-all", func(ctx context.Context, w *world) error { return noDrift(w.c.LogoutAll(ctx, w.tok)) }, 0, ""},
		{"forgot-password", func(ctx context.Context, w *world) error { return noDrift(w.c.ForgotPassword(ctx, w.demo.Email)) }, 0, ""},
		{"reset-password", func(ctx context.Context, w *world) error {
			if _, err := w.c.ForgotPassword(ctx, w.demo.Email); err != nil {
				return err
			}
			m := w.sb.Outbox(w.demo.Email)
			return noDrift(w.c.ResetPassword(ctx, upstream.ResetPasswordRequest{Email: w.demo.Email, Token: m[len(m)-1].Code, Password: pw, PasswordConfirmation: pw}))
		}, 0, ""},
		{"resend-verification", func(ctx context.Context, w *world) error {
			return noDrift(w.c.ResendVerification(ctx, w.unverifiedE))
		}, 0, ""},
		{"list tokens", func(ctx context.Context, w *world) error { return noDrift(w.c.ListTokens(ctx, w.tok)) }, 0, ""},
		{"revoke token", func(ctx context.Context, w *world) error {
			l, err := w.c.ListTokens(ctx, w.tok)
			if err != nil {
				return err
			}
			return noDrift(w.c.RevokeToken(ctx, w.tok, int64(field[float64](nil, l.Data.Items[0], "id"))))
		}, 0, ""},
		{"revoke others", func(ctx context.Context, w *world) error { return noDrift(w.c.RevokeOtherTokens(ctx, w.tok)) }, 0, ""},
		{"switch account", func(ctx context.Context, w *world) error {
			return noDrift(w.c.SwitchAccount(ctx, w.tok, upstream.SwitchAccountRequest{AccountUsername: w.demo.TeamAccountUsername}))
		}, 0, ""},
		{"get profile", func(ctx context.Context, w *world) error { return noDrift(w.c.GetProfile(ctx, w.tok)) }, 0, ""},
		{"update profile", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdateProfile(ctx, w.tok, upstream.ProfileUpdate{AboutMe: ptr("hi")}))
		}, 0, ""},
		{"update password", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdatePassword(ctx, w.tok, upstream.PasswordUpdate{CurrentPassword: w.demo.Password, Password: pw, PasswordConfirmation: pw}))
		}, 0, ""},
		{"update socials", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdateSocials(ctx, w.tok, upstream.SocialsUpdate{GitHub: ptr("https://github.com/demo")}))
		}, 0, ""},
		{"update preferences", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdatePreferences(ctx, w.tok, upstream.PreferencesUpdate{NSFWContent: ptr(false)}))
		}, 0, ""},
		{"list keys", func(ctx context.Context, w *world) error { return noDrift(w.c.ListAPIKeys(ctx, w.tok)) }, 0, ""},
		{"create key", func(ctx context.Context, w *world) error {
			return noDrift(w.c.CreateAPIKey(ctx, w.tok, upstream.APIKeyCreate{Name: "k"}))
		}, 0, ""},
		{"get key", func(ctx context.Context, w *world) error { return noDrift(w.c.GetAPIKey(ctx, w.tok, w.keyID)) }, 0, ""},
		{"update key", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdateAPIKey(ctx, w.tok, w.keyID, upstream.APIKeyUpdate{Name: ptr("renamed")}))
		}, 0, ""},
		{"delete key", func(ctx context.Context, w *world) error { return noDrift(w.c.DeleteAPIKey(ctx, w.tok, w.keyID)) }, 0, ""},
		{"list team", func(ctx context.Context, w *world) error { return noDrift(w.c.ListTeamMembers(ctx, w.tok)) }, 0, ""},
		{"invite", func(ctx context.Context, w *world) error {
			return noDrift(w.c.InviteTeamMember(ctx, w.tok, upstream.TeamInvite{Email: "new@example.test", Role: "viewer"}))
		}, 0, ""},
		{"get member", func(ctx context.Context, w *world) error {
			return noDrift(w.c.GetTeamMember(ctx, w.tok, w.demo.MemberID))
		}, 0, ""},
		{"update member", func(ctx context.Context, w *world) error {
			return noDrift(w.c.UpdateTeamMember(ctx, w.tok, w.demo.MemberID, upstream.TeamMemberUpdate{Role: ptr("admin")}))
		}, 0, ""},
		{"remove member", func(ctx context.Context, w *world) error {
			return noDrift(w.c.RemoveTeamMember(ctx, w.tok, w.demo.MemberID))
		}, 0, ""},
		{"resend invite", func(ctx context.Context, w *world) error {
			l, err := w.c.ListTeamMembers(ctx, w.tok)
			if err != nil {
				return err
			}
			for _, m := range l.Data.Items {
				if field[string](nil, m, "invite_status") == "pending" {
					return noDrift(w.c.ResendInvite(ctx, w.tok, int64(field[float64](nil, m, "id"))))
				}
			}
			return errors.New("no pending invitation in the demo team")
		}, 0, ""},
		{"accept invite", func(ctx context.Context, w *world) error {
			return noDrift(w.c.AcceptInvite(ctx, w.tok, w.inviteID))
		}, 0, ""},
	}
	if len(ok) != 30 {
		t.Fatalf("success rows cover %d endpoints, the contract has 30", len(ok))
	}
	errRows := []row{
		// 401: every authenticated endpoint refuses a token it does not know.
		{"401 list tokens", func(ctx context.Context, w *world) error { _, err := w.c.ListTokens(ctx, bad); return err }, 401, "unauthenticated"},
		{"401 get profile", func(ctx context.Context, w *world) error { _, err := w.c.GetProfile(ctx, bad); return err }, 401, "unauthenticated"},
		{"401 create key", func(ctx context.Context, w *world) error {
			_, err := w.c.CreateAPIKey(ctx, bad, upstream.APIKeyCreate{Name: "k"})
			return err
		}, 401, "unauthenticated"},
		{"401 list team", func(ctx context.Context, w *world) error { _, err := w.c.ListTeamMembers(ctx, bad); return err }, 401, "unauthenticated"},
		{"401 logout", func(ctx context.Context, w *world) error { _, err := w.c.Logout(ctx, bad); return err }, 401, "unauthenticated"},
		{"401 wrong password", func(ctx context.Context, w *world) error {
			_, err := w.c.Login(ctx, upstream.LoginRequest{Email: w.demo.Email, Password: "wrong-password"})
			return err
		}, 401, "invalid_credentials"},
		{"401 revoked token", func(ctx context.Context, w *world) error {
			if _, err := w.c.Logout(ctx, w.narrow); err != nil {
				return err
			}
			_, err := w.c.GetProfile(ctx, w.narrow)
			return err
		}, 401, "unauthenticated"},
		// 403.
		{"403 email not verified", func(ctx context.Context, w *world) error {
			_, err := w.c.Login(ctx, upstream.LoginRequest{Email: w.unverifiedE, Password: pw})
			return err
		}, 403, "email_not_verified"},
		{"403 scope tokens:read", func(ctx context.Context, w *world) error { _, err := w.c.ListTokens(ctx, w.narrow); return err }, 403, "insufficient_scope"},
		{"403 scope tokens:write", func(ctx context.Context, w *world) error { _, err := w.c.LogoutAll(ctx, w.narrow); return err }, 403, "insufficient_scope"},
		{"403 scope profile:write", func(ctx context.Context, w *world) error {
			_, err := w.c.UpdateProfile(ctx, w.narrow, upstream.ProfileUpdate{Name: ptr("x")})
			return err
		}, 403, "insufficient_scope"},
		{"403 scope api-keys:read", func(ctx context.Context, w *world) error { _, err := w.c.ListAPIKeys(ctx, w.narrow); return err }, 403, "insufficient_scope"},
		{"403 scope teams:write", func(ctx context.Context, w *world) error {
			_, err := w.c.InviteTeamMember(ctx, w.narrow, upstream.TeamInvite{Email: "x@example.test"})
			return err
		}, 403, "insufficient_scope"},
		{"403 accepting another's invitation", func(ctx context.Context, w *world) error {
			_, err := w.c.AcceptInvite(ctx, w.invitee, w.inviteID)
			return err
		}, 403, "access_denied"},
		// 404.
		{"404 key", func(ctx context.Context, w *world) error { _, err := w.c.GetAPIKey(ctx, w.tok, 987654); return err }, 404, "not_found"},
		{"404 member", func(ctx context.Context, w *world) error {
			_, err := w.c.RemoveTeamMember(ctx, w.tok, 987654)
			return err
		}, 404, "not_found"},
		{"404 token", func(ctx context.Context, w *world) error { _, err := w.c.RevokeToken(ctx, w.tok, 987654); return err }, 404, "not_found"},
		{"404 invitation", func(ctx context.Context, w *world) error {
			_, err := w.c.AcceptInvite(ctx, w.tok, missingUUID)
			return err
		}, 404, "not_found"},
		// 422.
		{"422 signup taken email", func(ctx context.Context, w *world) error {
			_, err := w.c.Signup(ctx, upstream.SignupRequest{Email: w.demo.Email, Password: pw})
			return err
		}, 422, "validation_error"},
		{"422 confirmation mismatch", func(ctx context.Context, w *world) error {
			_, err := w.c.Signup(ctx, upstream.SignupRequest{Email: "m@example.test", Password: pw, PasswordConfirmation: pw + "x"})
			return err
		}, 422, "validation_error"},
		{"422 unknown token_expiry", func(ctx context.Context, w *world) error {
			_, err := w.c.Login(ctx, upstream.LoginRequest{Email: w.demo.Email, Password: w.demo.Password, TokenExpiry: "forever"})
			return err
		}, 422, "validation_error"},
		{"422 unknown scope", func(ctx context.Context, w *world) error {
			_, err := w.c.Login(ctx, upstream.LoginRequest{Email: w.demo.Email, Password: w.demo.Password, Scopes: []string{"root"}})
			return err
		}, 422, "validation_error"},
		{"422 unknown role", func(ctx context.Context, w *world) error {
			_, err := w.c.InviteTeamMember(ctx, w.tok, upstream.TeamInvite{Email: "r@example.test", Role: "owner"})
			return err
		}, 422, "validation_error"},
		{"422 wrong current password", func(ctx context.Context, w *world) error {
			_, err := w.c.UpdatePassword(ctx, w.tok, upstream.PasswordUpdate{CurrentPassword: "nope-nope-nope", Password: pw, PasswordConfirmation: pw})
			return err
		}, 422, "validation_error"},
		{"422 key without name", func(ctx context.Context, w *world) error {
			_, err := w.c.CreateAPIKey(ctx, w.tok, upstream.APIKeyCreate{})
			return err
		}, 422, "validation_error"},
		{"422 bad reset token", func(ctx context.Context, w *world) error {
			_, err := w.c.ResetPassword(ctx, upstream.ResetPasswordRequest{Email: w.demo.Email, Token: "bogus", Password: pw, PasswordConfirmation: pw})
			return err
		}, 422, "validation_error"},
	}
	for _, r := range append(ok, errRows...) {
		t.Run(r.name, func(t *testing.T) {
			w := newWorld(t, sandbox.Options{Seed: 11, DisableRateLimit: true})
			err := r.call(context.Background(), w)
			if r.status == 0 {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			var ae *upstream.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want an APIError %d %s, got %T %v", r.status, r.code, err, err)
			}
			if ae.Status != r.status || ae.Code != r.code || ae.Message == "" || ae.RequestID == "" {
				t.Errorf("got %d %q %q (request_id %q), want %d %s", ae.Status, ae.Code, ae.Message, ae.RequestID, r.status, r.code)
			}
			if r.status == 422 && len(ae.Details) == 0 {
				t.Error("a 422 without field details")
			}
			if r.code == "insufficient_scope" && ae.RequiredScope == "" {
				t.Error("insufficient_scope without the required scope")
			}
		})
	}
}

// The 429 path: the client reports the wait, and does not retry a POST.
func TestContractRateLimit(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	w := newWorld(t, sandbox.Options{Seed: 5, GeneralLimit: 200, AuthLimit: 3, Now: func() time.Time { return now }})
	ctx := context.Background()
	var last error
	for range 5 {
		_, last = w.c.Login(ctx, upstream.LoginRequest{Email: "nobody@example.test", Password: "whatever-123"})
	}
	var ae *upstream.APIError
	if !errors.As(last, &ae) || ae.Status != http.StatusTooManyRequests || ae.Code != "rate_limited" {
		t.Fatalf("want 429 rate_limited, got %v", last)
	}
	if ae.RetryAfter <= 0 || ae.RetryAfter > time.Minute {
		t.Errorf("Retry-After %v", ae.RetryAfter)
	}
	res, err := w.c.GetProfile(ctx, w.tok)
	if err != nil || !res.RateLimit.Known || res.RateLimit.Remaining <= 0 {
		t.Errorf("rate-limit headers on a success: %+v %v", res, err)
	}
}
