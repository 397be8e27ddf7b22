package tools

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Elicitation, in both protocol eras, through mcp-go's input requests: a
// handler returns an input_required result; mcp-go turns it into an
// elicitation/create for a handshake-era client and calls the handler again
// with the answer, and a 2026-07-28 client answers and calls again itself.
// Either way the answer arrives in the call's inputResponses, next to the
// requestState this server issued.

// Confirmation modes (--confirm-destructive).
const (
	ConfirmAuto  = "auto"  // ask where the client declares form elicitation
	ConfirmNever = "never" // never ask
)

// elicitModes reports which elicitation modes the client declared: on this
// request's _meta (2026-07-28) or at initialize (handshake era). An empty
// elicitation capability means form only; a mode not declared is never sent.
func elicitModes(ctx context.Context) (form, url bool) {
	var caps *mcp.ClientCapabilities
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		caps = info.ClientCapabilities
	} else if s, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok && s != nil {
		c := s.GetClientCapabilities()
		caps = &c
	}
	if caps == nil || caps.Elicitation == nil {
		return false, false
	}
	e := caps.Elicitation
	return e.Form != nil || e.URL == nil, e.URL != nil
}

// modernRequest reports whether the call uses the 2026-07-28 protocol, where
// the server sends no requests or notifications of its own outside a result.
func modernRequest(ctx context.Context) bool { return mcpserver.IsModernRequest(ctx) }

// stateSigner issues and checks requestState values: an HMAC over what the
// state vouches for and its expiry, so a client can neither forge one nor
// carry one over to other arguments, and any replica with the key can check it.
type stateSigner struct{ key []byte }

func newStateSigner(key []byte) stateSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic("tools: crypto/rand failed: " + err.Error())
		}
	}
	return stateSigner{key: key}
}

func (s stateSigner) mac(expiry int64, subject string) string {
	h := hmac.New(sha256.New, s.key)
	fmt.Fprintf(h, "modelslab-agents-mcp/v1\x00%d\x00%s", expiry, subject)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// sign returns a state for subject, valid for ttl.
func (s stateSigner) sign(subject string, ttl time.Duration) string {
	exp := time.Now().Add(ttl).Unix()
	return "v1." + strconv.FormatInt(exp, 10) + "." + s.mac(exp, subject)
}

// verify reports whether state was issued for subject and has not expired.
func (s stateSigner) verify(state, subject string) bool {
	parts := strings.Split(state, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return false
	}
	return hmac.Equal([]byte(parts[2]), []byte(s.mac(exp, subject)))
}

// callSubject names one call exactly: tool, action and every argument (Go
// marshals map keys sorted, so the same arguments give the same text).
func callSubject(tool, action string, args map[string]any) string {
	raw, err := json.Marshal(args)
	if err != nil {
		raw = []byte("?")
	}
	return tool + "\x00" + action + "\x00" + string(raw)
}

// confirmID keys the confirmation in inputRequests and inputResponses.
const confirmID = "confirm"

// confirmTTL bounds how long a person may take to answer.
const confirmTTL = 10 * time.Minute

// confirmSchema is the form: one checkbox, ticked by default, so that
// "accept" alone confirms and unticking it declines.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"confirm": map[string]any{"type": "boolean", "title": "Yes, do it", "default": true,
			"description": "Untick to keep everything as it is."},
	},
}

// confirmFunc words the question for one destructive action; it may read the
// object's name upstream (a cheap GET) and falls back to the id alone.
type confirmFunc func(ctx context.Context, c *call) string

// notConfirmed is a confirmation the person did not give: nothing was sent.
type notConfirmed struct {
	action mcp.ElicitationResponseAction
	what   string
}

func (e *notConfirmed) Error() string {
	how := "declined"
	if e.action == mcp.ElicitationResponseActionCancel {
		how = "cancelled"
	}
	return fmt.Sprintf("not done: the person %s the confirmation (%s); nothing was sent to ModelsLab", how, e.what)
}

// confirmStep asks before a destructive action, where the client can ask. It
// returns nil to go ahead, or the result to answer now: the question (an
// input request) or, after a decline, why nothing happened.
func (t *tool) confirmStep(ctx context.Context, c *call, spec ActionSpec, req mcp.CallToolRequest, rawArgs map[string]any) (*mcp.CallToolResult, error) {
	// Money is confirmed whatever --confirm-destructive says: it is the one
	// thing the person must see before it happens.
	if spec.Confirm == nil || (t.deps.Confirm == ConfirmNever && spec.Money == nil) {
		return nil, nil
	}
	if spec.Money != nil && spec.Money.skipConfirm != nil && spec.Money.skipConfirm(c) {
		return nil, nil
	}
	if form, _ := elicitModes(ctx); !form {
		return nil, nil // a client that cannot ask works as before
	}
	subject := callSubject(t.spec.Name, spec.Name, rawArgs)
	// A key made for this call (the caller gave none) travels in the state,
	// so the confirmed call sends the key of the question the person answered:
	// a requestState and answer sent again (a client's retry, a replay) make
	// the upstream answer its first result instead of charging twice.
	made := ""
	if c.idem != "" && !c.args.Has("idempotency_key") {
		made = c.idem
	}
	if ans := mcpserver.ElicitationResponse(req.Params.InputResponses, confirmID); ans != nil {
		if key, ok := t.verifyConfirmState(req.Params.RequestState, subject); ok {
			if ans.Action == mcp.ElicitationResponseActionAccept && confirmed(ans.Content) {
				if made != "" && key != "" {
					c.idem = key
				}
				return nil, nil
			}
			action := ans.Action
			if action == mcp.ElicitationResponseActionAccept {
				action = mcp.ElicitationResponseActionDecline // accepted with the box unticked
			}
			return nil, &notConfirmed{action: action, what: t.spec.Name + " " + spec.Name}
		}
	}
	// No answer yet, or one that does not belong to this call: ask.
	question := spec.Confirm(ctx, c)
	return mcpserver.NewInputRequestBuilder(t.confirmState(subject, made)).
		Elicit(confirmID, mcp.ElicitationParams{Mode: mcp.ElicitationModeForm, Message: question, RequestedSchema: confirmSchema}).
		ToolResult(), nil
}

// confirmStatePrefix starts a confirmation's requestState: "cf~<key>~" and a
// signature over the call and the key (empty for a call with none to make).
const confirmStatePrefix = "cf~"

func (t *tool) confirmState(subject, key string) string {
	return confirmStatePrefix + key + "~" + t.signer.sign(subject+"\x00idem\x00"+key, confirmTTL)
}

// verifyConfirmState checks a confirmation's state against the call and
// returns the key it carries.
func (t *tool) verifyConfirmState(state, subject string) (string, bool) {
	key, sig, ok := strings.Cut(strings.TrimPrefix(state, confirmStatePrefix), "~")
	if !ok || !strings.HasPrefix(state, confirmStatePrefix) || !t.signer.verify(sig, subject+"\x00idem\x00"+key) {
		return "", false
	}
	return key, true
}

// confirmed reads the form: accept with the box left ticked (or no content,
// for clients that only show the buttons) is yes; anything else in the box is no.
func confirmed(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return true
	}
	v, present := m["confirm"]
	if !present {
		return true
	}
	b, ok := v.(bool)
	return ok && b
}
