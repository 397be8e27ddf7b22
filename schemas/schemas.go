// Package schemas holds the MCP input schemas of the agent tools, embedded
// at build time so the binary never reads them from disk.
//
// Each schema is a plain top-level object whose only required property is
// action: no combinators, no $ref, no $schema, so every MCP client and model
// can use it as is. Per-action requirements live in the descriptions and are
// enforced by the tools package's validator.
package schemas

import (
	"embed"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Tool returns the raw JSON input schema of the named tool (e.g.
// "agent-auth") and whether it exists. The bytes are a fresh copy.
func Tool(name string) ([]byte, bool) {
	// Only bare tool names: no paths, no extension.
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	b, err := files.ReadFile(name + ".json")
	if err != nil {
		return nil, false
	}
	return b, true
}

// Names returns the names of all tools with a schema, sorted.
func Names() []string {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
