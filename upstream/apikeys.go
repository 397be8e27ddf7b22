package upstream

import (
	"context"
	"encoding/json"
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
//
// page, when given and positive, asks for that page (?page=N): paging is not
// documented, Laravel's paginator reads that parameter.
func (c *Client) ListAPIKeys(ctx context.Context, tok Token, page ...int64) (*Result[List], error) {
	return send(ctx, c, request{ep: epListKeys, path: "/api-keys", token: tok, query: pageQuery(page)}, readListAnswer)
}

// CreateAPIKey creates a key; the answer's Key is the whole secret, shown only
// this once (POST /api-keys).
func (c *Client) CreateAPIKey(ctx context.Context, tok Token, r APIKeyCreate) (*Result[APIKey], error) {
	return send(ctx, c, request{ep: epCreateKey, path: "/api-keys", token: tok, body: r}, readAPIKey)
}

// GetAPIKey reads one key (GET /api-keys/{id}).
func (c *Client) GetAPIKey(ctx context.Context, tok Token, id int64) (*Result[APIKey], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epGetKey, path: path, token: tok}, readAPIKey)
}

// UpdateAPIKey renames a key or changes its notes (PUT /api-keys/{id}).
func (c *Client) UpdateAPIKey(ctx context.Context, tok Token, id int64, r APIKeyUpdate) (*Result[APIKey], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epUpdateKey, path: path, token: tok, body: r}, readAPIKey)
}

// DeleteAPIKey deletes a key (DELETE /api-keys/{id}).
func (c *Client) DeleteAPIKey(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/api-keys/", "key_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epDeleteKey, path: path, token: tok}, passOn)
}
