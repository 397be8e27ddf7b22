package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNoToken is returned, before any request, by an authenticated endpoint
// called without a bearer token.
var ErrNoToken = errors.New("no bearer token: log in first or provide a token")

// APIError is any non-2xx answer of the control plane, whatever shape its body had.
type APIError struct {
	Method, Path string
	Status       int
	// Code is the machine code (e.g. "validation_error"); empty when the body had none.
	Code    string
	Message string
	// Details holds field errors and flat details, normalised: every value is a list of strings.
	Details   map[string][]string
	RequestID string
	// RetryAfter is how long to wait before retrying (429, 503), 0 when not said.
	RetryAfter time.Duration
	// RequiredScope is the scope an insufficient_scope answer asks for.
	RequiredScope string
	RateLimit     RateLimit
	// DeclineCode and PaymentIntentID are what a 402 payment_declined said
	// (details decline_code and payment_intent_id), "" when it did not.
	DeclineCode, PaymentIntentID string
}

// CodePaymentDeclined is the Code of every HTTP 402: the card was declined.
const CodePaymentDeclined = "payment_declined"

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// FieldErrors renders Details as sorted "field: message" lines.
func (e *APIError) FieldErrors() []string {
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		for _, m := range e.Details[k] {
			out = append(out, k+": "+m)
		}
	}
	return out
}

// NetworkError is a call that got no HTTP answer: refused or reset connection,
// DNS failure, timeout or cancellation.
type NetworkError struct {
	Method, Path string
	Timeout      bool
	Canceled     bool
	// NotSent says no connection was ever made (DNS failure, connection
	// refused, dial timeout): the request reached nothing and changed nothing.
	NotSent bool
	// MayHaveReached is set on a money mutation (billing, wallet,
	// subscriptions) that may have reached ModelsLab before the answer was
	// lost: it may have taken effect, and it was not retried.
	MayHaveReached bool
	Err            error
	msg            string
}

func (e *NetworkError) Error() string {
	var s string
	switch {
	case e.Canceled:
		s = fmt.Sprintf("%s %s: the call was cancelled", e.Method, e.Path)
	case e.Timeout:
		s = fmt.Sprintf("%s %s: no answer before the deadline (%s)", e.Method, e.Path, e.msg)
	default:
		s = fmt.Sprintf("%s %s: network error: %s", e.Method, e.Path, e.msg)
	}
	if e.MayHaveReached {
		s += "; the request may have reached ModelsLab and taken effect (it was not retried)"
	}
	return s
}

// Unwrap lets errors.Is match context.Canceled and context.DeadlineExceeded.
func (e *NetworkError) Unwrap() error { return e.Err }

func (e *NetworkError) kind() string {
	switch {
	case e.Canceled:
		return "cancelled"
	case e.Timeout:
		return "timeout"
	}
	return "network"
}

func newNetworkError(ctx context.Context, req request, err error, secrets []string) *NetworkError {
	ne := &NetworkError{Method: req.method, Path: req.path, Err: err, NotSent: neverConnected(err)}
	ne.MayHaveReached = req.money && !ne.NotSent
	switch {
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		ne.Canceled, ne.Err = true, context.Canceled
	case isTimeout(err) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		ne.Timeout, ne.Err = true, context.DeadlineExceeded
	}
	// The url.Error text repeats the URL; keep only the cause, and scrub it anyway.
	var ue interface{ Unwrap() error }
	cause := err
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		cause = ue.Unwrap()
	}
	ne.msg = redact(cause.Error(), secrets)
	return ne
}

// neverConnected reports whether err happened before any byte of the request
// could be written: name resolution or the TCP connect failed.
func neverConnected(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// ResponseError is an answer the client could not use: a body over the size
// cap. (A 2xx of any other shape is a success with warnings.) Tools also use it
// for an answer that lacks what a multi-step action needs to go on.
type ResponseError struct {
	Method, Path string
	Status       int
	RequestID    string
	Problem      string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Problem)
}

// InvalidParamError is a path parameter refused before any request was made.
type InvalidParamError struct {
	Name, Problem string
}

func (e *InvalidParamError) Error() string { return e.Name + " " + e.Problem }

// newAPIError parses every error shape of the contract (§1):
//  1. the envelope {"error": {"code","message","details"}, "meta": {...}};
//  2. Laravel's {"message": "...", "errors": {"field": ["..."]}};
//  3. a bare {"message": "Unauthenticated."};
//  4. {"error": "some string"};
//  5. anything else (an HTML proxy page, plain text, an empty body).
func newAPIError(req request, status int, h http.Header, body []byte, requestID string, rl RateLimit, secrets []string) *APIError {
	e := &APIError{Method: req.method, Path: req.path, Status: status, RequestID: requestID, RateLimit: rl}
	e.Code, e.Message, e.Details = parseErrorBody(body, h.Get("Content-Type"))
	if e.Message == "" {
		e.Message = http.StatusText(status)
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", status)
		}
	}
	if status == http.StatusPaymentRequired {
		if e.Code == "" {
			e.Code = CodePaymentDeclined
		}
		if v := e.Details["decline_code"]; len(v) > 0 {
			e.DeclineCode = v[0]
		}
		if v := e.Details["payment_intent_id"]; len(v) > 0 {
			e.PaymentIntentID = v[0]
		}
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(h, time.Now())
	}
	if e.Code == "insufficient_scope" || status == http.StatusForbidden {
		if s := e.Details["required_scope"]; len(s) > 0 {
			e.RequiredScope = s[0]
		} else {
			e.RequiredScope = scopeFromChallenge(h.Get("WWW-Authenticate"))
		}
	}
	// An upstream message could echo what we sent; never let a secret through.
	e.Code = redact(e.Code, secrets)
	e.Message = redact(e.Message, secrets)
	details := make(map[string][]string, len(e.Details))
	for k, vs := range e.Details {
		k = redact(k, secrets)
		for i := range vs {
			vs[i] = redact(vs[i], secrets)
			// The field and its message are shown joined as "field: message".
			if leaks(k+": "+vs[i], secrets) {
				vs[i] = withheldText
			}
		}
		details[k] = vs
	}
	if e.Details != nil {
		e.Details = details
	}
	// A secret can also form across the pieces joined into the error text
	// ("HTTP 422 code: message") when no piece holds it alone.
	if leaks(e.Error(), secrets) {
		e.Message = withheldText
	}
	if leaks(e.Error(), secrets) {
		e.Code = ""
	}
	return e
}

// withheldText replaces an upstream text that could not be shown without a secret.
const withheldText = "(withheld: the text contained a secret)"

// leaks reports whether s contains any secret redact would have replaced.
func leaks(s string, secrets []string) bool {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// Caps on what an error body's details may hold.
const (
	maxDetailFields   = 50
	maxDetailMessages = 10
)

// parseErrorBody extracts code, message and normalised details from an error
// body of any shape. It never fails: an unknown body becomes a short summary.
func parseErrorBody(body []byte, contentType string) (code, message string, details map[string][]string) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "", "", nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if raw, ok := top["error"]; ok {
			var obj struct {
				Code    any             `json:"code"`
				Message string          `json:"message"`
				Details json.RawMessage `json:"details"`
			}
			var s string
			switch {
			case json.Unmarshal(raw, &obj) == nil && (obj.Code != nil || obj.Message != "" || obj.Details != nil):
				code, message, details = scalarString(obj.Code), obj.Message, normalizeDetails(obj.Details)
			case json.Unmarshal(raw, &s) == nil && s != "":
				message = s
			}
		}
		if message == "" {
			_ = json.Unmarshal(top["message"], &message)
		}
		if code == "" {
			var c any
			if json.Unmarshal(top["code"], &c) == nil {
				code = scalarString(c)
			}
		}
		if details == nil {
			details = normalizeDetails(top["errors"])
		}
		if message != "" || code != "" || details != nil {
			// Codes are short identifiers; a long one is not a code and would
			// flood the error text.
			return clip(code, 100), clip(message, 500), details
		}
	}
	return "", summarizeBody(body, contentType), nil
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// normalizeDetails turns a field bag, a flat object or PHP's empty array `[]`
// into map[string][]string (nil when there is nothing).
func normalizeDetails(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 {
		return nil
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil || len(obj) == 0 {
		return nil // `[]`, null, a string: no field details
	}
	// A real validation error names a handful of fields; cap what a hostile or
	// broken body can put in front of the model, keeping the first fields by name.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > maxDetailFields {
		keys = keys[:maxDetailFields]
	}
	out := make(map[string][]string, len(keys))
	for _, key := range keys {
		v := obj[key]
		k := clip(key, 100) // field names are short; a long one would flood the text
		switch x := v.(type) {
		case []any:
			list := make([]string, 0, min(len(x), maxDetailMessages))
			for _, item := range x[:min(len(x), maxDetailMessages)] {
				list = append(list, clip(scalarString(item), 300))
			}
			out[k] = list
		default:
			out[k] = []string{clip(scalarString(x), 300)}
		}
	}
	return out
}

// The patterns of the error paths compile on first use, not at start-up.
var (
	titleRE = lazyRegexp(`(?is)<title[^>]*>(.*?)</title>`)
	spaceRE = lazyRegexp(`\s+`)
)

// summarizeBody turns a non-JSON body into one short line: an HTML page becomes
// its title, other text is cut short.
func summarizeBody(body []byte, contentType string) string {
	s := string(body)
	if m := titleRE().FindStringSubmatch(s); m != nil {
		return clip(spaceRE().ReplaceAllString(html.UnescapeString(strings.TrimSpace(m[1])), " "), 120)
	}
	if strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(strings.TrimSpace(s), "<") {
		return "an HTML page without a title"
	}
	s = spaceRE().ReplaceAllString(strings.TrimSpace(s), " ")
	if s == "" {
		return ""
	}
	return clip(s, 200)
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redact replaces every occurrence of a secret in s.
func redact(s string, secrets []string) string {
	// A replacement can join with the text around it into a secret again
	// ("]abc" in "]abcabc" gives "[redacted]abc"), one secret's replacement can
	// form another, and a secret that is not valid UTF-8 can be cut out of the
	// middle of a character: repeat until nothing is left, keeping the text
	// valid UTF-8, and withhold the whole text if that does not settle.
	for range 8 {
		if !leaks(s, secrets) {
			return s
		}
		for _, sec := range secrets {
			if len(sec) < 4 {
				continue
			}
			mark := "[redacted]"
			if strings.Contains(mark, sec) {
				mark = "…"
			}
			s = strings.ReplaceAll(s, sec, mark)
		}
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if leaks(s, secrets) {
		return withheldText
	}
	return s
}

var challengeScopeRE = lazyRegexp(`scope="([^"]*)"`)

func scopeFromChallenge(h string) string {
	if m := challengeScopeRE().FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}
