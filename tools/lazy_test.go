package tools

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"
)

// Validators are built on a tool's first call, so a disagreement between a
// tool's declarations and its embedded schema no longer stops Build: this test
// builds every tool's validator, as published and in read-only mode, so that
// such a disagreement still fails here.
func TestValidatorsOfEveryTool(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		for _, spec := range Specs() {
			tl, err := newTool(&Deps{}, spec, readOnly)
			if err != nil {
				t.Fatalf("%s (read-only %v): %v", spec.Name, readOnly, err)
			}
			if tl == nil {
				continue // nothing left in read-only mode
			}
			if v, err := tl.validator(); err != nil || v == nil {
				t.Errorf("%s (read-only %v): validator: %v", spec.Name, readOnly, err)
			}
		}
	}
}

// A validator that cannot be built is an internal error on the call that needed
// it, logged, never a panic or an upstream request; the other tools keep working.
func TestValidatorFailureIsAnInternalError(t *testing.T) {
	specs := Specs()
	// agent-profile: declare a parameter its schema does not have.
	for i := range specs[2].Actions {
		if specs[2].Actions[i].Name == "get" {
			specs[2].Actions[i].Optional = append(specs[2].Actions[i].Optional, "no_such_param")
		}
	}
	var logs bytes.Buffer
	c := startToolsWith(t, "http://upstream.invalid/api/agents/v1", zerolog.New(&logs), specs)
	res, err := callTool(context.Background(), c, "agent-profile", map[string]any{"action": "get"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(textOf(res), "internal error") {
		t.Fatalf("want an internal-error result, got %+v", res)
	}
	if !strings.Contains(logs.String(), "no_such_param") {
		t.Errorf("the validator's error was not logged: %s", logs.String())
	}
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
