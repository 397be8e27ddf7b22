package tools

import (
	"context"
	"strconv"
	"strings"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func init() {
	descriptions["agent-tokens"] = `List and revoke the bearer tokens of the logged-in ModelsLab account, and switch to a team account.
"list" shows every token with its id, name, scopes and expiry; "revoke" (token_id from list) revokes one; "revoke-others" revokes all but the one this session uses.
"switch-account" (account_username of a team you belong to) issues a token acting as that account, which this session then uses.
Needs a logged-in session (agent-auth login) with the tokens:read or tokens:write scope.`
	handlers["agent-tokens"] = map[string]handlerFunc{
		"list":           tokensList,
		"revoke":         tokensRevoke,
		"revoke-others":  tokensRevokeOthers,
		"switch-account": tokensSwitchAccount,
	}
}

func tokensList(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ListTokens(ctx, c.token))
}

func tokensRevoke(ctx context.Context, c *call) (*outcome, error) {
	id := c.args.Int("token_id")
	out, err := fromResult(c.client.RevokeToken(ctx, c.token, id))
	if err != nil {
		return nil, err
	}
	if tokenID(c.token) == id {
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

// tokenID is the numeric id of a Sanctum token ("42|..."), 0 if it has none.
func tokenID(tok upstream.Token) int64 {
	s := string(tok)
	i := strings.IndexByte(s, '|')
	if i <= 0 {
		return 0
	}
	id, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0
	}
	return id
}
