package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var metricsRe = regexp.MustCompile(`Metrics: (http://[^\s]+/metrics)`)

// TestRunMetricsListener runs the http command with --metrics-addr: the
// metrics answer on their own port, a tool call shows up there, and the MCP
// port has no /metrics.
func TestRunMetricsListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--drain-delay", "0", "--metrics-addr", "127.0.0.1:0"},
			env(), strings.NewReader(""), &bytes.Buffer{}, stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var mcpURL, metricsURL string
	for deadline := time.Now().Add(10 * time.Second); mcpURL == "" || metricsURL == ""; {
		if m := endpointRe.FindStringSubmatch(stderr.String()); m != nil {
			mcpURL = m[1]
		}
		if m := metricsRe.FindStringSubmatch(stderr.String()); m != nil {
			metricsURL = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no endpoint lines:\n%s", stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var post func(body, session string)
	post = func(body, session string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", eraHandshake)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if session == "" {
			post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"agent-profile","arguments":{"action":"get"}}}`,
				resp.Header.Get("Mcp-Session-Id"))
		}
	}
	post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+eraHandshake+
		`","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`, "")

	st, body := get(metricsURL)
	if st != http.StatusOK {
		t.Fatalf("metrics: HTTP %d", st)
	}
	for _, want := range []string{
		`modelslab_mcp_build_info{commit=`,
		`modelslab_mcp_tool_calls_total{action="get",outcome="not_logged_in",tool="agent-profile"} 1`,
		`modelslab_mcp_http_sessions_open 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if st, body := get(strings.TrimSuffix(mcpURL, "/mcp") + "/metrics"); st != http.StatusNotFound || strings.Contains(body, "modelslab_mcp") {
		t.Errorf("/metrics on the MCP port: HTTP %d", st)
	}
	if st, _ := get(strings.TrimSuffix(metricsURL, "/metrics") + "/mcp"); st != http.StatusNotFound {
		t.Errorf("/mcp on the metrics port: HTTP %d", st)
	}
}

// A bad trusted proxy stops the start-up with the value named.
func TestRunBadTrustedProxy(t *testing.T) {
	_, _, err := runCmd(t, []string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/99"}, env())
	if err == nil || !strings.Contains(err.Error(), `trusted proxy "10.0.0.0/99"`) {
		t.Errorf("got %v, want an error naming the proxy", err)
	}
}

// TestSignalsAndTheDrainDelay runs the binary: SIGTERM keeps it serving for
// --drain-delay with /readyz at 503; SIGINT (Ctrl-C) exits without the
// default 5s delay.
func TestSignalsAndTheDrainDelay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	start := func(args ...string) (*exec.Cmd, string, <-chan error) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"http", "--sandbox", "--addr", "127.0.0.1:0"}, args...)...)
		cmd.Env = childEnv()
		out := &lockedBuffer{}
		cmd.Stderr = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if m := endpointRe.FindStringSubmatch(out.String()); m != nil {
				return cmd, strings.TrimSuffix(m[1], "/mcp"), exited
			}
			if time.Now().After(deadline) {
				t.Fatalf("no endpoint:\n%s", out)
			}
		}
	}
	readyz := func(base string) int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	const delay = 1500 * time.Millisecond
	cmd, base, exited := start("--drain-delay", delay.String())
	if st := readyz(base); st != http.StatusOK {
		t.Fatalf("readyz before SIGTERM: %d", st)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for st := readyz(base); st != http.StatusServiceUnavailable; st = readyz(base) {
		if time.Since(sent) > delay/2 {
			t.Fatalf("readyz still %d %v after SIGTERM", st, time.Since(sent))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st, _ := http.Get(base + "/healthz"); st == nil || st.StatusCode != http.StatusOK {
		t.Error("not serving during the drain delay")
	}
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if d := time.Since(sent); d < delay {
		t.Errorf("exited %v after SIGTERM, before the %v drain delay", d, delay)
	}

	cmd, _, exited = start() // the default drain delay, 5s
	sent = time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGINT: %v", err)
	}
	if d := time.Since(sent); d > 3*time.Second {
		t.Errorf("Ctrl-C took %v: the drain delay is for load balancers", d)
	}
}
