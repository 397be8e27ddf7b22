package upstream

import (
	"context"
	"net/http"
)

// TeamInvite is the body of POST /teams.
type TeamInvite struct {
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

// TeamMemberUpdate is the body of PUT /teams/{id}. Nil fields are not sent; a
// non-nil empty Permissions clears them.
type TeamMemberUpdate struct {
	Role         *string   `json:"role,omitempty"`
	Permissions  *[]string `json:"permissions,omitempty"`
	InviteStatus *string   `json:"invite_status,omitempty"`
}

// ListTeamMembers lists members and pending invitations (GET /teams).
func (c *Client) ListTeamMembers(ctx context.Context, tok Token) (*Result[List[TeamMember]], error) {
	return send[List[TeamMember]](ctx, c, request{method: http.MethodGet, path: "/teams", token: tok})
}

// InviteTeamMember invites someone by email (POST /teams).
func (c *Client) InviteTeamMember(ctx context.Context, tok Token, r TeamInvite) (*Result[TeamMember], error) {
	return send[TeamMember](ctx, c, request{method: http.MethodPost, path: "/teams", token: tok, body: r})
}

// GetTeamMember reads one member (GET /teams/{id}).
func (c *Client) GetTeamMember(ctx context.Context, tok Token, id int64) (*Result[TeamMember], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[TeamMember](ctx, c, request{method: http.MethodGet, path: path, token: tok})
}

// UpdateTeamMember changes role, permissions or invite status (PUT /teams/{id}).
func (c *Client) UpdateTeamMember(ctx context.Context, tok Token, id int64, r TeamMemberUpdate) (*Result[TeamMember], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[TeamMember](ctx, c, request{method: http.MethodPut, path: path, token: tok, body: r})
}

// RemoveTeamMember removes a member or withdraws an invitation (DELETE /teams/{id}).
func (c *Client) RemoveTeamMember(ctx context.Context, tok Token, id int64) (*Result[Message], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send[Message](ctx, c, request{method: http.MethodDelete, path: path, token: tok})
}

// ResendInvite sends a pending invitation again (POST /teams/{id}/resend-invite).
func (c *Client) ResendInvite(ctx context.Context, tok Token, id int64) (*Result[Message], error) {
	path, err := idPath("/teams/", "member_id", id, "/resend-invite")
	if err != nil {
		return nil, err
	}
	return send[Message](ctx, c, request{method: http.MethodPost, path: path, token: tok})
}

// AcceptInvite accepts an invitation as the invitee (POST /teams/invitations/{inviteId}/accept).
func (c *Client) AcceptInvite(ctx context.Context, tok Token, inviteID string) (*Result[TeamMember], error) {
	path, err := uuidPath("/teams/invitations/", "invite_id", inviteID, "/accept")
	if err != nil {
		return nil, err
	}
	return send[TeamMember](ctx, c, request{method: http.MethodPost, path: path, token: tok})
}
