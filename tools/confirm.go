package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// The questions put to the person before an action that cannot be undone.
// Each names what goes; a name read upstream is a cheap GET, and when it
// cannot be read the id alone is named (the action's own call then reports
// a missing object).

func confirmKeyDelete(ctx context.Context, c *call) string {
	return fmt.Sprintf("Delete API key %s? Apps using it stop working.", c.keyLabel(ctx))
}

func confirmKeyRotate(ctx context.Context, c *call) string {
	return fmt.Sprintf("Rotate API key %s? A new key replaces it and the old key is deleted at once: apps using it stop working until they get the new key.", c.keyLabel(ctx))
}

func (c *call) keyLabel(ctx context.Context) string {
	id := c.args.Int("key_id")
	if r, err := c.client.GetAPIKey(ctx, c.token, id); err == nil && r.Data.Name != "" {
		return fmt.Sprintf("'%s' (id %d)", label(r.Data.Name), id)
	}
	return fmt.Sprintf("id %d", id)
}

func confirmTokenRevoke(ctx context.Context, c *call) string {
	id := c.args.Int("token_id")
	what := fmt.Sprintf("id %d", id)
	if r, err := c.client.ListTokens(ctx, c.token); err == nil {
		for _, raw := range r.Data.Items {
			var t struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}
			if json.Unmarshal(raw, &t) == nil && t.ID == id && t.Name != "" {
				what = fmt.Sprintf("'%s' (id %d)", label(t.Name), id)
			}
		}
	}
	q := fmt.Sprintf("Revoke access token %s? Whatever uses it is logged out.", what)
	if c.token.ID() == id {
		q += " It is the token this session uses: you will have to log in again."
	}
	return q
}

func confirmTokenRevokeOthers(context.Context, *call) string {
	return "Revoke every access token of this account except the one this session uses? Other devices and agents using them are logged out."
}

func confirmLogoutAll(context.Context, *call) string {
	return "Log out everywhere? Every access token of this account is revoked, this session's included; you will have to log in again."
}

func confirmTeamDelete(ctx context.Context, c *call) string {
	id := c.args.Int("member_id")
	// Read tolerantly: only the fields the question names.
	var m struct {
		Email        string `json:"email"`
		Role         string `json:"role"`
		InviteStatus string `json:"invite_status"`
	}
	r, err := c.client.GetTeamMember(ctx, c.token, id)
	if err != nil || json.Unmarshal(r.Data, &m) != nil || m.Email == "" {
		return fmt.Sprintf("Remove team member %d from the team? They lose access to this team's account.", id)
	}
	if m.InviteStatus == "pending" {
		return fmt.Sprintf("Cancel the team invitation of '%s' (member id %d)? The invitation link stops working.", label(m.Email), id)
	}
	return fmt.Sprintf("Remove '%s' (member id %d, role %s) from the team? They lose access to this team's account.",
		label(m.Email), id, label(m.Role))
}

// label keeps a name read upstream to one short printable line.
func label(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case !unicode.IsPrint(r):
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
