package browserlogin

import (
	"crypto/subtle"
	"errors"
	"html"
	"io"
	"net/http"
	"strings"
	"unicode"
)

// serveCallback takes the site's answer: GET (query) or a form POST.
func (l *Login) serveCallback(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != CallbackPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
	}
	if err := r.ParseForm(); err != nil {
		writePage(w, http.StatusBadRequest, page{Title: "Login not completed", Text: "The answer from the site could not be read."})
		return
	}
	v := r.Form
	l.mu.Lock()
	ended := l.ended
	l.mu.Unlock()
	// Constant time, so the state cannot be guessed byte by byte; checked
	// even after the end, so a reused state learns nothing either way.
	good := subtle.ConstantTimeCompare([]byte(v.Get("state")), l.state) == 1
	switch {
	case !good:
		l.m.cfg.Logger.Warn().Str("login", l.ID).Msg("browser login callback with a wrong state refused")
		writePage(w, http.StatusBadRequest, page{Title: "Login not completed",
			Text: "This answer does not belong to the login in progress (wrong state). Start the login again from your MCP client."})
		return
	case ended:
		writePage(w, http.StatusBadRequest, page{Title: "Login already finished",
			Text: "This login link has already been used. You may close this tab."})
		return
	}
	var (
		g   *Grant
		err error
	)
	if code := v.Get("error"); code != "" {
		err = &SiteError{Code: clean(code, 100), Description: clean(v.Get("error_description"), 300)}
	} else if v.Get("access_token") == "" {
		err = errors.New("the site's answer had neither a token nor an error")
	} else {
		g = &Grant{
			AccessToken: v.Get("access_token"), APIKey: v.Get("api_key"), Email: clean(v.Get("email"), 255),
			ExpiresAt: clean(v.Get("expires_at"), 64), ModelID: clean(v.Get("model_id"), 64),
			TokenType: clean(v.Get("token_type"), 32), TokenExpiry: clean(v.Get("token_expiry"), 32),
			TokenExpiryEffective: clean(v.Get("token_expiry_effective"), 32),
			TokenLifetimeCapped:  v.Get("token_lifetime_capped") == "1" || v.Get("token_lifetime_capped") == "true",
		}
	}
	redirect := r.Method == http.MethodGet
	if redirect {
		l.mu.Lock()
		l.redirected = true
		l.mu.Unlock()
	}
	if !l.end(g, err) {
		// Another answer won the race for the same state.
		writePage(w, http.StatusBadRequest, page{Title: "Login already finished",
			Text: "This login link has already been used. You may close this tab."})
		return
	}
	if redirect {
		// The token is in this request's address: move the tab to a page
		// without it before anything is shown.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, donePath, http.StatusSeeOther)
		return
	}
	l.writeOutcome(w)
}

// serveDone is the page a GET callback lands on.
func (l *Login) serveDone(w http.ResponseWriter, r *http.Request) {
	if !l.Ended() {
		writePage(w, http.StatusNotFound, page{Title: "No login finished", Text: "There is nothing to show here yet."})
		return
	}
	l.writeOutcome(w)
	l.doneServedOnce.Do(func() { close(l.doneServed) })
}

func (l *Login) writeOutcome(w http.ResponseWriter) {
	g, err := l.Result()
	if err != nil {
		text := "The login did not complete: " + err.Error() + ". You may close this tab and try again from your MCP client."
		writePage(w, http.StatusOK, page{Title: "Login not completed", Text: text})
		return
	}
	text := "You are logged in"
	if g.Email != "" {
		text += " as " + g.Email
	}
	writePage(w, http.StatusOK, page{Title: "Logged in", Text: text + ". You may close this tab and return to your MCP client.", OK: true})
}

// clean keeps what the site sent printable and short before it is shown or
// logged: it is text from the network.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

type page struct {
	Title string
	Text  string
	OK    bool
}

// pageHTML renders the page. Every value is text from Go or the network,
// placed in element text only, so html.EscapeString is the whole of the
// escaping. Not html/template: text/template's reflection on method names
// keeps every exported method of the binary's types alive, 3.9 MB of binary
// and 1.6 MB of resident memory in every start (docs/performance.md).
func pageHTML(p page) string {
	class := "err"
	if p.OK {
		class = "ok"
	}
	title := html.EscapeString(p.Title)
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>` + title + ` · modelslab-agents-mcp</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#176b2c}.err{color:#a3261b}</style></head>
<body><h1 class="` + class + `" id="title">` + title + `</h1><p id="message">` + html.EscapeString(p.Text) + `</p></body></html>
`
}

func writePage(w http.ResponseWriter, status int, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, pageHTML(p))
}
