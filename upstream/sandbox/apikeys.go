package sandbox

import (
	"sort"
	"strconv"
	"time"
)

// apiKey is a generation API key. The sandbox keeps the full secret because
// login returns the default key whole (contract §2).
type apiKey struct {
	id        int64
	userID    int64
	name      string
	notes     string
	secret    string
	createdAt time.Time
}

type apiKeyView struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Notes      any    `json:"notes"`
	Key        string `json:"key"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt any    `json:"last_used_at"` // always null: generation calls are not modelled
}

// view renders a key; unless full, the secret is masked as "…abcd", the one mask style of this project (README, Security model).
func (k *apiKey) view(full bool) apiKeyView {
	key := k.secret
	if !full {
		key = "…" + k.secret[len(k.secret)-4:]
	}
	return apiKeyView{k.id, k.name, nullIfEmpty(k.notes), key, iso(k.createdAt), nil}
}

func (s *Sandbox) addAPIKey(now time.Time, u *user, name, notes string) *apiKey {
	k := &apiKey{
		id: s.newID(), userID: u.id, name: name, notes: notes,
		secret: "sk_" + s.randString(40, alphanumerics), createdAt: now,
	}
	u.keys[k.id] = k
	return k
}

// key finds one of the account's keys; another account's id is a 404.
func (c *call) key() *apiKey { return c.acct.keys[c.id] }

// GET /api-keys: masked, oldest first.
func (s *Sandbox) listAPIKeys(c *call) response {
	out := []apiKeyView{}
	for _, k := range c.acct.keys {
		out = append(out, k.view(false))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return ok(out)
}

// POST /api-keys (201): the only response with the whole secret in key.
func (s *Sandbox) createAPIKey(c *call) response {
	v := newValidator(c.body)
	name := v.required("name", 255)
	notes, _ := v.optional("notes", 1000, true)
	if v.failed() {
		return v.result()
	}
	if len(c.acct.keys) >= s.limits.MaxAPIKeysPerUser {
		return invalidField("name", "You may not have more than "+strconv.Itoa(s.limits.MaxAPIKeysPerUser)+" API keys.")
	}
	return created(s.addAPIKey(c.now, c.acct, name, notes).view(true))
}

// GET /api-keys/{id}: masked.
func (s *Sandbox) getAPIKey(c *call) response {
	k := c.key()
	if k == nil {
		return notFound()
	}
	return ok(k.view(false))
}

// PUT /api-keys/{id}: name (not empty when sent) and notes (null clears).
func (s *Sandbox) updateAPIKey(c *call) response {
	k := c.key()
	if k == nil {
		return notFound()
	}
	v := newValidator(c.body)
	name, setName := v.optional("name", 255, false)
	notes, setNotes := v.optional("notes", 1000, true)
	if v.failed() {
		return v.result()
	}
	if setName {
		k.name = name
	}
	if setNotes {
		k.notes = notes
	}
	return ok(k.view(false))
}

// DELETE /api-keys/{id}. Deleting the default key makes login's api_key null.
func (s *Sandbox) deleteAPIKey(c *call) response {
	k := c.key()
	if k == nil {
		return notFound()
	}
	delete(c.acct.keys, k.id)
	if c.acct.defaultKeyID == k.id {
		c.acct.defaultKeyID = 0
	}
	return message("API key deleted successfully.")
}
