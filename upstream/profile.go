package upstream

import (
	"context"
	"encoding/json"
)

// ProfileUpdate is the body of PATCH /me. Nil fields are not sent.
type ProfileUpdate struct {
	Name     *string `json:"name,omitempty"`
	Username *string `json:"username,omitempty"`
	AboutMe  *string `json:"about_me,omitempty"`
}

// PasswordUpdate is the body of PATCH /me/password.
type PasswordUpdate struct {
	CurrentPassword      string `json:"current_password"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
}

// SocialsUpdate is the body of PATCH /me/socials. Nil fields are not sent.
type SocialsUpdate struct {
	Facebook  *string `json:"facebook,omitempty"`
	GitHub    *string `json:"github,omitempty"`
	Twitter   *string `json:"twitter,omitempty"`
	Instagram *string `json:"instagram,omitempty"`
	Discord   *string `json:"discord,omitempty"`
}

// PreferencesUpdate is the body of PATCH /me/preferences. Pointers, because
// false and 0 are real values to send.
type PreferencesUpdate struct {
	NSFWContent                 *bool    `json:"nsfw_content,omitempty"`
	WalletNotificationEnabled   *bool    `json:"wallet_notification_enabled,omitempty"`
	WalletNotificationThreshold *float64 `json:"wallet_notification_threshold,omitempty"`
}

// GetProfile reads the profile, preferences and wallet summary (GET /me).
func (c *Client) GetProfile(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epGetProfile, path: "/me", token: tok}, passOn)
}

// UpdateProfile changes name, username or about_me (PATCH /me).
func (c *Client) UpdateProfile(ctx context.Context, tok Token, r ProfileUpdate) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUpdateProfile, path: "/me", token: tok, body: r}, passOn)
}

// UpdatePassword changes the password (PATCH /me/password).
func (c *Client) UpdatePassword(ctx context.Context, tok Token, r PasswordUpdate) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUpdatePassword, path: "/me/password", token: tok, body: r,
		secrets: []string{r.CurrentPassword, r.Password, r.PasswordConfirmation}}, passOn)
}

// UpdateSocials changes the social links (PATCH /me/socials).
func (c *Client) UpdateSocials(ctx context.Context, tok Token, r SocialsUpdate) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUpdateSocials, path: "/me/socials", token: tok, body: r}, passOn)
}

// UpdatePreferences changes content and notification preferences (PATCH /me/preferences).
func (c *Client) UpdatePreferences(ctx context.Context, tok Token, r PreferencesUpdate) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUpdatePreferences, path: "/me/preferences", token: tok, body: r}, passOn)
}
