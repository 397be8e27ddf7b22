package sandbox

import (
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// SiteAuthorizePath is the site route of the browser login (contract §6). The
// sandbox plays the site: an HTML form for email and password (the demo
// account filled in), then a redirect to the caller's loopback callback with
// the state and a new token, as the real site answers.
const SiteAuthorizePath = "/auth/modelslab-cli/oauth/authorize"

// siteForm is the authorize request, carried from the query into the form.
type siteForm struct {
	ClientName  string
	DeviceName  string
	RedirectURI string
	State       string
	TokenExpiry string
	Email       string
	Password    string
	Error       string
}

// serveSite answers GET with the form and POST with a redirect to the callback
// (or the form again, with the error, for a wrong password).
func (s *Sandbox) serveSite(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		writeSitePage(w, http.StatusMethodNotAllowed, siteForm{Error: "Use GET or POST."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(s.limits.MaxBodyBytes))
	if err := r.ParseForm(); err != nil {
		writeSitePage(w, http.StatusBadRequest, siteForm{Error: "The request could not be read."})
		return
	}
	f := siteForm{
		ClientName: r.Form.Get("client_name"), DeviceName: r.Form.Get("device_name"),
		RedirectURI: r.Form.Get("redirect_uri"), State: r.Form.Get("state"), TokenExpiry: r.Form.Get("token_expiry"),
	}
	if f.TokenExpiry == "" {
		f.TokenExpiry = defaultTokenExpiry
	}
	if f.DeviceName == "" {
		f.DeviceName = defaultDeviceName
	}
	// Decision: only a loopback http callback, as the real CLI sends; anything
	// else would hand a token to another machine.
	if !loopbackCallback(f.RedirectURI) {
		writeSitePage(w, http.StatusBadRequest, siteForm{Error: "redirect_uri must be http://127.0.0.1:<port>/callback (or localhost)."})
		return
	}
	if f.State == "" {
		writeSitePage(w, http.StatusBadRequest, siteForm{Error: "state is required."})
		return
	}
	if _, ok := tokenLifetimes[f.TokenExpiry]; !ok {
		writeSitePage(w, http.StatusBadRequest, siteForm{Error: "token_expiry must be one of 1_week, 1_month, 3_months, 6_months, 1_year, never."})
		return
	}
	if r.Method == http.MethodGet {
		f.Email, f.Password = s.demo.Email, s.demo.Password
		writeSitePage(w, http.StatusOK, f)
		return
	}
	if r.PostForm.Get("decision") == "cancel" {
		s.redirectToCallback(w, r, f.RedirectURI, url.Values{"state": {f.State}, "error": {"access_denied"},
			"error_description": {"The login was cancelled on the ModelsLab page."}})
		return
	}
	f.Email = r.PostForm.Get("email")
	password := r.PostForm.Get("password")
	q, msg := s.siteLogin(f, password)
	if msg != "" {
		f.Error = msg
		writeSitePage(w, http.StatusUnauthorized, f)
		return
	}
	s.redirectToCallback(w, r, f.RedirectURI, q)
}

// siteLogin checks the password and mints the token, under the lock; it
// returns the callback's query, or the message for the form.
func (s *Sandbox) siteLogin(f siteForm, password string) (url.Values, string) {
	s.lockState()
	defer s.unlockState(true)
	now := s.clock()
	u := s.byEmail[normalizeEmail(f.Email)]
	if !s.checkPassword(u, password) {
		return nil, "Email or password is incorrect."
	}
	if !u.verified {
		return nil, "This email is not verified yet: verify it first (agent-auth verify-email)."
	}
	name := f.DeviceName
	if len(name) > 255 {
		name = name[:255]
	}
	t, plain, errRes := s.issueToken(now, u, u, name, f.TokenExpiry, nil)
	if errRes != nil {
		return nil, errRes.err.Message
	}
	q := url.Values{
		"state": {f.State}, "access_token": {plain}, "email": {u.email}, "token_type": {"Bearer"},
		"token_expiry": {t.expiry}, "token_expiry_effective": {t.expiry}, "token_lifetime_capped": {"0"},
	}
	if !t.expiresAt.IsZero() {
		q.Set("expires_at", iso(t.expiresAt))
	}
	if k := u.keys[u.defaultKeyID]; k != nil {
		q.Set("api_key", k.secret)
	}
	s.log.Info().Str("email", u.email).Int64("token_id", t.id).Msg("sandbox site: browser login granted")
	return q, ""
}

func (s *Sandbox) redirectToCallback(w http.ResponseWriter, r *http.Request, callback string, q url.Values) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, callback+"?"+q.Encode(), http.StatusSeeOther)
}

func loopbackCallback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.Path != "/callback" || u.User != nil || u.RawQuery != "" {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// sitePageHTML renders the site's login page. Every value goes into element
// text or a double-quoted attribute, where html.EscapeString (which escapes
// < > & ' ") is the whole of the escaping; none is a URL attribute or a
// script. Not html/template: see tools/browserlogin's pageHTML.
func sitePageHTML(f siteForm) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Log in · ModelsLab sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.err{color:#a3261b}.note{color:#666;font-size:.9rem}</style></head>
<body><h1>Log in to ModelsLab <small>(sandbox)</small></h1>
`)
	if f.Error != "" {
		b.WriteString(`<p class="err" id="error" role="alert">` + e(f.Error) + `</p>`)
	}
	b.WriteString("\n")
	if f.State != "" {
		who := "An application"
		if f.ClientName != "" {
			who = `<b>` + e(f.ClientName) + `</b>`
		}
		b.WriteString(`<p class="note">` + who + ` asks for a token for device <b>` + e(f.DeviceName) + `</b>, valid ` + e(f.TokenExpiry) + `.</p>
<form method="post" action="` + SiteAuthorizePath + `">
<input type="hidden" name="client_name" value="` + e(f.ClientName) + `"><input type="hidden" name="device_name" value="` + e(f.DeviceName) + `">
<input type="hidden" name="redirect_uri" value="` + e(f.RedirectURI) + `"><input type="hidden" name="state" value="` + e(f.State) + `">
<input type="hidden" name="token_expiry" value="` + e(f.TokenExpiry) + `">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="` + e(f.Email) + `" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" value="` + e(f.Password) + `">
<button id="login" type="submit" name="decision" value="login">Log in</button>
<button id="cancel" type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
</form><p class="note">This is the offline sandbox: the demo account is filled in.</p>`)
	}
	b.WriteString("\n</body></html>\n")
	return b.String()
}

func writeSitePage(w http.ResponseWriter, status int, f siteForm) {
	setPageHeaders(w.Header(), "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, sitePageHTML(f))
}

// setPageHeaders are the headers of the sandbox's HTML pages: never cached,
// never framed, no sniffing, and csp as the Content-Security-Policy.
func setPageHeaders(h http.Header, csp string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp)
}

// isSitePath reports whether path is the site route (with or without a slash).
func isSitePath(path string) bool {
	return strings.TrimSuffix(path, "/") == SiteAuthorizePath
}
