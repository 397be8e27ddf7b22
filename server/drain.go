package server

import "net/http"

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
