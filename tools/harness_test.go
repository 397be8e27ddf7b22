package tools_test

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// connect returns an initialised in-process MCP client of s, closed at cleanup.
func connect(tb testing.TB, s *mcpserver.MCPServer) *client.Client {
	tb.Helper()
	return connectVersion(tb, s, mcp.LATEST_PROTOCOL_VERSION)
}

// connectVersion is connect for a given protocol version.
func connectVersion(tb testing.TB, s *mcpserver.MCPServer, version string) *client.Client {
	tb.Helper()
	c, err := client.NewInProcessClient(s)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = version
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}
