package upstream

import (
	"context"
	"net/http"
)

// APIKeyCreate is the body of POST /api-keys.
type APIKeyCreate struct {
	Name  string  `json:"name"`
	Notes *string `json:"notes,omitempty"`
}

// APIKeyUpdate is the body of PUT /api-keys/{id}. Nil fields are not sent.
type APIKeyUpdate struct {
	Name  *string `json:"name,omitempty"`
	Notes *string `json:"notes,omitempty"`
}

// ListAPIKeys lists the generation API keys (GET /api-keys).
func (c *Client) ListAPIKeys(ctx context.Context, tok Token) (*Result[List[APIKey]], error) {
	return send[List[APIKey]](ctx, c, request{method: http.MethodGet, path: "/api-keys", token: tok})
}

// CreateAPIKey creates a key; the answer's Key is the whole secret, shown only
// this once (POST /api-keys).
func (c *Client) CreateAPIKey(ctx context.Context, tok Token, r APIKeyCreate) (*Result[APIKey], error) {
	return send[APIKey](ctx, c, request{method: http.MethodPost, path: "/api-keys", token: tok, body: r})
}

// GetAPIKey reads one key (GET /api-keys/{id}).
func (c *Client) GetAPIKey(ctx context.Context, tok Token, id int64) (*Result[APIKey], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[APIKey](ctx, c, request{method: http.MethodGet, path: path, token: tok})
}

// UpdateAPIKey renames a key or changes its notes (PUT /api-keys/{id}).
func (c *Client) UpdateAPIKey(ctx context.Context, tok Token, id int64, r APIKeyUpdate) (*Result[APIKey], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[APIKey](ctx, c, request{method: http.MethodPut, path: path, token: tok, body: r})
}

// DeleteAPIKey deletes a key (DELETE /api-keys/{id}).
func (c *Client) DeleteAPIKey(ctx context.Context, tok Token, id int64) (*Result[Message], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[Message](ctx, c, request{method: http.MethodDelete, path: path, token: tok})
}
