package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash/crc32"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	scopeAll         = "*"
	scopeTokensRead  = "tokens:read"
	scopeTokensWrite = "tokens:write"

	defaultDeviceName  = "agent-control-plane"
	defaultTokenExpiry = "1_month"
)

// knownScopes are the scopes a token may be granted (contract §2).
var knownScopes = map[string]bool{
	scopeAll: true, "profile:read": true, "profile:write": true,
	scopeTokensRead: true, scopeTokensWrite: true,
	"api-keys:read": true, "api-keys:write": true, "teams:read": true, "teams:write": true,
	"usage:read": true, "models:read": true, "files:write": true,
	"billing:read": true, "billing:write": true, "wallet:read": true, "wallet:write": true,
	"subscriptions:read": true, "subscriptions:write": true,
}

// tokenLifetimes maps token_expiry to a lifetime; 0 means it never expires.
var tokenLifetimes = map[string]time.Duration{
	"1_week": 7 * 24 * time.Hour, "1_month": 30 * 24 * time.Hour, "3_months": 90 * 24 * time.Hour,
	"6_months": 180 * 24 * time.Hour, "1_year": 365 * 24 * time.Hour, "never": 0,
}

// token is a Sanctum personal access token. Only a sha256 of the secret is
// kept. owner is the person who authenticated; account is whose data the
// token acts on (different after switch-account). Token endpoints work on
// the owner's tokens, everything else on the account.
type token struct {
	id         int64
	ownerID    int64
	accountID  int64
	name       string
	hash       [sha256.Size]byte
	scopes     []string
	expiry     string
	expiresAt  time.Time // zero = never
	lastUsedAt time.Time // zero = never used
	createdAt  time.Time
}

func (t *token) expired(now time.Time) bool {
	return !t.expiresAt.IsZero() && !now.Before(t.expiresAt)
}

func hasScope(held []string, want string) bool {
	return contains(held, scopeAll) || contains(held, want)
}

// tokenOptions validates device_name, token_expiry and scopes, shared by
// login, verify-email, refresh and switch-account. scopes is nil when the
// field was not sent.
func tokenOptions(v *validator, defaultName string) (name, expiry string, scopes []string) {
	name = v.optionalDefault("device_name", 255, defaultName)
	expiry = v.optionalDefault("token_expiry", 0, defaultTokenExpiry)
	if _, ok := tokenLifetimes[expiry]; !ok && !v.has("token_expiry") {
		v.add("token_expiry", "The selected token expiry is invalid.")
	}
	items, set := v.stringList("scopes", 32, 64)
	if !set {
		return name, expiry, nil
	}
	// Decision: an empty scopes array is a 422 rather than a token that can
	// do nothing but log out, or a silent "*".
	if len(items) == 0 && !v.has("scopes") {
		v.add("scopes", "The scopes field must have at least 1 items.")
	}
	for i, sc := range items {
		if sc != "" && !knownScopes[sc] {
			key := "scopes." + strconv.Itoa(i)
			v.add(key, "The selected "+key+" is invalid.")
		}
	}
	list := dedupe(items)
	if contains(list, scopeAll) {
		list = []string{scopeAll}
	}
	return name, expiry, list
}

// issueToken mints a token for owner acting as account. It fails with a 422
// past Limits.MaxTokensPerUser live tokens.
func (s *Sandbox) issueToken(now time.Time, owner, account *user, name, expiry string, scopes []string) (*token, string, *response) {
	live := 0
	for id, t := range owner.tokens {
		if t.expired(now) {
			s.dropToken(id)
			continue
		}
		live++
	}
	if live >= s.limits.MaxTokensPerUser {
		r := invalidField("tokens", "You may not have more than "+strconv.Itoa(s.limits.MaxTokensPerUser)+
			" active tokens. Revoke some with DELETE /auth/tokens/{id}.")
		return nil, "", &r
	}
	if scopes == nil {
		scopes = []string{scopeAll}
	}
	// Sanctum: 40 random alphanumerics then the crc32b of them in hex.
	random := s.randString(40, alphanumerics)
	secret := random + fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(random)))
	t := &token{
		id: s.newID(), ownerID: owner.id, accountID: account.id, name: name,
		hash: sha256.Sum256([]byte(secret)), scopes: append([]string(nil), scopes...),
		expiry: expiry, createdAt: now,
	}
	if d := tokenLifetimes[expiry]; d > 0 {
		t.expiresAt = now.Add(d)
	}
	s.tokens[t.id] = t
	owner.tokens[t.id] = t
	return t, strconv.FormatInt(t.id, 10) + "|" + secret, nil
}

func (s *Sandbox) dropToken(id int64) {
	if t := s.tokens[id]; t != nil {
		delete(s.tokens, id)
		if o := s.users[t.ownerID]; o != nil {
			delete(o.tokens, id)
		}
	}
}

// authenticate resolves the bearer token. Decision: only the Authorization
// header is accepted (the client always sends it upstream; X-Agent-Token is
// for MCP clients talking to the MCP server), and only the "<id>|<secret>"
// form. A switched token dies once its owner is no longer an accepted member
// of the account's team.
func (c *call) authenticate() bool {
	s := c.s
	h := c.r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	idStr, secret, found := strings.Cut(strings.TrimSpace(h[7:]), "|")
	if !found || len(idStr) > 18 || strings.Trim(idStr, "0123456789") != "" || idStr == "" {
		return false
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return false
	}
	t := s.tokens[id]
	if t == nil {
		return false
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], t.hash[:]) != 1 {
		return false
	}
	if t.expired(c.now) {
		s.dropToken(id)
		return false
	}
	owner, account := s.users[t.ownerID], s.users[t.accountID]
	if owner == nil || account == nil || (account != owner && s.acceptedMember(account, owner) == nil) {
		s.dropToken(id)
		return false
	}
	t.lastUsedAt = c.now
	c.tok, c.owner, c.acct = t, owner, account
	return true
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// isoOrNil renders a zero time as JSON null.
func isoOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return iso(t)
}

// grant is the data of login, verify-email, refresh and switch-account.
func (s *Sandbox) grant(t *token, plain string, withScopes bool) map[string]any {
	owner, account := s.users[t.ownerID], s.users[t.accountID]
	// Decision: a switched-account token does not reveal the team account's
	// default API key (api_key is null).
	var apiKey any
	if owner == account {
		if k := account.keys[account.defaultKeyID]; k != nil {
			apiKey = k.secret
		}
	}
	d := map[string]any{
		"access_token": plain,
		"token_type":   "Bearer",
		"token_expiry": t.expiry,
		"expires_at":   isoOrNil(t.expiresAt),
		"user":         account.summary(),
		"api_key":      apiKey,
	}
	if withScopes {
		d["scopes"] = t.scopes
	}
	return d
}

type tokenView struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	LastUsedAt any      `json:"last_used_at"`
	ExpiresAt  any      `json:"expires_at"`
	CreatedAt  string   `json:"created_at"`
}

// GET /auth/tokens: the owner's live tokens, oldest first.
func (s *Sandbox) listTokens(c *call) response {
	out := []tokenView{}
	for _, t := range c.owner.tokens {
		if t.expired(c.now) {
			continue
		}
		out = append(out, tokenView{t.id, t.name, t.scopes, isoOrNil(t.lastUsedAt), isoOrNil(t.expiresAt), iso(t.createdAt)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return ok(out)
}

// DELETE /auth/tokens/{id}: another person's token id is a 404. Revoking
// the calling token itself is allowed (it is a logout).
func (s *Sandbox) revokeToken(c *call) response {
	t := c.owner.tokens[c.id]
	if t == nil || t.expired(c.now) {
		return notFound()
	}
	s.dropToken(t.id)
	return message("Token revoked successfully.")
}

// POST /auth/tokens/revoke-others keeps only the calling token.
func (s *Sandbox) revokeOthers(c *call) response {
	n := 0
	for id := range c.owner.tokens {
		if id != c.tok.id {
			s.dropToken(id)
			n++
		}
	}
	return ok(map[string]any{"message": "Other tokens revoked successfully.", "revoked_count": n})
}

// POST /auth/logout revokes the calling token; never scope-gated.
func (s *Sandbox) logout(c *call) response {
	s.dropToken(c.tok.id)
	return message("Logged out successfully.")
}

// POST /auth/logout-all revokes every token of the owner, the calling one
// included.
func (s *Sandbox) logoutAll(c *call) response {
	n := len(c.owner.tokens)
	for id := range c.owner.tokens {
		s.dropToken(id)
	}
	return ok(map[string]any{"message": "All tokens revoked successfully.", "revoked_count": n})
}

// POST /auth/refresh rotates the calling token: same owner, account and
// scopes, new secret and expiry; device_name defaults to the old name.
func (s *Sandbox) refresh(c *call) response {
	v := newValidator(c.body)
	name := v.optionalDefault("device_name", 255, c.tok.name)
	expiry := v.optionalDefault("token_expiry", 0, defaultTokenExpiry)
	if _, ok := tokenLifetimes[expiry]; !ok && !v.has("token_expiry") {
		v.add("token_expiry", "The selected token expiry is invalid.")
	}
	if v.failed() {
		return v.result()
	}
	old := c.tok
	s.dropToken(old.id) // first, so the cap cannot refuse a rotation
	t, plain, errRes := s.issueToken(c.now, c.owner, c.acct, name, expiry, old.scopes)
	if errRes != nil {
		return *errRes
	}
	d := s.grant(t, plain, !contains(t.scopes, scopeAll))
	d["message"] = "Token refreshed successfully. Previous token has been revoked."
	return ok(d)
}

// POST /auth/switch-account issues a token acting as a team account.
//
// Decisions: the caller (the token's owner, even when the calling token is
// itself switched) must be an accepted member, any role, of the account's
// team, or name their own username to switch back to personal. An unknown
// account and one the caller is not a member of are the same 404, so the
// endpoint does not reveal which usernames exist. Scopes: requested ∩ the
// calling token's; omitted = the calling token's; asking for one the caller
// lacks is a 403 insufficient_scope. device_name defaults to
// "<calling token name> (as <username>)". The calling token stays valid.
func (s *Sandbox) switchAccount(c *call) response {
	v := newValidator(c.body)
	username := v.required("account_username", 255)
	name, expiry, scopes := tokenOptions(v, "")
	if v.failed() {
		return v.result()
	}
	target := s.byName[strings.ToLower(username)]
	if target == nil || (target != c.owner && s.acceptedMember(target, c.owner) == nil) {
		return fail(http.StatusNotFound, "not_found", "No team account with that username is available to you.", nil)
	}
	if scopes == nil {
		scopes = c.tok.scopes
	}
	for _, sc := range scopes {
		if !hasScope(c.tok.scopes, sc) {
			return c.insufficientScope(sc, c.tok.scopes)
		}
	}
	if name == "" {
		name = truncate(c.tok.name+" (as "+target.username+")", 255)
	}
	t, plain, errRes := s.issueToken(c.now, c.owner, target, name, expiry, scopes)
	if errRes != nil {
		return *errRes
	}
	d := s.grant(t, plain, true)
	d["account_username"] = target.username
	return ok(d)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// GET /auth/scopes lists every scope a token may be granted; no token needed.
// Decision: the real answer's shape is undocumented; the sandbox answers an
// array of {"name", "description"}.
func (s *Sandbox) listScopes(*call) response {
	names := make([]string, 0, len(knownScopes))
	for n := range knownScopes {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]map[string]string, len(names))
	for i, n := range names {
		desc := "full access"
		if area, mode, ok := strings.Cut(n, ":"); ok {
			desc = mode + " " + area
		}
		out[i] = map[string]string{"name": n, "description": desc}
	}
	return ok(out)
}
