package server

import (
	"container/list"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"golang.org/x/time/rate"
)

// DefaultMaxSessions is the session cap when HTTPOptions leaves it at 0. An
// abandoned mcp-go session holds about 10 KB (mostly the buffered channels of
// its streamableHttpSession), so the cap bounds that state near 50 MB.
const DefaultMaxSessions = 5000

// sessionCap bounds the handshake-era sessions a replica holds state for.
//
// What holds memory: mcp-go keeps, per session id, a streamableHttpSession in
// MCPServer.sessions and StreamableHTTPServer.activeSessions (registered after
// initialize) and a last-activity entry in sessionLastActive (every request
// with a session id, this replica's or another's). Only its idle sweep
// (WithSessionIdleTTL) or a DELETE frees them, so a flood of handshakes would
// keep all of them for the sweep's 15 minutes.
//
// The cap tracks the ids this replica has state for, least recently used
// first, and past the cap evicts the oldest idle one (no request in flight)
// by sending mcp-go the DELETE a client would, which runs its own cleanup.
// An evicted id is not marked terminated: its session holds no credential, so
// its next request is served as any replica serves an id it did not mint.
type sessionCap struct {
	max   int
	valid func(id string) bool // a well-signed, unexpired id
	evict func(id string)      // frees mcp-go's state for id
	// onEvict and onFull are told of each eviction and 503 (metrics); may be nil.
	onEvict, onFull func()

	mu       sync.Mutex
	entries  map[string]*capEntry
	idle     list.List       // of *capEntry, most recently used first; busy entries are not in it
	evicting map[string]bool // ids being evicted: their Terminate is not a client's
}

type capEntry struct {
	id   string
	busy int           // requests in flight
	elem *list.Element // in idle; nil while busy
	gone bool          // no longer tracked
}

func newSessionCap(max int, valid func(string) bool, evict func(string)) *sessionCap {
	return &sessionCap{max: max, valid: valid, evict: evict, entries: map[string]*capEntry{}, evicting: map[string]bool{}}
}

// wrap tracks the sessions of the requests to /mcp and refuses a new one with
// 503 when the cap is reached and every session has a request in flight.
func (c *sessionCap) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Mcp-Session-Id")
		if id != "" {
			if e := c.acquire(id); e != nil {
				defer c.release(e)
			}
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost && c.full() {
			if c.onFull != nil {
				c.onFull()
			}
			refuse(w, http.StatusServiceUnavailable, time.Second,
				fmt.Sprintf("this server holds its limit of %d sessions, all of them busy: retry shortly", c.max))
			return
		}
		next.ServeHTTP(w, r)
		// mcp-go registers an initialized session before its handler returns;
		// the id it minted is in the response headers.
		if minted := w.Header().Get("Mcp-Session-Id"); minted != "" {
			c.add(minted)
		}
	})
}

// acquire marks id busy, tracking it first if it is new and well signed.
func (c *sessionCap) acquire(id string) *capEntry {
	c.mu.Lock()
	e := c.entries[id]
	c.mu.Unlock()
	if e == nil && !c.valid(id) {
		return nil // mcp-go answers 404 and keeps nothing
	}
	c.mu.Lock()
	if e = c.entries[id]; e == nil {
		e = &capEntry{id: id}
		c.entries[id] = e
	} else if e.elem != nil {
		c.idle.Remove(e.elem)
		e.elem = nil
	}
	e.busy++
	victims := c.victimsLocked()
	c.mu.Unlock()
	c.evictAll(victims)
	return e
}

// release ends a request on e; an idle session moves to the front.
func (c *sessionCap) release(e *capEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gone {
		return
	}
	if e.busy--; e.busy == 0 {
		e.elem = c.idle.PushFront(e)
	}
}

// add tracks a session minted by this replica.
func (c *sessionCap) add(id string) {
	c.mu.Lock()
	if c.entries[id] != nil {
		c.mu.Unlock()
		return
	}
	e := &capEntry{id: id}
	e.elem = c.idle.PushFront(e)
	c.entries[id] = e
	victims := c.victimsLocked()
	c.mu.Unlock()
	c.evictAll(victims)
}

// victimsLocked takes the oldest idle sessions out while over the cap.
func (c *sessionCap) victimsLocked() []string {
	var ids []string
	for len(c.entries) > c.max && c.idle.Len() > 0 {
		e := c.idle.Remove(c.idle.Back()).(*capEntry)
		e.elem, e.gone = nil, true
		delete(c.entries, e.id)
		c.evicting[e.id] = true
		ids = append(ids, e.id)
	}
	return ids
}

func (c *sessionCap) evictAll(ids []string) {
	for _, id := range ids {
		c.evict(id)
		c.mu.Lock()
		delete(c.evicting, id) // normally consumed by forget already
		c.mu.Unlock()
		if c.onEvict != nil {
			c.onEvict()
		}
	}
}

// forget is called when mcp-go terminates id (a client's DELETE, the idle
// sweep, shutdown or an eviction); it reports whether it is an eviction.
func (c *sessionCap) forget(id string) (evicting bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evicting[id] {
		delete(c.evicting, id)
		return true
	}
	if e := c.entries[id]; e != nil {
		if e.elem != nil {
			c.idle.Remove(e.elem)
			e.elem = nil
		}
		e.gone = true
		delete(c.entries, id)
	}
	return false
}

// full reports whether a new session could only exceed the cap.
func (c *sessionCap) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries) >= c.max && c.idle.Len() == 0
}

// len is the number of sessions tracked.
func (c *sessionCap) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// evict frees mcp-go's state for a session the cap pushed out, through the
// DELETE a client would send: mcp-go's own cleanup, nothing reached into.
func (s *HTTPServer) evict(id string) {
	req, err := http.NewRequest(http.MethodDelete, "/mcp", nil)
	if err != nil {
		return
	}
	req.Header.Set("Mcp-Session-Id", id)
	s.mcp.ServeHTTP(discardWriter{h: http.Header{}}, req)
}

// discardWriter is the response writer of an eviction's internal DELETE.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// addrLimiter limits the request rate per client address: a token bucket per
// address (per /64 for IPv6, what one host usually gets).
type addrLimiter struct {
	rate    rate.Limit
	burst   int
	trusted []netip.Prefix
	// maxAddrs bounds the table; past it, full buckets (idle addresses) are
	// dropped, which forgets nothing a new bucket would not also know.
	maxAddrs int

	mu    sync.Mutex
	addrs map[netip.Addr]*addrEntry
}

type addrEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// parseTrustedProxies reads CIDRs or single addresses.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR such as 10.0.0.0/8", s)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR such as 10.0.0.0/8", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func newAddrLimiter(perSecond float64, burst int, trusted []netip.Prefix) *addrLimiter {
	if burst <= 0 {
		burst = max(1, int(math.Ceil(2*perSecond)))
	}
	return &addrLimiter{rate: rate.Limit(perSecond), burst: burst, trusted: trusted, maxAddrs: 100_000,
		addrs: map[netip.Addr]*addrEntry{}}
}

func (l *addrLimiter) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the connection's peer, unless that is a trusted proxy: then
// the nearest address in X-Forwarded-For that is not one. Entries left of it
// were written by whoever sent the request and prove nothing.
func (l *addrLimiter) clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if !l.isTrusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing beyond it
		}
		addr = a.Unmap()
		if !l.isTrusted(addr) {
			break
		}
	}
	return addr
}

func limiterKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// allow takes one token for r's client, or says how long to wait for one.
func (l *addrLimiter) allow(r *http.Request) (bool, time.Duration) {
	key := limiterKey(l.clientAddr(r))
	now := time.Now()
	l.mu.Lock()
	e := l.addrs[key]
	if e == nil {
		if len(l.addrs) >= l.maxAddrs {
			l.sweepLocked(now)
		}
		e = &addrEntry{lim: rate.NewLimiter(l.rate, l.burst)}
		l.addrs[key] = e
	}
	e.seen = now
	res := e.lim.ReserveN(now, 1)
	l.mu.Unlock()
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweepLocked drops the buckets that have refilled; if every address is
// active, half of them at random (each only gets a fresh burst back).
func (l *addrLimiter) sweepLocked(now time.Time) {
	refill := time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
	for k, e := range l.addrs {
		if now.Sub(e.seen) >= refill {
			delete(l.addrs, k)
		}
	}
	for k := range l.addrs {
		if len(l.addrs) < l.maxAddrs/2 {
			break
		}
		delete(l.addrs, k)
	}
}

func (l *addrLimiter) wrap(next http.Handler, onRefuse func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.allow(r); !ok {
			if onRefuse != nil {
				onRefuse()
			}
			refuse(w, http.StatusTooManyRequests, wait, fmt.Sprintf(
				"rate limit: more than %g requests a second (burst %d) from your address: retry after the Retry-After seconds", float64(l.rate), l.burst))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers with an HTTP status, Retry-After, and a JSON-RPC error body
// (id null: the request was not read), which MCP clients show as the error.
func refuse(w http.ResponseWriter, status int, wait time.Duration, msg string) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := mcp.NewJSONRPCError(mcp.NewRequestId(nil), -32000, msg, map[string]any{"http_status": status, "retry_after_seconds": secs})
	_ = json.NewEncoder(w).Encode(body)
}
