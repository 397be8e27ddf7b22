package server

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Metrics holds the process's Prometheus collectors in a registry of its own
// (never the global one, which any imported library may write to). Every
// label value comes from a closed set: a tool, action, outcome, method or
// route the server does not know is labelled "unknown", so nothing a caller
// types, and no token, email or id, ever becomes a label. A nil *Metrics
// records nothing.
type Metrics struct {
	reg           *prometheus.Registry
	toolCalls     *prometheus.CounterVec
	toolDuration  *prometheus.HistogramVec
	inFlight      prometheus.Gauge
	upRequests    *prometheus.CounterVec
	upDuration    *prometheus.HistogramVec
	upRetries     prometheus.Counter
	upRateLimited prometheus.Counter
	sessionsOpen  prometheus.Gauge
	evicted       prometheus.Counter
	refused       *prometheus.CounterVec
	// actions is tool -> action -> true: the label values a tool call may carry.
	actions map[string]map[string]bool
}

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

// NewMetrics builds the collectors; version and commit label build_info.
func NewMetrics(version, commit string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), actions: map[string]map[string]bool{}}
	for _, s := range tools.Specs() {
		m.actions[s.Name] = map[string]bool{}
		for _, a := range s.Actions {
			m.actions[s.Name][a.Name] = true
		}
	}
	const ns = "modelslab_mcp"
	m.toolCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "tool_calls_total",
		Help: "Tool calls by tool, action and outcome (ok, panic or the error kind of the result)."},
		[]string{"tool", "action", "outcome"})
	m.toolDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "tool_call_duration_seconds",
		Help: "Duration of tool calls, upstream requests included.", Buckets: latencyBuckets}, []string{"tool"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "tool_calls_in_flight",
		Help: "Tool calls being served right now."})
	m.upRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "upstream_requests_total",
		Help: "Requests to the control plane, every attempt counted, by method, route template and status class (none: no response)."},
		[]string{"method", "route", "status_class"})
	m.upDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "upstream_request_duration_seconds",
		Help: "Duration of one attempt of a control-plane request.", Buckets: latencyBuckets}, []string{"method", "route"})
	m.upRetries = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "upstream_retries_total",
		Help: "Attempts that retried an idempotent control-plane request."})
	m.upRateLimited = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "upstream_rate_limited_total",
		Help: "Control-plane answers with status 429."})
	m.sessionsOpen = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "http_sessions_open",
		Help: "Handshake-era HTTP sessions this replica holds state for."})
	m.evicted = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "http_sessions_evicted_total",
		Help: "Idle sessions whose state was dropped because the replica reached --max-sessions."})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "http_requests_refused_total",
		Help: "Requests to /mcp refused: rate_limited (429) or sessions_full (503)."}, []string{"reason"})
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "build_info",
		Help: "Always 1; the labels say what is running."}, []string{"version", "commit", "goversion"})
	buildInfo.WithLabelValues(version, commit, runtime.Version()).Set(1)
	m.reg.MustRegister(m.toolCalls, m.toolDuration, m.inFlight, m.upRequests, m.upDuration, m.upRetries,
		m.upRateLimited, m.sessionsOpen, m.evicted, m.refused, buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the collectors are in (for tests and for adding more).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
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
	m.upRequests.WithLabelValues(method, route, class).Inc()
	m.upDuration.WithLabelValues(method, route).Observe(a.Duration.Seconds())
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
	m.toolCalls.WithLabelValues(tool, action, outcome).Inc()
	m.toolDuration.WithLabelValues(tool).Observe(d.Seconds())
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
		m.refused.WithLabelValues("rate_limited").Inc()
	}
}

// sessionsFull counts a 503 of the session cap.
func (m *Metrics) sessionsFull() {
	if m != nil {
		m.refused.WithLabelValues("sessions_full").Inc()
	}
}
