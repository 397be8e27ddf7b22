package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/schemas"
)

// mcp-go keeps the lean call schema, clients still get the full one in
// tools/list, in both eras and over both transports, and a 2026-07-28 call over
// HTTP (the path that reads the registered schema) still works.
func TestFullSchemasPublishedLeanOnesRegistered(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.EnvToken = e.demoToken(t)
	opts.Toolsets = []string{"all"} // every schema, issue 17's included

	ms, err := newMCPServer(opts, &processCredentials{tok: opts.EnvToken}, false)
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range ms.ListTools() {
		if string(st.Tool.RawInputSchema) != string(callSchema) {
			t.Errorf("%s: registered input schema is %.80s, want the lean call schema", name, st.Tool.RawInputSchema)
		}
	}

	srv := httpServer(t, opts, HTTPOptions{}, true)
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		c, err := client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + string(opts.EnvToken)}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		req := mcp.InitializeRequest{}
		req.Params.ProtocolVersion = era
		req.Params.ClientInfo = mcp.Implementation{Name: "server-test", Version: "1"}
		if _, err := c.Initialize(ctx, req); err != nil {
			t.Fatal(err)
		}
		if c.ProtocolVersion() != era {
			t.Fatalf("negotiated %q, want %s", c.ProtocolVersion(), era)
		}
		assertFullSchemas(t, era, listTools(t, c))
		if r := call(t, c, "agent-api-keys", map[string]any{"action": "list"}); r.isError {
			t.Fatalf("%s: list failed: %s", era, r.text)
		}
	}
	assertFullSchemas(t, "stdio", listTools(t, stdioClient(t, opts)))
}

func assertFullSchemas(t *testing.T, where string, tools []mcp.Tool) {
	t.Helper()
	if len(tools) != len(schemas.Names()) {
		t.Fatalf("%s: %d tools listed, want %d", where, len(tools), len(schemas.Names()))
	}
	for _, tool := range tools {
		want, _ := schemas.Tool(tool.Name)
		got, err := json.Marshal(tool.InputSchema)
		if len(tool.RawInputSchema) > 0 {
			got, err = tool.RawInputSchema, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, got, want) {
			t.Errorf("%s: %s lists input schema %.120s, want the one in schemas/", where, tool.Name, got)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%v: %.80s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%v: %.80s", err, b)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}

// A schema that binds a parameter to a header keeps it: mcp-go needs the
// binding on every call.
func TestLeanCallSchemasKeepHeaderBindings(t *testing.T) {
	bound := json.RawMessage(`{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}`)
	plain := json.RawMessage(`{"type":"object","properties":{"action":{"type":"string","description":"what to do"}}}`)
	ts := []mcpserver.ServerTool{
		{Tool: mcp.NewToolWithRawSchema("bound", "b", bound)},
		{Tool: mcp.NewToolWithRawSchema("plain", "p", plain)},
	}
	full := leanCallSchemas(ts)
	if string(ts[0].Tool.RawInputSchema) != string(bound) {
		t.Errorf("a schema with x-mcp-header was replaced by %s", ts[0].Tool.RawInputSchema)
	}
	if string(ts[1].Tool.RawInputSchema) != string(callSchema) || string(full["plain"]) != string(plain) {
		t.Errorf("plain: registered %s, published %s", ts[1].Tool.RawInputSchema, full["plain"])
	}
	res := &mcp.ListToolsResult{Tools: []mcp.Tool{ts[0].Tool, ts[1].Tool}}
	full.publish(context.Background(), 1, nil, res)
	if string(res.Tools[1].RawInputSchema) != string(plain) || string(res.Tools[0].RawInputSchema) != string(bound) {
		t.Errorf("published %s and %s", res.Tools[0].RawInputSchema, res.Tools[1].RawInputSchema)
	}
}
