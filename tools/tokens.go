package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

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
			{Name: "revoke", Required: []string{"token_id"}, NeedsToken: true, Handler: tokensRevoke, Confirm: confirmTokenRevoke},
			{Name: "revoke-others", NeedsToken: true, Handler: tokensRevokeOthers, Confirm: confirmTokenRevokeOthers},
			{Name: "switch-account", Required: []string{"account_username"}, Optional: []string{"device_name", "token_expiry", "scopes"}, NeedsToken: true, Handler: tokensSwitchAccount},
		},
	}
}

func tokensList(ctx context.Context, c *call) (*outcome, error) {
	res, err := c.client.ListTokens(ctx, c.token, c.args.Int("page"))
	out, err := fromList(res, err)
	if err != nil {
		return nil, err
	}
	// Every token is named agent-control-plane by default: say which one this
	// session uses, as revoke knows, so the model does not revoke its own.
	if id := c.token.ID(); id > 0 {
		for _, item := range res.Data.Items {
			var v struct{ ID json.Number }
			if json.Unmarshal(item, &v) != nil || v.ID.String() != strconv.FormatInt(id, 10) {
				continue
			}
			item = bytes.TrimSpace(item)
			if marked := append([]byte(`{"current":true,`), item[1:]...); len(item) > 2 && bytes.Contains(out.data, item) {
				out.data = bytes.Replace(out.data, item, marked, 1)
				out.notes = append(out.notes, fmt.Sprintf("Token %d, marked current: true, is the one this session uses: revoking it logs this session out.", id))
			}
			break
		}
	}
	return out, nil
}

func tokensRevoke(ctx context.Context, c *call) (*outcome, error) {
	id := c.args.Int("token_id")
	out, err := fromResult(c.client.RevokeToken(ctx, c.token, id))
	if err != nil {
		return nil, err
	}
	if c.token.ID() == id {
		c.deps.Creds.Drop(ctx, c.token)
		out.notes = append(out.notes, "That was the token this call used: to continue, "+loginHint(c.deps)+".")
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
