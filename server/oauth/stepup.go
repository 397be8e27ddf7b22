package oauth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Step-up authorization (MCP 2025-11-25 on): when ModelsLab answers a call
// with insufficient_scope, the HTTP answer becomes 403 with
// `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`, so that a
// client re-authorizes with the missing scope and sends the request again.
// That is possible only while the answer has not started: a call whose
// answer already streams (an event stream opened for progress or an
// elicitation) keeps the tool error, which names the scope too.

type stepUpKey struct{}

type stepUp struct {
	mu    sync.Mutex
	scope string
}

// RequireScope records that the request in ctx needs scope (the server's
// after-call hook calls it for an insufficient_scope tool error).
func RequireScope(ctx context.Context, scope string) {
	if su, ok := ctx.Value(stepUpKey{}).(*stepUp); ok && scope != "" {
		su.mu.Lock()
		su.scope = scope
		su.mu.Unlock()
	}
}

func (su *stepUp) get() string {
	su.mu.Lock()
	defer su.mu.Unlock()
	return su.scope
}

// stepUpWriter turns a 200 JSON answer into the 403 challenge when the call
// asked for it; an event stream, or any other status, goes through untouched.
type stepUpWriter struct {
	http.ResponseWriter
	su      *stepUp
	granted string
	meta    string // the resource metadata URL
	wrote   bool
	swallow bool
}

func (w *stepUpWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	scope := w.su.get()
	if code != http.StatusOK || scope == "" || strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	// Ask for what the grant holds plus what is missing, so the new grant
	// loses nothing (an empty grant scope means all: then the missing one alone).
	want := strings.Fields(w.granted)
	if !slices.Contains(want, scope) {
		want = append(want, scope)
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	h.Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q, resource_metadata=%q, error_description=%q`,
		strings.Join(want, " "), w.meta, "ModelsLab needs the scope "+scope+" for this call: authorize again with it"))
	w.ResponseWriter.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w.ResponseWriter, `{"error":"insufficient_scope","error_description":%q}`+"\n",
		"ModelsLab needs the scope "+scope+" for this call; the client must authorize again asking for it")
	w.swallow = true
}

func (w *stepUpWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes through (event streams need it).
func (w *stepUpWriter) Flush() {
	if w.swallow {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *stepUpWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
