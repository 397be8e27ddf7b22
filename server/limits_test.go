package server

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// TestSessionCapEvictsOldestIdle opens more sessions than the cap: the
// replica keeps at most the cap, evicts the oldest first, keeps the one in
// use, and an evicted id is still served (it is not terminated).
func TestSessionCapEvictsOldestIdle(t *testing.T) {
	e := newEnv(t)
	m := NewMetrics("t", "t")
	opts := e.opts()
	opts.Metrics = m
	const limit = 50
	url := edgeServe(t, opts, HTTPOptions{MaxSessions: limit})
	c := &http.Client{}
	defer c.CloseIdleConnections()
	me := &metricsEnv{m: m}

	kept := edgeSession(t, c, url)
	first := edgeSession(t, c, url)
	for i := range 4 * limit {
		edgeSession(t, c, url)
		if i%10 == 0 { // the session in use stays the most recent
			if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(kept), strings.NewReader(edgePing)); st != http.StatusOK {
				t.Fatalf("ping on the session in use: HTTP %d %s", st, body)
			}
		}
	}
	if got := me.value(t, "modelslab_mcp_http_sessions_open", nil); got > limit || got < limit-1 {
		t.Errorf("sessions open = %v, want about the cap of %d", got, limit)
	}
	if got := me.value(t, "modelslab_mcp_http_sessions_evicted_total", nil); got < 3*limit {
		t.Errorf("evicted = %v, want at least %d", got, 3*limit)
	}
	// The oldest was evicted, not terminated: served as another replica would.
	if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(first), strings.NewReader(edgePing)); st != http.StatusOK {
		t.Errorf("ping on an evicted session: HTTP %d %s (want 200: eviction is not termination)", st, body)
	}
	// A DELETE still ends a session for good.
	if st, _, _ := edgeDo(t, c, http.MethodDelete, url, withSession(kept), nil); st != http.StatusOK {
		t.Fatalf("DELETE: HTTP %d", st)
	}
	if st, _, _ := edgeDo(t, c, http.MethodPost, url, withSession(kept), strings.NewReader(edgePing)); st != http.StatusNotFound {
		t.Errorf("ping after DELETE: HTTP %d, want 404", st)
	}
}

// TestSessionCapBoundsMemory opens many abandoned sessions under a small cap:
// what stays on the heap is the cap's worth, not the flood's.
func TestSessionCapBoundsMemory(t *testing.T) {
	e := newEnv(t)
	const limit = 100
	url := edgeServe(t, e.opts(), HTTPOptions{MaxSessions: limit})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	n := 3000
	if edgeLoadRace {
		n = 600
	}
	for range 200 {
		edgeSession(t, c, url) // warm up, and fill the cap
	}
	heap0, g0 := edgeHeap()
	for range n {
		edgeSession(t, c, url)
	}
	heap1, g1 := edgeHeap()
	grew := int64(heap1) - int64(heap0)
	t.Logf("%d handshakes over a cap of %d: heap %d KiB -> %d KiB, goroutines %d -> %d", n, limit, heap0>>10, heap1>>10, g0, g1)
	// Without the cap this is n x ~10 KB (30 MB); with it, noise.
	if grew > 2<<20 {
		t.Errorf("heap grew by %d KiB over a full cap", grew>>10)
	}
	if g1-g0 > 20 {
		t.Errorf("%d goroutines left behind", g1-g0)
	}
}

// TestSessionCapFullOfBusySessions: when every session under the cap has a
// call in flight, a new handshake gets 503 with Retry-After and a JSON-RPC
// error; once a call ends, handshakes work again.
func TestSessionCapFullOfBusySessions(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var inUpstream sync.WaitGroup
	inUpstream.Add(2)
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			inUpstream.Done()
			<-release
			return e.sb.Transport().RoundTrip(r)
		})})
	if err != nil {
		t.Fatal(err)
	}
	url := edgeServe(t, Options{Version: "t", Client: cl, Logger: zerolog.Nop()}, HTTPOptions{MaxSessions: 2})
	c := &http.Client{}
	defer c.CloseIdleConnections()
	d := e.sb.Demo()
	login := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"agent-auth","arguments":{"action":"login","email":"` +
		d.Email + `","password":"` + d.Password + `"}}}`
	var calls sync.WaitGroup
	for range 2 {
		id := edgeSession(t, c, url)
		calls.Go(func() {
			if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(id), strings.NewReader(login)); st != http.StatusOK {
				t.Errorf("busy call: HTTP %d %s", st, body)
			}
		})
	}
	inUpstream.Wait()
	st, h, body := edgeDo(t, c, http.MethodPost, url, nil, strings.NewReader(edgeInit))
	checkRefusal(t, st, h, body, http.StatusServiceUnavailable)
	close(release)
	calls.Wait()
	edgeSession(t, c, url)
}

// checkRefusal checks the shape of a 429 or 503: Retry-After and a JSON-RPC error.
func checkRefusal(t *testing.T, st int, h http.Header, body string, want int) {
	t.Helper()
	if st != want {
		t.Fatalf("HTTP %d, want %d: %s", st, want, body)
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", h.Get("Retry-After"))
	}
	var msg struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.JSONRPC != "2.0" || string(msg.ID) != "null" ||
		msg.Error.Code != -32000 || msg.Error.Message == "" {
		t.Errorf("body is not a JSON-RPC error: %s", body)
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
}

// clientFrom sends from a given loopback source address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestRateLimitPerAddress(t *testing.T) {
	e := newEnv(t)
	m := NewMetrics("t", "t")
	opts := e.opts()
	opts.Metrics = m
	url := edgeServe(t, opts, HTTPOptions{RateLimit: 1, RateBurst: 5})
	base := strings.TrimSuffix(url, "/mcp")
	a, b := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	defer a.CloseIdleConnections()
	defer b.CloseIdleConnections()
	for i := range 5 {
		if st, _, body := edgeDo(t, a, http.MethodPost, url, nil, strings.NewReader(edgeInit)); st != http.StatusOK {
			t.Fatalf("request %d within the burst: HTTP %d %s", i+1, st, body)
		}
	}
	st, h, body := edgeDo(t, a, http.MethodPost, url, nil, strings.NewReader(edgeInit))
	checkRefusal(t, st, h, body, http.StatusTooManyRequests)
	if !strings.Contains(body, "rate limit") {
		t.Errorf("429 body does not say why: %s", body)
	}
	// Another address has a bucket of its own; health checks are never limited.
	if st, _, body := edgeDo(t, b, http.MethodPost, url, nil, strings.NewReader(edgeInit)); st != http.StatusOK {
		t.Errorf("another address: HTTP %d %s", st, body)
	}
	if st, _, _ := edgeDo(t, a, http.MethodGet, base+"/readyz", nil, nil); st != http.StatusOK {
		t.Errorf("readyz from the limited address: HTTP %d", st)
	}
	me := &metricsEnv{m: m}
	if got := me.value(t, "modelslab_mcp_http_requests_refused_total", map[string]string{"reason": "rate_limited"}); got != 1 {
		t.Errorf("refused{rate_limited} = %v, want 1", got)
	}
}

// Behind a trusted proxy, each client's X-Forwarded-For address has its own
// bucket; a client cannot pick another's by writing the header itself.
func TestRateLimitBehindTrustedProxy(t *testing.T) {
	e := newEnv(t)
	hs, err := NewHTTP(e.opts(), HTTPOptions{RateLimit: 1, RateBurst: 2, TrustedProxies: []string{"127.0.0.0/8"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(hs.Handler())
	defer srv.Close()
	c := srv.Client()
	send := func(xff string) int {
		st, _, _ := edgeDo(t, c, http.MethodPost, srv.URL+"/mcp", map[string]string{"X-Forwarded-For": xff}, strings.NewReader(edgeInit))
		return st
	}
	for range 2 {
		if st := send("203.0.113.7"); st != http.StatusOK {
			t.Fatalf("client 1 within its burst: HTTP %d", st)
		}
	}
	if st := send("203.0.113.7"); st != http.StatusTooManyRequests {
		t.Errorf("client 1 over its burst: HTTP %d, want 429", st)
	}
	if st := send("203.0.113.8"); st != http.StatusOK {
		t.Errorf("client 2: HTTP %d, want 200", st)
	}
	// Client 1 prepending a made-up address is still client 1.
	if st := send("198.51.100.1, 203.0.113.7"); st != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For: HTTP %d, want 429", st)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, err := parseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	l := newAddrLimiter(1, 1, trusted)
	cases := []struct {
		remote, xff, want string
	}{
		{"198.51.100.9:4000", "", "198.51.100.9"},
		{"198.51.100.9:4000", "203.0.113.1", "198.51.100.9"}, // not a trusted peer: its header is ignored
		{"10.1.2.3:4000", "203.0.113.1", "203.0.113.1"},
		{"10.1.2.3:4000", "6.6.6.6, 203.0.113.1, 10.9.9.9", "203.0.113.1"},
		{"192.0.2.1:80", "203.0.113.1,192.0.2.1", "203.0.113.1"},
		{"10.1.2.3:4000", "", "10.1.2.3"},
		{"10.1.2.3:4000", "junk, 10.4.4.4", "10.4.4.4"},
		{"[fd00::1]:443", "2001:db8::5", "2001:db8::5"},
		{"[::ffff:10.0.0.1]:443", "203.0.113.2", "203.0.113.2"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := l.clientAddr(r); got != netip.MustParseAddr(tc.want) {
			t.Errorf("remote %s, XFF %q: client %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if _, err := parseTrustedProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	// IPv6 clients share a bucket per /64.
	if limiterKey(netip.MustParseAddr("2001:db8:1:2::1")) != limiterKey(netip.MustParseAddr("2001:db8:1:2:ffff::9")) {
		t.Error("two addresses of one /64 have separate buckets")
	}
}

// The address table stays bounded when every request comes from a new address.
func TestRateLimitTableBounded(t *testing.T) {
	l := newAddrLimiter(10, 10, nil)
	l.maxAddrs = 1000
	r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	for i := range 10_000 {
		r.RemoteAddr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String() + ":1"
		l.allow(r)
	}
	if n := len(l.addrs); n > 1000 {
		t.Errorf("%d addresses kept, cap 1000", n)
	}
}

// The cap's order: least recently used idle session first; busy ones never.
func TestSessionCapOrder(t *testing.T) {
	var evicted []string
	var c *sessionCap
	c = newSessionCap(3, func(id string) bool { return !strings.HasPrefix(id, "forged") }, func(id string) {
		evicted = append(evicted, id)
		if c.forget(id) != true {
			t.Errorf("forget(%s) during its eviction did not say so", id)
		}
	})
	c.add("a")
	c.add("b")
	c.add("c")
	c.release(c.acquire("a")) // a is now the most recent
	c.add("d")
	if !slices.Equal(evicted, []string{"b"}) {
		t.Fatalf("evicted %v, want [b]", evicted)
	}
	busy := c.acquire("c") // c is busy: never a victim
	c.add("e")
	c.add("f")
	if !slices.Equal(evicted, []string{"b", "a", "d"}) {
		t.Fatalf("evicted %v, want [b a d]", evicted)
	}
	if c.acquire("forged-id") != nil {
		t.Error("a badly signed id was tracked")
	}
	c.release(busy)
	// A client's DELETE (not an eviction) forgets the entry.
	if c.forget("e") {
		t.Error("a client's termination was taken for an eviction")
	}
	if n := c.len(); n != 2 {
		t.Errorf("%d tracked, want 2 (c, f)", n)
	}
	if c.full() {
		t.Error("full with room left")
	}
}
