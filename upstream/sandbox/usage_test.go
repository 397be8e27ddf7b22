package sandbox_test

import (
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func TestUsageDemoFigures(t *testing.T) {
	a := newAcct(t)
	sum := must(a.c.UsageSummary(a.ctx, a.tok))(t)
	if got := at(t, sum.Raw, "usage.cost"); got != 25.0 {
		t.Errorf("usage cost %v, want 25 (the wallet's debits)", got)
	}
	if got := at(t, sum.Raw, "usage.requests"); got != 3924.0 {
		t.Errorf("requests %v", got)
	}
	if got := at(t, sum.Raw, "wallet.balance"); got != 25.0 {
		t.Errorf("wallet %v", got)
	}
	if got := at(t, sum.Raw, "limits.plan.name"); got != "Basic" {
		t.Errorf("plan %v", got)
	}

	prod := must(a.c.UsageProducts(a.ctx, a.tok))(t)
	items := at(t, prod.Raw, "items").([]any)
	img := items[0].(map[string]any)
	if img["product"] != "image_generation" || img["used"] != 650.0 || img["limit"] != 3250.0 || img["remaining"] != 2600.0 {
		t.Errorf("image product %v", img)
	}

	hist := must(a.c.UsageHistory(a.ctx, a.tok, upstream.UsageHistoryQuery{}))(t)
	if len(hist.Data.Items) != 10 || hist.Data.Total == nil || *hist.Data.Total != 10 {
		t.Errorf("history %d items, total %v", len(hist.Data.Items), hist.Data.Total)
	}
	// 2026-03-15 is five days before the clock: the last four records.
	hist = must(a.c.UsageHistory(a.ctx, a.tok, upstream.UsageHistoryQuery{From: "2026-03-15", To: "2026-03-20", Limit: 2}))(t)
	if len(hist.Data.Items) != 2 || *hist.Data.Total != 4 || !hist.Data.More {
		t.Errorf("narrowed history: %d items, total %v, more %v", len(hist.Data.Items), *hist.Data.Total, hist.Data.More)
	}
	if at(t, hist.Data.Items[0], "date") != "2026-03-19" {
		t.Errorf("newest first: %s", hist.Data.Items[0])
	}
}

func TestUsageHistoryValidation(t *testing.T) {
	a := newAcct(t)
	for _, q := range []upstream.UsageHistoryQuery{{From: "03/01/2026"}, {From: "2026-03-10", To: "2026-03-01"}, {Limit: 201}, {Limit: -1}} {
		_, err := a.c.UsageHistory(a.ctx, a.tok, q)
		if ae := wantAPIError(t, err, 422, "validation_error"); len(ae.Details) != 1 {
			t.Errorf("%+v: details %v", q, ae.Details)
		}
	}
	narrow := a.login("models:read")
	_, err := a.c.UsageSummary(a.ctx, narrow)
	if ae := wantAPIError(t, err, 403, "insufficient_scope"); ae.RequiredScope != "usage:read" {
		t.Errorf("scope %q", ae.RequiredScope)
	}
}
