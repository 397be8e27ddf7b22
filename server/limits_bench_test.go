package server

import "testing"

// BenchmarkHTTPToolCallServiceMode is BenchmarkHTTPToolCall with everything a
// service runs: metrics on both hooks, the session cap and a rate limit far
// above the loop's pace, so the difference is their cost per call.
func BenchmarkHTTPToolCallServiceMode(b *testing.B) {
	opts := benchOpts(b)
	opts.Metrics = NewMetrics("bench", "bench")
	hs, err := NewHTTP(opts, HTTPOptions{MaxSessions: 100, RateLimit: 1e9, RateBurst: 1e9}, true)
	if err != nil {
		b.Fatal(err)
	}
	benchHTTPLoop(b, hs.Handler(), eraHandshake) // on a session, so the cap is in the path
}
