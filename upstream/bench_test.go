package upstream

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// BenchmarkListAPIKeys is one client call (GET /api-keys with a bearer token)
// against a loopback httptest upstream answering a fixed envelope; compare
// BenchmarkPlainHTTPGet, the same request with a bare http.Client.
//
//	go test ./upstream -run '^$' -bench . -benchmem

const benchListBody = `{"data":[` +
	`{"id":101,"name":"production","notes":"render farm","key":"sk-…a1b2","created_at":"2026-01-05T10:00:00Z","last_used_at":"2026-07-01T08:30:00Z"},` +
	`{"id":102,"name":"staging","notes":null,"key":"sk-…c3d4","created_at":"2026-02-11T09:15:00Z","last_used_at":null},` +
	`{"id":103,"name":"laptop","notes":"local experiments","key":"sk-…e5f6","created_at":"2026-03-20T17:45:00Z","last_used_at":"2026-06-30T22:10:00Z"}` +
	`],"error":null,"meta":{"request_id":"req-bench-0001"}}`

func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchListBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkListAPIKeys(b *testing.B) {
	srv := benchServer(b)
	c, err := New(Config{BaseURL: srv.URL + "/api/agents/v1", Logger: zerolog.New(io.Discard).Level(zerolog.InfoLevel)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.ListAPIKeys(ctx, "7|benchtoken")
		if err != nil || len(res.Data.Items) != 3 {
			b.Fatal(err, res)
		}
	}
}

func BenchmarkPlainHTTPGet(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: newTransport()}
	url := srv.URL + "/api/agents/v1/api-keys"
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer 7|benchtoken")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// benchRT answers every request with benchListBody, without a network.
type benchRT struct{}

func (benchRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(strings.NewReader(benchListBody)),
		ContentLength: int64(len(benchListBody)), Request: r,
	}, nil
}

// BenchmarkListAPIKeysNoNetwork isolates the client's own CPU and allocations.
func BenchmarkListAPIKeysNoNetwork(b *testing.B) {
	c, err := New(Config{BaseURL: "http://upstream.invalid/api/agents/v1", Transport: benchRT{},
		Logger: zerolog.New(io.Discard).Level(zerolog.InfoLevel)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.ListAPIKeys(ctx, "7|benchtoken")
		if err != nil || len(res.Data.Items) != 3 {
			b.Fatal(err, res)
		}
	}
}

func BenchmarkPlainHTTPGetNoNetwork(b *testing.B) {
	hc := &http.Client{Transport: benchRT{}}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://upstream.invalid/api/agents/v1/api-keys", nil)
		req.Header.Set("Authorization", "Bearer 7|benchtoken")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
}
