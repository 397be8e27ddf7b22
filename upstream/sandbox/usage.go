package sandbox

import (
	"time"
)

// The usage figures come from the account's usage records (the demo's are
// seeded, see demoUsage); they agree with the wallet's usage debits.

// productLimit is a plan's monthly allowance of a product (0: pay as you go).
func productLimit(planID int64, product string) int {
	limits := map[int64]map[string]int{
		1: {"image_generation": 3250},
		2: {"image_generation": 0, "video_generation": 500, "audio_generation": 1000, "llm": 100000},
		3: {"image_generation": 0, "video_generation": 5000, "audio_generation": 10000, "llm": 1000000},
	}
	return limits[planID][product]
}

var products = [...]string{"image_generation", "video_generation", "audio_generation", "llm"}

// currentPlan is the account's live normal plan (0: none).
func (m *accountMoney) currentPlan() int64 {
	for _, sub := range m.subs {
		if sub.category == "normal" && sub.status == "active" {
			return sub.planID
		}
	}
	return 0
}

// usageSince sums requests and cost per product since t.
func (m *accountMoney) usageSince(t time.Time) (map[string]int, map[string]float64) {
	reqs, cost := map[string]int{}, map[string]float64{}
	for _, r := range m.usage {
		if !r.at.Before(t) {
			reqs[r.product] += r.requests
			cost[r.product] = cents(cost[r.product] + r.cost)
		}
	}
	return reqs, cost
}

// periodStart is the start of the current billing period: the plan's, else 30 days.
func (m *accountMoney) periodStart(now time.Time) time.Time {
	for _, sub := range m.subs {
		if sub.category == "normal" && sub.status == "active" {
			return sub.periodStart
		}
	}
	return now.AddDate(0, 0, -30)
}

// GET /usage/summary: this period's usage, the plan's limits and the wallet.
func (s *Sandbox) usageSummary(c *call) response {
	m := s.moneyOf(c.acct)
	from := m.periodStart(c.now)
	reqs, cost := m.usageSince(from)
	totalReq, totalCost := 0, 0.0
	byProduct := []map[string]any{}
	for _, p := range products {
		totalReq += reqs[p]
		totalCost = cents(totalCost + cost[p])
		byProduct = append(byProduct, map[string]any{"product": p, "requests": reqs[p], "cost": cost[p]})
	}
	planID := m.currentPlan()
	var planView any
	if pl, ok := findPlan(planID); ok {
		planView = map[string]any{"id": pl.ID, "name": pl.Name}
	}
	return ok(map[string]any{
		"period": map[string]any{"from": from.Format("2006-01-02"), "to": c.now.Format("2006-01-02")},
		"usage":  map[string]any{"requests": totalReq, "cost": totalCost, "currency": currency, "by_product": byProduct},
		"limits": map[string]any{"plan": planView, "products": s.productViews(m, reqs)},
		"wallet": map[string]any{"balance": c.acct.balance, "currency": currency},
	})
}

func (s *Sandbox) productViews(m *accountMoney, reqs map[string]int) []map[string]any {
	planID := m.currentPlan()
	out := make([]map[string]any, 0, len(products))
	for _, p := range products {
		limit := productLimit(planID, p)
		v := map[string]any{"product": p, "used": reqs[p], "unit": "requests"}
		if limit > 0 {
			v["limit"], v["remaining"], v["billing"] = limit, max(0, limit-reqs[p]), "plan"
		} else {
			v["limit"], v["remaining"], v["billing"] = nil, nil, "wallet"
		}
		out = append(out, v)
	}
	return out
}

// GET /usage/products: per product, the plan's limit and what remains.
func (s *Sandbox) usageProducts(c *call) response {
	m := s.moneyOf(c.acct)
	reqs, _ := m.usageSince(m.periodStart(c.now))
	items := s.productViews(m, reqs)
	return ok(map[string]any{"items": items, "count": len(items)})
}

// GET /usage/history: from, to (YYYY-MM-DD; default the last 30 days), limit
// (1-200, default 100); newest first.
func (s *Sandbox) usageHistory(c *call) response {
	q := c.r.URL.Query()
	v := newValidator(fields{})
	to := queryDate(v, q.Get("to"), "to", c.now)
	from := queryDate(v, q.Get("from"), "from", to.AddDate(0, 0, -30))
	limit := queryInt(v, q.Get("limit"), "limit", 100, 1, 200)
	if !v.failed() && to.Before(from) {
		v.add("to", "The to field must be a date after or equal to from.")
	}
	if v.failed() {
		return v.result()
	}
	m := s.moneyOf(c.acct)
	end := to.AddDate(0, 0, 1)
	all := []map[string]any{}
	for i := len(m.usage) - 1; i >= 0; i-- {
		r := m.usage[i]
		if r.at.Before(from) || !r.at.Before(end) {
			continue
		}
		all = append(all, map[string]any{"date": r.at.Format("2006-01-02"), "product": r.product, "feature": r.feature,
			"model_id": r.modelID, "requests": r.requests, "cost": r.cost, "currency": currency})
	}
	items := pageOf(all, 0, limit)
	return ok(map[string]any{"items": items, "count": len(items), "total": len(all),
		"from": from.Format("2006-01-02"), "to": to.Format("2006-01-02")})
}

// queryDate reads a YYYY-MM-DD query parameter; "" gives def (its day).
func queryDate(v *validator, raw, k string, def time.Time) time.Time {
	if raw == "" {
		return time.Date(def.Year(), def.Month(), def.Day(), 0, 0, 0, 0, time.UTC)
	}
	t, err := time.Parse("2006-01-02", raw)
	if err != nil {
		v.add(k, "The "+k+" field must match the format YYYY-MM-DD.")
		return def
	}
	return t
}
