package sandbox

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// A sandbox with Options.StatePath keeps its state in that file, so that it
// outlives the process: a client that starts a server for every call (the
// MCP Inspector's CLI) signs up in one process and verifies in the next.
// Every request takes a file lock (flock; LockFileEx on Windows), reads what
// another process wrote since, and writes the state back, atomically
// (rename), before the lock is released. The file holds sandbox data only:
// made-up accounts, hashed passwords and token hashes, the made-up API keys
// and codes, and the token a stdio session adopted (see SessionToken).

// stateVersion is the file format; a file of another version is ignored.
const stateVersion = 1

type store struct {
	path string
	mu   sync.Mutex // the file lock is per open file: one holder per process at a time
	lock *os.File   // path + ".lock", opened at first use and kept
	// stamp is the file as last read or written: another process wrote it
	// when it differs.
	stamp fileStamp
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// ResetState removes the state file at path under its lock, so the next
// request of any sandbox using it starts from the seeded demo data.
func ResetState(path string) error {
	st := &store{path: path}
	if err := st.acquire(); err != nil {
		return err
	}
	defer st.release()
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// PrepareState checks, at start-up, that the state file's directory exists
// or can be made and that the file, if there, is readable.
func PrepareState(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func (st *store) acquire() error {
	st.mu.Lock()
	if st.lock == nil {
		if err := os.MkdirAll(filepath.Dir(st.path), 0o700); err != nil {
			st.mu.Unlock()
			return err
		}
		f, err := os.OpenFile(st.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			st.mu.Unlock()
			return err
		}
		st.lock = f
	}
	if err := lockFile(st.lock); err != nil {
		st.mu.Unlock()
		return fmt.Errorf("lock %s: %w", st.lock.Name(), err)
	}
	return nil
}

func (st *store) release() {
	_ = unlockFile(st.lock)
	st.mu.Unlock()
}

// lockState takes the sandbox's locks and, with a state file, reads what
// another process wrote since. Pair with unlockState.
func (s *Sandbox) lockState() {
	if s.store != nil {
		if err := s.store.acquire(); err != nil {
			s.log.Error().Err(err).Msg("sandbox state: cannot lock the state file; serving from memory")
			s.store = nil // one message, then in memory
		}
	}
	s.mu.Lock()
	if s.store != nil {
		s.load()
	}
}

// unlockState writes the state back when changed, then releases the locks.
func (s *Sandbox) unlockState(changed bool) {
	st := s.store
	if st != nil && changed {
		if err := s.save(); err != nil {
			s.log.Error().Err(err).Str("path", st.path).Msg("sandbox state: cannot write the state file")
		}
	}
	s.mu.Unlock()
	if st != nil {
		st.release()
	}
}

// load reads the file when another process changed it. A file removed since
// (sandbox reset) starts the seeded demo data again. Under s.mu and the lock.
func (s *Sandbox) load() {
	st := s.store
	fi, err := os.Stat(st.path)
	if errors.Is(err, fs.ErrNotExist) {
		if st.stamp != (fileStamp{}) {
			s.reseed()
			st.stamp = fileStamp{}
		}
		return
	}
	if err != nil {
		s.log.Error().Err(err).Str("path", st.path).Msg("sandbox state: cannot read the state file")
		return
	}
	stamp := fileStamp{fi.ModTime(), fi.Size()}
	if stamp == st.stamp {
		return
	}
	raw, err := os.ReadFile(st.path)
	if err == nil {
		err = s.restore(raw)
	}
	if err != nil {
		s.log.Warn().Err(err).Str("path", st.path).
			Msg("sandbox state: the state file is unreadable; it will be replaced (modelslab-agents-mcp sandbox reset removes it)")
	}
	st.stamp = stamp
}

func (s *Sandbox) save() error {
	st := s.store
	raw, err := json.Marshal(s.snapshot())
	if err != nil {
		return err
	}
	tmp := st.path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, st.path); err != nil {
		return err
	}
	fi, err := os.Stat(st.path)
	if err != nil {
		return err
	}
	st.stamp = fileStamp{fi.ModTime(), fi.Size()}
	return nil
}

// reseed replaces the state with the seeded demo data. Under s.mu.
func (s *Sandbox) reseed() {
	s.nextID = 0
	s.users, s.byEmail, s.byName = map[int64]*user{}, map[string]*user{}, map[string]*user{}
	s.tokens, s.byInvite, s.verifyBy = map[int64]*token{}, map[string]*member{}, map[string]int64{}
	s.outbox, s.session, s.demo = nil, "", Demo{}
	s.sessions, s.idem, s.nextSubID = map[string]*checkoutSession{}, map[idemKey]*idemEntry{}, 2000 // as New
	if !s.opts.Empty {
		s.seedDemo()
	}
}

// SessionToken is the token a stdio session adopted, kept in the state file
// so that the next process of a client that starts one per call continues
// the session; "" without a state file.
func (s *Sandbox) SessionToken() string {
	if s.store == nil {
		return ""
	}
	s.lockState()
	defer s.unlockState(false)
	return s.session
}

// SetSessionToken keeps tok as the stdio session's token ("" for none).
func (s *Sandbox) SetSessionToken(tok string) {
	if s.store == nil {
		return
	}
	s.lockState()
	s.session = tok
	s.unlockState(true)
}

// StatePath is the state file, "" for a sandbox in memory.
func (s *Sandbox) StatePath() string {
	if s.store == nil {
		return ""
	}
	return s.store.path
}

// The file's shape: the unexported structs, field by field.
type (
	stateFile struct {
		Version int           `json:"version"`
		NextID  int64         `json:"next_id"`
		Demo    Demo          `json:"demo"`
		Users   []userState   `json:"users"`
		Tokens  []tokenState  `json:"tokens"`
		Keys    []keyState    `json:"api_keys"`
		Members []memberState `json:"members"`
		Outbox  []Mail        `json:"outbox"`
		Session string        `json:"session_token,omitempty"`
		// Money (issue 17): Checkout sessions, idempotent answers, and each
		// account's wallet, cards, invoices, subscriptions and usage.
		Sessions  []sessionState `json:"checkout_sessions,omitempty"`
		Idem      []idemState    `json:"idempotency,omitempty"`
		NextSubID int64          `json:"next_subscription_id"`
	}
	moneyState struct {
		Ledger      []ledgerEntry       `json:"ledger"`
		Credited    float64             `json:"credited"`
		Used        float64             `json:"used"`
		Cards       []card              `json:"cards"` // outcome follows from the test card's id
		DefaultCard string              `json:"default_card"`
		Info        map[string]string   `json:"info"`
		Invoices    []*invoice          `json:"invoices"`
		Subs        []subState          `json:"subscriptions"`
		Auto        [3]float64          `json:"auto_funding"` // enabled (0/1), amount, threshold
		Payments    map[string]*payment `json:"payments"`
		Usage       []usageState        `json:"usage"`
		Redeemed    map[string]bool     `json:"redeemed"`
		DiscountPct float64             `json:"discount_pct"`
		Reseller    bool                `json:"reseller"`
	}
	subState struct {
		ID, PlanID                        int64
		Status                            string
		Started, PeriodStart, PeriodEnd   time.Time
		StripeID, PaymentMethod, Category string
	}
	usageState struct {
		At                        time.Time
		Product, Feature, ModelID string
		Requests                  int
		Cost                      float64
	}
	sessionState struct {
		ID, Purpose, State, SuccessURL, CancelURL, Payment string
		Acct, PlanID, SubID                                int64
		Amount                                             float64
		Created, Expires                                   time.Time
	}
	idemState struct {
		Acct                    int64
		Method, Key, Path, Hash string
		Status                  int
		Data                    json.RawMessage
		Err                     *apiError
		At                      time.Time
	}
	userState struct {
		ID            int64             `json:"id"`
		Name          string            `json:"name"`
		Email         string            `json:"email"`
		Username      string            `json:"username"`
		AboutMe       string            `json:"about_me"`
		Salt          []byte            `json:"salt"`
		PwHash        []byte            `json:"pw_hash"`
		Verified      bool              `json:"verified"`
		Money         *moneyState       `json:"money,omitempty"` // nil until first used
		Socials       map[string]string `json:"socials"`
		Prefs         preferences       `json:"preferences"`
		Balance       float64           `json:"balance"`
		CreatedAt     time.Time         `json:"created_at"`
		DefaultKeyID  int64             `json:"default_key_id"`
		VerifyCode    string            `json:"verify_code,omitempty"`
		VerifyExpires time.Time         `json:"verify_expires"`
		ResetHash     string            `json:"reset_hash,omitempty"`
		ResetExpires  time.Time         `json:"reset_expires"`
	}
	tokenState struct {
		ID         int64     `json:"id"`
		OwnerID    int64     `json:"owner_id"`
		AccountID  int64     `json:"account_id"`
		Name       string    `json:"name"`
		Hash       []byte    `json:"hash"`
		Scopes     []string  `json:"scopes"`
		Expiry     string    `json:"expiry"`
		ExpiresAt  time.Time `json:"expires_at"`
		LastUsedAt time.Time `json:"last_used_at"`
		CreatedAt  time.Time `json:"created_at"`
	}
	keyState struct {
		ID        int64     `json:"id"`
		UserID    int64     `json:"user_id"`
		Name      string    `json:"name"`
		Notes     string    `json:"notes"`
		Secret    string    `json:"secret"`
		CreatedAt time.Time `json:"created_at"`
	}
	memberState struct {
		ID          int64     `json:"id"`
		OwnerID     int64     `json:"owner_id"`
		Email       string    `json:"email"`
		Role        string    `json:"role"`
		Permissions []string  `json:"permissions"`
		Status      string    `json:"status"`
		InviteID    string    `json:"invite_id"`
		CreatedAt   time.Time `json:"created_at"`
	}
)

// snapshot is the state as the file holds it. Under s.mu.
func (s *Sandbox) snapshot() stateFile {
	f := stateFile{Version: stateVersion, NextID: s.nextID, Demo: s.demo, Outbox: s.outbox, Session: s.session, NextSubID: s.nextSubID}
	for _, cs := range s.sessions {
		f.Sessions = append(f.Sessions, sessionState{cs.id, cs.purpose, cs.state, cs.successURL, cs.cancelURL, cs.payment,
			cs.acct, cs.planID, cs.subID, cs.amount, cs.created, cs.expires})
	}
	for k, e := range s.idem {
		f.Idem = append(f.Idem, idemState{k.acct, k.method, k.key, k.path, e.hash, e.status, e.data, e.err, e.at})
	}
	for _, u := range s.users {
		f.Users = append(f.Users, userState{u.id, u.name, u.email, u.username, u.aboutMe, u.salt, u.pwHash, u.verified, moneyToState(u.money),
			u.socials, u.prefs, u.balance, u.createdAt, u.defaultKeyID, u.verifyCode, u.verifyExpires, u.resetHash, u.resetExpires})
		for _, k := range u.keys {
			f.Keys = append(f.Keys, keyState{k.id, k.userID, k.name, k.notes, k.secret, k.createdAt})
		}
		for _, m := range u.team {
			f.Members = append(f.Members, memberState{m.id, m.ownerID, m.email, m.role, m.permissions, m.status, m.inviteID, m.createdAt})
		}
	}
	for _, t := range s.tokens {
		f.Tokens = append(f.Tokens, tokenState{t.id, t.ownerID, t.accountID, t.name, t.hash[:], t.scopes, t.expiry, t.expiresAt, t.lastUsedAt, t.createdAt})
	}
	return f
}

// restore replaces the state with the file's. Under s.mu.
func (s *Sandbox) restore(raw []byte) error {
	var f stateFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	if f.Version != stateVersion {
		return fmt.Errorf("state file version %d, want %d", f.Version, stateVersion)
	}
	users, byEmail, byName := map[int64]*user{}, map[string]*user{}, map[string]*user{}
	verifyBy := map[string]int64{}
	for _, us := range f.Users {
		u := &user{id: us.ID, name: us.Name, email: us.Email, username: us.Username, aboutMe: us.AboutMe, salt: us.Salt, money: moneyFromState(us.Money),
			pwHash: us.PwHash, verified: us.Verified, socials: us.Socials, prefs: us.Prefs, balance: us.Balance,
			createdAt: us.CreatedAt, defaultKeyID: us.DefaultKeyID, verifyCode: us.VerifyCode, verifyExpires: us.VerifyExpires,
			resetHash: us.ResetHash, resetExpires: us.ResetExpires,
			keys: map[int64]*apiKey{}, tokens: map[int64]*token{}, team: map[int64]*member{}}
		if u.socials == nil {
			u.socials = map[string]string{}
		}
		users[u.id], byEmail[u.email], byName[strings.ToLower(u.username)] = u, u, u
		if u.verifyCode != "" {
			verifyBy[u.verifyCode] = u.id
		}
	}
	tokens := map[int64]*token{}
	for _, ts := range f.Tokens {
		owner := users[ts.OwnerID]
		if owner == nil || users[ts.AccountID] == nil || len(ts.Hash) != sha256.Size {
			return fmt.Errorf("token %d: unknown owner or account, or a malformed hash", ts.ID)
		}
		t := &token{id: ts.ID, ownerID: ts.OwnerID, accountID: ts.AccountID, name: ts.Name, scopes: ts.Scopes,
			expiry: ts.Expiry, expiresAt: ts.ExpiresAt, lastUsedAt: ts.LastUsedAt, createdAt: ts.CreatedAt}
		copy(t.hash[:], ts.Hash)
		tokens[t.id], owner.tokens[t.id] = t, t
	}
	for _, ks := range f.Keys {
		u := users[ks.UserID]
		if u == nil {
			return fmt.Errorf("API key %d: unknown user", ks.ID)
		}
		u.keys[ks.ID] = &apiKey{ks.ID, ks.UserID, ks.Name, ks.Notes, ks.Secret, ks.CreatedAt}
	}
	byInvite := map[string]*member{}
	for _, ms := range f.Members {
		owner := users[ms.OwnerID]
		if owner == nil {
			return fmt.Errorf("member %d: unknown team", ms.ID)
		}
		m := &member{ms.ID, ms.OwnerID, ms.Email, ms.Role, ms.Permissions, ms.Status, ms.InviteID, ms.CreatedAt}
		owner.team[m.id], byInvite[m.inviteID] = m, m
	}
	sessions := map[string]*checkoutSession{}
	for _, ss := range f.Sessions {
		sessions[ss.ID] = &checkoutSession{id: ss.ID, acct: ss.Acct, purpose: ss.Purpose, amount: ss.Amount, planID: ss.PlanID,
			state: ss.State, created: ss.Created, expires: ss.Expires, successURL: ss.SuccessURL, cancelURL: ss.CancelURL,
			payment: ss.Payment, subID: ss.SubID}
	}
	idem := map[idemKey]*idemEntry{}
	for _, is := range f.Idem {
		idem[idemKey{acct: is.Acct, method: is.Method, key: is.Key, path: is.Path}] = &idemEntry{is.Hash, is.Status, is.Data, is.Err, is.At}
	}
	s.sessions, s.idem, s.nextSubID = sessions, idem, f.NextSubID
	s.nextID, s.demo, s.outbox, s.session = f.NextID, f.Demo, f.Outbox, f.Session
	s.users, s.byEmail, s.byName, s.tokens, s.byInvite, s.verifyBy = users, byEmail, byName, tokens, byInvite, verifyBy
	return nil
}

func moneyToState(m *accountMoney) *moneyState {
	if m == nil {
		return nil
	}
	ms := &moneyState{Ledger: m.ledger, Credited: m.credited, Used: m.used, Cards: m.cards, DefaultCard: m.defaultCard,
		Info: m.info, Invoices: m.invoices, Payments: m.payments, Redeemed: m.redeemed, DiscountPct: m.discountPct, Reseller: m.reseller,
		Auto: [3]float64{0, m.auto.amount, m.auto.threshold}}
	if m.auto.enabled {
		ms.Auto[0] = 1
	}
	for _, sub := range m.subs {
		ms.Subs = append(ms.Subs, subState{sub.id, sub.planID, sub.status, sub.started, sub.periodStart, sub.periodEnd,
			sub.stripeID, sub.paymentMethod, sub.category})
	}
	for _, r := range m.usage {
		ms.Usage = append(ms.Usage, usageState{r.at, r.product, r.feature, r.modelID, r.requests, r.cost})
	}
	return ms
}

func moneyFromState(ms *moneyState) *accountMoney {
	if ms == nil {
		return nil // built, with its seeded history, on first use
	}
	m := &accountMoney{ledger: ms.Ledger, credited: ms.Credited, used: ms.Used, defaultCard: ms.DefaultCard,
		info: ms.Info, invoices: ms.Invoices, payments: ms.Payments, redeemed: ms.Redeemed, discountPct: ms.DiscountPct,
		reseller: ms.Reseller, auto: autoFunding{ms.Auto[0] == 1, ms.Auto[1], ms.Auto[2]}}
	for _, c := range ms.Cards {
		if tc, ok := testCard(c.ID); ok {
			c.outcome = tc.outcome
		}
		m.cards = append(m.cards, c)
	}
	if m.info == nil {
		m.info = map[string]string{}
	}
	if m.payments == nil {
		m.payments = map[string]*payment{}
	}
	if m.redeemed == nil {
		m.redeemed = map[string]bool{}
	}
	for _, sub := range ms.Subs {
		m.subs = append(m.subs, &subscription{sub.ID, sub.PlanID, sub.Status, sub.Started, sub.PeriodStart, sub.PeriodEnd,
			sub.StripeID, sub.PaymentMethod, sub.Category})
	}
	for _, r := range ms.Usage {
		m.usage = append(m.usage, usageRecord{r.At, r.Product, r.Feature, r.ModelID, r.Requests, r.Cost})
	}
	return m
}
