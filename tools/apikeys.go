package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// apiKeysTool declares agent-api-keys: every action with its parameter rules and handler.
func apiKeysTool() ToolSpec {
	return ToolSpec{
		Name: "agent-api-keys", Toolset: "api-keys", Title: "Agent API keys",
		Description: `Manage the logged-in ModelsLab account's generation API keys (the keys for the /api/v6-v8 generation APIs).
"list" and "get" (key_id) show keys with the secret masked. "create" (name, optional notes) returns the whole secret once: store it, it is not shown again.
"update" renames a key or changes its notes; "delete" removes it; "rotate" (key_id) creates a replacement with the same name and notes, returns its secret, then deletes the old key.
Needs a logged-in session (agent-auth login).`,
		Params: map[string]ParamSpec{
			"key_id": listIDParam,
			"notes":  {Multiline: true},
		},
		Actions: []ActionSpec{
			{Name: "list", ReadOnly: true, NeedsToken: true, Handler: keysList},
			{Name: "create", Required: []string{"name"}, Optional: []string{"notes"}, NeedsToken: true, Handler: keysCreate},
			{Name: "get", Required: []string{"key_id"}, ReadOnly: true, NeedsToken: true, Handler: keysGet},
			{Name: "update", Required: []string{"key_id"}, Optional: []string{"name", "notes"}, AtLeastOne: true, NeedsToken: true, Handler: keysUpdate},
			{Name: "delete", Required: []string{"key_id"}, NeedsToken: true, Handler: keysDelete, Confirm: confirmKeyDelete},
			{Name: "rotate", Required: []string{"key_id"}, NeedsToken: true, Handler: keysRotate, Confirm: confirmKeyRotate},
		},
	}
}

func keysList(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ListAPIKeys(ctx, c.token))
}

func keysCreate(ctx context.Context, c *call) (*outcome, error) {
	out, err := fromResult(c.client.CreateAPIKey(ctx, c.token, upstream.APIKeyCreate{
		Name: c.args.String("name"), Notes: c.args.StringPtr("notes"),
	}))
	if err == nil {
		out.notes = append(out.notes, "data.key is the whole secret and is shown only this once: store it now.")
	}
	return out, err
}

func keysGet(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.GetAPIKey(ctx, c.token, c.args.Int("key_id")))
}

func keysUpdate(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.UpdateAPIKey(ctx, c.token, c.args.Int("key_id"), upstream.APIKeyUpdate{
		Name: c.args.StringPtr("name"), Notes: c.args.StringPtr("notes"),
	}))
}

func keysDelete(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.DeleteAPIKey(ctx, c.token, c.args.Int("key_id")))
}

// rotation is the data of a rotate: the new key whole, and what became of the old one.
type rotation struct {
	NewKey        json.RawMessage `json:"new_key"`
	NewKeyID      int64           `json:"new_key_id"`
	OldKeyID      int64           `json:"old_key_id"`
	OldKeyDeleted bool            `json:"old_key_deleted"`
}

// keysRotate creates a replacement key, then deletes the old one. The create is
// never retried (it is a POST); if the delete fails the new key is kept, since
// its secret exists only in this answer.
func keysRotate(ctx context.Context, c *call) (*outcome, error) {
	id := c.args.Int("key_id")
	old, err := c.client.GetAPIKey(ctx, c.token, id)
	if err != nil {
		return nil, &stepError{err: err, note: fmt.Sprintf("Nothing changed: key %d could not be read.", id)}
	}
	created, err := c.client.CreateAPIKey(ctx, c.token, upstream.APIKeyCreate{Name: old.Data.Name, Notes: old.Data.Notes})
	if err != nil {
		return nil, &stepError{err: err, note: fmt.Sprintf("The replacement key could not be created; key %d is unchanged. If this was a network error, check with action list whether a new key appeared before trying again.", id)}
	}
	rot := rotation{NewKey: created.Raw, NewKeyID: created.Data.ID, OldKeyID: id}
	out := &outcome{requestID: created.RequestID, status: created.Status}
	if del, err := c.client.DeleteAPIKey(ctx, c.token, id); err != nil {
		out.notes = append(out.notes, fmt.Sprintf("WARNING: the new key %d was created and is kept, but deleting the old key %d failed (%v). Both keys work now: delete key %d with action delete.", created.Data.ID, id, err, id))
	} else {
		rot.OldKeyDeleted = true
		out.requestID = del.RequestID
	}
	out.notes = append(out.notes, "new_key.key is the whole new secret and is shown only this once: store it now.")
	out.data, err = json.Marshal(rot)
	return out, err
}
