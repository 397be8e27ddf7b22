package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// shutdownHold is how long the fake upstream holds each call: long enough for
// SIGTERM to land while every call is in flight.
const shutdownHold = 1500 * time.Millisecond

var shutdownEndpointRe = regexp.MustCompile(`MCP endpoint: (http://[^\s]+/mcp)`)

// TestShutdownDrainsInFlightCalls builds the binary, serves HTTP against a
// slow upstream, sends SIGTERM while calls are in flight, and checks that
// they complete, that new connections are refused, and that the exit is 0.
func TestShutdownDrainsInFlightCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "modelslab-agents-mcp")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const inflight = 5
	var arrived, released atomic.Int32
	allArrived := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == inflight {
			close(allArrived)
		}
		time.Sleep(shutdownHold)
		released.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"id":1,"name":"Slow","email":"slow@example.test"},"error":null,"meta":{"request_id":"slow-1"}}`)
	}))
	defer up.Close()

	cmd := exec.Command(bin, "http", "--addr", "127.0.0.1:0", "--drain-delay", "0", "--base-url", up.URL+"/api/agents/v1")
	cmd.Env = append(os.Environ(), "MODELSLAB_SANDBOX=", "MODELSLAB_AGENT_TOKEN=", "MODELSLAB_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logs shutdownLog
	endpoint := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			if m := shutdownEndpointRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case endpoint <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // no-op once it has exited
	})

	var url string
	select {
	case url = <-endpoint:
	case <-time.After(15 * time.Second):
		t.Fatalf("no MCP endpoint announced; stderr:\n%s", logs.String())
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/mcp")

	// Handshake once, then start the calls.
	hc := &http.Client{Timeout: 20 * time.Second}
	session := shutdownInitialize(t, hc, url)
	type outcome struct {
		status int
		body   string
		err    error
	}
	results := make(chan outcome, inflight)
	var wg sync.WaitGroup
	for i := range inflight {
		wg.Go(func() {
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"agent-profile","arguments":{"action":"get"}}}`, 10+i)
			st, b, err := shutdownPost(hc, url, session, body)
			results <- outcome{st, b, err}
		})
	}
	select {
	case <-allArrived:
	case <-time.After(10 * time.Second):
		t.Fatalf("only %d of %d calls reached the upstream", arrived.Load(), inflight)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the calls are still draining.
	deadline := time.Now().Add(shutdownHold / 2)
	refused := false
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		t.Errorf("new connections still accepted %v after SIGTERM", shutdownHold/2)
	}
	if n := released.Load(); n != 0 {
		t.Errorf("%d calls had already finished when new connections were refused: the check proved nothing", n)
	}

	wg.Wait()
	close(results)
	for r := range results {
		if r.err != nil {
			t.Errorf("in-flight call: %v", r.err)
			continue
		}
		if r.status != http.StatusOK {
			t.Errorf("in-flight call: HTTP %d: %s", r.status, r.body)
			continue
		}
		var res struct {
			Result struct {
				IsError bool `json:"isError"`
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"result"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || res.Error != nil || res.Result.IsError ||
			len(res.Result.Content) == 0 || !strings.Contains(res.Result.Content[0].Text, "slow@example.test") {
			t.Errorf("in-flight call did not complete successfully: %s", r.body)
		}
	}

	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Errorf("exit code %d after SIGTERM; stderr:\n%s", ee.ExitCode(), logs.String())
		} else if err != nil {
			t.Errorf("wait: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the process did not exit after SIGTERM; stderr:\n%s", logs.String())
	}
	if _, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		t.Error("the port still accepts connections after exit")
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Errorf("no drain line logged; stderr:\n%s", logs.String())
	}
}

type shutdownLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *shutdownLog) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }
func (l *shutdownLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func shutdownInitialize(t *testing.T, hc *http.Client, url string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"shutdown","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("initialize: HTTP %d, session %q", resp.StatusCode, id)
	}
	if st, b, err := shutdownPost(hc, url, id, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); err != nil || st != http.StatusAccepted {
		t.Fatalf("initialized: HTTP %d %v: %s", st, err, b)
	}
	return id
}

// shutdownPost sends one JSON-RPC message with a bearer token and returns the
// JSON of the answer, taken out of an event stream if it came as one.
func shutdownPost(hc *http.Client, url, session, body string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Mcp-Session-Id", session)
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				b = bytes.TrimSpace(d)
			}
		}
	}
	return resp.StatusCode, string(b), err
}
