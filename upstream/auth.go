package upstream

import (
	"context"
	"encoding/json"
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

type emailBody struct {
	Email string `json:"email"`
}

// Signup creates an account (POST /auth/signup). No token is issued until the
// email is verified.
func (c *Client) Signup(ctx context.Context, r SignupRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epSignup, path: "/auth/signup", body: r,
		secrets: []string{r.Password, r.PasswordConfirmation}}, passOn)
}

// Login exchanges email and password for a bearer token (POST /auth/login).
func (c *Client) Login(ctx context.Context, r LoginRequest) (*Result[Session], error) {
	return send(ctx, c, request{ep: epLogin, path: "/auth/login", body: r,
		secrets: []string{r.Password}}, readSession)
}

// VerifyEmail verifies an account with the code from its email and returns a
// token (POST /auth/verify-email).
func (c *Client) VerifyEmail(ctx context.Context, r VerifyEmailRequest) (*Result[Session], error) {
	return send(ctx, c, request{ep: epVerifyEmail, path: "/auth/verify-email", body: r,
		secrets: []string{r.VerificationCode}}, readSession)
}

// Refresh revokes the calling token and returns a new one (POST /auth/refresh).
func (c *Client) Refresh(ctx context.Context, tok Token, r RefreshRequest) (*Result[Session], error) {
	return send(ctx, c, request{ep: epRefresh, path: "/auth/refresh", token: tok, body: r}, readSession)
}

// Logout revokes the calling token (POST /auth/logout).
func (c *Client) Logout(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epLogout, path: "/auth/logout", token: tok}, passOn)
}

// LogoutAll revokes every token of the user (POST /auth/logout-all).
func (c *Client) LogoutAll(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epLogoutAll, path: "/auth/logout-all", token: tok}, passOn)
}

// ForgotPassword asks for a password-reset email (POST /auth/forgot-password).
func (c *Client) ForgotPassword(ctx context.Context, email string) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epForgotPassword, path: "/auth/forgot-password", body: emailBody{email}}, passOn)
}

// ResetPassword sets a new password with the token from the reset email
// (POST /auth/reset-password).
func (c *Client) ResetPassword(ctx context.Context, r ResetPasswordRequest) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epResetPassword, path: "/auth/reset-password", body: r,
		secrets: []string{r.Token, r.Password, r.PasswordConfirmation}}, passOn)
}

// ResendVerification sends the verification email again (POST /auth/resend-verification).
func (c *Client) ResendVerification(ctx context.Context, email string) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epResendVerification, path: "/auth/resend-verification", body: emailBody{email}}, passOn)
}
