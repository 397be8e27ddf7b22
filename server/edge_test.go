package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// edgeServe runs the HTTP transport on a real 127.0.0.1 listener through
// HTTPServer.Serve, and returns the /mcp URL.
func edgeServe(t *testing.T, opts Options, hopts HTTPOptions) string {
	t.Helper()
	hs, err := NewHTTP(opts, hopts, true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/mcp"
}

const edgeInit = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"edge","version":"1"}}}`

const edgePing = `{"jsonrpc":"2.0","id":2,"method":"ping"}`

// edgeDo sends one request and returns its status, headers and body.
func edgeDo(t *testing.T, c *http.Client, method, url string, h map[string]string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range h {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// edgeSession initializes a handshake-era session and returns its id.
func edgeSession(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	st, h, body := edgeDo(t, c, http.MethodPost, url, nil, strings.NewReader(edgeInit))
	id := h.Get("Mcp-Session-Id")
	if st != http.StatusOK || id == "" {
		t.Fatalf("initialize: HTTP %d, session %q: %s", st, id, body)
	}
	return id
}

func withSession(id string) map[string]string {
	return map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"}
}

func TestEdgeGuardsOverARealListener(t *testing.T) {
	e := newEnv(t)
	url := edgeServe(t, e.opts(), HTTPOptions{})
	c := &http.Client{}
	defer c.CloseIdleConnections()

	cases := []struct {
		name string
		h    map[string]string
		want int
	}{
		{"loopback origin", map[string]string{"Origin": "http://localhost:6274"}, http.StatusOK},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"null origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"foreign origin that looks local", map[string]string{"Origin": "http://127.0.0.1.evil.example"}, http.StatusForbidden},
		{"foreign host", map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{"foreign host with loopback port", map[string]string{"Host": "evil.example:8080"}, http.StatusForbidden},
		{"rebinding host and origin", map[string]string{"Host": "rebind.example", "Origin": "http://rebind.example"}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := edgeDo(t, c, http.MethodPost, url, tc.h, strings.NewReader(edgeInit))
			if st != tc.want {
				t.Errorf("HTTP %d, want %d: %s", st, tc.want, body)
			}
		})
	}
	if e.requests.Load() != 0 {
		t.Errorf("refused requests reached the upstream %d times", e.requests.Load())
	}
}

func TestEdgeOversizedBodies(t *testing.T) {
	e := newEnv(t)
	const limit = 64 << 10
	url := edgeServe(t, e.opts(), HTTPOptions{MaxBodyBytes: limit})
	c := &http.Client{}
	defer c.CloseIdleConnections()
	// A valid tools/call whose argument makes the body exceed the limit.
	big := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"agent-api-keys","arguments":{"action":"create","name":"` +
		strings.Repeat("a", limit) + `"}}}`

	t.Run("content-length", func(t *testing.T) {
		st, _, body := edgeDo(t, c, http.MethodPost, url, nil, strings.NewReader(big))
		if st != http.StatusRequestEntityTooLarge {
			t.Errorf("HTTP %d, want 413: %s", st, body)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		// An io.Reader of unknown length makes the client send it chunked,
		// without a Content-Length to refuse up front.
		st, _, body := edgeDo(t, c, http.MethodPost, url, nil, io.MultiReader(strings.NewReader(big)))
		if st != http.StatusRequestEntityTooLarge {
			t.Errorf("HTTP %d, want 413: %s", st, body)
		}
	})
	t.Run("just under the limit still works", func(t *testing.T) {
		st, _, body := edgeDo(t, c, http.MethodPost, url, nil, strings.NewReader(edgeInit+strings.Repeat(" ", limit-len(edgeInit)-1)))
		if st != http.StatusOK {
			t.Errorf("HTTP %d: %s", st, body)
		}
	})
	if e.requests.Load() != 0 {
		t.Errorf("oversized requests reached the upstream %d times", e.requests.Load())
	}
}

func TestEdgeSlowHeadersAreCutOff(t *testing.T) {
	e := newEnv(t)
	const rht = 300 * time.Millisecond
	url := edgeServe(t, e.opts(), HTTPOptions{ReadHeaderTimeout: rht})
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/mcp")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /mcp HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
		t.Fatal(err)
	}
	// Trickle a header line every 50 ms, never finishing: a slowloris client.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: x\r\n", i); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	elapsed := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a slow-header connection open for %v", elapsed)
	}
	if elapsed < rht/2 || elapsed > rht+2*time.Second {
		t.Errorf("connection cut after %v, ReadHeaderTimeout is %v", elapsed, rht)
	}
	t.Logf("slow-header client cut off after %v (err %v)", elapsed.Round(time.Millisecond), err)
}

func TestEdgeSessionIDs(t *testing.T) {
	e := newEnv(t)
	url := edgeServe(t, e.opts(), HTTPOptions{})
	other := edgeServe(t, e.opts(), HTTPOptions{}) // another secret: its ids are forgeries here
	c := &http.Client{}
	defer c.CloseIdleConnections()

	id := edgeSession(t, c, url)
	if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(id), strings.NewReader(edgePing)); st != http.StatusOK {
		t.Fatalf("ping on a live session: HTTP %d: %s", st, body)
	}

	foreign := edgeSession(t, c, other)
	tampered := id[:len(id)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(id, "AA")]
	for name, bad := range map[string]string{
		"forged":             "mcp-session-forged",
		"other server's id":  foreign,
		"tampered signature": tampered,
		"not ours at all":    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"over long":          "mcp-session-" + strings.Repeat("A", 4000),
	} {
		st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(bad), strings.NewReader(edgePing))
		if st != http.StatusNotFound {
			t.Errorf("%s session id: HTTP %d, want 404: %s", name, st, body)
		}
	}

	// DELETE ends it; afterwards the id is refused.
	if st, _, body := edgeDo(t, c, http.MethodDelete, url, withSession(id), nil); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("DELETE: HTTP %d: %s", st, body)
	}
	if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(id), strings.NewReader(edgePing)); st != http.StatusNotFound {
		t.Errorf("ping after DELETE: HTTP %d, want 404: %s", st, body)
	}
	if st, _, _ := edgeDo(t, c, http.MethodDelete, url, withSession(id), nil); st != http.StatusNotFound && st != http.StatusOK {
		t.Errorf("second DELETE: HTTP %d", st)
	}
}

func TestEdgeExpiredSessionID(t *testing.T) {
	e := newEnv(t)
	url := edgeServe(t, e.opts(), HTTPOptions{SessionTTL: time.Second})
	c := &http.Client{}
	defer c.CloseIdleConnections()
	id := edgeSession(t, c, url)
	time.Sleep(2100 * time.Millisecond) // expiry has one-second resolution
	if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(id), strings.NewReader(edgePing)); st != http.StatusNotFound {
		t.Errorf("expired session: HTTP %d, want 404: %s", st, body)
	}
}

// TestEdgeAbandonedSessionsStayBounded opens thousands of sessions that are
// never closed, as crashed or careless clients leave them, and bounds the
// memory and goroutines they hold on to.
func TestEdgeAbandonedSessionsStayBounded(t *testing.T) {
	e := newEnv(t)
	url := edgeServe(t, e.opts(), HTTPOptions{})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()

	n := 3000
	if edgeLoadRace {
		n = 600
	}
	open := func(k int) {
		for range k {
			id := edgeSession(t, c, url)
			// One call on each, so the session is used, not only minted.
			if st, _, body := edgeDo(t, c, http.MethodPost, url, withSession(id), strings.NewReader(edgePing)); st != http.StatusOK {
				t.Fatalf("ping: HTTP %d: %s", st, body)
			}
		}
	}
	open(100) // warm up pools and lazily built state
	heap0, g0 := edgeHeap()
	open(n)
	heap1, g1 := edgeHeap()

	perSession := (int64(heap1) - int64(heap0)) / int64(n)
	t.Logf("%d abandoned sessions: heap %d KiB -> %d KiB (%d bytes each), goroutines %d -> %d",
		n, heap0>>10, heap1>>10, perSession, g0, g1)
	// 50 KB is far above what a session id and mcp-go's per-session maps need,
	// and far below what a leaked connection, goroutine or buffer would cost.
	if perSession > 50_000 {
		t.Errorf("each abandoned session keeps %d bytes", perSession)
	}
	if g1-g0 > 20 {
		t.Errorf("abandoned sessions left %d goroutines behind", g1-g0)
	}
}

func edgeHeap() (uint64, int) {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, runtime.NumGoroutine()
}
