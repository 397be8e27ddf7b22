package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Streamable HTTP and stdio, in process, against an upstream that answers from
// memory: the server's whole per-call path (guards, context function, mcp-go,
// tools, upstream client, logging) with the network taken out. BenchmarkFloor*
// is a bare mcp-go tool forwarding the same request with a plain http.Client.
//
//	go test ./server -run '^$' -bench . -benchmem

const benchServerBody = `{"data":[` +
	`{"id":101,"name":"production","notes":"render farm","key":"sk-…a1b2","created_at":"2026-01-05T10:00:00Z","last_used_at":"2026-07-01T08:30:00Z"},` +
	`{"id":102,"name":"staging","notes":null,"key":"sk-…c3d4","created_at":"2026-02-11T09:15:00Z","last_used_at":null},` +
	`{"id":103,"name":"laptop","notes":"local experiments","key":"sk-…e5f6","created_at":"2026-03-20T17:45:00Z","last_used_at":"2026-06-30T22:10:00Z"}` +
	`],"error":null,"meta":{"request_id":"req-bench-0001"}}`

var benchRT = rtFunc(func(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(strings.NewReader(benchServerBody)),
		ContentLength: int64(len(benchServerBody)), Request: r,
	}, nil
})

func benchOpts(b *testing.B) Options {
	b.Helper()
	log := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	cl, err := upstream.New(upstream.Config{BaseURL: "http://upstream.invalid/api/agents/v1", Transport: benchRT, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	return Options{Version: "bench", Client: cl, Logger: log, EnvToken: "7|benchtoken"}
}

func benchFloorServer() *mcpserver.MCPServer {
	hc := &http.Client{Transport: benchRT}
	s := mcpserver.NewMCPServer("floor", "1", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcp.NewToolWithRawSchema("agent-api-keys", "List API keys.",
		[]byte(`{"type":"object","properties":{"action":{"type":"string"}},"required":["action"]}`)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://upstream.invalid/api/agents/v1/api-keys", nil)
			r.Header.Set("Authorization", req.Header.Get("Authorization"))
			resp, err := hc.Do(r)
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return mcp.NewToolResultText(string(body)), nil
		})
	return s
}

func benchHTTPLoop(b *testing.B, h http.Handler, era string) {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	c, err := client.NewStreamableHttpClient(srv.URL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer 7|benchtoken"}))
	if err != nil {
		b.Fatal(err)
	}
	benchCallLoop(b, c, era)
}

// The protocol eras: "" lets the client take the newest (2026-07-28).
const (
	eraModern    = ""
	eraHandshake = "2025-11-25"
)

func benchCallLoop(b *testing.B, c *client.Client, era string) {
	b.Helper()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = era
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
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

func BenchmarkHTTPToolCall(b *testing.B) {
	hs, err := NewHTTP(benchOpts(b), HTTPOptions{}, true)
	if err != nil {
		b.Fatal(err)
	}
	benchHTTPLoop(b, hs.Handler(), eraModern)
}

func BenchmarkHTTPFloor(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcpserver.NewStreamableHTTPServer(benchFloorServer()))
	benchHTTPLoop(b, mux, eraModern)
}

func BenchmarkHTTPHandshakeToolCall(b *testing.B) {
	hs, err := NewHTTP(benchOpts(b), HTTPOptions{}, true)
	if err != nil {
		b.Fatal(err)
	}
	benchHTTPLoop(b, hs.Handler(), eraHandshake)
}

func BenchmarkHTTPHandshakeFloor(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcpserver.NewStreamableHTTPServer(benchFloorServer()))
	benchHTTPLoop(b, mux, eraHandshake)
}

func benchStdioLoop(b *testing.B, serve func(ctx context.Context, in io.Reader, out io.Writer)) {
	cin, sout := io.Pipe() // server → client
	sin, cout := io.Pipe() // client → server
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); serve(ctx, sin, sout) }()
	b.Cleanup(func() { cancel(); cout.Close(); sout.Close(); <-done })
	benchCallLoop(b, client.NewClient(transport.NewIO(cin, cout, io.NopCloser(strings.NewReader("")))), eraHandshake)
}

func BenchmarkStdioToolCall(b *testing.B) {
	opts := benchOpts(b)
	benchStdioLoop(b, func(ctx context.Context, in io.Reader, out io.Writer) { _ = ServeStdio(ctx, opts, in, out) })
}

func BenchmarkStdioFloor(b *testing.B) {
	benchStdioLoop(b, func(ctx context.Context, in io.Reader, out io.Writer) {
		_ = mcpserver.NewStdioServer(benchFloorServer()).Listen(ctx, in, out)
	})
}

// BenchmarkStdioLogLines measures what mcp-go's request logger (two extra INFO
// lines per call, removed from the default level) cost when stderr is a pipe.
func BenchmarkStdioLogLines(b *testing.B) {
	for _, withMCPGoLog := range []bool{false, true} {
		name := "tools-line-only"
		if withMCPGoLog {
			name = "plus-mcp-go-lines"
		}
		b.Run(name, func(b *testing.B) {
			pr, pw, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			go io.Copy(io.Discard, pr)
			b.Cleanup(func() { pw.Close(); pr.Close() })
			opts := benchOpts(b)
			opts.Logger = zerolog.New(pw).Level(zerolog.InfoLevel).With().Timestamp().Logger()
			ts, err := tools.Build(tools.Deps{Client: opts.Client, Creds: &processCredentials{tok: opts.EnvToken}, Logger: opts.Logger}, tools.Filter{})
			if err != nil {
				b.Fatal(err)
			}
			so := []mcpserver.ServerOption{mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery()}
			if withMCPGoLog {
				so = append(so, mcpserver.WithLogger(slog.New(zerolog.NewSlogHandler(opts.Logger))))
			}
			s := mcpserver.NewMCPServer(Name, "bench", so...)
			s.AddTools(ts...)
			benchStdioLoop(b, func(ctx context.Context, in io.Reader, out io.Writer) {
				_ = mcpserver.NewStdioServer(s).Listen(ctx, in, out)
			})
		})
	}
}

// BenchmarkStart is a stdio start after package init: the server built from
// its options, then initialize, notifications/initialized and tools/list
// answered, as a client opens every chat. The floor is a bare mcp-go server
// with one small tool; "all" publishes every toolset.
//
//	go test ./server -run '^$' -bench Start -benchmem
func BenchmarkStart(b *testing.B) {
	const handshake = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"
	run := func(b *testing.B, serve func(ctx context.Context, in io.Reader, out io.Writer) error, tool string) {
		b.ReportAllocs()
		for b.Loop() {
			var out strings.Builder
			if err := serve(context.Background(), strings.NewReader(handshake), &out); err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(out.String(), `"id":2`) || !strings.Contains(out.String(), tool) {
				b.Fatalf("no tools/list answer naming %s: %.300s", tool, out.String())
			}
		}
	}
	b.Run("default", func(b *testing.B) {
		opts := benchOpts(b)
		run(b, func(ctx context.Context, in io.Reader, out io.Writer) error { return ServeStdio(ctx, opts, in, out) }, "agent-api-keys")
	})
	b.Run("all", func(b *testing.B) {
		opts := benchOpts(b)
		opts.Toolsets = tools.Toolsets()
		run(b, func(ctx context.Context, in io.Reader, out io.Writer) error { return ServeStdio(ctx, opts, in, out) }, "agent-api-keys")
	})
	b.Run("floor", func(b *testing.B) {
		run(b, func(ctx context.Context, in io.Reader, out io.Writer) error {
			return mcpserver.NewStdioServer(benchFloorServer()).Listen(ctx, in, out)
		}, "agent-api-keys")
	})
}
