package server

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Metrics holds the process's metrics in a set of its own (never the
// library's global one). Every label value comes from a closed set: a tool,
// action, outcome, method or route the server does not know is labelled
// "unknown", so nothing a caller types, and no token, email or id, ever
// becomes a label. A nil *Metrics records nothing.
//
// The library is github.com/VictoriaMetrics/metrics, not the Prometheus
// client: the client's packages (protobuf, procfs, YAML, expvar) ran their
// init in every start, stdio included, where no metrics listener runs (about
// 2 M instructions and 260 KB of a start; see docs/performance.md). The names,
// labels, help texts and the text format are the same.
type Metrics struct {
	set           *vm.Set
	inFlight      *vm.Gauge
	upRetries     *vm.Counter
	upRateLimited *vm.Counter
	sessionsOpen  *vm.Gauge
	evicted       *vm.Counter
	// series caches the labelled series by name and label values, so that a
	// call looks its counter up without building the series name.
	mu     sync.RWMutex
	series map[seriesKey]any
	// actions is tool -> action -> true: the label values a tool call may carry.
	actions map[string]map[string]bool
}

// seriesKey names one labelled series: its family and up to three label values.
type seriesKey struct{ family, a, b, c string }

// Unknown is the label value of anything outside the known set.
const Unknown = "unknown"

// outcomes are the values of the outcome label: "ok", "panic" and the error
// kinds of tool results.
var outcomes = map[string]bool{
	"ok": true, "panic": true, "invalid_input": true, "not_logged_in": true, "upstream": true,
	"network": true, "timeout": true, "cancelled": true, "bad_response": true, "internal": true,
	// Confirmations and money (issues 11 and 17).
	"not_available": true, "not_confirmed": true, "confirmation_asked": true, "input_required": true,
	"card_number": true, "over_ceiling": true,
}

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// latencyBuckets span a sandbox call (well under a millisecond) to a slow
// upstream with retries (the default call timeout is 30s).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

const ns = "modelslab_mcp_"

// Metric family names.
const (
	mToolCalls     = ns + "tool_calls_total"
	mToolDuration  = ns + "tool_call_duration_seconds"
	mInFlight      = ns + "tool_calls_in_flight"
	mUpRequests    = ns + "upstream_requests_total"
	mUpDuration    = ns + "upstream_request_duration_seconds"
	mUpRetries     = ns + "upstream_retries_total"
	mUpRateLimited = ns + "upstream_rate_limited_total"
	mSessionsOpen  = ns + "http_sessions_open"
	mEvicted       = ns + "http_sessions_evicted_total"
	mRefused       = ns + "http_requests_refused_total"
	mBuildInfo     = ns + "build_info"
)

// families are the help text and type of each family, written before its
// first sample (the library writes samples only).
var families = map[string][2]string{
	mToolCalls:     {"Tool calls by tool, action and outcome (ok, panic or the error kind of the result).", "counter"},
	mToolDuration:  {"Duration of tool calls, upstream requests included.", "histogram"},
	mInFlight:      {"Tool calls being served right now.", "gauge"},
	mUpRequests:    {"Requests to the control plane, every attempt counted, by method, route template and status class (none: no response).", "counter"},
	mUpDuration:    {"Duration of one attempt of a control-plane request.", "histogram"},
	mUpRetries:     {"Attempts that retried an idempotent control-plane request.", "counter"},
	mUpRateLimited: {"Control-plane answers with status 429.", "counter"},
	mSessionsOpen:  {"Handshake-era HTTP sessions this replica holds state for.", "gauge"},
	mEvicted:       {"Idle sessions whose state was dropped because the replica reached --max-sessions.", "counter"},
	mRefused:       {"Requests to /mcp refused: rate_limited (429) or sessions_full (503).", "counter"},
	mBuildInfo:     {"Always 1; the labels say what is running.", "gauge"},
}

// NewMetrics builds the metrics; version and commit label build_info.
func NewMetrics(version, commit string) *Metrics {
	m := &Metrics{set: vm.NewSet(), series: map[seriesKey]any{}, actions: map[string]map[string]bool{}}
	for _, s := range tools.Specs() {
		m.actions[s.Name] = map[string]bool{}
		for _, a := range s.Actions {
			m.actions[s.Name][a.Name] = true
		}
	}
	m.inFlight = m.set.NewGauge(mInFlight, nil)
	m.upRetries = m.set.NewCounter(mUpRetries)
	m.upRateLimited = m.set.NewCounter(mUpRateLimited)
	m.sessionsOpen = m.set.NewGauge(mSessionsOpen, nil)
	m.evicted = m.set.NewCounter(mEvicted)
	m.set.NewGauge(mBuildInfo+`{commit="`+labelValue(commit)+`",goversion="`+labelValue(runtime.Version())+
		`",version="`+labelValue(version)+`"}`, nil).Set(1)
	return m
}

// labelValue escapes a label value for the text format.
func labelValue(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// counter returns the series of family with the labels names (sorted, as the
// text format lists them) set to vals.
func (m *Metrics) counter(family string, names []string, vals ...string) *vm.Counter {
	return m.lookup(family, names, vals, func(name string) any { return m.set.GetOrCreateCounter(name) }).(*vm.Counter)
}

func (m *Metrics) histogram(family string, names []string, vals ...string) *vm.PrometheusHistogram {
	return m.lookup(family, names, vals, func(name string) any {
		return m.set.GetOrCreatePrometheusHistogramExt(name, latencyBuckets)
	}).(*vm.PrometheusHistogram)
}

func (m *Metrics) lookup(family string, names, vals []string, create func(string) any) any {
	k := seriesKey{family: family}
	keyVals := []*string{&k.a, &k.b, &k.c}
	for i, v := range vals {
		*keyVals[i] = v
	}
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	// First use of this series: its name with the labels, e.g. f{a="x",b="y"}.
	var b strings.Builder
	b.WriteString(family)
	for i, n := range names {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(n + `="` + labelValue(vals[i]) + `"`)
	}
	if len(names) > 0 {
		b.WriteByte('}')
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series[k]; ok {
		return s
	}
	s = create(b.String())
	m.series[k] = s
	return s
}

var (
	toolCallLabels  = []string{"action", "outcome", "tool"}
	toolLabels      = []string{"tool"}
	upRequestLabels = []string{"method", "route", "status_class"}
	upDurLabels     = []string{"method", "route"}
	reasonLabels    = []string{"reason"}
)

// Handler serves the metrics in the Prometheus text format: this process's
// families with their help texts, then the Go runtime's go_* and process_*.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var samples, out bytes.Buffer
		m.set.WritePrometheus(&samples)
		writeWithHelp(&out, samples.Bytes())
		vm.WriteProcessMetrics(&out)
		vm.WriteFDMetrics(&out)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(out.Bytes())
	})
}

// writeWithHelp copies the samples, each family's grouped together, with
// # HELP and # TYPE lines before the first sample of each known family.
func writeWithHelp(out *bytes.Buffer, samples []byte) {
	sc := bufio.NewScanner(bytes.NewReader(samples))
	sc.Buffer(nil, 1<<20)
	last := ""
	for sc.Scan() {
		line := sc.Text()
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if f, ok := strings.CutSuffix(name, suffix); ok && families[f][1] == "histogram" {
				name = f
			}
		}
		if fam, ok := families[name]; ok && name != last {
			out.WriteString("# HELP " + name + " " + fam[0] + "\n# TYPE " + name + " " + fam[1] + "\n")
			last = name
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
}

// Serve serves /metrics alone on ln until ctx ends. It is a listener of its
// own so that the MCP port never exposes the metrics by accident.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return ServePlain(ctx, ln, mux, 5*time.Second)
}

// ObserveUpstream records one attempt; it is upstream.Config.OnAttempt.
func (m *Metrics) ObserveUpstream(a upstream.Attempt) {
	if m == nil {
		return
	}
	method, route := Unknown, Unknown
	if methods[a.Method] {
		method = a.Method
	}
	if routeLabelOK(a.Route) {
		route = a.Route
	}
	class := "none"
	if a.Status >= 100 && a.Status < 600 {
		class = strconv.Itoa(a.Status/100) + "xx"
	}
	m.counter(mUpRequests, upRequestLabels, method, route, class).Inc()
	m.histogram(mUpDuration, upDurLabels, method, route).Update(a.Duration.Seconds())
	if a.Retry {
		m.upRetries.Inc()
	}
	if a.RateLimited {
		m.upRateLimited.Inc()
	}
}

// routeLabelOK accepts a route template: lower-case words, dashes and
// placeholders only, so that a raw id could never pass (upstream already
// replaced them; this holds the rule if that ever changes).
func routeLabelOK(r string) bool {
	if !strings.HasPrefix(r, "/") || len(r) > 64 {
		return false
	}
	for _, seg := range strings.Split(r[1:], "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = seg[1 : len(seg)-1]
			if strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz_") != "" || seg == "" {
				return false
			}
			continue
		}
		if seg == "" || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz-") != "" {
			return false
		}
	}
	return true
}

// observeCall records one finished tool call; it is tools.Deps.ObserveCall.
func (m *Metrics) observeCall(tool, action, outcome string, d time.Duration) {
	acts, ok := m.actions[tool]
	if !ok {
		tool, action = Unknown, Unknown
	} else if !acts[action] {
		action = Unknown // the caller typed it
	}
	if !outcomes[outcome] {
		outcome = Unknown
	}
	m.counter(mToolCalls, toolCallLabels, action, outcome, tool).Inc()
	m.histogram(mToolDuration, toolLabels, tool).Update(d.Seconds())
}

// callObserver is the tools.Deps.ObserveCall of m: nil without metrics.
func (m *Metrics) callObserver() func(tool, action, outcome string, d time.Duration) {
	if m == nil {
		return nil
	}
	return m.observeCall
}

// serverOptions count calls in flight and, over HTTP, add to hooks (the
// server's one Hooks: a second WithHooks would replace it) the sessions mcp-go
// registers (after initialize) and unregisters (DELETE, idle sweep, eviction).
func (m *Metrics) serverOptions(overHTTP bool, hooks *mcpserver.Hooks) []mcpserver.ServerOption {
	if m == nil {
		return nil
	}
	opts := []mcpserver.ServerOption{mcpserver.WithToolHandlerMiddleware(func(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			return next(ctx, req)
		}
	})}
	if overHTTP {
		hooks.AddOnRegisterSession(func(context.Context, mcpserver.ClientSession) { m.sessionsOpen.Inc() })
		hooks.AddOnUnregisterSession(func(context.Context, mcpserver.ClientSession) { m.sessionsOpen.Dec() })
	}
	return opts
}

// sessionEvicted counts an eviction by the session cap.
func (m *Metrics) sessionEvicted() {
	if m != nil {
		m.evicted.Inc()
	}
}

// rateLimited counts a 429 of the per-address limit.
func (m *Metrics) rateLimited() {
	if m != nil {
		m.counter(mRefused, reasonLabels, "rate_limited").Inc()
	}
}

// sessionsFull counts a 503 of the session cap.
func (m *Metrics) sessionsFull() {
	if m != nil {
		m.counter(mRefused, reasonLabels, "sessions_full").Inc()
	}
}
