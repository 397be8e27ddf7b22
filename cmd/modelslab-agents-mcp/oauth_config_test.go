package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOAuthFlagsRefuseContradictions(t *testing.T) {
	long := strings.Repeat("k", 40)
	for _, tc := range []struct {
		args   []string
		secret string
		want   string // "" means accepted
	}{
		{[]string{"http", "--oauth"}, "", ""},
		{[]string{"http", "--oauth"}, long, ""},
		{[]string{"http", "--oauth", "--public-url", "https://agents.example.com"}, long, ""},
		{[]string{"stdio", "--oauth"}, "", "--oauth is a flag of http"},
		{[]string{"http", "--oauth", "--public-url", "https://agents.example.com"}, "", "needs MODELSLAB_SESSION_SECRET"},
		{[]string{"http", "--oauth"}, "REPLACE-ME", "placeholder"},
		{[]string{"http", "--oauth"}, "REPLACE-ME-with-32-or-more-random-bytes-see-the-comment-above", "placeholder"},
		{[]string{"http", "--oauth", "--oauth-redis-url", "redis://127.0.0.1:6379"}, "", ""},
		{[]string{"http", "--oauth-redis-url", "redis://127.0.0.1:6379"}, "", "only apply with --oauth"},
		{[]string{"http", "--oauth"}, "short-secret", "at least 32"},
		{[]string{"http", "--oauth", "--public-url", "https://agents.example.com/mcp"}, long, "no path"},
		{[]string{"http", "--public-url", "https://agents.example.com"}, long, "only apply with --oauth"},
		{[]string{"http"}, "short-secret", ""}, // header mode keeps its old rules
	} {
		env := map[string]string{"MODELSLAB_SESSION_SECRET": tc.secret}
		_, err := parseConfig(tc.args, func(k string) string { return env[k] }, io.Discard)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v secret %q: refused: %v", tc.args, tc.secret, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v secret %q: want an error with %q, got %v", tc.args, tc.secret, tc.want, err)
		}
	}
}

// TestOAuthBeyondLoopbackNeedsPublicURL: a server reached over the network
// must know the address clients use, and must not serve the sign-in page on a
// guessed cleartext one.
func TestOAuthBeyondLoopbackNeedsPublicURL(t *testing.T) {
	env := map[string]string{}
	err := run(context.Background(), []string{"http", "--sandbox", "--oauth", "--addr", "0.0.0.0:0"},
		func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--public-url") {
		t.Fatalf("--oauth on 0.0.0.0 without --public-url: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that run's logger and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOAuthSaysTheStartingTokenIsIgnored: with --oauth a request without a
// credential gets the 401 that starts authorization, whatever
// MODELSLAB_AGENT_TOKEN holds; the server says so at start rather than leave
// whoever set it to wonder about the 401.
func TestOAuthSaysTheStartingTokenIsIgnored(t *testing.T) {
	for _, oauth := range []bool{true, false} {
		args := []string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--drain-delay", "0", "--log-format", "json"}
		if oauth {
			args = append(args, "--oauth")
		}
		env := map[string]string{"MODELSLAB_AGENT_TOKEN": "7|abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN0123"}
		var stderr syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stderr.String(), "serving MCP") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		if said := strings.Contains(stderr.String(), "MODELSLAB_AGENT_TOKEN is ignored with --oauth"); said != oauth {
			t.Errorf("--oauth %v: the warning said = %v:\n%s", oauth, said, stderr.String())
		}
	}
}
