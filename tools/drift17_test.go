package tools_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
)

// The drift table of issue 17's 42 endpoints: answers a real control plane
// could plausibly give beyond what §7 documents. Each call succeeds, the
// data reaches the model as sent, and a documented field that is missing or
// of another kind is a warning (and a warn log line) naming it.

// i17Good is the data §7 documents for the endpoints whose answer it
// describes; every other endpoint's answer is undocumented and passed on.
var i17Good = map[string]string{
	"/models/flux":                     `{"id":"flux","name":"Flux","parameters":{"type":"object"}}`,
	"/billing/stripe-config":           `{"publishable_key":"pk_test_123","instructions":"Use Stripe.js"}`,
	"/billing/payment-link":            `{"payment_url":"https://checkout.stripe.test/c/cs_1","session_id":"cs_1","purpose":"fund","amount":25,"expires_at":"2026-01-01T00:00:00Z","instructions":"Pay"}`,
	"/wallet/balance":                  `{"balance":12.5,"currency":"USD"}`,
	"/payments/pi_sandbox_0001/status": `{"status":"succeeded","payment_intent_id":"pi_sandbox_0001","amount":25,"currency":"usd"}`,
	"/subscriptions/plans":             `{"subscription_plans":[{"id":2,"name":"Pro","price":29}],"pay_as_you_go":{"minimum_topup_usd":10},"count":1}`,
	"/subscriptions/1/status":          `{"status":"active"}`,
}

// i17Lists are the endpoints whose data is a list.
var i17Lists = []string{"/usage/history", "/models", "/models/tags", "/models/providers", "/billing/payment-methods",
	"/billing/invoices", "/wallet/transactions", "/subscriptions"}

type drift17Variant struct {
	name   string
	status int
	body   string
	warn   []string // "field:got"
	marker bool
}

func drift17Variants(t *testing.T, path, method string) []drift17Variant {
	mark := `"drift_extra":"` + driftMarker + `"`
	if method == "GET" && slices.Contains(i17Lists, path) {
		item := `{"id":1,"name":"x",` + mark + `}`
		return []drift17Variant{
			{"plain list", 200, env("[" + item + "]"), nil, true},
			{"items wrapper", 200, env(`{"items":[` + item + `],"count":1,"total":3}`), nil, true},
			{"laravel paginator", 200, env(`{"data":[` + item + `],"current_page":1,"last_page":2,"per_page":1,"total":2}`), []string{"data:object"}, true},
			{"no envelope", 200, `{"items":[` + item + `],"count":1,"total":1}`, nil, true},
			{"ids as strings, other fields", 200, env(`[{"id":"a1","label":"y",` + mark + `}]`), nil, true},
			{"empty list", 200, env(`[]`), nil, false},
		}
	}
	good, documented := i17Good[path]
	if !documented {
		good = `{"id":7,"status":"ok"}`
	}
	marked := withField(t, good, "drift_extra", `"`+driftMarker+`"`)
	out := []drift17Variant{
		{"as documented, plus a field", 200, env(marked), nil, true},
		{"no envelope", 200, marked, nil, true},
	}
	if documented {
		var m map[string]json.RawMessage
		_ = json.Unmarshal([]byte(good), &m)
		first := ""
		for _, f := range []string{"publishable_key", "payment_url", "balance", "status", "subscription_plans", "parameters"} {
			if m[f] != nil {
				first = f
				break
			}
		}
		if first == "parameters" { // optional, an object or an array
			out = append(out,
				drift17Variant{"parameters missing", 200, env(withField(t, marked, first, "")), nil, true},
				drift17Variant{"parameters as a string", 200, env(withField(t, marked, first, `"see docs"`)), []string{"data.parameters:string"}, true})
		} else if first != "" {
			out = append(out,
				drift17Variant{first + " missing", 200, env(withField(t, marked, first, "")), []string{"data." + first + ":missing"}, true},
				drift17Variant{first + " as an object", 200, env(withField(t, marked, first, `{"v":1}`)), []string{"data." + first + ":object"}, true},
			)
		}
	} else {
		out = append(out, drift17Variant{"data is an array", 200, env(`["` + driftMarker + `"]`), nil, true})
	}
	if method != "GET" {
		out = append(out,
			drift17Variant{"empty 204", 204, "", nil, false},
			drift17Variant{"text", 200, "OK " + driftMarker, []string{"body:text that is not JSON"}, true},
		)
	}
	return out
}

func TestI17DriftTable(t *testing.T) {
	e := newMoneyEnv(t, moneyOpts{})
	rows, endpoints := 0, 0
	for _, spec := range tools.Specs() {
		if slices.Contains(tools.DefaultToolsets(), spec.Toolset) {
			continue
		}
		for _, a := range spec.Actions {
			m := i17Mappings[spec.Name+" "+a.Name]
			endpoints++
			vs := drift17Variants(t, m.path, m.method)
			if len(vs) < 3 {
				t.Fatalf("%s: %d variants", m.path, len(vs))
			}
			for _, v := range vs {
				rows++
				what := fmt.Sprintf("%s %s, %s", spec.Name, a.Name, v.name)
				e.up.setAnswer(func(r recReq) (int, string) {
					if r.method == m.method && r.path == m.path {
						return v.status, v.body
					}
					return 0, ""
				})
				e.up.reset()
				e.log.take()
				r := e.call(spec.Name, argsOf(spec.Name, a.Name))
				if r.isError {
					t.Errorf("%s: failed although ModelsLab answered %d: %s", what, v.status, r.text)
					continue
				}
				reqs := e.up.requests()
				if last := reqs[len(reqs)-1]; last.method != m.method || last.path != m.path {
					t.Errorf("%s: requests %v", what, reqs)
				}
				if v.marker && !strings.Contains(r.text, driftMarker) {
					t.Errorf("%s: ModelsLab's data did not reach the model: %s", what, r.text)
				}
				var ws []resultWarning
				raw, _ := json.Marshal(r.body["warnings"])
				_ = json.Unmarshal(raw, &ws)
				got, want := warnKeys(ws), slices.Clone(v.warn)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: warnings %v, want %v: %s", what, got, want, r.text)
				}
				logs := e.log.String()
				for _, w := range ws {
					if !strings.Contains(logs, `"level":"warn"`) || !strings.Contains(logs, fmt.Sprintf(`"field":%q`, w.Field)) ||
						!strings.Contains(logs, fmt.Sprintf(`"path":%q`, m.path)) {
						t.Errorf("%s: no warn log line for %s: %s", what, w.Field, logs)
					}
				}
				if strings.Contains(logs, driftMarker) {
					t.Errorf("%s: a value reached the log", what)
				}
			}
		}
	}
	t.Logf("%d drift rows over the %d actions of the opt-in tools", rows, endpoints) // docs/reliability.md quotes it
	if endpoints != 42 || rows < 3*42 {
		t.Errorf("%d actions, %d rows", endpoints, rows)
	}
}
