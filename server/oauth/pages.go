package oauth

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const pageStyle = `body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.err{color:#a3261b}.note{color:#555;font-size:.9rem}
ul{padding-left:1.2rem}code{font-size:.85rem}hr{margin:1.5rem 0;border:0;border-top:1px solid #ddd}`

// The pages are written without html/template: its Execute makes the linker
// keep every exported method of the binary (3.9 MB, and 1.6 MB resident in
// every start, --oauth or not; docs/performance.md). Every value goes into
// element text or a double-quoted attribute through html.EscapeString (which
// escapes < > & ' "); the form actions are this package's constant paths.

func pageHead(title string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>` + html.EscapeString(title) + ` · modelslab-agents-mcp</title><style>` + pageStyle + `</style></head><body>`
}

func errorHTML(msg string) string {
	return pageHead("Cannot continue") + `<h1>Cannot continue</h1>
<p class="err" id="error" role="alert">` + html.EscapeString(msg) + `</p></body></html>`
}

// loginData is what the login page shows.
type loginData struct {
	Req                              authRequest
	View                             loginView
	Sealed, CSRF, Base, RedirectHost string
	SiteOK                           bool
}

// hiddenFields are the two fields every form of the flow carries.
func hiddenFields(csrf, sealed string) string {
	return `<input type="hidden" name="csrf" value="` + html.EscapeString(csrf) + `"><input type="hidden" name="req" value="` + html.EscapeString(sealed) + `">`
}

func loginHTML(d loginData) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(pageHead("Sign in with ModelsLab") + `<h1>Sign in with ModelsLab</h1>
<p><b id="client">` + e(d.Req.ClientName) + `</b> (returns to <code id="redirect-host">` + e(d.RedirectHost) + `</code>) asks to use your ModelsLab account through this MCP server.</p>
`)
	if d.View.Error != "" {
		b.WriteString(`<p class="err" id="error" role="alert">` + e(d.View.Error) + `</p>`)
	}
	b.WriteString("\n")
	if d.View.Next != "" {
		b.WriteString(`<p class="note" id="next">` + e(d.View.Next) + `</p>`)
	}
	b.WriteString("\n")
	if d.SiteOK {
		b.WriteString(`<form method="post" action="` + PathSite + `">` + hiddenFields(d.CSRF, d.Sealed) + `
<button id="site" type="submit">Continue with ModelsLab (Google or GitHub accounts)</button></form>
<p class="note">Signs you in on ModelsLab's own page, which sends you back here.</p><hr>
`)
	} else {
		b.WriteString(`<p class="note" id="site-unavailable">Google and GitHub accounts: ModelsLab's sign-in page only sends you back to an application on this computer (a loopback address), and this server is reached at ` + e(d.Base) + `, so use your email and password here (set a password with “forgot password” on modelslab.com if you have none).</p>`)
	}
	b.WriteString(`
<form method="post" action="` + PathLogin + `">` + hiddenFields(d.CSRF, d.Sealed) + `
<label for="email">ModelsLab email</label><input id="email" name="email" type="email" autocomplete="username" value="` + e(d.View.Email) + `" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login" type="submit" name="decision" value="login">Sign in</button>
<button id="cancel" type="submit" name="decision" value="cancel" formnovalidate>Cancel</button></form>
`)
	if d.View.Resend {
		b.WriteString(`<form method="post" action="` + PathResend + `">` + hiddenFields(d.CSRF, d.Sealed) + `
<input type="hidden" name="email" value="` + e(d.View.Email) + `"><button id="resend" type="submit">Send the verification email again</button></form>`)
	}
	b.WriteString(`
<p class="note">Your password goes from this page to ModelsLab only; the application never sees it, nor the ModelsLab token.</p>
</body></html>`)
	return b.String()
}

// consentData is what the consent page shows.
type consentData struct {
	ClientName, Email, RedirectHost, Until, CSRF string
	Scopes                                       []string
}

func consentHTML(d consentData) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(pageHead("Allow access?") + `<h1>Allow access?</h1>
<p>Signed in to ModelsLab`)
	if d.Email != "" {
		b.WriteString(` as <b id="email">` + e(d.Email) + `</b>`)
	}
	b.WriteString(`.</p>
<p><b id="client">` + e(d.ClientName) + `</b>, which returns to <code id="redirect-host">` + e(d.RedirectHost) + `</code>, will act for this account through this MCP server with these ModelsLab scopes:</p>
<ul id="scopes">`)
	for _, sc := range d.Scopes {
		b.WriteString(`<li><code>` + e(sc) + `</code></li>`)
	}
	b.WriteString(`</ul>
<p id="duration">Access lasts one hour at a time and is renewed by the application until ` + e(d.Until) + `, unless revoked: the agent-auth tool's logout, or the application's “disconnect”, ends it at once.</p>
<form method="post" action="` + PathConsent + `"><input type="hidden" name="csrf" value="` + e(d.CSRF) + `">
<button id="allow" type="submit" name="decision" value="allow">Allow</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button></form>
<p class="note">Only allow applications you started yourself.</p></body></html>`)
	return b.String()
}

// secureHeaders: no framing (clickjacking of the consent), no inline script,
// no caching, no referrer.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer a browser sends
	// `Origin: null` on the form posts, which the Origin guard must refuse.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
}

func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	secureHeaders(w)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, errorHTML(msg))
}

func redirectHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Host
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, status int, req authRequest, v loginView) {
	sealed, err := s.seal.seal("req", req)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong; connect again.")
		return
	}
	csrf := s.csrf(w, r)
	_, siteOK := s.siteCallbackURL(r)
	siteOK = siteOK && s.siteURL(r) != ""
	secureHeaders(w)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, loginHTML(loginData{Req: req, View: v, Sealed: sealed, CSRF: csrf, SiteOK: siteOK, Base: s.base(r),
		RedirectHost: redirectHost(req.RedirectURI)}))
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, c consent) {
	scopes := strings.Fields(c.Req.Scope)
	if len(scopes) == 0 {
		scopes = []string{"* (every scope of the account)"}
	}
	until := s.now().Add(RefreshTTL)
	if c.UpstreamExpires != 0 && time.Unix(c.UpstreamExpires, 0).Before(until) {
		until = time.Unix(c.UpstreamExpires, 0)
	}
	csrf := s.csrf(w, r)
	secureHeaders(w)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, consentHTML(consentData{ClientName: c.Req.ClientName, Email: c.Email, Scopes: scopes,
		Until: until.UTC().Format("2 Jan 2006 15:04 UTC"), RedirectHost: redirectHost(c.Req.RedirectURI), CSRF: csrf}))
}
