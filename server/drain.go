package server

import (
	"errors"
	"net/http"
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
