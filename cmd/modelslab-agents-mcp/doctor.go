package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// `modelslab-agents-mcp doctor` checks, read-only, whether this server can
// work with the configured control plane and MODELSLAB_AGENT_TOKEN: the base
// URL is reachable (TLS, latency), the token authenticates, which scopes it
// holds, and whether each read endpoint answers the way the contract says,
// listing every difference by field and JSON kind, never a value.

// Doctor check statuses.
const (
	checkOK   = "ok"
	checkWarn = "warn" // a difference the server tolerates
	checkFail = "fail" // the server cannot work
	checkSkip = "skip"
)

type doctorCheck struct {
	Name        string             `json:"name"`
	Status      string             `json:"status"`
	Detail      string             `json:"detail"`
	LatencyMS   *int64             `json:"latency_ms,omitempty"`
	Differences []upstream.Warning `json:"differences,omitempty"`
}

type doctorReport struct {
	BaseURL string        `json:"base_url"`
	Sandbox bool          `json:"sandbox"`
	CanWork bool          `json:"can_work"`
	Scopes  []string      `json:"scopes,omitempty"`
	Checks  []doctorCheck `json:"checks"`
}

func (r *doctorReport) add(c doctorCheck) { r.Checks = append(r.Checks, c) }

// errDoctor is doctor's non-zero exit: the report says why.
var errDoctor = errors.New("doctor: this server cannot work with that control plane and token (see the checks above)")

// doctorReadEndpoints are the read endpoints doctor compares with the contract.
var doctorReadEndpoints = []string{"/me", "/auth/tokens", "/api-keys", "/teams", "/auth/scopes",
	"/usage/summary", "/models/filters", "/billing/overview", "/wallet/balance", "/subscriptions", "/subscriptions/plans"}

func runDoctor(ctx context.Context, cfg *config, log zerolog.Logger, stdout io.Writer) error {
	clientCfg := upstream.Config{BaseURL: cfg.baseURL, Timeout: cfg.timeout, Logger: log, MaxRetries: -1,
		UserAgent: "modelslab-agents-mcp/" + buildVersion() + " (doctor)"}
	var sb *sandbox.Sandbox
	if cfg.sandbox {
		sb = sandbox.New(sandbox.Options{Logger: log})
		clientCfg.BaseURL = "http://sandbox.invalid/api/agents/v1"
		clientCfg.Name = upstream.SandboxName
		clientCfg.Transport = sb.Transport()
	} else {
		clientCfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	cl, err := upstream.New(clientCfg)
	if err != nil {
		return err
	}
	rep := &doctorReport{BaseURL: cl.BaseURL(), Sandbox: sb != nil}
	reachable := probe(ctx, rep, cl.BaseURL(), clientCfg.Transport, cfg.timeout)

	tok := cfg.token
	if tok == "" && sb != nil {
		// The sandbox's demo account stands in for the user's token.
		d := sb.Demo()
		res, err := cl.Login(ctx, upstream.LoginRequest{Email: d.Email, Password: d.Password, DeviceName: "doctor"})
		if err == nil {
			tok = upstream.Token(res.Data.AccessToken)
		}
	}
	authed := false
	switch {
	case !reachable:
		rep.add(doctorCheck{Name: "token", Status: checkSkip, Detail: "not checked: the control plane is not reachable"})
	case tok == "":
		rep.add(doctorCheck{Name: "token", Status: checkFail, Detail: "MODELSLAB_AGENT_TOKEN is not set: set it to a token of the account to check (agent-auth login shows how to get one)"})
	default:
		authed = checkEndpoints(ctx, rep, cl, tok)
	}
	if reachable && !authed {
		// The scope list needs no token.
		res, err := cl.ListScopes(ctx, "")
		rep.add(endpointCheck("GET /auth/scopes", res, err))
	}
	rep.CanWork = reachable && authed
	for _, c := range rep.Checks {
		if c.Status == checkFail {
			rep.CanWork = false
		}
	}
	if cfg.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, rep)
	}
	if !rep.CanWork {
		return errDoctor
	}
	return nil
}

// probe times one unauthenticated GET of the public scope list, and reports
// on TLS.
func probe(ctx context.Context, rep *doctorReport, base string, tr http.RoundTripper, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/auth/scopes", nil)
	if err != nil {
		rep.add(doctorCheck{Name: "reachable", Status: checkFail, Detail: err.Error()})
		return false
	}
	req.Header.Set("Accept", "application/json")
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	resp, err := hc.Do(req)
	ms := time.Since(start).Milliseconds()
	if err != nil {
		rep.add(doctorCheck{Name: "reachable", Status: checkFail, Detail: "GET /auth/scopes: " + err.Error()})
		if strings.HasPrefix(base, "https:") {
			rep.add(doctorCheck{Name: "tls", Status: checkSkip, Detail: "not checked: no connection"})
		}
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	detail := fmt.Sprintf("GET /auth/scopes answered HTTP %d in %d ms", resp.StatusCode, ms)
	status := checkOK
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		status, detail = checkWarn, detail+" (a redirect: is the base URL right?)"
	}
	rep.add(doctorCheck{Name: "reachable", Status: status, Detail: detail, LatencyMS: &ms})

	switch {
	case resp.TLS != nil:
		c := doctorCheck{Name: "tls", Status: checkOK, Detail: tls.VersionName(resp.TLS.Version)}
		if certs := resp.TLS.PeerCertificates; len(certs) > 0 {
			left := time.Until(certs[0].NotAfter)
			c.Detail += fmt.Sprintf("; certificate for %s valid until %s", certs[0].Subject.CommonName, certs[0].NotAfter.UTC().Format(time.DateOnly))
			if left < 14*24*time.Hour {
				c.Status, c.Detail = checkWarn, c.Detail+" (expires within 14 days)"
			}
		}
		rep.add(c)
	case rep.Sandbox:
		rep.add(doctorCheck{Name: "tls", Status: checkSkip, Detail: "the sandbox runs in process"})
	default:
		rep.add(doctorCheck{Name: "tls", Status: checkWarn, Detail: "plain http: the token travels unencrypted unless this is a local proxy"})
	}
	return true
}

// checkEndpoints calls each read endpoint with tok; it reports whether the
// token authenticates.
func checkEndpoints(ctx context.Context, rep *doctorReport, cl *upstream.Client, tok upstream.Token) bool {
	me, err := cl.GetProfile(ctx, tok)
	var ae *upstream.APIError
	authed := err == nil || (errors.As(err, &ae) && ae.Status == http.StatusForbidden)
	switch {
	case authed:
		rep.add(doctorCheck{Name: "token", Status: checkOK, Detail: "authenticates (GET /me)"})
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		rep.add(doctorCheck{Name: "token", Status: checkFail, Detail: "rejected: GET /me answered HTTP 401; the token is expired, revoked or mistyped"})
	default:
		rep.add(doctorCheck{Name: "token", Status: checkFail, Detail: "not checked: GET /me failed: " + err.Error()})
	}
	if !authed {
		return false
	}

	tokens, tokErr := cl.ListTokens(ctx, tok)
	scopes := heldScopes(tok, tokens, tokErr)
	if scopes == nil {
		rep.add(doctorCheck{Name: "scopes", Status: checkWarn, Detail: "unknown: the token list did not show this token's scopes"})
	} else {
		rep.Scopes = scopes
		rep.add(doctorCheck{Name: "scopes", Status: checkOK, Detail: strings.Join(scopes, " ")})
	}

	keys, keysErr := cl.ListAPIKeys(ctx, tok)
	team, teamErr := cl.ListTeamMembers(ctx, tok)
	sc, scErr := cl.ListScopes(ctx, tok)
	rep.add(endpointCheck("GET /me", me, err))
	rep.add(endpointCheck("GET /auth/tokens", tokens, tokErr))
	rep.add(endpointCheck("GET /api-keys", keys, keysErr))
	rep.add(endpointCheck("GET /teams", team, teamErr))
	c := endpointCheck("GET /auth/scopes", sc, scErr)
	if c.Status == checkFail {
		c.Status = checkWarn // no tool depends on it
	}
	rep.add(c)
	checkAccountEndpoints(ctx, rep, cl, tok)
	return true
}

// checkAccountEndpoints reads one endpoint of each issue-17 toolset (and the
// plans list that --max-charge reads). Only those toolsets depend on them,
// and only where published: a failure is a warning naming the toolset.
func checkAccountEndpoints(ctx context.Context, rep *doctorReport, cl *upstream.Client, tok upstream.Token) {
	add := func(toolset string, c doctorCheck) {
		if c.Status == checkFail {
			c.Status = checkWarn
			c.Detail += " (only --toolsets " + toolset + " needs it)"
		}
		rep.add(c)
	}
	usage, err := cl.UsageSummary(ctx, tok)
	add("usage", endpointCheck("GET /usage/summary", usage, err))
	filters, err := cl.ModelFilters(ctx, tok)
	add("models", endpointCheck("GET /models/filters", filters, err))
	overview, err := cl.BillingOverview(ctx, tok)
	add("billing", endpointCheck("GET /billing/overview", overview, err))
	balance, err := cl.WalletBalance(ctx, tok)
	add("wallet", endpointCheck("GET /wallet/balance", balance, err))
	subs, err := cl.ListSubscriptions(ctx, tok)
	add("subscriptions", endpointCheck("GET /subscriptions", subs, err))
	plans, err := cl.ListPlans(ctx, tok)
	add("subscriptions or billing (the --max-charge check of a plan's price)", endpointCheck("GET /subscriptions/plans", plans, err))
}

// heldScopes reads the token's own entry of the token list, or the granted
// scopes an insufficient_scope answer names; nil when neither says.
func heldScopes(tok upstream.Token, res *upstream.Result[upstream.List], err error) []string {
	var ae *upstream.APIError
	if errors.As(err, &ae) && len(ae.Details["granted_scopes"]) > 0 {
		return ae.Details["granted_scopes"]
	}
	if err != nil {
		return nil
	}
	id := tok.ID()
	for _, it := range res.Data.Items {
		var item struct {
			ID     json.Number     `json:"id"`
			Scopes json.RawMessage `json:"scopes"`
		}
		if json.Unmarshal(it, &item) != nil || item.ID.String() != fmt.Sprint(id) {
			continue
		}
		var list []string
		if json.Unmarshal(item.Scopes, &list) == nil {
			return list
		}
		var one string
		if json.Unmarshal(item.Scopes, &one) == nil {
			return strings.Fields(strings.ReplaceAll(one, ",", " "))
		}
	}
	return nil
}

// endpointCheck turns one read into a check: its differences from the
// contract, or why it could not be read.
func endpointCheck[T any](name string, res *upstream.Result[T], err error) doctorCheck {
	c := doctorCheck{Name: name}
	var ae *upstream.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == "insufficient_scope":
		c.Status, c.Detail = checkSkip, "not checked: the token lacks the scope "+ae.RequiredScope
	case err != nil:
		c.Status, c.Detail = checkFail, err.Error()
	case len(res.Warnings) == 0:
		c.Status, c.Detail = checkOK, fmt.Sprintf("HTTP %d, matches the contract", res.Status)
	default:
		c.Status, c.Differences = checkWarn, res.Warnings
		c.Detail = fmt.Sprintf("HTTP %d, %d difference(s) from the contract; the server passes the data on as sent", res.Status, len(res.Warnings))
	}
	return c
}

func printReport(w io.Writer, rep *doctorReport) {
	where := rep.BaseURL
	if rep.Sandbox {
		where = "the embedded sandbox (" + where + ")"
	}
	fmt.Fprintf(w, "modelslab-agents-mcp doctor: %s\n", where)
	// The name column is as wide as the longest name, so that every detail
	// starts in one column (the money reads' routes are longer than the rest).
	width := 0
	for _, c := range rep.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "  %-6s %-*s %s\n", "["+c.Status+"]", width, c.Name, c.Detail)
		for _, d := range c.Differences {
			needed := ""
			if d.NeededBy != "" {
				needed = "; needed by " + d.NeededBy
			}
			fmt.Fprintf(w, "  %-6s %-*s   %s: expected %s, got %s%s\n", "", width, "", d.Field, d.Expected, d.Got, needed)
		}
	}
	if rep.CanWork {
		fmt.Fprintln(w, "Result: the server can work with this account.")
		for _, c := range rep.Checks {
			if len(c.Differences) > 0 {
				fmt.Fprintln(w, "Differences from the contract are listed above (fields and kinds only, no values): please report them.")
				break
			}
		}
	} else {
		fmt.Fprintln(w, "Result: the server cannot work with this account yet: see the [fail] lines.")
	}
}
