package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDrainDelayKeepsServingWhileNotReady stops a server with a drain delay:
// /readyz must fail at once while /mcp keeps answering (asking clients to
// close their connections), and only after the delay does the listener close.
func TestDrainDelayKeepsServingWhileNotReady(t *testing.T) {
	e := newEnv(t)
	const delay = 600 * time.Millisecond
	hs, err := NewHTTP(e.opts(), HTTPOptions{DrainDelay: delay}, true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()

	if st, _, body := edgeDo(t, c, http.MethodGet, base+"/readyz", nil, nil); st != http.StatusOK {
		t.Fatalf("readyz before the stop: HTTP %d %s", st, body)
	}
	cancel()
	stopped := time.Now()
	waitFor(t, time.Second, func() bool {
		st, _, _ := edgeDo(t, c, http.MethodGet, base+"/readyz", nil, nil)
		return st == http.StatusServiceUnavailable
	})
	// Within the delay, a new client is still served, and told to close.
	st, h, body := edgeDo(t, c, http.MethodPost, base+"/mcp", nil, strings.NewReader(edgeInit))
	if st != http.StatusOK || h.Get("Mcp-Session-Id") == "" {
		t.Errorf("initialize during the drain delay: HTTP %d %s", st, body)
	}
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !resp.Close {
		t.Error("an answer during the drain did not ask the client to close the connection")
	}
	if time.Since(stopped) >= delay {
		t.Fatalf("the checks took longer than the delay: they proved nothing")
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v before the drain delay was over", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if d := time.Since(stopped); d < delay {
		t.Errorf("Serve returned %v after the stop, before the %v delay", d, delay)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		t.Error("the listener still accepts after Serve returned")
	}
}

func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Ctrl-C (the cause ErrInterrupted) skips the drain delay: nobody is waiting
// to move traffic away from a terminal's server.
func TestDrainDelaySkippedOnInterrupt(t *testing.T) {
	e := newEnv(t)
	hs, err := NewHTTP(e.opts(), HTTPOptions{DrainDelay: time.Minute}, true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()
	cancel(ErrInterrupted)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve waited out the drain delay after an interrupt")
	}
}

// A client's spare connection that never carried a request (net/http's
// Transport dials one whenever two requests overlap, as an elicitation answer
// and its tool call do) must not hold up the drain: Shutdown alone waits 5s for
// it, past this test's ShutdownTimeout, and Serve then fails.
func TestDrainClosesUnusedConnections(t *testing.T) {
	e := newEnv(t)
	hs, err := NewHTTP(e.opts(), HTTPOptions{ShutdownTimeout: 2 * time.Second}, true)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()

	spare, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	// A request on another connection, answered: the server accepts in order,
	// so by then it has accepted the spare one too and counts it as new.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if st, _, body := edgeDo(t, c, http.MethodGet, "http://"+ln.Addr().String()+"/healthz", nil, nil); st != http.StatusOK {
		t.Fatalf("healthz: HTTP %d %s", st, body)
	}

	cancel(ErrInterrupted)
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v (the drain waited for a connection that never sent a request)", err)
	}
	spare.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := spare.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the unused connection is still open after the drain (read %d bytes, %v)", n, err)
	}
}
