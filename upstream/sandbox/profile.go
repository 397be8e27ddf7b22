package sandbox

import (
	"strings"
)

type preferences struct {
	NSFWContent                 bool    `json:"nsfw_content"`
	WalletNotificationEnabled   bool    `json:"wallet_notification_enabled"`
	WalletNotificationThreshold float64 `json:"wallet_notification_threshold"`
}

// socialURLFields must be absolute http(s) URLs; discord is a handle.
var (
	socialURLFields = []string{"facebook", "github", "twitter", "instagram"}
	socialFields    = []string{"facebook", "github", "twitter", "instagram", "discord"}
)

type profileView struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Username    string         `json:"username"`
	Email       string         `json:"email"`
	AboutMe     any            `json:"about_me"`
	Verified    bool           `json:"verified"`
	Socials     map[string]any `json:"socials"`
	Preferences preferences    `json:"preferences"`
	Wallet      walletView     `json:"wallet"`
	CreatedAt   string         `json:"created_at"`
}

type walletView struct {
	Balance  float64 `json:"balance"`
	Currency string  `json:"currency"`
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (u *user) profile() profileView {
	socials := map[string]any{}
	for _, k := range socialFields {
		socials[k] = nullIfEmpty(u.socials[k])
	}
	return profileView{
		ID: u.id, Name: u.name, Username: u.username, Email: u.email,
		AboutMe: nullIfEmpty(u.aboutMe), Verified: u.verified, Socials: socials,
		Preferences: u.prefs, Wallet: walletView{Balance: u.balance, Currency: "USD"},
		CreatedAt: iso(u.createdAt),
	}
}

// GET /me: the profile of the account the token acts on.
func (s *Sandbox) getProfile(c *call) response { return ok(c.acct.profile()) }

// PATCH /me: name, username (alpha-dash, unique regardless of case),
// about_me (null or "" clears it). Absent fields are unchanged; nothing
// changes unless everything is valid.
func (s *Sandbox) updateProfile(c *call) response {
	v := newValidator(c.body)
	name, setName := v.optional("name", 255, false)
	username, setUser := v.optional("username", 32, false)
	about, setAbout := v.optional("about_me", 1000, true)
	if setUser && !v.has("username") {
		if !usernameRe().MatchString(username) {
			v.add("username", "The username field must only contain letters, numbers, dashes, and underscores.")
		} else if other := s.byName[strings.ToLower(username)]; other != nil && other != c.acct {
			v.add("username", "The username has already been taken.")
		}
	}
	if v.failed() {
		return v.result()
	}
	u := c.acct
	if setName {
		u.name = name
	}
	if setUser {
		delete(s.byName, strings.ToLower(u.username))
		u.username = username
		s.byName[strings.ToLower(username)] = u
	}
	if setAbout {
		u.aboutMe = about
	}
	return ok(u.profile())
}

// PATCH /me/password. Decision: other tokens stay valid (use
// revoke-others), and a switched-account token may not change the team
// account's password (403 access_denied): it belongs to the account's owner.
func (s *Sandbox) updatePassword(c *call) response {
	if c.acct != c.owner {
		return accessDenied("A switched-account token cannot change the account password.")
	}
	v := newValidator(c.body)
	current := v.required("current_password", 0)
	password := v.required("password", 255)
	v.password(password, true)
	if !v.has("current_password") && !s.checkPassword(c.owner, current) {
		v.add("current_password", "The password is incorrect.")
	}
	if v.failed() {
		return v.result()
	}
	s.setPassword(c.owner, password)
	return message("Password updated successfully.")
}

// PATCH /me/socials: facebook, github, twitter, instagram (http(s) URLs) and
// discord (a handle); null or "" clears one.
func (s *Sandbox) updateSocials(c *call) response {
	v := newValidator(c.body)
	changes := map[string]string{}
	for _, k := range socialURLFields {
		if val, set := v.optional(k, 255, true); set {
			if val != "" && !v.has(k) && !validURL(val) {
				v.add(k, "The "+k+" field must be a valid URL.")
			}
			changes[k] = val
		}
	}
	if val, set := v.optional("discord", 64, true); set {
		if val != "" && !v.has("discord") && !discordRe().MatchString(val) {
			v.add("discord", "The discord field format is invalid.")
		}
		changes["discord"] = val
	}
	if v.failed() {
		return v.result()
	}
	for k, val := range changes {
		if val == "" {
			delete(c.acct.socials, k)
		} else {
			c.acct.socials[k] = val
		}
	}
	return ok(c.acct.profile())
}

// PATCH /me/preferences: nsfw_content and wallet_notification_enabled
// (booleans), wallet_notification_threshold (a number ≥ 0).
func (s *Sandbox) updatePreferences(c *call) response {
	v := newValidator(c.body)
	nsfw, setNSFW := v.boolean("nsfw_content")
	notify, setNotify := v.boolean("wallet_notification_enabled")
	threshold, setThreshold := v.number("wallet_notification_threshold")
	if setThreshold && threshold < 0 {
		v.add("wallet_notification_threshold", "The wallet notification threshold field must be at least 0.")
	}
	if v.failed() {
		return v.result()
	}
	p := &c.acct.prefs
	if setNSFW {
		p.NSFWContent = nsfw
	}
	if setNotify {
		p.WalletNotificationEnabled = notify
	}
	if setThreshold {
		p.WalletNotificationThreshold = threshold
	}
	return ok(c.acct.profile())
}
