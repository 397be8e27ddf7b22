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
			{Name: "list", Optional: []string{"page"}, ReadOnly: true, NeedsToken: true, Handler: keysList},
			{Name: "create", Required: []string{"name"}, Optional: []string{"notes"}, NeedsToken: true, Handler: keysCreate},
			{Name: "get", Required: []string{"key_id"}, ReadOnly: true, NeedsToken: true, Handler: keysGet},
			{Name: "update", Required: []string{"key_id"}, Optional: []string{"name", "notes"}, AtLeastOne: true, NeedsToken: true, Handler: keysUpdate},
			{Name: "delete", Required: []string{"key_id"}, NeedsToken: true, Handler: keysDelete},
			{Name: "rotate", Required: []string{"key_id"}, NeedsToken: true, Handler: keysRotate},
		},
	}
}

func keysList(ctx context.Context, c *call) (*outcome, error) {
	return c.maskedKeys(fromList(c.client.ListAPIKeys(ctx, c.token, c.args.Int("page"))))
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
	return c.maskedKeys(fromResult(c.client.GetAPIKey(ctx, c.token, c.args.Int("key_id"))))
}

// maskedKeys masks the key secrets of list, get and update answers: a key's
// secret is whole only in the answers to create and rotate.
func (c *call) maskedKeys(out *outcome, err error) (*outcome, error) {
	if err == nil {
		c.maskSecrets(out, "key")
	}
	return out, err
}

func keysUpdate(ctx context.Context, c *call) (*outcome, error) {
	return c.maskedKeys(fromResult(c.client.UpdateAPIKey(ctx, c.token, c.args.Int("key_id"), upstream.APIKeyUpdate{
		Name: c.args.StringPtr("name"), Notes: c.args.StringPtr("notes"),
	})))
}

func keysDelete(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.DeleteAPIKey(ctx, c.token, c.args.Int("key_id")))
}

// rotation is the data of a rotate: the new key whole, and what became of the old one.
type rotation struct {
	NewKey        json.RawMessage `json:"new_key"`
	NewKeyID      *int64          `json:"new_key_id"` // null when the answer carried no readable id
	OldKeyID      int64           `json:"old_key_id"`
	OldKeyDeleted bool            `json:"old_key_deleted"`
}

// keysRotate creates a replacement key, then deletes the old one. The create is
// never retried (it is a POST); if the delete fails the new key is kept, since
// its secret exists only in this answer. What rotate reads from the answers:
// the old key's name and notes, the new key's id and secret.
func keysRotate(ctx context.Context, c *call) (*outcome, error) {
	id := c.args.Int("key_id")
	old, err := c.client.GetAPIKey(ctx, c.token, id)
	if err != nil {
		return nil, &stepError{err: err, note: fmt.Sprintf("Nothing changed: key %d could not be read.", id)}
	}
	out := &outcome{warnings: old.Warnings}
	if !old.Data.HasName {
		// Without the name there is nothing to create the replacement with.
		return nil, &stepError{
			err: &upstream.ResponseError{Method: "GET", Path: old.Path, Status: old.Status, RequestID: old.RequestID,
				Problem: "the key's answer carried no name as a string, which rotate needs to create the replacement"},
			note: fmt.Sprintf("Nothing changed: key %d is unchanged.", id),
			next: "call action get to see the key as ModelsLab sent it, then rotate by hand: action create with its name and notes, then action delete on the old key",
		}
	}
	if !old.Data.NotesOK {
		out.warnings = needField(out.warnings, old.Path, "data.notes", upstream.KindString|upstream.KindNull,
			"the old key's notes could not be read: the new key is created without notes")
	}
	created, err := c.client.CreateAPIKey(ctx, c.token, upstream.APIKeyCreate{Name: old.Data.Name, Notes: old.Data.Notes})
	if err != nil {
		return nil, &stepError{err: err, note: fmt.Sprintf("The replacement key could not be created; key %d is unchanged. If this was a network error, check with action list whether a new key appeared before trying again.", id)}
	}
	newWarnings := created.Warnings
	rot := rotation{NewKey: created.Raw, OldKeyID: id}
	newKey := "the new key"
	if created.Data.ID > 0 {
		rot.NewKeyID = &created.Data.ID
		newKey = fmt.Sprintf("the new key %d", created.Data.ID)
	} else {
		newWarnings = needField(newWarnings, created.Path, "data.id", upstream.KindNumber,
			"the new key's id could not be read: new_key_id is null; find the new key with action list")
	}
	out.requestID, out.status = created.RequestID, created.Status
	if created.Data.Key == "" {
		// The old key stays: deleting it could leave the account without a key
		// whose secret anyone holds.
		out.warnings = append(out.warnings, needField(newWarnings, created.Path, "data.key", upstream.KindString,
			fmt.Sprintf("the answer carried no secret under data.key, so the old key %d was kept: look for the new secret in new_key, store it, then delete key %d with action delete", id, id))...)
		out.data, err = json.Marshal(rot)
		return out, err
	}
	out.warnings = append(out.warnings, newWarnings...)
	if del, err := c.client.DeleteAPIKey(ctx, c.token, id); err != nil {
		out.notes = append(out.notes, fmt.Sprintf("WARNING: %s was created and is kept, but deleting the old key %d failed (%v). Both keys work now: delete key %d with action delete.", newKey, id, err, id))
	} else {
		rot.OldKeyDeleted = true
		out.requestID = del.RequestID
		out.warnings = append(out.warnings, del.Warnings...)
	}
	out.notes = append(out.notes, "new_key.key is the whole new secret and is shown only this once: store it now.")
	out.data, err = json.Marshal(rot)
	return out, err
}
