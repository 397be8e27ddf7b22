package tools

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

type fixedCreds upstream.Token

func (f fixedCreds) Token(context.Context) upstream.Token     { return upstream.Token(f) }
func (fixedCreds) Adopt(context.Context, upstream.Token) bool { return false }
func (fixedCreds) Drop(context.Context, upstream.Token)       {}

// startTools serves the tools in process against baseURL and returns a client.
func startTools(t *testing.T, baseURL string, log zerolog.Logger) *client.Client {
	t.Helper()
	return startToolsWith(t, baseURL, log, Specs())
}

// startToolsWith is startTools over the given declarations.
func startToolsWith(t *testing.T, baseURL string, log zerolog.Logger, specs []ToolSpec) *client.Client {
	t.Helper()
	cl, err := upstream.New(upstream.Config{BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := build(Deps{Client: cl, Creds: fixedCreds("1|abcdefgh"), Logger: log}, Filter{}, specs)
	if err != nil {
		t.Fatal(err)
	}
	s := mcpserver.NewMCPServer("test", "1")
	s.AddTools(ts...)
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-11-25"
	init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func callTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	return c.CallTool(ctx, req)
}

// A panic in a handler becomes an isError result, is logged, and the server
// keeps serving.
func TestHandlerPanicBecomesToolError(t *testing.T) {
	specs := Specs()
	for i, a := range specs[2].Actions { // agent-profile
		if a.Name == "get" {
			specs[2].Actions[i].Handler = func(context.Context, *call) (*outcome, error) { panic("boom") }
		}
	}

	upstreamSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":[],"error":null,"meta":{"request_id":"r"}}`))
	}))
	t.Cleanup(upstreamSrv.Close)
	var logs strings.Builder
	c := startToolsWith(t, upstreamSrv.URL, zerolog.New(zerolog.SyncWriter(&logs)), specs)

	res, err := callTool(context.Background(), c, "agent-profile", map[string]any{"action": "get"})
	if err != nil {
		t.Fatalf("a panic became a protocol error: %v", err)
	}
	text := res.Content[0].(mcp.TextContent).Text
	if !res.IsError || !strings.Contains(text, "internal error") || strings.Contains(text, "boom") {
		t.Errorf("panic result: isError=%v %q", res.IsError, text)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
	res, err = callTool(context.Background(), c, "agent-api-keys", map[string]any{"action": "list"})
	if err != nil || res.IsError {
		t.Errorf("the call after a panic was not served: %v %v", err, res)
	}
}

// Cancelling a call (the client sends notifications/cancelled) cancels the
// upstream request instead of letting it run on.
func TestCancelCancelsUpstreamRequest(t *testing.T) {
	started := make(chan struct{}, 1)
	var cancelledUpstream atomic.Bool
	upstreamSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			cancelledUpstream.Store(true)
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(upstreamSrv.Close)
	c := startTools(t, upstreamSrv.URL, zerolog.Nop())

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	begin := time.Now()
	_, _ = callTool(ctx, c, "agent-api-keys", map[string]any{"action": "list"})
	deadline := time.Now().Add(3 * time.Second)
	for !cancelledUpstream.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !cancelledUpstream.Load() {
		t.Fatal("the upstream request kept running after the call was cancelled")
	}
	if time.Since(begin) > 4*time.Second {
		t.Errorf("cancellation took %v", time.Since(begin))
	}
}
