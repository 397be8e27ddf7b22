package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// loadUpstream is a control plane on 127.0.0.1 that knows one user per token
// and records the Authorization header of every request with its path.
type loadUpstream struct {
	users map[string]int // token -> user id

	mu   sync.Mutex
	seen map[string]int // "Bearer <token> METHOD /path" -> count
	bad  []string
}

func (u *loadUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	path := strings.TrimPrefix(r.URL.Path, "/api/agents/v1")
	tok, _ := strings.CutPrefix(auth, "Bearer ")
	id, known := u.users[tok]
	u.mu.Lock()
	u.seen[auth+" "+r.Method+" "+path]++
	if !known {
		u.bad = append(u.bad, fmt.Sprintf("%s %s with Authorization %q", r.Method, path, auth))
	}
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !known {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Unauthenticated."}`))
		return
	}
	var data string
	switch {
	case r.Method == http.MethodGet && path == "/me":
		data = fmt.Sprintf(`{"id":%d,"name":"User %d","username":"user%d","email":"user%d@load.test","verified":true}`, id, id, id, id)
	case r.Method == http.MethodGet && path == "/api-keys":
		data = fmt.Sprintf(`[{"id":%d,"name":"key of user %d","key":"sk_...%04d"}]`, 100000+id, id, id)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"data":null,"error":{"code":"not_found","message":"no such endpoint"}}`))
		return
	}
	fmt.Fprintf(w, `{"data":%s,"error":null,"meta":{"request_id":"u%d-%d"}}`, data, id, time.Now().UnixNano())
}

// TestLoadIsolation runs many concurrent HTTP MCP clients, each with its own
// token, against one server: every upstream request carries the token of
// the client that caused it, every client sees only its own data, and no
// call is lost or fails.
func TestLoadIsolation(t *testing.T) {
	clients, calls := 200, 50
	if edgeLoadRace {
		clients, calls = 100, 20
	}
	up := &loadUpstream{users: map[string]int{}, seen: map[string]int{}}
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("%d|loadToken%06dAbCdEfGhIjKlMnOpQrStUvWxYz0123", i+1, i+1)
		up.users[tokens[i]] = i + 1
	}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()

	cl, err := upstream.New(upstream.Config{BaseURL: upSrv.URL + "/api/agents/v1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(t, Options{Version: "load", Client: cl, Logger: zerolog.Nop()}, HTTPOptions{}, true)

	// One pooled transport for all clients, as many agents behind one
	// gateway would have; the default pool of 2 would churn sockets.
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	var (
		ok, failed, foreign atomic.Int64
		latMu               sync.Mutex
		lats                []time.Duration
		errMu               sync.Mutex
		errs                []string
	)
	report := func(format string, a ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, a...))
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			id := i + 1
			c, err := client.NewStreamableHttpClient(srv.URL+"/mcp",
				transport.WithHTTPBasicClient(hc),
				transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + tokens[i]}))
			if err != nil {
				report("client %d: %v", id, err)
				failed.Add(int64(calls))
				return
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := c.Start(ctx); err != nil {
				report("client %d start: %v", id, err)
				failed.Add(int64(calls))
				return
			}
			init := mcp.InitializeRequest{}
			init.Params.ProtocolVersion = "2025-11-25"
			init.Params.ClientInfo = mcp.Implementation{Name: fmt.Sprintf("load-%d", id), Version: "1"}
			if _, err := c.Initialize(ctx, init); err != nil {
				report("client %d initialize: %v", id, err)
				failed.Add(int64(calls))
				return
			}
			local := make([]time.Duration, 0, calls)
			for j := range calls {
				req := mcp.CallToolRequest{}
				want := ""
				if j%2 == 0 {
					req.Params.Name, req.Params.Arguments = "agent-profile", map[string]any{"action": "get"}
					want = fmt.Sprintf(`"email":"user%d@load.test"`, id)
				} else {
					req.Params.Name, req.Params.Arguments = "agent-api-keys", map[string]any{"action": "list"}
					want = fmt.Sprintf(`"name":"key of user %d"`, id)
				}
				t0 := time.Now()
				res, err := c.CallTool(ctx, req)
				local = append(local, time.Since(t0))
				if err != nil {
					report("client %d call %d: %v", id, j, err)
					failed.Add(1)
					continue
				}
				text := ""
				if len(res.Content) > 0 {
					text = res.Content[0].(mcp.TextContent).Text
				}
				switch {
				case res.IsError:
					report("client %d call %d: %s", id, j, text)
					failed.Add(1)
				case !strings.Contains(text, want) || strings.Count(text, "@load.test")+strings.Count(text, "key of user") != 1:
					report("client %d call %d saw someone else's data: %s", id, j, text)
					foreign.Add(1)
				default:
					ok.Add(1)
				}
			}
			latMu.Lock()
			lats = append(lats, local...)
			latMu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := int64(clients * calls)
	up.mu.Lock()
	defer up.mu.Unlock()
	var upstreamTotal int
	for i, tok := range tokens {
		for _, key := range []string{"GET /me", "GET /api-keys"} {
			n := up.seen["Bearer "+tok+" "+key]
			upstreamTotal += n
			if n != calls/2 {
				t.Errorf("client %d: upstream saw %q %d times with its token, want %d", i+1, key, n, calls/2)
			}
		}
	}
	for k := range up.seen {
		if !strings.HasPrefix(k, "Bearer ") {
			t.Errorf("upstream request without a bearer token: %q", k)
		}
	}
	for _, e := range errs {
		t.Error(e)
	}
	for _, b := range up.bad {
		t.Errorf("upstream got an unknown token: %s", b)
	}
	if ok.Load() != total || failed.Load() != 0 || foreign.Load() != 0 || upstreamTotal != int(total) {
		t.Errorf("calls: %d ok, %d failed, %d with foreign data, of %d; upstream saw %d", ok.Load(), failed.Load(), foreign.Load(), total, upstreamTotal)
	}
	p50, p99 := loadPercentile(lats, 50), loadPercentile(lats, 99)
	t.Logf("load: %d clients x %d calls = %d tool calls in %v (%.0f calls/s); p50 %v, p99 %v; %d ok, %d failed, %d cross-client; upstream requests %d, every one with its caller's token",
		clients, calls, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(),
		p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), ok.Load(), failed.Load(), foreign.Load(), upstreamTotal)
}

func loadPercentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}
