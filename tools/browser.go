package tools

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// agent-auth browser-login: the person logs in on the site; the token comes
// back to this machine's loopback callback and the server keeps it. The model
// never sees a password or a whole token.
//
//   - A client that declares URL elicitation is sent the page (one URL
//     elicitation) and the call ends when the callback comes.
//   - Any other client: the first call starts the login, opens the system
//     browser where there is one, and returns at once with the URL; the login
//     completes in the background. A call while one is pending waits up to
//     browserWait and says "logged in as ..." or "still waiting".

// browserID keys the URL elicitation in inputRequests and inputResponses.
const browserID = "browser-login"

// browserWait bounds how long a follow-up call waits for a pending login.
var browserWait = 25 * time.Second

// loginAdopter is implemented by credentials that keep a token for the one
// local user (stdio, and HTTP listening on loopback), which browser-login needs.
type loginAdopter interface {
	AdoptLocal(ctx context.Context, tok upstream.Token) bool
}

// browserData is the data of a browser-login result.
type browserData struct {
	Status               string `json:"status"` // pending, logged_in
	AuthorizeURL         string `json:"authorize_url,omitempty"`
	ExpiresAt            string `json:"login_expires_at,omitempty"`
	BrowserOpened        *bool  `json:"browser_opened,omitempty"`
	Email                string `json:"email,omitempty"`
	AccessToken          string `json:"access_token,omitempty"`
	TokenType            string `json:"token_type,omitempty"`
	TokenExpiry          string `json:"token_expiry,omitempty"`
	TokenExpiryEffective string `json:"token_expiry_effective,omitempty"`
	TokenExpiresAt       string `json:"expires_at,omitempty"`
	TokenLifetimeCapped  bool   `json:"token_lifetime_capped,omitempty"`
	APIKey               string `json:"api_key,omitempty"`
}

func authBrowserLogin(ctx context.Context, c *call) (*outcome, error) {
	m := c.deps.BrowserLogin
	adopter, _ := c.deps.Creds.(loginAdopter)
	if m == nil || adopter == nil {
		why := c.deps.BrowserLoginUnavailable
		if why == "" {
			why = "browser login is not available on this server"
		}
		return nil, &flowError{kind: "not_available", message: "agent-auth browser-login: " + why,
			next: "use agent-auth action login with email and password, or send a token you obtained yourself in the `Authorization: Bearer <token>` header"}
	}
	_, urlMode := elicitModes(ctx)
	p := c.req.Params

	// The URL elicitation's answer (the same call again, in either era).
	if ans := mcpserver.ElicitationResponse(p.InputResponses, browserID); ans != nil {
		l := m.Pending()
		if l == nil || subtle.ConstantTimeCompare([]byte(p.RequestState), []byte(l.ID)) != 1 {
			if l = m.TakeFinishedID(p.RequestState); l != nil {
				return c.browserOutcome(l) // it ended before the answer came back
			}
			return nil, &flowError{kind: "not_available", message: "agent-auth browser-login: that browser login is no longer in progress",
				next: "call agent-auth action browser-login again for a new one"}
		}
		if ans.Action != mcp.ElicitationResponseActionAccept {
			l.Cancel()
			m.Reported(l)
			return nil, &flowError{kind: "not_confirmed", message: "agent-auth browser-login: the person did not open the login page; nothing changed",
				next: "tell the person; call browser-login again only if they want to log in"}
		}
		if !l.Wait(ctx) {
			l.Cancel() // the call was cancelled: so is the login, and its listener closes
			m.Reported(l)
			return nil, &flowError{kind: "cancelled", message: "agent-auth browser-login: the call was cancelled before the login completed; the login link no longer works",
				next: "call agent-auth action browser-login again to log in"}
		}
		if !modernRequest(ctx) {
			if srv := mcpserver.ServerFromContext(ctx); srv != nil {
				_ = srv.SendElicitationComplete(ctx, mcpserver.ClientSessionFromContext(ctx), l.ID)
			}
		}
		m.Reported(l)
		return c.browserOutcome(l)
	}

	// A login that ended in the background since the last call.
	if l := m.TakeFinished(); l != nil {
		return c.browserOutcome(l)
	}

	l, started, err := m.Start(browserlogin.Request{DeviceName: c.args.String("device_name"), TokenExpiry: c.args.String("token_expiry")},
		func(g browserlogin.Grant) {
			adopter.AdoptLocal(context.WithoutCancel(ctx), upstream.Token(g.AccessToken))
		})
	if err != nil {
		return nil, &flowError{kind: "internal", message: "agent-auth browser-login could not start: " + err.Error(),
			next: "use agent-auth action login with email and password"}
	}
	if !started {
		// A second call while one is pending: wait a bounded time.
		waited, cancelled := c.waitBounded(ctx, l)
		if waited {
			m.Reported(l)
			return c.browserOutcome(l)
		}
		if cancelled {
			return nil, &flowError{kind: "cancelled", message: "agent-auth browser-login: the call was cancelled; the login stays open in the browser",
				next: "call browser-login again to see whether it completed"}
		}
		return c.pendingOutcome(l, false), nil
	}
	if urlMode {
		msg := "Log in to ModelsLab in your browser to give this session access. The page is on the ModelsLab site; no password passes through the chat."
		res := mcpserver.NewInputRequestBuilder(l.ID).
			Elicit(browserID, mcp.ElicitationParams{Mode: mcp.ElicitationModeURL, ElicitationID: l.ID, URL: l.URL, Message: msg}).
			ToolResult()
		return &outcome{result: res}, nil
	}
	return c.pendingOutcome(l, true), nil
}

// waitBounded waits for l up to browserWait, with progress notifications when
// the client asked for them; it reports whether l ended, or the call was cancelled.
func (c *call) waitBounded(ctx context.Context, l *browserlogin.Login) (ended, cancelled bool) {
	wctx, cancel := context.WithTimeout(ctx, browserWait)
	defer cancel()
	var token mcp.ProgressToken
	if c.req.Params.Meta != nil {
		token = c.req.Params.Meta.ProgressToken
	}
	srv := mcpserver.ServerFromContext(ctx)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-l.Done():
			return true, false
		case <-wctx.Done():
			return l.Ended(), ctx.Err() != nil
		case <-tick.C:
			if token != nil && srv != nil {
				_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
					"progressToken": token, "progress": int(time.Since(start).Seconds()), "total": int(browserWait.Seconds()),
					"message": "waiting for the browser login to complete",
				})
			}
		}
	}
}

func (c *call) pendingOutcome(l *browserlogin.Login, started bool) *outcome {
	opened := l.BrowserOpened
	d := browserData{Status: "pending", AuthorizeURL: l.URL, ExpiresAt: l.Deadline.UTC().Format(time.RFC3339)}
	var notes []string
	if started {
		d.BrowserOpened = &opened
		if opened {
			notes = append(notes, "A browser window was opened on this computer with the ModelsLab login page.")
		}
		notes = append(notes, "Ask the person to open authorize_url in a browser on this computer (it holds no secret) and log in there.",
			fmt.Sprintf("Then call agent-auth action browser-login again: it waits up to %d seconds for the login to finish and says who is logged in.", int(browserWait.Seconds())))
	} else {
		notes = append(notes, "Still waiting for the person to log in: ask them to open authorize_url in a browser on this computer, then call browser-login again.")
	}
	notes = append(notes, fmt.Sprintf("The login link works until %s (5 minutes).", d.ExpiresAt))
	raw, _ := json.Marshal(d)
	return &outcome{data: raw, notes: notes}
}

// browserOutcome reports an ended login: logged in, or why not.
func (c *call) browserOutcome(l *browserlogin.Login) (*outcome, error) {
	g, err := l.Result()
	var se *browserlogin.SiteError
	switch {
	case errors.As(err, &se):
		return nil, &flowError{kind: "login_refused", message: "agent-auth browser-login: the login was not completed: " + se.Error(),
			next: "tell the person; call browser-login again to retry, or use action login with email and password"}
	case errors.Is(err, browserlogin.ErrTimeout):
		return nil, &flowError{kind: "timeout", message: "agent-auth browser-login: nobody completed the login page within 5 minutes; the link no longer works",
			next: "call agent-auth action browser-login again for a new link"}
	case errors.Is(err, browserlogin.ErrCancelled), errors.Is(err, browserlogin.ErrClosed):
		return nil, &flowError{kind: "cancelled", message: "agent-auth browser-login: the login was cancelled (" + err.Error() + ")",
			next: "call agent-auth action browser-login again to log in"}
	case err != nil:
		return nil, &flowError{kind: "bad_response", message: "agent-auth browser-login: " + err.Error(),
			next: "call agent-auth action browser-login again, or use action login"}
	}
	d := browserData{Status: "logged_in", Email: g.Email, AccessToken: maskSecret(g.AccessToken), TokenType: g.TokenType,
		TokenExpiry: g.TokenExpiry, TokenExpiryEffective: g.TokenExpiryEffective, TokenExpiresAt: g.ExpiresAt,
		TokenLifetimeCapped: g.TokenLifetimeCapped}
	if g.APIKey != "" {
		d.APIKey = maskSecret(g.APIKey)
	}
	raw, _ := json.Marshal(d)
	who := g.Email
	if who == "" {
		who = "the account chosen on the page"
	}
	out := &outcome{data: raw, notes: []string{"Logged in as " + who + " through the browser."}}
	if c.deps.Creds.Token(c.ctx) == upstream.Token(g.AccessToken) {
		out.notes = append(out.notes, "This server now uses the new token for every following call of this session; no need to pass it anywhere.")
	} else {
		out.notes = append(out.notes, "This request carries its own token (Authorization header), which takes precedence; calls without one use the browser login's token.")
	}
	out.notes = append(out.notes, "access_token and api_key are shown masked; the server keeps the token and never shows it whole.")
	return out, nil
}
