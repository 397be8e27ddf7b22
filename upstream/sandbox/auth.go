package sandbox

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	verifyCodeTTL = 24 * time.Hour
	resetTokenTTL = 60 * time.Minute // Laravel's default password broker expiry
	// pbkdf2Iter is deliberately low: these are throwaway sandbox accounts,
	// and tests create many. It still keeps plain passwords out of memory.
	pbkdf2Iter = 1024

	forgotMessage = "If an account exists for that email, a password reset link has been sent."
	resendMessage = "If the email is registered and not yet verified, a new verification email has been sent."
)

// user is an account: a person, and the owner of one team.
type user struct {
	id        int64
	name      string
	email     string // lowercased
	username  string
	aboutMe   string
	salt      []byte
	pwHash    []byte
	verified  bool
	socials   map[string]string
	prefs     preferences
	balance   float64
	createdAt time.Time

	defaultKeyID int64
	keys         map[int64]*apiKey
	tokens       map[int64]*token  // tokens this person holds (any account)
	team         map[int64]*member // members of this account's team

	verifyCode    string
	verifyExpires time.Time
	resetHash     string // hex sha256 of the reset token
	resetExpires  time.Time

	// money is the account's wallet ledger, cards, invoices, subscriptions
	// and usage (money.go); built on first use.
	money *accountMoney
}

type userSummary struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Username string `json:"username"`
	Verified bool   `json:"verified"`
}

func (u *user) summary() userSummary {
	return userSummary{u.id, u.name, u.email, u.username, u.verified}
}

func (s *Sandbox) hashPassword(password string, salt []byte) []byte {
	k, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iter, 32)
	if err != nil { // only for invalid parameters, which these are not
		panic("sandbox: pbkdf2: " + err.Error())
	}
	return k
}

func (s *Sandbox) setPassword(u *user, password string) {
	u.salt = s.randBytes(16)
	u.pwHash = s.hashPassword(password, u.salt)
}

func (s *Sandbox) checkPassword(u *user, password string) bool {
	if u == nil {
		// Same work for unknown emails, so timing does not reveal accounts.
		s.hashPassword(password, []byte("sandbox-dummy-salt"))
		return false
	}
	return subtle.ConstantTimeCompare(s.hashPassword(password, u.salt), u.pwHash) == 1
}

// createUser adds an account; the caller has validated every field.
func (s *Sandbox) createUser(now time.Time, email, name, password string, verified bool) *user {
	email = normalizeEmail(email)
	u := &user{
		id: s.newID(), email: email, name: name, verified: verified, createdAt: now,
		username: s.uniqueUsername(email),
		socials:  map[string]string{},
		prefs:    preferences{WalletNotificationEnabled: false, WalletNotificationThreshold: 10},
		keys:     map[int64]*apiKey{}, tokens: map[int64]*token{}, team: map[int64]*member{},
	}
	if u.name == "" {
		u.name = email[:strings.IndexByte(email, '@')]
	}
	s.setPassword(u, password)
	s.users[u.id] = u
	s.byEmail[u.email] = u
	s.byName[strings.ToLower(u.username)] = u
	return u
}

// uniqueUsername derives a username from the email's local part: lowercase
// letters, digits, "_" and "-" (other runs become "_"), at most 32
// characters, made unique with a numeric suffix.
func (s *Sandbox) uniqueUsername(email string) string {
	local := email[:strings.IndexByte(email, '@')]
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(local) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			b.WriteRune(r)
			sep = false
		} else if !sep && b.Len() > 0 {
			b.WriteByte('_')
			sep = true
		}
	}
	base := strings.Trim(b.String(), "_-")
	if len(base) > 32 {
		base = base[:32]
	}
	if base == "" {
		base = "user"
	}
	name := base
	for i := 2; s.byName[name] != nil; i++ {
		name = base + strconv.Itoa(i)
	}
	return name
}

// newVerifyCode replaces any earlier code: only the newest one works.
func (s *Sandbox) newVerifyCode(now time.Time, u *user) {
	if u.verifyCode != "" {
		delete(s.verifyBy, u.verifyCode)
	}
	u.verifyCode = s.randString(40, alphanumerics)
	u.verifyExpires = now.Add(verifyCodeTTL)
	s.verifyBy[u.verifyCode] = u.id
	s.send(now, "verification", u.email, u.verifyCode, "")
}

// POST /auth/signup (201). The account starts unverified and a verification
// code goes to the outbox. Decision: name defaults to the email's local part.
func (s *Sandbox) signup(c *call) response {
	v := newValidator(c.body)
	email := v.required("email", 255)
	v.email("email", email)
	name, _ := v.optional("name", 255, true)
	password := v.required("password", 255)
	v.password(password, false)
	if !v.has("email") && s.byEmail[normalizeEmail(email)] != nil {
		v.add("email", "The email has already been taken.")
	}
	if v.failed() {
		return v.result()
	}
	if len(s.users) >= s.limits.MaxAccounts {
		return invalidField("email", "The sandbox account limit ("+strconv.Itoa(s.limits.MaxAccounts)+") has been reached.")
	}
	u := s.createUser(c.now, email, name, password, false)
	s.newVerifyCode(c.now, u)
	return created(map[string]any{
		"message":               "Account created. Check your email for the verification code.",
		"user":                  u.summary(),
		"verification_required": true,
	})
}

// POST /auth/login. A wrong password is checked before verification, so
// email_not_verified is only ever shown to the account's owner.
func (s *Sandbox) login(c *call) response {
	v := newValidator(c.body)
	email := v.required("email", 255)
	v.email("email", email)
	password := v.required("password", 0)
	name, expiry, scopes := tokenOptions(v, defaultDeviceName)
	if v.failed() {
		return v.result()
	}
	u := s.byEmail[normalizeEmail(email)]
	if !s.checkPassword(u, password) {
		return fail(http.StatusUnauthorized, "invalid_credentials", "Email or password is incorrect.", nil)
	}
	if !u.verified {
		return fail(http.StatusForbidden, "email_not_verified", "Email is not verified.",
			map[string]any{"verification_required": true})
	}
	t, plain, errRes := s.issueToken(c.now, u, u, name, expiry, scopes)
	if errRes != nil {
		return *errRes
	}
	return ok(s.grant(t, plain, scopes != nil))
}

// POST /auth/verify-email (alias /auth/verify). Verifies the account, creates
// its default API key, and logs in. Decision: device_name, token_expiry and
// scopes are accepted as on login.
func (s *Sandbox) verifyEmail(c *call) response {
	v := newValidator(c.body)
	code := v.required("verification_code", 255)
	name, expiry, scopes := tokenOptions(v, defaultDeviceName)
	if v.failed() {
		return v.result()
	}
	u := s.users[s.verifyBy[code]]
	if u == nil || u.verifyCode != code || !c.now.Before(u.verifyExpires) {
		return invalidField("verification_code", "The verification code is invalid or has expired.")
	}
	delete(s.verifyBy, code)
	u.verifyCode = ""
	u.verified = true
	if u.defaultKeyID == 0 && len(u.keys) < s.limits.MaxAPIKeysPerUser {
		u.defaultKeyID = s.addAPIKey(c.now, u, "Default", "").id
	}
	t, plain, errRes := s.issueToken(c.now, u, u, name, expiry, scopes)
	if errRes != nil {
		return *errRes
	}
	d := s.grant(t, plain, scopes != nil)
	d["message"] = "Email verified successfully."
	return ok(d)
}

// POST /auth/resend-verification: the same answer whether or not the email
// exists; only an unverified account gets a (new) code.
func (s *Sandbox) resendVerification(c *call) response {
	v := newValidator(c.body)
	email := v.required("email", 255)
	v.email("email", email)
	if v.failed() {
		return v.result()
	}
	if u := s.byEmail[normalizeEmail(email)]; u != nil && !u.verified {
		s.newVerifyCode(c.now, u)
	}
	return message(resendMessage)
}

// POST /auth/forgot-password: the same answer whether or not the email
// exists; an existing account gets a reset token (replacing any earlier one).
func (s *Sandbox) forgotPassword(c *call) response {
	v := newValidator(c.body)
	email := v.required("email", 255)
	v.email("email", email)
	if v.failed() {
		return v.result()
	}
	if u := s.byEmail[normalizeEmail(email)]; u != nil {
		tok := s.randString(40, alphanumerics)
		sum := sha256.Sum256([]byte(tok))
		u.resetHash = hex.EncodeToString(sum[:])
		u.resetExpires = c.now.Add(resetTokenTTL)
		s.send(c.now, "password_reset", u.email, tok, "")
	}
	return message(forgotMessage)
}

// POST /auth/reset-password. The token is single-use and valid for 60
// minutes. Decision: a reset revokes every token of the account (the old
// password is presumed compromised); it does not verify the email.
func (s *Sandbox) resetPassword(c *call) response {
	v := newValidator(c.body)
	email := v.required("email", 255)
	v.email("email", email)
	tok := v.required("token", 255)
	password := v.required("password", 255)
	v.password(password, true)
	if v.failed() {
		return v.result()
	}
	u := s.byEmail[normalizeEmail(email)]
	sum := sha256.Sum256([]byte(tok))
	if u == nil || u.resetHash == "" || !c.now.Before(u.resetExpires) ||
		subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(u.resetHash)) != 1 {
		return invalidField("token", "This password reset token is invalid.")
	}
	u.resetHash = ""
	s.setPassword(u, password)
	for id := range u.tokens {
		s.dropToken(id)
	}
	return message("Your password has been reset. Log in with the new password.")
}
