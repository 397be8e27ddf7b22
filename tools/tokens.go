package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// tokensTool declares agent-tokens: every action with its parameter rules and handler.
func tokensTool() ToolSpec {
	return ToolSpec{
		Name: "agent-tokens", Toolset: "tokens", Title: "Agent access tokens",
		Description: `List and revoke the bearer tokens of the logged-in ModelsLab account, and switch to a team account.
"list" shows every token with its id, name, scopes and expiry; "revoke" (token_id from list) revokes one; "revoke-others" revokes all but the one this session uses.
"switch-account" (account_username of a team you belong to) issues a token acting as that account, which this session then uses.
Needs a logged-in session (agent-auth login) with the tokens:read or tokens:write scope.`,
		Params: map[string]ParamSpec{
			"token_id":         listIDParam,
			"scopes":           scopesParam,
			"account_username": {Hint: "pass the username of the team account"},
		},
		Actions: []ActionSpec{
			{Name: "list", Optional: []string{"page"}, ReadOnly: true, NeedsToken: true, Handler: tokensList},
			{Name: "revoke", Required: []string{"token_id"}, NeedsToken: true, Handler: tokensRevoke},
			{Name: "revoke-others", NeedsToken: true, Handler: tokensRevokeOthers},
			{Name: "switch-account", Required: []string{"account_username"}, Optional: []string{"device_name", "token_expiry", "scopes"}, NeedsToken: true, Handler: tokensSwitchAccount},
		},
	}
}

func tokensList(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ListTokens(ctx, c.token, c.args.Int("page")))
}

func tokensRevoke(ctx context.Context, c *call) (*outcome, error) {
	id := c.args.Int("token_id")
	out, err := fromResult(c.client.RevokeToken(ctx, c.token, id))
	if err != nil {
		return nil, err
	}
	if c.token.ID() == id {
		c.deps.Creds.Drop(ctx, c.token)
		out.notes = append(out.notes, "That was the token this call used: log in again to continue.")
	}
	return out, nil
}

func tokensRevokeOthers(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.RevokeOtherTokens(ctx, c.token))
}

func tokensSwitchAccount(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return c.session(c.client.SwitchAccount(ctx, c.token, upstream.SwitchAccountRequest{
		AccountUsername: a.String("account_username"), DeviceName: a.String("device_name"),
		TokenExpiry: a.String("token_expiry"), Scopes: a.Strings("scopes"),
	}))
}
