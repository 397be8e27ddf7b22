package upstream

import (
	"context"
	"net/http"
)

// SwitchAccountRequest is the body of POST /auth/switch-account.
type SwitchAccountRequest struct {
	AccountUsername string   `json:"account_username"`
	DeviceName      string   `json:"device_name,omitempty"`
	TokenExpiry     string   `json:"token_expiry,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
}

// ListTokens lists the account's bearer tokens (GET /auth/tokens).
func (c *Client) ListTokens(ctx context.Context, tok Token) (*Result[List[TokenInfo]], error) {
	return send[List[TokenInfo]](ctx, c, request{method: http.MethodGet, path: "/auth/tokens", token: tok})
}

// RevokeToken revokes one token by its numeric id (DELETE /auth/tokens/{id}).
func (c *Client) RevokeToken(ctx context.Context, tok Token, id int64) (*Result[Message], error) {
	path, err := idPath("/auth/tokens/", "token_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[Message](ctx, c, request{method: http.MethodDelete, path: path, token: tok})
}

// RevokeOtherTokens revokes every token but the calling one (POST /auth/tokens/revoke-others).
func (c *Client) RevokeOtherTokens(ctx context.Context, tok Token) (*Result[Message], error) {
	return send[Message](ctx, c, request{method: http.MethodPost, path: "/auth/tokens/revoke-others", token: tok})
}

// SwitchAccount issues a token acting as a team account (POST /auth/switch-account).
func (c *Client) SwitchAccount(ctx context.Context, tok Token, r SwitchAccountRequest) (*Result[Session], error) {
	return send[Session](ctx, c, request{method: http.MethodPost, path: "/auth/switch-account", token: tok, body: r})
}
