// Package upstream is the typed REST client of the ModelsLab Agent Control Plane
// (https://modelslab.com/api/agents/v1).
//
// One Client serves every MCP session at once: it holds no user's credential.
// Each call takes the bearer token to use for that call only.
package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
)

// DefaultBaseURL is the production control plane.
const DefaultBaseURL = "https://modelslab.com/api/agents/v1"

// Defaults used where Config leaves a field at its zero value.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 4 << 20
	DefaultMaxRetries       = 2
	DefaultRetryBaseWait    = 200 * time.Millisecond
	DefaultRetryMaxWait     = 2 * time.Second
	DefaultMaxRateLimitWait = 3 * time.Second
)

// Config configures a Client. The zero value of every field means "use the default".
type Config struct {
	// BaseURL is the control-plane root, e.g. DefaultBaseURL. Credentials are only
	// ever sent here: nothing a caller passes per call can change the host.
	BaseURL string
	// Timeout bounds one call, retries and back-off included, unless the caller's
	// context has an earlier deadline.
	Timeout time.Duration
	// UserAgent is sent on every request; default "modelslab-agents-mcp/dev".
	UserAgent string
	// MaxResponseBytes caps a response body; a larger one fails with a ResponseError.
	MaxResponseBytes int
	// MaxRetries is the number of retries of an idempotent request (GET, PUT,
	// DELETE) after a network error or a 502/503/504. Negative disables retries.
	MaxRetries int
	// RetryBaseWait and RetryMaxWait shape the jittered exponential back-off.
	RetryBaseWait, RetryMaxWait time.Duration
	// MaxRateLimitWait is the longest Retry-After that an idempotent request waits
	// out on a 429 before retrying; a longer one is returned to the caller at once.
	MaxRateLimitWait time.Duration
	// OnAttempt, when set, is called after every attempt (for metrics). It runs
	// on the caller's goroutine and must not block.
	OnAttempt func(Attempt)
	// Transport carries the requests; nil means a pooled *http.Transport sized for
	// many concurrent sessions. The sandbox supplies an in-process one.
	Transport http.RoundTripper
	// Logger receives one debug line per attempt (never a body or a header).
	Logger zerolog.Logger
	// Name is what error messages call the control plane; default "ModelsLab".
	// The in-process sandbox is named so, since nothing leaves the machine.
	Name string
}

// SandboxName is Config.Name for the embedded sandbox.
const SandboxName = "the sandbox (offline ModelsLab)"

// Attempt describes one HTTP attempt, as OnAttempt receives it. It carries no
// id, token or body: Route is the endpoint's path template from the contract table.
type Attempt struct {
	Method string
	// Route is the path template, e.g. "/api-keys/{id}" (Endpoint.Path).
	Route string
	// Status is the HTTP status, 0 when no response came (network error, timeout).
	Status   int
	Duration time.Duration
	// Retry is true for every attempt after the first.
	Retry bool
	// RateLimited is true for a 429 answer.
	RateLimited bool
}

// Client calls the control plane. It is safe for concurrent use.
type Client struct {
	rc   *resty.Client
	base *url.URL
	root string            // base without a trailing slash; paths start with one
	urls map[string]string // path -> absolute URL of the endpoints without parameters; read-only
	cfg  Config
	log  zerolog.Logger
	// jitter is swapped in tests to make back-off deterministic.
	jitter func(time.Duration) time.Duration
}

// New builds a Client. It fails on a base URL that is not absolute http(s).
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "modelslab-agents-mcp/dev"
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryBaseWait <= 0 {
		cfg.RetryBaseWait = DefaultRetryBaseWait
	}
	if cfg.RetryMaxWait <= 0 {
		cfg.RetryMaxWait = DefaultRetryMaxWait
	}
	if cfg.MaxRateLimitWait <= 0 {
		cfg.MaxRateLimitWait = DefaultMaxRateLimitWait
	}
	if cfg.Transport == nil {
		cfg.Transport = newTransport()
	}

	// No SetBaseURL: each request gets its absolute URL (see attempt), which spares
	// resty two URL parses and a concatenation per request.
	rc := resty.New().
		SetTransport(cfg.Transport).
		SetHeader("User-Agent", cfg.UserAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(cfg.MaxResponseBytes).
		SetLogger(restyLogger{cfg.Logger}).
		// A redirect could carry the bearer token elsewhere, and would turn a POST
		// into a GET: surface it as the response it is instead of following it.
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}))
	// Retries are ours (see do): resty's own would also retry POST.
	rc.SetRetryCount(0)

	c := &Client{rc: rc, base: base, root: strings.TrimRight(base.String(), "/"), cfg: cfg, log: cfg.Logger, jitter: fullJitter}
	c.urls = map[string]string{}
	for _, ep := range endpointTable {
		if !strings.Contains(ep.Path, "{") {
			c.urls[ep.Path] = c.root + ep.Path
		}
	}
	return c, nil
}

// url is the absolute URL of path: a fixed endpoint's is built once, in New.
func (c *Client) url(path string) string {
	if u, ok := c.urls[path]; ok {
		return u
	}
	return c.root + path
}

// BaseURL returns the configured control-plane root.
func (c *Client) BaseURL() string { return c.base.String() }

// Name is what messages call the control plane: "ModelsLab", or SandboxName.
func (c *Client) Name() string {
	if c == nil || c.cfg.Name == "" {
		return "ModelsLab"
	}
	return c.cfg.Name
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute http or https URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q must not carry credentials, a query or a fragment", raw)
	}
	return u, nil
}

// newTransport sizes the idle pool for many concurrent sessions: with Go's
// default of 2 idle connections per host, concurrency above 2 churns connections.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// Token is a bearer token for one call. Its String method masks it, so a token
// that reaches a formatted log line by mistake shows no secret.
type Token string

// String masks the token.
func (t Token) String() string {
	if t == "" {
		return ""
	}
	return "[redacted token]"
}

// GoString masks the token in %#v too.
func (t Token) GoString() string { return t.String() }

// ID is the numeric id of a Sanctum token ("42|..."), the one the token list
// shows and DELETE /auth/tokens/{id} takes; 0 when it has none.
func (t Token) ID() int64 {
	s := string(t)
	i := strings.IndexByte(s, '|')
	if i <= 0 {
		return 0
	}
	id, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// RateLimit is what the rate-limit headers of a response said.
type RateLimit struct {
	Limit     int       `json:"limit,omitempty"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
	Known     bool      `json:"-"`
}

// Result is one successful call: what the server reads from the data, the
// data exactly as received (so nothing the upstream adds is lost), where the
// answer differed from the contract, and the response's metadata.
type Result[T any] struct {
	Data      T
	Raw       json.RawMessage
	Path      string // the request path, as in Warning.Path
	RequestID string
	Status    int
	RateLimit RateLimit
	// Warnings lists every difference from the contract (see CheckAnswer).
	Warnings []Warning
	// Replay is true when a money mutation's answer says it is the first
	// answer to the same Idempotency-Key again (idempotency_replay: true in
	// data or meta): nothing was done a second time.
	Replay bool
}

// request is one call as the endpoint methods describe it.
type request struct {
	ep     *Endpoint
	method string
	path   string // already validated and escaped
	query  url.Values
	token  Token
	body   any
	// secrets are values of the body that must never appear in an error text.
	secrets []string
	// money marks a billing, wallet or subscription mutation: never retried,
	// by us or by the transport, and its answer is read for idempotency_replay.
	money bool
	// idemKey is the Idempotency-Key header's value ("" sends none).
	idemKey string
}

// moneyRequest is a billing, wallet or subscription mutation carrying idem as
// its Idempotency-Key.
func moneyRequest(ep *Endpoint, path, idem string, tok Token, body any) request {
	return request{ep: ep, path: path, token: tok, body: body, money: true, idemKey: idem}
}

// answer is a success answer as the readers of types.go see it.
type answer struct {
	path   string
	data   json.RawMessage
	paging pagingSources
	status int
	replay bool
}

// send runs one call. A 2xx is a success whatever its body: read takes what
// the server needs from it (a reader never fails), and the differences from
// the endpoint's shape become warnings.
func send[T any](ctx context.Context, c *Client, req request, read func(*answer) T) (*Result[T], error) {
	req.method = req.ep.Method
	if req.idemKey != "" {
		if err := checkIdempotencyKey(req.idemKey); err != nil {
			return nil, err
		}
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	res := &Result[T]{Path: req.path, Status: resp.status, RequestID: resp.requestID, RateLimit: resp.rateLimit, Raw: resp.data, Warnings: resp.warnings}
	if !resp.skipCheck {
		for _, w := range checkAnswer(*req.ep, req.path, resp.data) { // resp.data is valid JSON: see successResponse
			res.Warnings = addWarning(res.Warnings, w)
		}
	}
	for i := range res.Warnings {
		res.Warnings[i].RequestID = resp.requestID
	}
	if req.money {
		res.Replay = isReplay(resp.data, resp.paging)
	}
	res.Data = read(&answer{path: req.path, data: resp.data, paging: resp.paging, status: resp.status, replay: res.Replay})
	return res, nil
}

// allSecrets is what an error text about req must not show; built only on the
// failure paths that need it.
func (r request) allSecrets() []string { return append([]string{string(r.token)}, r.secrets...) }

// passOn is the reader of an answer the server only passes on.
func passOn(a *answer) json.RawMessage { return a.data }

type response struct {
	status    int
	data      json.RawMessage
	requestID string
	rateLimit RateLimit
	// paging holds the envelope's meta and links and the body's top level,
	// where a list answer may say how it goes on (an array: no allocation).
	paging   pagingSources
	warnings []Warning
	// skipCheck is set when there is no data to compare with the endpoint's
	// shape: an empty 204 (which the contract allows for any write) or a
	// body that is not JSON (which has its own warning).
	skipCheck bool
}

// do sends req, retrying only where a retry cannot duplicate a change.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	if req.token == "" && needsToken(req) {
		return nil, ErrNoToken
	}
	// Always bound the call: WithTimeout keeps the caller's deadline when it is
	// earlier, so a caller's later deadline must not lift the configured bound.
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	// A money mutation is never sent twice, whatever its method and whatever
	// went wrong: whether it took effect is for the person to check (with the
	// same Idempotency-Key a repeat is safe, but that is their call).
	idempotent := !req.money && (req.method == http.MethodGet || req.method == http.MethodPut || req.method == http.MethodDelete)

	for attempt := 0; ; attempt++ {
		resp, replays, err := c.attempt(ctx, req, attempt)
		if err == nil {
			return resp, nil
		}
		// net/http silently resends a GET that failed on a reused keep-alive
		// connection; count those sends against the retry budget, so that a
		// request reaches the upstream at most 1+MaxRetries times.
		attempt += replays
		if !idempotent || attempt >= c.cfg.MaxRetries {
			return nil, err
		}
		wait, retry := c.retryWait(err, attempt)
		if !retry {
			return nil, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
			return nil, err // no time left to wait and try again within the caller's deadline
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// needsToken is true for every endpoint but the anonymous auth ones.
func needsToken(req request) bool { return !anonymousPaths[req.path] }

var anonymousPaths = map[string]bool{
	"/auth/signup": true, "/auth/login": true, "/auth/verify-email": true,
	"/auth/forgot-password": true, "/auth/reset-password": true, "/auth/resend-verification": true,
	"/auth/scopes": true, // public, per the docs (token optional)
}

// retryWait says whether err is worth another attempt, and after how long.
func (c *Client) retryWait(err error, attempt int) (time.Duration, bool) {
	var apiErr *APIError
	var netErr *NetworkError
	switch {
	case errors.As(err, &netErr):
		if netErr.Canceled {
			return 0, false
		}
		return c.backoff(attempt), true
	case errors.As(err, &apiErr):
		switch apiErr.Status {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return c.backoff(attempt), true
		case http.StatusTooManyRequests:
			if apiErr.RetryAfter > 0 && apiErr.RetryAfter <= c.cfg.MaxRateLimitWait {
				return apiErr.RetryAfter, true
			}
		}
	}
	return 0, false
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBaseWait << attempt
	if d <= 0 || d > c.cfg.RetryMaxWait {
		d = c.cfg.RetryMaxWait
	}
	return c.jitter(d)
}

// fullJitter spreads retries of many clients over [d/2, d).
func fullJitter(d time.Duration) time.Duration {
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half)
}

// attempt sends req once.
// replays is how many times the transport resent it on its own.
func (c *Client) attempt(ctx context.Context, req request, attempt int) (_ *response, replays int, _ error) {
	var conns atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { conns.Add(1) }})
	defer func() { replays = max(int(conns.Load())-1, 0) }()
	r := c.rc.R().SetContext(ctx)
	if len(req.query) > 0 {
		r.SetQueryParamsFromValues(req.query)
	}
	if req.token != "" {
		r.SetHeader("Authorization", "Bearer "+string(req.token))
	}
	if req.body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(req.body)
	}
	if req.idemKey != "" {
		// Not the canonical "Idempotency-Key": net/http's transport treats a
		// request carrying that exact key as replayable and silently resends
		// it when a reused keep-alive connection fails, which a money request
		// must never be. Header names are case-insensitive on the wire.
		r.Header[idempotencyHeader] = []string{req.idemKey}
	}
	start := time.Now()
	resp, err := r.Execute(req.method, c.url(req.path))
	elapsed := time.Since(start)

	if err != nil {
		if errors.Is(err, resty.ErrResponseBodyTooLarge) {
			status := 0
			if resp != nil {
				status = resp.StatusCode()
			}
			c.logAttempt(req, attempt, status, elapsed, "", "response too large")
			return nil, 0, &ResponseError{Method: req.method, Path: req.path, Status: status,
				Problem: fmt.Sprintf("the response body is larger than the %d-byte limit", c.cfg.MaxResponseBytes)}
		}
		ne := newNetworkError(ctx, req, err, req.allSecrets())
		c.logAttempt(req, attempt, 0, elapsed, "", ne.kind())
		return nil, 0, ne
	}

	status := resp.StatusCode()
	body := resp.Body()
	env := parseEnvelope(body)
	requestID := env.requestID
	if requestID == "" {
		requestID = resp.Header().Get("X-Request-Id")
	}
	rl := parseRateLimit(resp.Header())
	c.logAttempt(req, attempt, status, elapsed, requestID, "")

	if status >= 200 && status < 300 {
		if env.isError() {
			// The envelope says it failed: an error, whatever the status.
			return nil, 0, newAPIError(req, status, resp.Header(), body, requestID, rl, req.allSecrets())
		}
		return successResponse(req, status, body, env, requestID, rl), 0, nil
	}
	return nil, 0, newAPIError(req, status, resp.Header(), body, requestID, rl, req.allSecrets())
}

func (c *Client) logAttempt(req request, attempt, status int, d time.Duration, requestID, failure string) {
	if c.cfg.OnAttempt != nil {
		c.cfg.OnAttempt(Attempt{Method: req.method, Route: req.ep.Path, Status: status, Duration: d,
			Retry: attempt > 0, RateLimited: status == http.StatusTooManyRequests})
	}
	ev := c.log.Debug()
	if ev == nil {
		return
	}
	ev = ev.Str("method", req.method).Str("path", req.path).Int("status", status).
		Dur("duration", d).Int("attempt", attempt+1)
	if requestID != "" {
		ev = ev.Str("request_id", requestID)
	}
	if failure != "" {
		ev = ev.Str("failure", failure)
	}
	ev.Msg("upstream call")
}

// pagingSources are the objects besides the data that may say how a list goes
// on; unused ones are nil.
type pagingSources [3]json.RawMessage

// envelope is the part of a control-plane body the client reads.
type envelope struct {
	data      json.RawMessage
	hasData   bool
	errorRaw  json.RawMessage
	requestID string
	paging    pagingSources
	metaKind  Kind // of meta; KindMissing when absent
	enveloped bool
}

// isError is a 2xx whose envelope carries an error and no data.
func (e envelope) isError() bool {
	return e.enveloped && emptyValue(e.data) && !emptyValue(e.errorRaw)
}

// emptyValue is an absent value, null, false, "" or an empty object or array
// (PHP's empty array): none of them says anything.
func emptyValue(raw json.RawMessage) bool {
	// raw without its white space, compared with the empty values; without
	// allocating, since every answer's error field comes through here.
	var buf [5]byte
	n := 0
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:]) // not range string(raw): that copies all of raw first
		i += size
		if unicode.IsSpace(r) {
			continue
		}
		if n == len(buf) || r >= utf8.RuneSelf {
			return false // longer than every empty value
		}
		buf[n] = byte(r)
		n++
	}
	switch string(buf[:n]) {
	case "", "null", "false", `""`, "{}", "[]":
		return true
	}
	return false
}

// parseEnvelope reads a body that is a JSON object with data, or with error
// and meta. Any other body is not an envelope: it is the data itself.
func parseEnvelope(body []byte) envelope {
	// The one validation of the body: everything split from it below and in
	// the readers is valid JSON (see scan.go).
	if !json.Valid(body) {
		return envelope{}
	}
	top, ok := objectFields(body)
	if !ok {
		return envelope{}
	}
	var v [len(envelopeNames)]json.RawMessage
	var has [len(envelopeNames)]bool
	top.lookup(envelopeNames[:], v[:], has[:])
	data, hasData := v[0], has[0]
	errRaw, hasErr := v[1], has[1]
	meta, hasMeta := v[2], has[2]
	env := envelope{data: data, hasData: hasData, errorRaw: errRaw, metaKind: KindMissing}
	env.enveloped = hasData || (hasErr && (hasMeta || len(top.keys()) == 1))
	if !env.enveloped {
		return envelope{}
	}
	if hasMeta {
		env.metaKind = kindOf(meta)
		if m, ok := objectFields(meta); ok {
			env.requestID = scalarText(m.val("request_id"))
		}
	}
	if env.requestID == "" {
		env.requestID = scalarText(v[3])
	}
	env.paging = pagingSources{meta, v[4], body}
	return env
}

// envelopeNames are the top-level members parseEnvelope reads.
var envelopeNames = [...]string{"data", "error", "meta", "request_id", "links"}

// scalarText renders a request id of any scalar kind; "" for anything else.
func scalarText(raw json.RawMessage) string {
	switch kindOf(raw) {
	case KindString:
		if s, ok := unquote(raw); ok {
			return clip(s, 200)
		}
	case KindNumber, KindBoolean:
		return clip(string(raw), 200)
	}
	return ""
}

// maxTextData caps a non-JSON success body passed on as a string.
const maxTextData = 4096

// successResponse shapes a 2xx: the envelope's data, or the body itself when
// there is no envelope; a body that is not JSON becomes a string, so what the
// upstream said still reaches the caller.
func successResponse(req request, status int, body []byte, env envelope, requestID string, rl RateLimit) *response {
	r := &response{status: status, requestID: requestID, rateLimit: rl, paging: env.paging}
	warn := func(field string, expected, got Kind) {
		r.warnings = append(r.warnings, Warning{Path: req.path, Field: field, Expected: expected, Got: got})
	}
	trimmed := strings.TrimSpace(string(body))
	switch {
	case env.enveloped:
		r.data = env.data
		if !env.hasData {
			r.data = nil
		}
		if !emptyValue(env.errorRaw) {
			warn("error", KindNull, kindOf(env.errorRaw)) // data came too: the call did its work
		}
		if env.metaKind != KindMissing && env.metaKind != KindObject {
			warn("meta", KindObject, env.metaKind)
		}
	case trimmed == "":
		r.skipCheck = status == http.StatusNoContent
	case json.Valid(body):
		r.data = json.RawMessage(trimmed)
		if kindOf(r.data) == KindObject {
			r.paging = pagingSources{r.data}
		}
	default:
		// Not JSON: a 2xx still proves the request reached ModelsLab.
		r.data, _ = json.Marshal(clip(trimmed, maxTextData))
		r.warnings = append(r.warnings, Warning{Path: req.path, Field: "body", Expected: KindAny, Got: KindText})
		r.skipCheck = true
	}
	return r
}

func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	// Absent headers are skipped before parsing: a failed Atoi allocates its
	// error. The names are in canonical form: Get canonicalises any other
	// (X-RateLimit-...) into a new string on every call.
	if s := h.Get("X-Ratelimit-Remaining"); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			rl.Remaining, rl.Known = v, true
		}
	}
	if s := h.Get("X-Ratelimit-Limit"); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			rl.Limit = v
		}
	}
	if s := h.Get("X-Ratelimit-Reset"); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 {
			rl.Reset = time.Unix(v, 0).UTC()
		}
	}
	return rl
}

// retryAfter reads Retry-After (seconds or an HTTP date), else X-RateLimit-Reset
// (a Unix timestamp), as a wait from now.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil && v > 0 {
		return max(time.Unix(v, 0).Sub(now), 0)
	}
	return 0
}

// isTimeout reports whether err is a deadline or a network timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// restyLogger routes resty's own messages (it warns about some configurations)
// to zerolog; they carry no request data.
type restyLogger struct{ l zerolog.Logger }

func (r restyLogger) Errorf(f string, v ...any) { r.l.Error().Msgf("resty: "+f, v...) }
func (r restyLogger) Warnf(f string, v ...any)  { r.l.Warn().Msgf("resty: "+f, v...) }
func (r restyLogger) Debugf(string, ...any)     {}

// idempotencyHeader is the Idempotency-Key header as sent (see attempt).
const idempotencyHeader = "idempotency-key"

// checkIdempotencyKey refuses a key that could not travel as a header value
// (or would be truncated), before anything is sent.
func checkIdempotencyKey(k string) error {
	if len(k) > 255 {
		return &InvalidParamError{Name: "idempotency_key", Problem: "must be at most 255 characters long, got " + strconv.Itoa(len(k))}
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] >= 0x7f {
			return &InvalidParamError{Name: "idempotency_key", Problem: "must be printable ASCII without spaces (letters, digits, - _ . : are typical)"}
		}
	}
	return nil
}

// isReplay reads idempotency_replay: true from the data or from the other
// objects of the answer (the envelope's meta, the top level).
func isReplay(data json.RawMessage, paging pagingSources) bool {
	for _, raw := range append([]json.RawMessage{data}, paging[:]...) {
		if obj, ok := objectFields(raw); ok && string(obj.val("idempotency_replay")) == "true" {
			return true
		}
	}
	return false
}
