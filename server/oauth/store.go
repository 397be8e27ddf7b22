package oauth

import (
	"context"
	"sync"
	"time"
)

// Store holds the little state the tokens cannot carry: which single-use
// values (codes, refresh tokens) were used, and which grants were revoked.
// MemoryStore serves one replica; replicas behind a load balancer share a
// Store (Redis or Valkey) so that a code or an old refresh token replayed on
// another replica is refused too.
type Store interface {
	// Use marks id used until ttl has passed; it reports whether this was the
	// first use.
	Use(ctx context.Context, id string, ttl time.Duration) (first bool, err error)
	// Revoke denylists a grant for ttl (the longest any of its tokens lives).
	Revoke(ctx context.Context, grant string, ttl time.Duration) error
	// Revoked reports whether a grant was revoked.
	Revoked(ctx context.Context, grant string) (bool, error)
	// Rotate moves a grant's current refresh token from `from` to `to` for
	// ttl, atomically: it reports false when `from` is not the current one
	// (an old refresh token used again, or a grant the store no longer
	// holds). from "" starts a grant's chain. One entry per live grant, so
	// no number of refreshes can make the store forget a used token.
	Rotate(ctx context.Context, grant, from, to string, ttl time.Duration) (ok bool, err error)
}

// MemoryStore is the single-replica Store: maps with expiries, bounded.
type MemoryStore struct {
	mu      sync.Mutex
	used    map[string]time.Time
	revoked map[string]time.Time
	// current is each grant's current refresh token id.
	current map[string]currentRefresh
	max     int
	now     func() time.Time
}

// NewMemoryStore returns a store that keeps at most max entries of each kind
// (default 100 000); past it, expired entries are swept, and if none has
// expired the oldest-expiring goes first.
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = 100_000
	}
	return &MemoryStore{used: map[string]time.Time{}, revoked: map[string]time.Time{}, current: map[string]currentRefresh{},
		max: max, now: time.Now}
}

// currentRefresh is a grant's current refresh token id and when it expires.
type currentRefresh struct {
	id  string
	exp time.Time
}

func (m *MemoryStore) put(set map[string]time.Time, id string, exp time.Time) {
	makeRoom(set, m.max, m.now(), func(e time.Time) time.Time { return e })
	set[id] = exp
}

// makeRoom keeps set under max entries: past it, expired entries are swept,
// and if none has expired the one that expires first goes.
func makeRoom[V any](set map[string]V, max int, now time.Time, expiry func(V) time.Time) {
	if len(set) < max {
		return
	}
	var oldest string
	var oldestExp time.Time
	for k, v := range set {
		if e := expiry(v); !now.Before(e) {
			delete(set, k)
		} else if oldest == "" || e.Before(oldestExp) {
			oldest, oldestExp = k, e
		}
	}
	if len(set) >= max {
		delete(set, oldest)
	}
}

// Use implements Store.
func (m *MemoryStore) Use(_ context.Context, id string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.used[id]; ok && now.Before(exp) {
		return false, nil
	}
	m.put(m.used, id, now.Add(ttl))
	return true, nil
}

// Revoke implements Store.
func (m *MemoryStore) Revoke(_ context.Context, grant string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(m.revoked, grant, m.now().Add(ttl))
	return nil
}

// Revoked implements Store.
func (m *MemoryStore) Revoked(_ context.Context, grant string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.revoked[grant]
	return ok && m.now().Before(exp), nil
}

// Rotate implements Store. Past max live grants, the one that expires first
// is forgotten: its next refresh is refused (authorize again), never
// accepted, so a full store costs availability, not the reuse check.
func (m *MemoryStore) Rotate(_ context.Context, grant, from, to string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	cur, held := m.current[grant]
	held = held && now.Before(cur.exp)
	if (from == "" && held) || (from != "" && (!held || cur.id != from)) {
		return false, nil
	}
	delete(m.current, grant)
	makeRoom(m.current, m.max, now, func(c currentRefresh) time.Time { return c.exp })
	m.current[grant] = currentRefresh{id: to, exp: now.Add(ttl)}
	return true, nil
}
