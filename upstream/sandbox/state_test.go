package sandbox

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Two sandboxes on one state file behave as one control plane, as two
// processes of `stdio --sandbox` do (issue 21: the Inspector CLI starts a
// server per call): sign up in one, verify with the code in the other, log
// in, and see the same data.
func TestStateFileIsSharedBetweenProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "sandbox.json")
	if err := PrepareState(path); err != nil {
		t.Fatal(err)
	}
	a := newEnv(t, Options{DisableRateLimit: true, StatePath: path, Seed: 1})
	b := newEnv(t, Options{DisableRateLimit: true, StatePath: path, Seed: 2})
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the state file was written before any request")
	}

	a.do("POST", v1+"/auth/signup", "", map[string]any{"email": "new@example.test", "password": "password123"}).want(201)
	mails := b.s.Outbox("new@example.test")
	if len(mails) != 1 || mails[0].Kind != "verification" {
		t.Fatalf("the other process's outbox: %+v", mails)
	}
	tok := b.do("POST", v1+"/auth/verify-email", "", map[string]any{"verification_code": mails[0].Code}).want(200).obj()["access_token"].(string)
	if got := a.do("GET", v1+"/me", tok, nil).want(200).obj()["email"]; got != "new@example.test" {
		t.Errorf("a token minted in one process, used in the other: %v", got)
	}
	demoTok := a.demoToken()
	b.do("POST", v1+"/api-keys", demoTok, map[string]any{"name": "from b"}).want(201)
	if n := len(a.do("GET", v1+"/api-keys", demoTok, nil).want(200).list()); n != 2 {
		t.Errorf("a sees %d keys, want the seeded one and b's", n)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, mode %v, want 0600", err, fi.Mode())
	}

	// The stdio session's token travels with the file.
	a.s.SetSessionToken(tok)
	if got := b.s.SessionToken(); got != tok {
		t.Errorf("session token in the other process: %q", got)
	}

	// Concurrent writers lose nothing: the lock covers read, change and write.
	var wg sync.WaitGroup
	for i := range 10 {
		e := a
		if i%2 == 1 {
			e = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.do("POST", v1+"/api-keys", demoTok, map[string]any{"name": fmt.Sprintf("key %d", i)}).want(201)
		}()
	}
	wg.Wait()
	if n := len(b.do("GET", v1+"/api-keys", demoTok, nil).want(200).list()); n != 12 {
		t.Errorf("%d keys after 10 concurrent creates in two processes, want 12", n)
	}

	// sandbox reset: both start again from the seeded data.
	if err := ResetState(path); err != nil {
		t.Fatal(err)
	}
	a.do("GET", v1+"/me", tok, nil).wantErr(401, "unauthenticated")
	b.do("POST", v1+"/auth/login", "", map[string]any{"email": "new@example.test", "password": "password123"}).wantErr(401, "invalid_credentials")
	if b.s.SessionToken() != "" {
		t.Error("the session token survived the reset")
	}
	if n := len(a.do("GET", v1+"/api-keys", a.demoToken(), nil).want(200).list()); n != 1 {
		t.Errorf("%d keys after the reset, want the seeded one", n)
	}
}

// A broken state file is reported and replaced, never fatal; a sandbox in
// memory writes no file.
func TestBrokenStateFileIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{DisableRateLimit: true, StatePath: path})
	e.demoToken()
	raw, err := os.ReadFile(path)
	if err != nil || raw[0] != '{' || string(raw[:2]) == "{n" {
		t.Errorf("state file not replaced: %.40s, %v", raw, err)
	}
	mem := newEnv(t, quiet())
	mem.demoToken()
	if mem.s.StatePath() != "" || mem.s.SessionToken() != "" {
		t.Error("an in-memory sandbox has a state file")
	}
}

// The money state travels with the file too: a top-up in one process is in
// the other's balance, and an idempotency key used in one is honoured in the other.
func TestStateFileKeepsTheMoney(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	a := newEnv(t, Options{DisableRateLimit: true, StatePath: path, Seed: 1})
	b := newEnv(t, Options{DisableRateLimit: true, StatePath: path, Seed: 2})
	tok := a.demoToken()
	balance := func(e *env) float64 {
		return e.do("GET", v1+"/wallet/balance", tok, nil).want(200).obj()["balance"].(float64)
	}
	before := balance(b)
	fund := func(e *env) {
		req := httptest.NewRequest("POST", v1+"/wallet/fund", strings.NewReader(`{"amount":10,"payment_method_id":"pm_sandbox_visa_4242"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "fund-10-once")
		rec := httptest.NewRecorder()
		e.s.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 201 {
			t.Fatalf("fund: %d %s", rec.Code, rec.Body)
		}
	}
	fund(a)
	if got := balance(b); got != before+10 {
		t.Errorf("balance in the other process %v, want %v", got, before+10)
	}
	fund(b) // the same key: answered from the record, not charged again
	if got := balance(a); got != before+10 {
		t.Errorf("after a repeat with the same key in the other process: %v, want %v", got, before+10)
	}
}
