package sandbox

import (
	"strconv"
	"testing"
	"time"
)

func TestAuthRateLimit(t *testing.T) {
	e := newEnv(t, Options{AuthLimit: 3})
	reset := strconv.FormatInt(e.clock.Now().Add(time.Minute).Unix(), 10)
	body := map[string]any{"email": "nobody@x.test", "password": "whatever1"}
	for i := 0; i < 3; i++ {
		r := e.do("POST", v1+"/auth/login", "", body).wantErr(401, "invalid_credentials")
		if r.Header.Get("X-RateLimit-Limit") != "3" || r.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) ||
			r.Header.Get("X-RateLimit-Reset") != reset {
			t.Fatalf("hit %d headers: %v", i, r.Header)
		}
	}
	e.clock.Advance(20 * time.Second)
	r := e.do("POST", v1+"/auth/login", "", body).wantErr(429, "rate_limited")
	if r.Error.Message != "Too Many Attempts." || r.Header.Get("Retry-After") != "40" ||
		r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Reset") != reset {
		t.Fatalf("429: %s %v", r.Raw, r.Header)
	}
	// Keyed per IP+email: another email, or another IP, is unaffected; the
	// limiter covers every agent-auth endpoint with the same key.
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": "other@x.test", "password": "whatever1"}).want(401)
	e.do("POST", v1+"/auth/forgot-password", "", map[string]any{"email": "NOBODY@x.test"}).wantErr(429, "rate_limited")
	e.ip = "192.0.2.2"
	e.do("POST", v1+"/auth/login", "", body).want(401)
	e.ip = "192.0.2.1"
	// The window ends at its reset time.
	e.clock.Advance(40 * time.Second)
	r = e.do("POST", v1+"/auth/login", "", body).want(401)
	if r.Header.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("after reset: %v", r.Header)
	}
}

func TestGeneralRateLimit(t *testing.T) {
	e := newEnv(t, Options{GeneralLimit: 5})
	tok := e.demoToken()
	mate := e.login(demoTeammateEmail, demoPassword, nil)
	for i := 0; i < 5; i++ {
		r := e.do("GET", v1+"/me", tok, nil).want(200)
		if r.Header.Get("X-RateLimit-Limit") != "5" || r.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(4-i) {
			t.Fatalf("hit %d: %v", i, r.Header)
		}
	}
	r := e.do("GET", v1+"/api-keys", tok, nil).wantErr(429, "rate_limited")
	if r.Header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Per user: the teammate on the same IP still has a full window.
	e.do("GET", v1+"/me", mate, nil).want(200)
	// Unauthenticated requests are limited per IP too, and still carry headers.
	for i := 0; i < 5; i++ {
		r := e.do("GET", v1+"/me", "", nil).wantErr(401, "unauthenticated")
		if r.Header.Get("X-RateLimit-Remaining") == "" {
			t.Fatal("401 without rate-limit headers")
		}
	}
	e.do("GET", v1+"/me", "bad|token", nil).wantErr(429, "rate_limited")
	// Unknown routes carry the headers too.
	e.ip = "198.51.100.7"
	if r := e.do("GET", v1+"/nope", "", nil).wantErr(404, "not_found"); r.Header.Get("X-RateLimit-Limit") != "5" {
		t.Fatalf("404 headers: %v", r.Header)
	}
	e.clock.Advance(time.Minute)
	e.ip = "192.0.2.1"
	e.do("GET", v1+"/me", tok, nil).want(200)
}

func TestRateLimitDisabled(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, AuthLimit: 1})
	for i := 0; i < 5; i++ {
		r := e.do("POST", v1+"/auth/login", "", map[string]any{"email": "a@b.test", "password": "whatever1"}).want(401)
		if r.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("headers sent with rate limiting disabled")
		}
	}
}

func TestLimiterSweepBoundsMemory(t *testing.T) {
	e := newEnv(t, Options{Empty: true})
	for i := 0; i < 50; i++ {
		e.do("POST", v1+"/auth/forgot-password", "", map[string]any{"email": "u" + strconv.Itoa(i) + "@x.test"}).want(200)
	}
	e.s.mu.Lock()
	n := len(e.s.limiter.windows)
	e.s.mu.Unlock()
	if n != 50 {
		t.Fatalf("windows = %d, want 50", n)
	}
	e.clock.Advance(2 * time.Minute)
	e.do("POST", v1+"/auth/forgot-password", "", map[string]any{"email": "last@x.test"}).want(200)
	e.s.mu.Lock()
	n = len(e.s.limiter.windows)
	e.s.mu.Unlock()
	if n != 1 {
		t.Fatalf("expired windows not swept: %d left", n)
	}

	// The hard cap forgets windows rather than growing without bound.
	l := newLimiter()
	now := time.Now()
	for i := 0; i < maxWindows+10; i++ {
		l.hit(strconv.Itoa(i), 10, now)
	}
	if len(l.windows) > maxWindows {
		t.Fatalf("limiter holds %d windows, cap %d", len(l.windows), maxWindows)
	}
}
