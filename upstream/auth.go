package upstream

import (
	"context"
	"net/http"
)

// SignupRequest is the body of POST /auth/signup.
type SignupRequest struct {
	Email                string `json:"email"`
	Password             string `json:"password"`
	Name                 string `json:"name,omitempty"`
	PasswordConfirmation string `json:"password_confirmation,omitempty"`
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Email       string   `json:"email"`
	Password    string   `json:"password"`
	DeviceName  string   `json:"device_name,omitempty"`
	TokenExpiry string   `json:"token_expiry,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
}

// VerifyEmailRequest is the body of POST /auth/verify-email.
type VerifyEmailRequest struct {
	VerificationCode string `json:"verification_code"`
}

// RefreshRequest is the body of POST /auth/refresh.
type RefreshRequest struct {
	TokenExpiry string `json:"token_expiry,omitempty"`
	DeviceName  string `json:"device_name,omitempty"`
}

// ResetPasswordRequest is the body of POST /auth/reset-password.
type ResetPasswordRequest struct {
	Email                string `json:"email"`
	Token                string `json:"token"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
}

// SignupResult is the data of a signup: the new, unverified user.
type SignupResult struct {
	Message              string `json:"message"`
	User                 *User  `json:"user"`
	VerificationRequired bool   `json:"verification_required"`
}

type emailBody struct {
	Email string `json:"email"`
}

// Signup creates an account (POST /auth/signup). No token is issued until the
// email is verified.
func (c *Client) Signup(ctx context.Context, r SignupRequest) (*Result[SignupResult], error) {
	return send[SignupResult](ctx, c, request{method: http.MethodPost, path: "/auth/signup", body: r,
		secrets: []string{r.Password, r.PasswordConfirmation}})
}

// Login exchanges email and password for a bearer token (POST /auth/login).
func (c *Client) Login(ctx context.Context, r LoginRequest) (*Result[Session], error) {
	return send[Session](ctx, c, request{method: http.MethodPost, path: "/auth/login", body: r,
		secrets: []string{r.Password}})
}

// VerifyEmail verifies an account with the code from its email and returns a
// token (POST /auth/verify-email).
func (c *Client) VerifyEmail(ctx context.Context, r VerifyEmailRequest) (*Result[Session], error) {
	return send[Session](ctx, c, request{method: http.MethodPost, path: "/auth/verify-email", body: r,
		secrets: []string{r.VerificationCode}})
}

// Refresh revokes the calling token and returns a new one (POST /auth/refresh).
func (c *Client) Refresh(ctx context.Context, tok Token, r RefreshRequest) (*Result[Session], error) {
	return send[Session](ctx, c, request{method: http.MethodPost, path: "/auth/refresh", token: tok, body: r})
}

// Logout revokes the calling token (POST /auth/logout).
func (c *Client) Logout(ctx context.Context, tok Token) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/logout", token: tok})
}

// LogoutAll revokes every token of the user (POST /auth/logout-all).
func (c *Client) LogoutAll(ctx context.Context, tok Token) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/logout-all", token: tok})
}

// ForgotPassword asks for a password-reset email (POST /auth/forgot-password).
func (c *Client) ForgotPassword(ctx context.Context, email string) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/forgot-password", body: emailBody{email}})
}

// ResetPassword sets a new password with the token from the reset email
// (POST /auth/reset-password).
func (c *Client) ResetPassword(ctx context.Context, r ResetPasswordRequest) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/reset-password", body: r,
		secrets: []string{r.Token, r.Password, r.PasswordConfirmation}})
}

// ResendVerification sends the verification email again (POST /auth/resend-verification).
func (c *Client) ResendVerification(ctx context.Context, email string) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/resend-verification", body: emailBody{email}})
}
