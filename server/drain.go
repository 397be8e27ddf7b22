package server

import (
	"errors"
	"net"
	"net/http"
	"sync"
)

// ErrInterrupted is the cancel cause the command gives Serve's context on
// SIGINT: a person pressed Ctrl-C, no load balancer is waiting to move the
// traffic, so the drain delay is skipped (in-flight calls still finish).
// SIGTERM, what orchestrators send, keeps the delay.
var ErrInterrupted = errors.New("interrupted")

// closeWhileDraining asks clients to close each connection after its answer
// once draining has begun: keep-alive connections then end between requests,
// while the shutdown that follows would close idle ones under a request in
// flight to them.
func (s *HTTPServer) closeWhileDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// unusedConns tracks connections that have not sent a request yet, so that the
// drain can close them: http.Server.Shutdown waits up to 5s for such a
// connection before it counts as idle (Go issue 22682), and clients keep them
// routinely. net/http's Transport dials a spare one whenever two requests
// overlap (an elicitation answer POSTed while the tool call's POST is still
// open) and parks it, unused, in its idle pool; every Ctrl-C then waited 5s.
// Such a connection has no call in flight, like the idle ones Shutdown closes
// at once.
type unusedConns struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool // the drain has begun: a connection accepted from now on is closed at once
}

// track is the http.Server's ConnState hook.
func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st != http.StateNew {
		delete(u.conns, c)
		return
	}
	if u.closing {
		c.Close()
		return
	}
	if u.conns == nil {
		u.conns = map[net.Conn]struct{}{}
	}
	u.conns[c] = struct{}{}
}

// closeAll closes the connections that have sent no request; it runs once
// Shutdown has closed the listeners.
func (u *unusedConns) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closing = true
	for c := range u.conns {
		c.Close()
	}
	u.conns = nil
}
