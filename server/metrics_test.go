package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// metricsEnv is a sandbox behind a client that reports to m. The first
// GET /me answers 503, so one retry is seen; auth is limited to 2 logins a
// minute, so a third is a 429.
type metricsEnv struct {
	sb   *sandbox.Sandbox
	m    *Metrics
	opts Options
}

func newMetricsEnv(t *testing.T) *metricsEnv {
	t.Helper()
	e := &metricsEnv{sb: sandbox.New(sandbox.Options{Seed: 5, AuthLimit: 2}), m: NewMetrics("v-test", "abc123")}
	var failedOnce atomic.Bool
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1", OnAttempt: e.m.ObserveUpstream,
		RetryBaseWait: 1, RetryMaxWait: 1,
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/me") && failedOnce.CompareAndSwap(false, true) {
				return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{},
					Body: io.NopCloser(strings.NewReader(`{"data":null,"error":{"code":"unavailable","message":"try again"}}`)), Request: r}, nil
			}
			return e.sb.Transport().RoundTrip(r)
		})})
	if err != nil {
		t.Fatal(err)
	}
	e.opts = Options{Version: "test", Client: cl, Logger: zerolog.Nop(), Metrics: e.m}
	return e
}

// gather scrapes the metrics handler and parses the answer with Prometheus's
// own text-format parser (a test-only dependency: the binary does not link
// it), so a sample Prometheus could not read fails here.
func (e *metricsEnv) gather(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format's", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("metrics text: %v\n%.3000s", err, rec.Body.String())
	}
	return fams
}

// family returns the metric family by its full name, or nil.
func (e *metricsEnv) family(t *testing.T, name string) *dto.MetricFamily {
	t.Helper()
	return e.gather(t)[name]
}

// value sums the counters or gauges of a family whose labels include want.
func (e *metricsEnv) value(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	f := e.family(t, name)
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		if !labelsMatch(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestMetricsAfterCallsThroughTheSandbox makes calls over HTTP and checks each
// metric with its labels, then that no label value carries what the callers
// sent (token, email, password, ids, a typed action) and that the MCP port
// has no /metrics.
func TestMetricsAfterCallsThroughTheSandbox(t *testing.T) {
	e := newMetricsEnv(t)
	srv := httpServer(t, e.opts, HTTPOptions{}, false)
	d := e.sb.Demo()

	anon := httpClient(t, srv, nil)
	login := call(t, anon, "agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})
	if login.isError {
		t.Fatalf("login: %s", login.text)
	}
	tok, _ := login.data()["access_token"].(string)
	if tok == "" {
		t.Fatalf("login returned no token: %s", login.text)
	}
	c := httpClient(t, srv, map[string]string{"Authorization": "Bearer " + tok})

	const inviteID = "123e4567-e89b-42d3-a456-426614174000"
	const typed = "drop-tables-for-alice@example.com"
	if r := call(t, c, "agent-profile", getProfile); r.isError {
		t.Fatalf("profile get: %s", r.text)
	}
	if r := call(t, c, "agent-api-keys", map[string]any{"action": "get", "key_id": d.APIKeyID}); r.isError {
		t.Fatalf("api key get: %s", r.text)
	}
	call(t, c, "agent-teams", map[string]any{"action": "accept-invite", "invite_id": inviteID}) // unknown invite: a 404 upstream
	if r := call(t, c, "agent-teams", map[string]any{"action": typed}); !r.isError {
		t.Fatalf("a made-up action succeeded: %s", r.text)
	}
	// Two more logins: the second is over the sandbox's auth limit of 2.
	call(t, anon, "agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password})
	if r := call(t, anon, "agent-auth", map[string]any{"action": "login", "email": d.Email, "password": d.Password}); !r.isError {
		t.Fatalf("third login within the limit was not refused: %s", r.text)
	}

	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-auth", "action": "login", "outcome": "ok"}, 2},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-auth", "action": "login", "outcome": "upstream"}, 1},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-profile", "action": "get", "outcome": "ok"}, 1},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-api-keys", "action": "get", "outcome": "ok"}, 1},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-teams", "action": "accept-invite", "outcome": "upstream"}, 1},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-teams", "action": Unknown, "outcome": "invalid_input"}, 1},
		{"modelslab_mcp_tool_calls_total", nil, 7},
		{"modelslab_mcp_tool_call_duration_seconds", map[string]string{"tool": "agent-auth"}, 3},
		{"modelslab_mcp_tool_call_duration_seconds", nil, 7},
		{"modelslab_mcp_tool_calls_in_flight", nil, 0},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "POST", "route": "/auth/login", "status_class": "2xx"}, 2},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "POST", "route": "/auth/login", "status_class": "4xx"}, 1},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "GET", "route": "/me", "status_class": "5xx"}, 1},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "GET", "route": "/me", "status_class": "2xx"}, 1},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "GET", "route": "/api-keys/{id}", "status_class": "2xx"}, 1},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "POST", "route": "/teams/invitations/{invite_id}/accept"}, 1},
		{"modelslab_mcp_upstream_request_duration_seconds", map[string]string{"method": "GET", "route": "/me"}, 2},
		{"modelslab_mcp_upstream_retries_total", nil, 1},
		{"modelslab_mcp_upstream_rate_limited_total", nil, 1},
		{"modelslab_mcp_http_sessions_open", nil, 2},
		{"modelslab_mcp_build_info", map[string]string{"version": "v-test", "commit": "abc123"}, 1},
	}
	for _, ck := range checks {
		if got := e.value(t, ck.name, ck.labels); got != ck.want {
			t.Errorf("%s%v = %v, want %v", ck.name, ck.labels, got, ck.want)
		}
	}

	// Label hygiene: nothing a caller sent, and no id, in any label value.
	secrets := []string{tok, d.Email, d.Password, typed, inviteID}
	ids := []string{strconv.FormatInt(d.APIKeyID, 10)}
	if i := strings.IndexByte(tok, '|'); i > 0 {
		secrets = append(secrets, tok[i+1:]) // a Sanctum token's secret half
		ids = append(ids, tok[:i])           // and its id
	}
	safe := regexp.MustCompile(`^([a-z0-9_-]+|/[a-z0-9/_{}-]*|[A-Z]+|[0-9]xx)$`)
	for _, f := range e.gather(t) {
		if !strings.HasPrefix(f.GetName(), "modelslab_mcp_") || f.GetName() == "modelslab_mcp_build_info" {
			continue // build_info's labels are the build's, set by the operator
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				v := l.GetValue()
				if !safe.MatchString(v) {
					t.Errorf("%s{%s=%q}: not a closed-set label value", f.GetName(), l.GetName(), v)
				}
				for _, s := range secrets {
					if strings.Contains(v, s) {
						t.Errorf("%s{%s=%q} carries %q", f.GetName(), l.GetName(), v, s)
					}
				}
				// An id is short: look for it as a whole value or path segment.
				for _, seg := range strings.Split(v, "/") {
					if slices.Contains(ids, seg) {
						t.Errorf("%s{%s=%q} carries the id %q", f.GetName(), l.GetName(), v, seg)
					}
				}
			}
		}
	}

	// Every family of ours has its help text and type; the runtime's are there.
	fams := e.gather(t)
	for _, ck := range checks {
		f := fams[ck.name]
		want := dto.MetricType_COUNTER
		switch {
		case strings.HasSuffix(ck.name, "_seconds"):
			want = dto.MetricType_HISTOGRAM
		case strings.HasSuffix(ck.name, "_in_flight"), strings.HasSuffix(ck.name, "_open"), strings.HasSuffix(ck.name, "_info"):
			want = dto.MetricType_GAUGE
		}
		if f == nil || f.GetHelp() == "" || f.GetType() != want {
			t.Errorf("%s: help %q, type %v; want a help text and %v", ck.name, f.GetHelp(), f.GetType(), want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("%s is missing", name)
		}
	}

	// The metrics are not on the MCP port.
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "modelslab_mcp_") {
		t.Errorf("GET /metrics on the MCP port: HTTP %d: %.200s", resp.StatusCode, body)
	}
	// They are on the metrics handler, in the text format.
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `modelslab_mcp_tool_calls_total{action="get",outcome="ok",tool="agent-profile"} 1`) {
		t.Errorf("metrics text lacks the profile call:\n%.2000s", rec.Body.String())
	}
}

// TestMetricsLabelsOfUnknownValues feeds the observers values outside the
// known sets, as a future caller or upstream change might.
func TestMetricsLabelsOfUnknownValues(t *testing.T) {
	m := NewMetrics("v", "c")
	m.observeCall("agent-evil", "x@y.z", "ok", 0)
	m.observeCall("agent-auth", "login; DROP", "weird-kind", 0)
	m.ObserveUpstream(upstream.Attempt{Method: "BREW", Route: "/teams/42", Status: 0})
	m.ObserveUpstream(upstream.Attempt{Method: "GET", Route: "/me/alice@example.com", Status: 200})
	var nilMetrics *Metrics
	nilMetrics.ObserveUpstream(upstream.Attempt{Method: "GET"}) // no metrics: no panic
	e := &metricsEnv{m: m}
	for _, ck := range []struct {
		name   string
		labels map[string]string
	}{
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": Unknown, "action": Unknown, "outcome": "ok"}},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-auth", "action": Unknown, "outcome": Unknown}},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": Unknown, "route": Unknown, "status_class": "none"}},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "GET", "route": Unknown, "status_class": "2xx"}},
	} {
		if got := e.value(t, ck.name, ck.labels); got != 1 {
			t.Errorf("%s%v = %v, want 1", ck.name, ck.labels, got)
		}
	}
}

// The in-flight gauge counts a call while its handler runs.
func TestMetricsInFlight(t *testing.T) {
	e := newMetricsEnv(t)
	release := make(chan struct{})
	entered := make(chan struct{})
	cl, err := upstream.New(upstream.Config{BaseURL: "http://sandbox.invalid/api/agents/v1",
		Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			close(entered)
			<-release
			return e.sb.Transport().RoundTrip(r)
		})})
	if err != nil {
		t.Fatal(err)
	}
	e.opts.Client = cl
	srv := httpServer(t, e.opts, HTTPOptions{}, false)
	c := httpClient(t, srv, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := map[string]any{"action": "login", "email": "a@b.test", "password": "x"}
		call(t, c, "agent-auth", req)
	}()
	<-entered
	if got := e.value(t, "modelslab_mcp_tool_calls_in_flight", nil); got != 1 {
		t.Errorf("in flight during the call = %v, want 1", got)
	}
	close(release)
	<-done
	if got := e.value(t, "modelslab_mcp_tool_calls_in_flight", nil); got != 0 {
		t.Errorf("in flight after the call = %v, want 0", got)
	}
}

// Issue 17's tools, actions, outcomes and routes are label values of their own.
func TestMetricsLabelsOfTheAccountTools(t *testing.T) {
	m := NewMetrics("v", "c")
	m.observeCall("agent-wallet", "fund", "over_ceiling", 0)
	m.observeCall("agent-billing", "payment-link", "card_number", 0)
	m.observeCall("agent-subscriptions", "confirm-checkout", "not_confirmed", 0)
	m.ObserveUpstream(upstream.Attempt{Method: "GET", Route: "/billing/invoices/{id}", Status: 200})
	e := &metricsEnv{m: m}
	for _, ck := range []struct {
		name   string
		labels map[string]string
	}{
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-wallet", "action": "fund", "outcome": "over_ceiling"}},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-billing", "action": "payment-link", "outcome": "card_number"}},
		{"modelslab_mcp_tool_calls_total", map[string]string{"tool": "agent-subscriptions", "action": "confirm-checkout", "outcome": "not_confirmed"}},
		{"modelslab_mcp_upstream_requests_total", map[string]string{"method": "GET", "route": "/billing/invoices/{id}", "status_class": "2xx"}},
	} {
		if got := e.value(t, ck.name, ck.labels); got != 1 {
			t.Errorf("%s%v = %v, want 1", ck.name, ck.labels, got)
		}
	}
}
