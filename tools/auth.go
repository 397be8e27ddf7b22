package tools

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// authTool declares agent-auth: every action with its parameter rules and handler.
func authTool() ToolSpec {
	return ToolSpec{
		Name: "agent-auth", Toolset: "auth", Title: "Agent account authentication",
		Description: `Sign up, verify the email, log in and out of a ModelsLab account, and recover a password.
Start here: "login" (email, password) gives this session a bearer token that every other tool then uses; the token is kept by the server, not shown to you in full.
"browser-login" logs in on the ModelsLab web page instead, so no password passes through this conversation (also for Google or GitHub accounts): the person opens the page; if the answer says pending, call browser-login again to wait for them.
New account: "signup", then "verify-email" with the verification_code from the email, which also logs in.
"refresh" replaces the current token; "logout" revokes it; "logout-all" revokes every token of the account.
Lost password: "forgot-password", then "reset-password" with the token from the email.`,
		Params: map[string]ParamSpec{
			"email":                 emailParam,
			"scopes":                scopesParam,
			"password":              secretParam,
			"password_confirmation": confirmParam,
			"token":                 {Secret: true, Hint: "use the reset token from the email that forgot-password sent"},
			"verification_code":     {Secret: true, Hint: "read the code from the verification email (the sandbox outbox)"},
		},
		Actions: []ActionSpec{
			{Name: "signup", Required: []string{"email", "password"}, Optional: []string{"name", "password_confirmation"}, Mails: mailVerification, Handler: authSignup},
			{Name: "login", Required: []string{"email", "password"}, Optional: []string{"device_name", "token_expiry", "scopes"}, Handler: authLogin},
			{Name: "browser-login", Optional: []string{"device_name", "token_expiry"}, Handler: authBrowserLogin},
			{Name: "verify-email", Required: []string{"verification_code"}, Handler: authVerifyEmail},
			{Name: "refresh", Optional: []string{"token_expiry", "device_name"}, NeedsToken: true, Handler: authRefresh},
			{Name: "logout", NeedsToken: true, Handler: authLogout},
			{Name: "logout-all", NeedsToken: true, Handler: authLogoutAll, Confirm: confirmLogoutAll},
			{Name: "forgot-password", Required: []string{"email"}, Mails: mailPasswordReset, Handler: authForgotPassword},
			{Name: "reset-password", Required: []string{"email", "token", "password", "password_confirmation"}, Handler: authResetPassword},
			{Name: "resend-verification", Required: []string{"email"}, Mails: mailVerification, Handler: authResendVerification},
		},
	}
}

func authSignup(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	out, err := fromResult(c.client.Signup(ctx, upstream.SignupRequest{
		Email: a.String("email"), Password: a.String("password"),
		Name: a.String("name"), PasswordConfirmation: a.String("password_confirmation"),
	}))
	if err != nil {
		return nil, err
	}
	out.notes = append(out.notes, "The account is not verified yet: read the verification code from the email and call agent-auth action verify-email with it.")
	return out, nil
}

func authLogin(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return c.session(c.client.Login(ctx, upstream.LoginRequest{
		Email: a.String("email"), Password: a.String("password"),
		DeviceName: a.String("device_name"), TokenExpiry: a.String("token_expiry"), Scopes: a.Strings("scopes"),
	}))
}

func authVerifyEmail(ctx context.Context, c *call) (*outcome, error) {
	return c.session(c.client.VerifyEmail(ctx, upstream.VerifyEmailRequest{VerificationCode: c.args.String("verification_code")}))
}

func authRefresh(ctx context.Context, c *call) (*outcome, error) {
	old := c.token
	out, err := c.session(c.client.Refresh(ctx, c.token, upstream.RefreshRequest{
		TokenExpiry: c.args.String("token_expiry"), DeviceName: c.args.String("device_name"),
	}))
	if err == nil && (!c.deps.HTTP || c.deps.OAuth) {
		// A 2xx proves refresh revoked the old token upstream, whether or not
		// its answer carried a new one the server could read. With OAuth the
		// old token was the grant's: the grant ends with it.
		c.deps.Creds.Drop(ctx, old)
	}
	return out, err
}

func authLogout(ctx context.Context, c *call) (*outcome, error) {
	return c.revoked(c.client.Logout(ctx, c.token))
}

func authLogoutAll(ctx context.Context, c *call) (*outcome, error) {
	return c.revoked(c.client.LogoutAll(ctx, c.token))
}

func authForgotPassword(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ForgotPassword(ctx, c.args.String("email")))
}

func authResetPassword(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromResult(c.client.ResetPassword(ctx, upstream.ResetPasswordRequest{
		Email: a.String("email"), Token: a.String("token"),
		Password: a.String("password"), PasswordConfirmation: a.String("password_confirmation"),
	}))
}

func authResendVerification(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ResendVerification(ctx, c.args.String("email")))
}

// session shapes a result that carries a new bearer token: the server adopts it
// where it can (stdio), and shows it masked unless tokens are revealed. An
// answer without a token it can read is still a success: the warning says
// what the server could not do.
func (c *call) session(res *upstream.Result[upstream.Session], err error) (*outcome, error) {
	out, err := fromResult(res, err)
	if err != nil {
		return nil, err
	}
	tok := res.Data.AccessToken
	if tok == "" {
		effect := "the answer carried no access token this server could read: this session still uses the token it had before"
		switch {
		case c.deps.HTTP:
			effect = "the answer carried no access token this server could read: look for it in data"
		case c.action == "refresh":
			effect = "the answer carried no access token this server could read, and refresh revoked the old one: log in again (agent-auth action login)"
		}
		out.need("data.access_token", upstream.KindString, effect)
		c.maskSecrets(out, "access_token", "token", "api_key") // whatever shape they came in
		return out, nil
	}
	adopted := c.deps.Creds.Adopt(c.ctx, upstream.Token(tok))
	switch {
	case adopted:
		c.maskSecrets(out, "access_token", "token", "api_key")
		out.notes = append(out.notes, "This server now uses the new token for every following call of this session; no need to pass it anywhere.")
	case c.deps.OAuth:
		// The client's grant authenticates this session; a ModelsLab token in
		// the model's context would only be a secret to leak.
		out.data, _ = maskFields(out.data, "access_token", "token", "api_key")
		out.notes = append(out.notes, "This server uses OAuth: the following calls keep using the MCP client's authorization, not this new token, "+
			"which is shown masked and is not used by this session (revoke it with agent-tokens if it is not wanted).")
	default:
		// Over HTTP without OAuth the caller must send the token back, so it is
		// whole; the default API key is not needed for that and stays masked.
		c.maskSecrets(out, "api_key")
		out.notes = append(out.notes, "This server remembers no credential between requests: the MCP client must send "+res.Data.TokenField+
			" back as `Authorization: Bearer <token>` (or `X-Agent-Token`) on every later request. A client that cannot set headers "+
			"(one that only connects by URL) cannot use it: connect such a client to a server started with --oauth, where the person signs in "+
			"in the browser and no token passes through the model.")
	}
	return out, nil
}

// maskSecrets keeps the secrets of an answer out of the model's context over
// stdio (unless --reveal-tokens): the named fields are masked, one style for
// all (maskSecret). Only create and rotate show a key's secret whole.
func (c *call) maskSecrets(out *outcome, fields ...string) {
	if c.deps.RevealTokens {
		return
	}
	var masked []string
	out.data, masked = maskFields(out.data, fields...)
	if len(masked) > 0 {
		out.notes = append(out.notes, maskNote(masked))
	}
}

// maskNote says which fields are masked and how, naming only the styles used
// (over HTTP only the key is masked: no word about a token's mask then).
func maskNote(masked []string) string {
	var how []string
	for _, f := range masked {
		h := "a token's id and last four characters"
		if f == "api_key" {
			h = "a key's last four"
		}
		if !slices.Contains(how, h) {
			how = append(how, h)
		}
	}
	it := "them"
	if len(masked) == 1 {
		it = "it"
	}
	return strings.Join(masked, " and ") + " shown masked (" + strings.Join(how, ", ") + "); start the server with --reveal-tokens to see " + it + " whole."
}

// revoked shapes the result of a call that revoked the calling token.
func (c *call) revoked(res *upstream.Result[json.RawMessage], err error) (*outcome, error) {
	out, err := fromResult(res, err)
	if err != nil {
		return nil, err
	}
	c.deps.Creds.Drop(c.ctx, c.token)
	if !c.deps.HTTP {
		out.notes = append(out.notes, "The server no longer holds a token: log in again (agent-auth action login) to continue.")
	}
	return out, nil
}
