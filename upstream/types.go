package upstream

import (
	"bytes"
	"encoding/json"
)

// User is the account a session token belongs to.
type User struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Username string `json:"username"`
	Verified bool   `json:"verified"`
}

// Session is the data of login, verify-email, refresh and switch-account: a new
// bearer token and what comes with it.
type Session struct {
	AccessToken         string   `json:"access_token"`
	TokenType           string   `json:"token_type,omitempty"`
	TokenExpiry         string   `json:"token_expiry,omitempty"`
	ExpiresAt           *string  `json:"expires_at"`
	User                *User    `json:"user,omitempty"`
	APIKey              *string  `json:"api_key"`
	Scopes              []string `json:"scopes,omitempty"`
	TokenLifetimeCapped bool     `json:"token_lifetime_capped,omitempty"`
	Message             string   `json:"message,omitempty"`
}

// TokenInfo is one entry of the token list.
type TokenInfo struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	LastUsedAt *string  `json:"last_used_at"`
	ExpiresAt  *string  `json:"expires_at"`
	CreatedAt  string   `json:"created_at"`
}

// Profile is the account profile.
type Profile struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Username    string         `json:"username"`
	Email       string         `json:"email"`
	AboutMe     *string        `json:"about_me"`
	Verified    bool           `json:"verified"`
	Socials     map[string]any `json:"socials,omitempty"`
	Preferences *Preferences   `json:"preferences,omitempty"`
	Wallet      map[string]any `json:"wallet,omitempty"`
	CreatedAt   string         `json:"created_at"`
	Extra       map[string]any `json:"-"`
}

// Preferences are the account's notification and content settings.
type Preferences struct {
	NSFWContent                 *bool    `json:"nsfw_content"`
	WalletNotificationEnabled   *bool    `json:"wallet_notification_enabled"`
	WalletNotificationThreshold *float64 `json:"wallet_notification_threshold"`
}

// APIKey is a generation API key. Key holds the whole secret only in the answer
// to create; list and get answer a masked value.
type APIKey struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Notes      *string `json:"notes"`
	Key        string  `json:"key"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// TeamMember is a member of the caller's team, or a pending invitation.
type TeamMember struct {
	ID           int64    `json:"id"`
	Email        string   `json:"email"`
	Name         *string  `json:"name"`
	Role         string   `json:"role"`
	Permissions  []string `json:"permissions"`
	InviteStatus string   `json:"invite_status"`
	InviteID     string   `json:"invite_id"`
	CreatedAt    string   `json:"created_at"`
}

// Message is the data of calls that answer with a sentence (deletes, logout, ...).
type Message struct {
	Message string `json:"message"`
}

// List is a list answer. The control plane answers a plain array for tokens,
// api-keys and teams, and {"items": [...], "count", "total"} elsewhere: both decode.
type List[T any] []T

// UnmarshalJSON accepts an array or an object with "items".
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var wrapped struct {
			Items []T `json:"items"`
		}
		if err := json.Unmarshal(b, &wrapped); err != nil {
			return err
		}
		*l = wrapped.Items
		return nil
	}
	var items []T
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	*l = items
	return nil
}
