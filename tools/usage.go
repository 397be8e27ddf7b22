package tools

import (
	"context"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// usageTool declares agent-usage: every action with its parameter rules and handler.
func usageTool() ToolSpec {
	return ToolSpec{
		Name: "agent-usage", Toolset: "usage", Title: "Agent usage",
		Description: `Read what the logged-in ModelsLab account has used and has left. Changes nothing.
"summary" gives usage, limits and the wallet at a glance; "products" the per-product plan limits and what remains; "history" usage over time, optionally from and to (YYYY-MM-DD) and at most limit entries (1-200).
Needs a logged-in session (agent-auth login) with the usage:read scope.`,
		Params: map[string]ParamSpec{
			"from": dateParam,
			"to":   dateParam,
		},
		Actions: []ActionSpec{
			{Name: "summary", ReadOnly: true, NeedsToken: true, Handler: usageSummary},
			{Name: "products", ReadOnly: true, NeedsToken: true, Handler: usageProducts},
			{Name: "history", Optional: []string{"from", "to", "limit"}, ReadOnly: true, NeedsToken: true, Handler: usageHistory, Check: checkDates},
		},
	}
}

// dateParam is a day as the usage endpoints take it.
var dateParam = ParamSpec{Form: "a date YYYY-MM-DD", Hint: "e.g. 2026-01-31"}

// checkDates refuses a date that does not exist (2026-02-30) and a period
// that ends before it starts: the documented format is a calendar date.
func checkDates(a *Args) error {
	var days [2]time.Time
	for i, name := range []string{"from", "to"} {
		if !a.Has(name) {
			continue
		}
		d, err := time.Parse(time.DateOnly, a.String(name))
		if err != nil {
			return &InputError{Tool: "agent-usage", Action: a.Action(), Param: name,
				Problem: "is not a calendar date (got " + echoString(a.String(name)) + ")", Hint: "send a real day as YYYY-MM-DD, e.g. 2026-01-31"}
		}
		days[i] = d
	}
	if a.Has("from") && a.Has("to") && days[1].Before(days[0]) {
		return &InputError{Tool: "agent-usage", Action: a.Action(), Param: "to",
			Problem: "is before from (" + a.String("to") + " < " + a.String("from") + ")", Hint: "swap them, or give from only"}
	}
	return nil
}

func usageSummary(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.UsageSummary(ctx, c.token))
}

func usageProducts(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.UsageProducts(ctx, c.token))
}

func usageHistory(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromList(c.client.UsageHistory(ctx, c.token, upstream.UsageHistoryQuery{
		From: a.String("from"), To: a.String("to"), Limit: a.Int("limit"),
	}))
}
