package oauth

import (
	"context"
	"net/url"
	"testing"
	"time"
)

// testRotate checks a Store's refresh chain: a and b are two replicas' views
// of it (the same store for MemoryStore).
func testRotate(t *testing.T, a, b Store) {
	t.Helper()
	ctx := context.Background()
	g := randomID()
	if ok, err := a.Rotate(ctx, g, "", "r1", time.Minute); !ok || err != nil {
		t.Fatalf("start: %v %v", ok, err)
	}
	if ok, _ := b.Rotate(ctx, g, "", "r1b", time.Minute); ok {
		t.Fatal("a second start of the same grant was accepted")
	}
	if ok, err := b.Rotate(ctx, g, "r1", "r2", time.Minute); !ok || err != nil {
		t.Fatalf("rotate on another replica: %v %v", ok, err)
	}
	if ok, _ := a.Rotate(ctx, g, "r1", "r3", time.Minute); ok {
		t.Fatal("an old refresh token rotated the chain again")
	}
	if ok, _ := a.Rotate(ctx, g, "r2", "r3", time.Minute); !ok {
		t.Fatal("the current refresh token was refused")
	}
	if ok, _ := b.Rotate(ctx, randomID(), "r1", "r2", time.Minute); ok {
		t.Fatal("a grant the store never held rotated")
	}
}

func TestMemoryStoreRotate(t *testing.T) {
	m := NewMemoryStore(0)
	testRotate(t, m, m)
}

// TestRefreshReuseSurvivesManyRefreshes: however often a grant refreshes,
// an old refresh token is still refused and ends the grant. With one store
// entry per used token, a store bounded at 8 entries forgot the first token
// after 8 refreshes and accepted it again.
func TestRefreshReuseSurvivesManyRefreshes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Store = NewMemoryStore(8) })
	redirect := "http://127.0.0.1:7777/cb"
	cid := e.register(redirect)
	back := e.signIn(cid, redirect, nil)
	st, tk := e.exchange(cid, redirect, back.Query().Get("code"), verifier)
	if st != 200 {
		t.Fatalf("exchange: %d", st)
	}
	first := tk.Refresh
	cur := tk
	for i := range 40 {
		st, next := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cur.Refresh}, "client_id": {cid}})
		if st != 200 {
			t.Fatalf("refresh %d: %d %+v", i, st, next)
		}
		cur = next
	}
	st, bad := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}, "client_id": {cid}})
	if st != 400 || bad.Error != "invalid_grant" {
		t.Fatalf("the first refresh token after 40 refreshes: %d %+v", st, bad)
	}
	if r := e.callMCP(cur.Access); r.status != 401 {
		t.Fatalf("the grant survived the reuse: %d", r.status)
	}
}
