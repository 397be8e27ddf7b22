package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// call is one request being served, under s.mu.
type call struct {
	s     *Sandbox
	r     *http.Request
	now   time.Time
	reqID string
	body  fields // the JSON object body; empty for GET/DELETE
	id    int64  // the {id} path parameter
	uuid  string // the {uuid} path parameter
	str   string // the {str} path parameter (model, invoice, card, payment ids)
	tok   *token // the calling token (authenticated routes)
	owner *user  // the person who holds tok
	acct  *user  // the account tok acts on (owner unless switched)
	hdr   http.Header
}

// response is a fully rendered answer; it is built under the lock and written
// after it is released.
type response struct {
	status int
	data   any
	err    *apiError
	replay bool // an idempotent replay (see idempotency.go)
	// transient marks an answer that changed nothing and may change on a
	// repeat (confirm-checkout "pending"): it is not kept for the key.
	transient bool
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details"`
}

type envelope struct {
	Data  any       `json:"data"`
	Error *apiError `json:"error"`
	Meta  struct {
		RequestID string `json:"request_id"`
		// IdempotencyReplay marks the first answer to an Idempotency-Key, again.
		IdempotencyReplay bool `json:"idempotency_replay,omitempty"`
	} `json:"meta"`
}

func ok(data any) response      { return response{status: http.StatusOK, data: data} }
func created(data any) response { return response{status: http.StatusCreated, data: data} }
func message(msg string) response {
	return ok(map[string]string{"message": msg})
}

func fail(status int, code, msg string, details any) response {
	if details == nil {
		details = struct{}{}
	}
	return response{status: status, err: &apiError{Code: code, Message: msg, Details: details}}
}

func unauthenticated() response {
	return fail(http.StatusUnauthorized, "unauthenticated", "Unauthenticated.", nil)
}

func notFound() response {
	return fail(http.StatusNotFound, "not_found", "The requested resource was not found.", nil)
}

func accessDenied(msg string) response {
	return fail(http.StatusForbidden, "access_denied", msg, nil)
}

// invalid is a 422 with a Laravel field bag. The message follows Laravel's
// "<first message> (and N more errors)".
func invalid(bag map[string][]string) response {
	first, n := "", 0
	for _, k := range sortedKeys(bag) {
		for _, m := range bag[k] {
			if first == "" {
				first = m
			}
			n++
		}
	}
	msg := first
	switch {
	case n == 2:
		msg += " (and 1 more error)"
	case n > 2:
		msg += " (and " + strconv.Itoa(n-1) + " more errors)"
	}
	return fail(http.StatusUnprocessableEntity, "validation_error", msg, bag)
}

func invalidField(field, msg string) response {
	return invalid(map[string][]string{field: {msg}})
}

// insufficientScope is the 403 of contract §3, with its WWW-Authenticate header.
func (c *call) insufficientScope(scope string, granted []string) response {
	c.hdr.Set("WWW-Authenticate", `Bearer realm="modelslab", error="insufficient_scope", scope="`+scope+`"`)
	return fail(http.StatusForbidden, "insufficient_scope",
		"This token does not have the required scope: "+scope+".",
		map[string]any{"required_scope": scope, "granted_scopes": granted})
}

// route is one endpoint of contract §2.
type route struct {
	method  string
	pattern []string // literal segments, "{id}" (positive integer), "{uuid}" or "{str}"
	authed  bool     // needs a bearer token; public routes use the agent-auth limiter
	scope   string   // required scope ("" = not gated)
	h       func(*call) response
	// money marks a billing, wallet or subscription mutation: it honours
	// Idempotency-Key (idempotency.go). billing puts it under the
	// agent-billing limiter too.
	money, billing bool
}

func (s *Sandbox) routes() []route {
	r := func(method, path string, authed bool, scope string, h func(*call) response) route {
		return route{method: method, pattern: strings.Split(path, "/"), authed: authed, scope: scope, h: h}
	}
	// Literal routes come before parameterised ones with the same shape.
	return append([]route{
		r("POST", "auth/signup", false, "", s.signup),
		r("POST", "auth/login", false, "", s.login),
		r("POST", "auth/verify-email", false, "", s.verifyEmail),
		r("POST", "auth/verify", false, "", s.verifyEmail),
		r("POST", "auth/forgot-password", false, "", s.forgotPassword),
		r("POST", "auth/reset-password", false, "", s.resetPassword),
		r("POST", "auth/resend-verification", false, "", s.resendVerification),
		// Decision: refresh is not scope-gated; the new token inherits the
		// caller's scopes, so rotating never widens what a token can do.
		r("POST", "auth/refresh", true, "", s.refresh),
		r("POST", "auth/logout", true, "", s.logout),
		r("POST", "auth/logout-all", true, scopeTokensWrite, s.logoutAll),
		r("GET", "auth/scopes", false, "", s.listScopes),
		r("GET", "auth/tokens", true, scopeTokensRead, s.listTokens),
		r("POST", "auth/tokens/revoke-others", true, scopeTokensWrite, s.revokeOthers),
		r("DELETE", "auth/tokens/{id}", true, scopeTokensWrite, s.revokeToken),
		r("POST", "auth/switch-account", true, scopeTokensWrite, s.switchAccount),
		r("GET", "me", true, "profile:read", s.getProfile),
		r("PATCH", "me", true, "profile:write", s.updateProfile),
		r("PATCH", "me/password", true, "profile:write", s.updatePassword),
		r("PATCH", "me/socials", true, "profile:write", s.updateSocials),
		r("PATCH", "me/preferences", true, "profile:write", s.updatePreferences),
		r("GET", "api-keys", true, "api-keys:read", s.listAPIKeys),
		r("POST", "api-keys", true, "api-keys:write", s.createAPIKey),
		r("GET", "api-keys/{id}", true, "api-keys:read", s.getAPIKey),
		r("PUT", "api-keys/{id}", true, "api-keys:write", s.updateAPIKey),
		r("DELETE", "api-keys/{id}", true, "api-keys:write", s.deleteAPIKey),
		r("GET", "teams", true, "teams:read", s.listMembers),
		r("POST", "teams", true, "teams:write", s.inviteMember),
		r("POST", "teams/invitations/{uuid}/accept", true, "teams:write", s.acceptInvite),
		r("GET", "teams/{id}", true, "teams:read", s.getMember),
		r("PUT", "teams/{id}", true, "teams:write", s.updateMember),
		r("DELETE", "teams/{id}", true, "teams:write", s.deleteMember),
		r("POST", "teams/{id}/resend-invite", true, "teams:write", s.resendInvite),
	}, s.accountRoutes()...)
}

// match finds the route for method and the path below APIPrefix. With no
// route for the method but some for the path, it returns the allowed methods
// (405). Path parameters are validated later, so that a bad id is a 404.
func match(routes []route, method, path string) (rt *route, params []string, allowed []string) {
	segs := strings.Split(path, "/")
	for i := range routes {
		p := routes[i].pattern
		if len(p) != len(segs) {
			continue
		}
		var vals []string
		matched := true
		for j, lit := range p {
			if lit == "{id}" || lit == "{uuid}" || lit == "{str}" {
				vals = append(vals, segs[j])
			} else if lit != segs[j] {
				matched = false
				break
			}
		}
		if !matched {
			continue
		}
		if routes[i].method == method {
			return &routes[i], vals, nil
		}
		if !contains(allowed, routes[i].method) {
			allowed = append(allowed, routes[i].method)
		}
	}
	return nil, nil, allowed
}

// parseParams checks path parameters: ids are positive decimal integers and
// invite ids are UUIDs; anything else is a 404, as for an unknown object.
func (c *call) parseParams(rt *route, vals []string) bool {
	i := 0
	for _, lit := range rt.pattern {
		switch lit {
		case "{id}":
			v := vals[i]
			i++
			if v == "" || len(v) > 18 || strings.Trim(v, "0123456789") != "" {
				return false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return false
			}
			c.id = n
		case "{uuid}":
			v := strings.ToLower(vals[i])
			i++
			if !isUUID(v) {
				return false
			}
			c.uuid = v
		case "{str}":
			v := vals[i]
			i++
			if !validStrParam(v) {
				return false
			}
			c.str = v
		}
	}
	return true
}

// ServeHTTP serves the control plane under APIPrefix, the outbox at
// OutboxPath and the browser-login site page at SiteAuthorizePath. Every
// API and outbox response is a JSON envelope with an X-Request-Id header.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isSitePath(r.URL.Path) {
		s.serveSite(w, r) // HTML, not the API's JSON envelope
		return
	}
	if strings.HasPrefix(r.URL.Path, CheckoutPath) {
		s.serveCheckout(w, r) // the Checkout page: HTML too
		return
	}
	hdr := http.Header{}
	status, body := s.serve(w, r, hdr)
	for k, v := range hdr {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	// Bodies carry bearer tokens and secrets: never cache them.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request, hdr http.Header) (status int, body []byte) {
	path := r.URL.Path
	var (
		rt      *route
		vals    []string
		allowed []string
		outbox  bool
		known   bool // the path is served (maybe not with this method)
	)
	switch {
	case path == OutboxPath || path == OutboxPath+"/":
		known = true
		if r.Method == http.MethodGet {
			outbox = true
		} else {
			allowed = []string{http.MethodGet}
		}
	case strings.HasPrefix(path, APIPrefix+"/"):
		sub := strings.TrimSuffix(strings.TrimPrefix(path, APIPrefix+"/"), "/")
		rt, vals, allowed = match(s.routeTable, r.Method, sub)
		known = rt != nil || len(allowed) > 0
	}

	// Read the body before taking the lock. Decision: only POST, PUT and
	// PATCH bodies are read; GET and DELETE bodies are ignored.
	var raw []byte
	var bodyErr error
	if rt != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) && r.Body != nil {
		raw, bodyErr = io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.limits.MaxBodyBytes)))
	}

	s.lockState()
	defer func() { s.unlockState(rt != nil) }() // an API call may change the state (last_used_at, sweeps)
	c := &call{s: s, r: r, now: s.clock(), hdr: hdr}
	c.reqID = s.uuid()
	hdr.Set("X-Request-Id", c.reqID)
	s.sweep(c.now)

	res := s.dispatch(c, rt, vals, allowed, known, outbox, raw, bodyErr)
	if res.status == http.StatusMethodNotAllowed {
		hdr.Set("Allow", strings.Join(allowed, ", "))
	}
	var env envelope
	env.Data, env.Error = res.data, res.err
	env.Meta.RequestID = c.reqID
	env.Meta.IdempotencyReplay = res.replay
	body, err := json.Marshal(env)
	if err != nil { // unreachable with the types used here; never panic
		res = fail(http.StatusInternalServerError, "internal_error", "Internal server error.", nil)
		env.Data, env.Error = nil, res.err
		body, _ = json.Marshal(env)
	}
	s.log.Debug().Str("method", r.Method).Str("path", path).Int("status", res.status).
		Str("request_id", c.reqID).Msg("sandbox request")
	return res.status, body
}

func (s *Sandbox) dispatch(c *call, rt *route, vals, allowed []string, known, outbox bool, raw []byte, bodyErr error) (res response) {
	// Defence in depth: no input should panic, but if a bug does, answer 500
	// rather than killing the server (the mutex is released by serve's defer).
	defer func() {
		if p := recover(); p != nil {
			s.log.Error().Interface("panic", p).Str("request_id", c.reqID).Msg("sandbox handler panicked")
			res = fail(http.StatusInternalServerError, "internal_error", "Internal server error.", nil)
		}
	}()
	ip := clientIP(c.r)

	if rt == nil {
		c.rateLimit(limitGeneral, ip+"|guest")
		if c.limited() {
			return c.tooMany()
		}
		if outbox {
			return s.serveOutbox(c)
		}
		if known {
			return fail(http.StatusMethodNotAllowed, "method_not_allowed",
				"The "+c.r.Method+" method is not supported for this route.", nil)
		}
		return notFound()
	}

	var parseErr response
	parsed := false
	if bodyErr == nil && raw != nil {
		c.body, parseErr, parsed = parseJSONObject(raw)
	} else {
		parsed = true
		c.body = fields{}
	}

	if rt.authed {
		authOK := c.authenticate()
		key := ip + "|guest"
		if authOK {
			key = ip + "|user:" + strconv.FormatInt(c.owner.id, 10)
		}
		c.rateLimit(limitGeneral, key)
		if c.limited() {
			return c.tooMany()
		}
		if !authOK {
			return unauthenticated()
		}
	} else {
		email, _ := c.body.rawString("email")
		c.rateLimit(limitAuth, ip+"|"+normalizeEmail(email))
		if c.limited() {
			return c.tooMany()
		}
	}

	var mbe *http.MaxBytesError
	switch {
	case errors.As(bodyErr, &mbe):
		return fail(http.StatusRequestEntityTooLarge, "payload_too_large",
			"The request body must not exceed "+strconv.Itoa(s.limits.MaxBodyBytes)+" bytes.", nil)
	case bodyErr != nil:
		return fail(http.StatusBadRequest, "invalid_body", "The request body could not be read.", nil)
	case !parsed:
		return parseErr
	}
	if !c.parseParams(rt, vals) {
		return notFound()
	}
	if rt.scope != "" && !hasScope(c.tok.scopes, rt.scope) {
		return c.insufficientScope(rt.scope, c.tok.scopes)
	}
	if rt.billing {
		c.rateLimit(limitBilling, ip+"|user:"+strconv.FormatInt(c.owner.id, 10))
		if c.limited() {
			return c.tooMany()
		}
	}
	if rt.money {
		return s.idempotent(c, rt, rt.h)
	}
	return rt.h(c)
}

// parseJSONObject decodes a request body. Decision: an empty body and a
// JSON null (what Go marshals a nil map to) are an empty object; malformed
// JSON, or JSON that is not an object, is a 400 invalid_json (not a 422: no
// field is at fault, the request itself is unreadable).
func parseJSONObject(raw []byte) (fields, response, bool) {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return fields{}, response{}, true
	}
	var f fields
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	err := dec.Decode(&f)
	if err == nil {
		// Trailing data after the object is malformed too.
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err != nil || f == nil { // f == nil: a "null" followed by more data
		return nil, fail(http.StatusBadRequest, "invalid_json",
			"The request body must be a JSON object.", nil), false
	}
	return f, response{}, true
}

// clientIP is the peer address. Decision: X-Forwarded-For is not trusted, the
// sandbox is never behind a proxy it knows about.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
