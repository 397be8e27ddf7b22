package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// The benchmarks here measure one tools/call of agent-api-keys {"action":"list"}
// through an in-process MCP client: everything but the transport. Compare
// BenchmarkToolCall* with BenchmarkFloor*: the floor is a bare mcp-go tool that
// forwards the same request with a plain http.Client and returns the body.
//
//	go test ./tools -run '^$' -bench . -benchmem

const benchBody = `{"data":[` +
	`{"id":101,"name":"production","notes":"render farm","key":"sk-…a1b2","created_at":"2026-01-05T10:00:00Z","last_used_at":"2026-07-01T08:30:00Z"},` +
	`{"id":102,"name":"staging","notes":null,"key":"sk-…c3d4","created_at":"2026-02-11T09:15:00Z","last_used_at":null},` +
	`{"id":103,"name":"laptop","notes":"local experiments","key":"sk-…e5f6","created_at":"2026-03-20T17:45:00Z","last_used_at":"2026-06-30T22:10:00Z"}` +
	`],"error":null,"meta":{"request_id":"req-bench-0001"}}`

type benchCreds upstream.Token

func (c benchCreds) Token(context.Context) upstream.Token     { return upstream.Token(c) }
func (benchCreds) Adopt(context.Context, upstream.Token) bool { return false }
func (benchCreds) Drop(context.Context, upstream.Token)       {}

// benchRoundTripper answers every request with benchBody, without a network.
type benchRoundTripper struct{}

func (benchRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader([]byte(benchBody))),
		ContentLength: int64(len(benchBody)), Request: r,
	}, nil
}

func benchUpstreamServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchClient stays on the handshake era, where the README's figures were measured.
func benchClient(b *testing.B, s *mcpserver.MCPServer) *client.Client {
	return connectVersion(b, s, "2025-11-25")
}

// benchTools serves the real tools, logging at info level (the default) to io.Discard.
func benchTools(b *testing.B, cfg upstream.Config) *client.Client {
	return benchClient(b, benchToolsServer(b, cfg))
}

func benchToolsServer(b *testing.B, cfg upstream.Config) *mcpserver.MCPServer {
	b.Helper()
	cfg.Logger = zerolog.New(io.Discard).Level(zerolog.InfoLevel)
	cl, err := upstream.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ts, err := tools.Build(tools.Deps{Client: cl, Creds: benchCreds("7|benchtoken"), Logger: cfg.Logger}, tools.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	s := mcpserver.NewMCPServer("bench", "1", mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery())
	s.AddTools(ts...)
	return s
}

// benchFloor serves the floor tool against base.
func benchFloor(b *testing.B, base string, rt http.RoundTripper) *client.Client {
	return benchClient(b, benchFloorServer(b, base, rt))
}

func benchFloorServer(b *testing.B, base string, rt http.RoundTripper) *mcpserver.MCPServer {
	b.Helper()
	hc := &http.Client{Transport: rt}
	s := mcpserver.NewMCPServer("floor", "1", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcp.NewToolWithRawSchema("agent-api-keys", "List API keys.",
		[]byte(`{"type":"object","properties":{"action":{"type":"string"}},"required":["action"]}`)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api-keys", nil)
			if err != nil {
				return nil, err
			}
			r.Header.Set("Authorization", "Bearer 7|benchtoken")
			resp, err := hc.Do(r)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			return mcp.NewToolResultText(string(body)), nil
		})
	return s
}

func benchLoop(b *testing.B, c *client.Client) {
	b.Helper()
	ctx := context.Background()
	req := mcp.CallToolRequest{}
	req.Params.Name = "agent-api-keys"
	req.Params.Arguments = map[string]any{"action": "list"}
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
	}
	// CPU time (client and server, all threads) is steadier than ns/op on a
	// machine shared with other work.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is this process's user+system CPU time so far, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkToolCallNoNetwork: the real tools against an in-memory RoundTripper,
// so the profile shows only MCP and this project's code.
func BenchmarkToolCallNoNetwork(b *testing.B) {
	benchLoop(b, benchTools(b, upstream.Config{BaseURL: "http://upstream.invalid/api/agents/v1", Transport: benchRoundTripper{}}))
}

func BenchmarkFloorNoNetwork(b *testing.B) {
	benchLoop(b, benchFloor(b, "http://upstream.invalid/api/agents/v1", benchRoundTripper{}))
}

// BenchmarkServerOnly* hand the server a tools/call message and encode its
// answer, as a transport would, with no client: what the server side allocates
// and spends per call. (The NoNetwork figures include the in-process client,
// which parses the structured content and the text block both.)
func BenchmarkServerOnlyToolCall(b *testing.B) {
	benchServerOnly(b, benchToolsServer(b, upstream.Config{BaseURL: "http://upstream.invalid/api/agents/v1", Transport: benchRoundTripper{}}))
}

func BenchmarkServerOnlyFloor(b *testing.B) {
	benchServerOnly(b, benchFloorServer(b, "http://upstream.invalid/api/agents/v1", benchRoundTripper{}))
}

func benchServerOnly(b *testing.B, s *mcpserver.MCPServer) {
	ctx := context.Background()
	msg := []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"agent-api-keys","arguments":{"action":"list"}}}`)
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		out, err := json.Marshal(s.HandleMessage(ctx, msg))
		if err != nil || !bytes.Contains(out, []byte("req-bench-0001")) || bytes.Contains(out, []byte(`"isError":true`)) {
			b.Fatalf("%v %s", err, out)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkToolCallLoopback: the real tools against an httptest upstream.
func BenchmarkToolCallLoopback(b *testing.B) {
	benchLoop(b, benchTools(b, upstream.Config{BaseURL: benchUpstreamServer(b).URL + "/api/agents/v1"}))
}

func BenchmarkFloorLoopback(b *testing.B) {
	srv := benchUpstreamServer(b)
	benchLoop(b, benchFloor(b, srv.URL+"/api/agents/v1", http.DefaultTransport))
}

// BenchmarkToolCallSandbox: the real tools against the embedded sandbox's
// in-process Transport (demo account), as `--sandbox` serves them.
func BenchmarkToolCallSandbox(b *testing.B) {
	sb := sandbox.New(sandbox.Options{Logger: zerolog.Nop(), DisableRateLimit: true})
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", Transport: sb.Transport()})
	if err != nil {
		b.Fatal(err)
	}
	res, err := cl.Login(context.Background(), upstream.LoginRequest{Email: sb.Demo().Email, Password: sb.Demo().Password})
	if err != nil {
		b.Fatal(err)
	}
	ts, err := tools.Build(tools.Deps{Client: cl, Creds: benchCreds(res.Data.AccessToken), Logger: zerolog.New(io.Discard)}, tools.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	s := mcpserver.NewMCPServer("bench", "1", mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery())
	s.AddTools(ts...)
	benchLoop(b, benchClient(b, s))
}

// BenchmarkBuild is the start-up cost of the tools: the default toolsets
// declare, parse and validate only the five account tools; all ten add what
// the five schemas need (issue 17).
func BenchmarkBuild(b *testing.B) {
	for _, sets := range []string{"default", "all"} {
		b.Run(sets, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tools.Build(tools.Deps{}, tools.Filter{Toolsets: []string{sets}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
