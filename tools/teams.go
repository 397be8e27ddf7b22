package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// teamsTool declares agent-teams: every action with its parameter rules and handler.
func teamsTool() ToolSpec {
	return ToolSpec{
		Name: "agent-teams", Toolset: "teams", Title: "Agent team members",
		Description: `Manage the members of the logged-in ModelsLab account's team, and accept invitations to other teams.
"list" shows members and pending invitations with their member_id; "create" (email, optional role such as admin, member or viewer) sends an invitation.
"get", "update" (role, permissions, invite_status), "delete" and "resend-invite" take a member_id from list.
"accept-invite" (invite_id, the UUID from the invitation email) is called by the invited account; then agent-tokens switch-account can act as the team account.
Needs a logged-in session (agent-auth login).`,
		Params: map[string]ParamSpec{
			"member_id": listIDParam,
			"invite_id": {Hint: "pass the invite_id from the invitation, unchanged"},
			"email":     emailParam,
		},
		Actions: []ActionSpec{
			{Name: "list", Optional: []string{"page"}, ReadOnly: true, NeedsToken: true, Handler: teamsList},
			{Name: "create", Required: []string{"email"}, Optional: []string{"role"}, NeedsToken: true, Handler: teamsCreate},
			{Name: "get", Required: []string{"member_id"}, ReadOnly: true, NeedsToken: true, Handler: teamsGet},
			{Name: "update", Required: []string{"member_id"}, Optional: []string{"role", "permissions", "invite_status"}, AtLeastOne: true, NeedsToken: true, Handler: teamsUpdate},
			{Name: "delete", Required: []string{"member_id"}, NeedsToken: true, Handler: teamsDelete},
			{Name: "resend-invite", Required: []string{"member_id"}, NeedsToken: true, Handler: teamsResendInvite},
			{Name: "accept-invite", Required: []string{"invite_id"}, NeedsToken: true, Handler: teamsAcceptInvite},
		},
	}
}

func teamsList(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ListTeamMembers(ctx, c.token, c.args.Int("page")))
}

func teamsCreate(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.InviteTeamMember(ctx, c.token, upstream.TeamInvite{
		Email: c.args.String("email"), Role: c.args.String("role"),
	}))
}

func teamsGet(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.GetTeamMember(ctx, c.token, c.args.Int("member_id")))
}

func teamsUpdate(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	u := upstream.TeamMemberUpdate{Role: a.StringPtr("role"), InviteStatus: a.StringPtr("invite_status")}
	if a.Has("permissions") {
		p := a.Strings("permissions")
		if p == nil {
			p = []string{} // an explicit empty list clears the permissions
		}
		u.Permissions = &p
	}
	return fromResult(c.client.UpdateTeamMember(ctx, c.token, a.Int("member_id"), u))
}

func teamsDelete(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.RemoveTeamMember(ctx, c.token, c.args.Int("member_id")))
}

func teamsResendInvite(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ResendInvite(ctx, c.token, c.args.Int("member_id")))
}

func teamsAcceptInvite(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.AcceptInvite(ctx, c.token, c.args.String("invite_id")))
}
