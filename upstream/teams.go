package upstream

import (
	"context"
	"encoding/json"
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
//
// page, when given and positive, asks for that page (?page=N): paging is not
// documented, Laravel's paginator reads that parameter.
func (c *Client) ListTeamMembers(ctx context.Context, tok Token, page ...int64) (*Result[List], error) {
	return send(ctx, c, request{ep: epListTeam, path: "/teams", token: tok, query: pageQuery(page)}, readListAnswer)
}

// InviteTeamMember invites someone by email (POST /teams).
func (c *Client) InviteTeamMember(ctx context.Context, tok Token, r TeamInvite) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epInvite, path: "/teams", token: tok, body: r}, passOn)
}

// GetTeamMember reads one member (GET /teams/{id}).
func (c *Client) GetTeamMember(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epGetMember, path: path, token: tok}, passOn)
}

// UpdateTeamMember changes role, permissions or invite status (PUT /teams/{id}).
func (c *Client) UpdateTeamMember(ctx context.Context, tok Token, id int64, r TeamMemberUpdate) (*Result[json.RawMessage], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epUpdateMember, path: path, token: tok, body: r}, passOn)
}

// RemoveTeamMember removes a member or withdraws an invitation (DELETE /teams/{id}).
func (c *Client) RemoveTeamMember(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/teams/", "member_id", id, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epRemoveMember, path: path, token: tok}, passOn)
}

// ResendInvite sends a pending invitation again (POST /teams/{id}/resend-invite).
func (c *Client) ResendInvite(ctx context.Context, tok Token, id int64) (*Result[json.RawMessage], error) {
	path, err := idPath("/teams/", "member_id", id, "/resend-invite")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epResendInvite, path: path, token: tok}, passOn)
}

// AcceptInvite accepts an invitation as the invitee (POST /teams/invitations/{inviteId}/accept).
func (c *Client) AcceptInvite(ctx context.Context, tok Token, inviteID string) (*Result[json.RawMessage], error) {
	path, err := uuidPath("/teams/invitations/", "invite_id", inviteID, "/accept")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epAcceptInvite, path: path, token: tok}, passOn)
}
