package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }

func TestTransportRoundTrip(t *testing.T) {
	s := New(Options{Seed: 3})
	client := &http.Client{Transport: s.Transport()}
	body := &closeTracker{Reader: strings.NewReader(`{"email":"demo@sandbox.test","password":"sandbox-demo-password"}`)}
	req, _ := http.NewRequest("POST", "http://sandbox.invalid"+v1+"/auth/login", body)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Status != "200 OK" || resp.Header.Get("X-RateLimit-Limit") != "20" || resp.Request != req {
		t.Fatalf("response: %d %q %v", resp.StatusCode, resp.Status, resp.Header)
	}
	if !body.closed.Load() {
		t.Fatal("request body not closed")
	}
	var env struct {
		Data struct {
			AccessToken string `json:"access_token"`
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil || !sanctumRe.MatchString(env.Data.AccessToken) || resp.ContentLength != int64(len(raw)) {
		t.Fatalf("body %s (%v)", raw, err)
	}
	// An authenticated call through the same transport.
	req, _ = http.NewRequest("GET", "http://sandbox.invalid"+v1+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+env.Data.AccessToken)
	resp2, err := client.Do(req)
	if err != nil || resp2.StatusCode != 200 {
		t.Fatalf("GET /me: %v %v", resp2, err)
	}
	resp2.Body.Close()
}

func TestTransportServerView(t *testing.T) {
	var got *http.Request
	tr := transport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusTeapot)
		w.Header().Set("X-After", "1") // too late, as on the wire
		_, _ = w.Write([]byte("hi"))
	})}
	req, _ := http.NewRequest("GET", "http://example.test/a/b?x=1", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemoteAddr != "127.0.0.1:65535" || got.RequestURI != "/a/b?x=1" || got.Body == nil || got.Host != "example.test" {
		t.Fatalf("server view: addr %q uri %q host %q", got.RemoteAddr, got.RequestURI, got.Host)
	}
	if resp.StatusCode != 418 || resp.Header.Get("X-Before") != "1" || resp.Header.Get("X-After") != "" {
		t.Fatalf("response %d %v", resp.StatusCode, resp.Header)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hi" {
		t.Fatalf("body %q", b)
	}
}

func TestTransportCancellation(t *testing.T) {
	s := New(Options{})
	// Already cancelled: no call, body closed, the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := &closeTracker{Reader: strings.NewReader("{}")}
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://sandbox.invalid"+v1+"/auth/login", body)
	if _, err := s.Transport().RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if !body.closed.Load() {
		t.Fatal("body not closed on error")
	}

	// Cancelled while the handler runs: RoundTrip returns promptly.
	release := make(chan struct{})
	defer close(release)
	tr := transport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://x.test/", nil)
	errc := make(chan error, 1)
	go func() { _, err := tr.RoundTrip(req); errc <- err }()
	select {
	case err := <-errc:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want deadline exceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RoundTrip did not honour the deadline")
	}

	// Cancelled after the response: reading the body fails.
	ctx, cancel = context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://sandbox.invalid"+v1+"/me", nil)
	resp, err := s.Transport().RoundTrip(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("%v %v", resp, err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("body read after cancel: %v", err)
	}
}

func TestTransportHandlerPanic(t *testing.T) {
	tr := transport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })}
	req, _ := http.NewRequest("GET", "http://x.test/", nil)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err %v", err)
	}
}
