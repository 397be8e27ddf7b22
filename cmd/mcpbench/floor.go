package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// runFloor is `mcpbench floor stdio|http --base-url URL [--addr ADDR]`: the
// least an mcp-go server can do for the same call. One tool, agent-api-keys,
// that forwards GET {base}/api-keys with a plain http.Client and returns the
// body as text. No validation, no logging, no result shaping. Over stdio the
// token comes from MODELSLAB_AGENT_TOKEN, over HTTP from the Authorization
// header, as for the real server.
func runFloor(args []string) error {
	if len(args) == 0 || (args[0] != "stdio" && args[0] != "http") {
		return errors.New("usage: mcpbench floor stdio|http --base-url URL [--addr ADDR]")
	}
	mode := args[0]
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	base := fs.String("base-url", "", "upstream base URL")
	addr := fs.String("addr", "127.0.0.1:0", "listen address for http (loopback)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	// A plain client; the idle pool is only raised above Go's default of 2 per
	// host so that the floor does not churn connections under concurrency.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	url := strings.TrimRight(*base, "/") + "/api-keys"
	envToken := os.Getenv("MODELSLAB_AGENT_TOKEN")

	s := mcpserver.NewMCPServer("mcpbench-floor", "1", mcpserver.WithToolCapabilities(false))
	tool := mcp.NewToolWithRawSchema("agent-api-keys", "List API keys.",
		[]byte(`{"type":"object","properties":{"action":{"type":"string"}},"required":["action"]}`))
	s.AddTool(tool, func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		auth := req.Header.Get("Authorization")
		if auth == "" && envToken != "" {
			auth = "Bearer " + envToken
		}
		r.Header.Set("Authorization", auth)
		r.Header.Set("Accept", "application/json")
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

	if mode == "stdio" {
		return mcpserver.NewStdioServer(s).Listen(context.Background(), os.Stdin, os.Stdout)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	h := mcpserver.NewStreamableHTTPServer(s)
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	fmt.Fprintf(os.Stderr, "MCP endpoint: http://%s/mcp\n", ln.Addr())
	return (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
}
