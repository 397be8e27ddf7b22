package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSignedSessionIDs(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := newSignedSessions([]byte("shared-secret"), time.Hour)
	s.now = func() time.Time { return now }
	id := s.Generate()
	if !strings.HasPrefix(id, sessionPrefix) || s.Generate() == id {
		t.Fatalf("ids %q not prefixed or not unique", id)
	}
	if ended, err := s.Validate(id); err != nil || ended {
		t.Fatalf("fresh id: %v %v", ended, err)
	}

	other := newSignedSessions([]byte("shared-secret"), time.Hour)
	other.now = s.now
	if _, err := other.Validate(id); err != nil {
		t.Errorf("a replica with the same secret refused the id: %v", err)
	}
	stranger := newSignedSessions([]byte("another-secret"), time.Hour)
	if _, err := stranger.Validate(id); err == nil {
		t.Error("a replica with another secret accepted the id")
	}

	for _, bad := range []string{"", "mcp-session-", "mcp-session-abc", id + "x", strings.Replace(id, ".", ".A", 1),
		"mcp-session-" + strings.Repeat("A", 200), strings.TrimPrefix(id, sessionPrefix)} {
		if _, err := s.Validate(bad); err == nil {
			t.Errorf("forged id %q accepted", bad)
		}
	}

	if _, err := s.Terminate(id); err != nil {
		t.Fatal(err)
	}
	if ended, err := s.Validate(id); err != nil || !ended {
		t.Errorf("terminated id: ended=%v err=%v", ended, err)
	}

	now = now.Add(2 * time.Hour)
	if _, err := s.Validate(s.Generate()); err != nil {
		t.Errorf("new id after time moved: %v", err)
	}
	late := id
	if _, err := other.Validate(late); err == nil {
		t.Error("an expired id was accepted")
	}
}

func TestTerminatedSetIsBounded(t *testing.T) {
	s := newSignedSessions(nil, time.Hour)
	s.maxEnded = 50
	for range 500 {
		if _, err := s.Terminate(s.Generate()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.terminated); n > 50 {
		t.Errorf("terminated set grew to %d", n)
	}
}

// Two replicas sharing a secret serve one client without sticky sessions, and a
// forged session id gets 404.
func TestSessionsAcrossReplicas(t *testing.T) {
	e := newEnv(t)
	hopts := HTTPOptions{SessionSecret: []byte("fleet-secret")}
	a := httpServer(t, e.opts(), hopts, false)
	b := httpServer(t, e.opts(), hopts, false)

	post := func(url, session, body string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, url+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		return http.DefaultClient.Do(req)
	}
	resp, err := post(a.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatal("no session id minted on initialize")
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	for name, srv := range map[string]*httptest.Server{"same replica": a, "other replica": b} {
		resp, err := post(srv.URL, sid, list)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: tools/list with the session answered %d", name, resp.StatusCode)
		}
	}
	resp, err = post(b.URL, sid+"tampered", list)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("forged session id answered %d, want 404", resp.StatusCode)
	}
}

// Verified ids are remembered, so a request skips the HMAC, but a remembered id
// still expires, and the memory is bounded.
func TestVerifiedSessionsAreRememberedBoundedAndExpire(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := newSignedSessions([]byte("shared-secret"), time.Hour)
	s.now = func() time.Time { return now }
	s.maxVerified = 20
	id := s.Generate()
	if _, err := s.Validate(id); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.verified[id]; !ok {
		t.Fatal("a valid id was not remembered")
	}
	if _, err := s.Validate(id + "x"); err == nil || len(s.verified) != 1 {
		t.Fatalf("a forged id: err %v, %d remembered", err, len(s.verified))
	}
	for range 100 {
		if _, err := s.Validate(s.Generate()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.verified); n > 20 {
		t.Errorf("the verified set grew to %d", n)
	}
	if _, err := s.Validate(id); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Validate(id); err == nil {
		t.Error("a remembered id was accepted after it expired")
	}
}
