package upstream

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// UsageHistoryQuery is the query of GET /usage/history. Zero fields are not sent.
type UsageHistoryQuery struct {
	// From and To are dates, YYYY-MM-DD.
	From, To string
	// Limit is 1-200 (the upstream's default 100).
	Limit int64
}

func (q UsageHistoryQuery) values() url.Values {
	v := url.Values{}
	setQuery(v, "from", q.From)
	setQuery(v, "to", q.To)
	setQueryInt(v, "limit", q.Limit)
	return v
}

// UsageSummary reads usage, limits and the wallet (GET /usage/summary).
func (c *Client) UsageSummary(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUsageSummary, path: "/usage/summary", token: tok}, passOn)
}

// UsageProducts reads the per-product plan limits and what remains (GET /usage/products).
func (c *Client) UsageProducts(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epUsageProducts, path: "/usage/products", token: tok}, passOn)
}

// UsageHistory lists usage over a period (GET /usage/history).
func (c *Client) UsageHistory(ctx context.Context, tok Token, q UsageHistoryQuery) (*Result[List], error) {
	return send(ctx, c, request{ep: epUsageHistory, path: "/usage/history", token: tok, query: q.values()}, readListAnswer)
}

// setQuery sets a query parameter unless the value is empty.
func setQuery(v url.Values, key, val string) {
	if val != "" {
		v.Set(key, val)
	}
}

// setQueryInt sets a query parameter unless the value is zero.
func setQueryInt(v url.Values, key string, n int64) {
	if n != 0 {
		v.Set(key, strconv.FormatInt(n, 10))
	}
}

// amountText renders a USD amount as the shortest decimal that reads back the same.
func amountText(a float64) string { return strconv.FormatFloat(a, 'f', -1, 64) }
