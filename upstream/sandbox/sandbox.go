// Package sandbox is an in-memory fake of the ModelsLab Agent Control Plane
// (/api/agents/v1): auth, tokens, profile, API keys and teams, and (issue 17)
// usage, the model catalogue, billing, the wallet and subscriptions, with a
// Checkout page at CheckoutPath (see money.go for the money rules it plays).
//
// It is the offline default of the product ("rehearse account workflows
// offline"), and the upstream for every test, much like stripe-mock. It follows
// /work/shared/upstream-contract.md; where the contract is silent, the decision
// taken is written next to the code that implements it.
//
// Mail that the real service would send (verification codes, password reset
// tokens, team invitations) is kept in an outbox, readable with
// Sandbox.Outbox or GET /sandbox/outbox?email=..., and logged at info level.
//
// Every state change happens under one mutex, so a Sandbox is safe for
// concurrent use. Request bodies are read before the lock is taken, so a slow
// client cannot stall the others.
package sandbox

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// APIPrefix is the path prefix of every control-plane endpoint.
const APIPrefix = "/api/agents/v1"

// OutboxPath serves the sandbox outbox (outside APIPrefix, sandbox only).
const OutboxPath = "/sandbox/outbox"

// Options configures a Sandbox. The zero value is a ready-to-use sandbox with
// demo data, rate limiting and crypto-random secrets.
type Options struct {
	// Seed, when non-zero, makes ids, tokens, codes and request ids
	// deterministic (for tests). 0 uses crypto/rand.
	Seed int64
	// Empty skips the seeded demo data.
	Empty bool
	// DisableRateLimit turns the limiters off; responses then carry no
	// X-RateLimit-* headers.
	DisableRateLimit bool
	// AuthLimit is the agent-auth limit per minute, per IP+email (0 = 20).
	AuthLimit int
	// GeneralLimit is the agent-general limit per minute, per IP+user (0 = 120).
	GeneralLimit int
	// BillingLimit is the agent-billing limit per minute, per IP+user, for
	// fund, subscription and payment-method changes (0 = 15).
	BillingLimit int
	// CheckoutBase, when set, returns the scheme://host[:port] under which the
	// Checkout page (CheckoutPath) is reachable by a person's browser; the
	// sandbox calls it each time it mints a Checkout URL, so a server can
	// start that listener only then. Unset (or ""), the URL is built from the
	// request's Host when it came over a real listener, else from
	// http://sandbox.invalid (reachable only through Transport).
	CheckoutBase func() string
	// Now is the clock (nil = time.Now). Tests move it for expiry and limits.
	Now func() time.Time
	// Logger receives outbox mail (info) and request lines (debug). The zero
	// value discards everything.
	Logger zerolog.Logger
	// Limits caps the in-memory state; zero fields take the defaults.
	Limits Limits
	// StatePath, when set, keeps the state in this file, shared by every
	// process that names it (state.go); "" keeps it in memory.
	StatePath string
}

// Limits caps the sandbox's memory use. Past a cap, the request that would
// grow the state gets a 422 validation_error naming the limit.
type Limits struct {
	MaxAccounts       int // default 10000
	MaxTokensPerUser  int // live tokens per user; default 100
	MaxAPIKeysPerUser int // default 50
	MaxMembersPerTeam int // members and pending invitations; default 100
	MaxBodyBytes      int // request body; default 64 KiB
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxAccounts, 10000)
	def(&l.MaxTokensPerUser, 100)
	def(&l.MaxAPIKeysPerUser, 50)
	def(&l.MaxMembersPerTeam, 100)
	def(&l.MaxBodyBytes, 64<<10)
	return l
}

// Demo describes the seeded demo data. Every seeded account uses
// Demo.Password.
type Demo struct {
	Email    string // the demo user's login email
	Password string // the password of every seeded account
	Username string // "demo"
	// TeamAccountUsername is an account ("acme") whose team has the demo user
	// as an accepted admin, so switch-account works out of the box.
	TeamAccountUsername string
	APIKeyID            int64  // the demo user's default API key
	MemberID            int64  // an accepted member of the demo user's team
	PendingInviteEmail  string // a pending invitation in the demo user's team
	// The demo account's money (see money.go; built on first use): a 25.00
	// USD wallet with a ledger, this active subscription (plan 1, Basic,
	// 27.00 a month) and this default card (Visa 4242).
	SubscriptionID  int64
	PaymentMethodID string
}

// Sandbox is an in-memory control plane. Create it with New.
type Sandbox struct {
	opts   Options
	limits Limits
	now    func() time.Time
	log    zerolog.Logger

	mu        sync.Mutex
	rnd       io.Reader // crypto/rand or a seeded ChaCha8; used under mu
	nextID    int64     // one counter for users, tokens, keys and members
	users     map[int64]*user
	byEmail   map[string]*user   // lowercased email
	byName    map[string]*user   // lowercased username
	tokens    map[int64]*token   // by id, every person's
	byInvite  map[string]*member // by invite_id
	verifyBy  map[string]int64   // verification code -> user id
	outbox    []Mail             // oldest first; capped
	limiter   *limiter
	nextSweep time.Time
	demo      Demo
	store     *store // the state file; nil in memory
	session   string // a stdio session's token, kept with the state file
	// Issue 17: Checkout sessions by id, idempotent answers, id counters.
	sessions  map[string]*checkoutSession
	idem      map[idemKey]*idemEntry
	nextSubID int64

	routeTable []route // immutable after New
}

// New returns a sandbox configured by opts.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		opts:     opts,
		limits:   opts.Limits.withDefaults(),
		now:      opts.Now,
		log:      opts.Logger,
		users:    map[int64]*user{},
		byEmail:  map[string]*user{},
		byName:   map[string]*user{},
		tokens:   map[int64]*token{},
		byInvite: map[string]*member{},
		verifyBy: map[string]int64{},
		sessions: map[string]*checkoutSession{},
		idem:     map[idemKey]*idemEntry{},
		// Subscription ids of new subscriptions; the demo's is demoSubscriptionID.
		nextSubID: 2000,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.AuthLimit <= 0 {
		s.opts.AuthLimit = 20
	}
	if opts.GeneralLimit <= 0 {
		s.opts.GeneralLimit = 120
	}
	if opts.BillingLimit <= 0 {
		s.opts.BillingLimit = 15
	}
	if opts.StatePath != "" {
		s.store = &store{path: opts.StatePath} // read at the first request, not here
	}
	s.routeTable = s.routes()
	s.rnd = newRandSource(opts.Seed)
	s.limiter = newLimiter()
	if !opts.Empty {
		s.mu.Lock()
		s.seedDemo()
		s.mu.Unlock()
	}
	return s
}

// Demo returns the seeded demo data (the zero Demo if Options.Empty).
func (s *Sandbox) Demo() Demo { return s.demo }

// clock returns the current time in UTC, truncated to the second so that the
// timestamps the API prints round-trip exactly.
func (s *Sandbox) clock() time.Time { return s.now().UTC().Truncate(time.Second) }

func (s *Sandbox) newID() int64 {
	s.nextID++
	return s.nextID
}

// sweep drops expired state (tokens, reset tokens, verification codes, limiter
// windows) at most once a minute, so memory stays bounded under churn.
func (s *Sandbox) sweep(now time.Time) {
	if now.Before(s.nextSweep) {
		return
	}
	s.nextSweep = now.Add(time.Minute)
	for id, t := range s.tokens {
		if t.expired(now) {
			delete(s.tokens, id)
		}
	}
	for code, uid := range s.verifyBy {
		u := s.users[uid]
		if u == nil || u.verifyCode != code || !now.Before(u.verifyExpires) {
			delete(s.verifyBy, code)
		}
	}
	for _, u := range s.users {
		if u.resetHash != "" && !now.Before(u.resetExpires) {
			u.resetHash = ""
		}
	}
	s.limiter.sweep(now)
	s.sweepMoney(now)
}
