package upstream

import (
	"context"
	"encoding/json"
)

// SwitchAccountRequest is the body of POST /auth/switch-account.
type SwitchAccountRequest struct {
	AccountUsername string   `json:"account_username"`
	DeviceName      string   `json:"device_name,omitempty"`
	TokenExpiry     string   `json:"token_expiry,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
}

// ListTokens lists the account's bearer tokens (GET /auth/tokens).
//
// page, when given and positive, asks for that page (?page=N): paging is not
// documented, Laravel's paginator reads that parameter.
func (c *Client) ListTokens(ctx context.Context, tok Token, page ...int64) (*Result[List], error) {
	return send(ctx, c, request{ep: epListTokens, path: "/auth/tokens", token: tok, query: pageQuery(page)}, readListAnswer)
}

// RevokeToken revokes one token by its numeric id (DELETE /auth/tokens/{id}).
func (c *Client) RevokeToken(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/auth/tokens/", "token_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epRevokeToken, path: path, token: tok}, passOn)
}

// RevokeOtherTokens revokes every token but the calling one (POST /auth/tokens/revoke-others).
func (c *Client) RevokeOtherTokens(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epRevokeOthers, path: "/auth/tokens/revoke-others", token: tok}, passOn)
}

// SwitchAccount issues a token acting as a team account (POST /auth/switch-account).
func (c *Client) SwitchAccount(ctx context.Context, tok Token, r SwitchAccountRequest) (*Result[Session], error) {
	return send(ctx, c, request{ep: epSwitchAccount, path: "/auth/switch-account", token: tok, body: r}, readSession)
}

// ListScopes lists the scope names the control plane knows (GET /auth/scopes).
func (c *Client) ListScopes(ctx context.Context, tok Token) (*Result[List], error) {
	return send(ctx, c, request{ep: epListScopes, path: "/auth/scopes", token: tok}, readListAnswer)
}
