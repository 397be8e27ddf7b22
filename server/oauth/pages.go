package oauth

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const pageStyle = `body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.err{color:#a3261b}.note{color:#555;font-size:.9rem}
ul{padding-left:1.2rem}code{font-size:.85rem}hr{margin:1.5rem 0;border:0;border-top:1px solid #ddd}`

// pages are parsed on first use: a server without --oauth pays nothing at start.
var pages = sync.OnceValue(func() *template.Template { return template.Must(template.New("").Parse(pagesText)) })

const pagesText = `
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.}} · modelslab-agents-mcp</title><style>` + pageStyle + `</style></head><body>{{end}}

{{define "error"}}{{template "head" "Cannot continue"}}<h1>Cannot continue</h1>
<p class="err" id="error" role="alert">{{.}}</p></body></html>{{end}}

{{define "login"}}{{template "head" "Sign in with ModelsLab"}}<h1>Sign in with ModelsLab</h1>
<p><b id="client">{{.Req.ClientName}}</b> (returns to <code id="redirect-host">{{.RedirectHost}}</code>) asks to use your ModelsLab account through this MCP server.</p>
{{if .View.Error}}<p class="err" id="error" role="alert">{{.View.Error}}</p>{{end}}
{{if .View.Next}}<p class="note" id="next">{{.View.Next}}</p>{{end}}
{{if .SiteOK}}<form method="post" action="{{.PathSite}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="req" value="{{.Sealed}}">
<button id="site" type="submit">Continue with ModelsLab (Google or GitHub accounts)</button></form>
<p class="note">Signs you in on ModelsLab's own page, which sends you back here.</p><hr>
{{else}}<p class="note" id="site-unavailable">Google and GitHub accounts: ModelsLab's sign-in page only sends you back to an application on this computer (a loopback address), and this server is reached at {{.Base}}, so use your email and password here (set a password with “forgot password” on modelslab.com if you have none).</p>{{end}}
<form method="post" action="{{.PathLogin}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="req" value="{{.Sealed}}">
<label for="email">ModelsLab email</label><input id="email" name="email" type="email" autocomplete="username" value="{{.View.Email}}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login" type="submit" name="decision" value="login">Sign in</button>
<button id="cancel" type="submit" name="decision" value="cancel" formnovalidate>Cancel</button></form>
{{if .View.Resend}}<form method="post" action="{{.PathResend}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="req" value="{{.Sealed}}">
<input type="hidden" name="email" value="{{.View.Email}}"><button id="resend" type="submit">Send the verification email again</button></form>{{end}}
<p class="note">Your password goes from this page to ModelsLab only; the application never sees it, nor the ModelsLab token.</p>
</body></html>{{end}}

{{define "consent"}}{{template "head" "Allow access?"}}<h1>Allow access?</h1>
<p>Signed in to ModelsLab{{with .Email}} as <b id="email">{{.}}</b>{{end}}.</p>
<p><b id="client">{{.Req.ClientName}}</b>, which returns to <code id="redirect-host">{{.RedirectHost}}</code>, will act for this account through this MCP server with these ModelsLab scopes:</p>
<ul id="scopes">{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<p id="duration">Access lasts one hour at a time and is renewed by the application until {{.Until}}, unless revoked: the agent-auth tool's logout, or the application's “disconnect”, ends it at once.</p>
<form method="post" action="{{.PathConsent}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button id="allow" type="submit" name="decision" value="allow">Allow</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button></form>
<p class="note">Only allow applications you started yourself.</p></body></html>{{end}}
`

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
	_ = pages().ExecuteTemplate(w, "error", msg)
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
	_ = pages().ExecuteTemplate(w, "login", map[string]any{
		"Req": req, "View": v, "Sealed": sealed, "CSRF": csrf, "SiteOK": siteOK, "Base": s.base(r),
		"RedirectHost": redirectHost(req.RedirectURI),
		"PathSite":     PathSite, "PathLogin": PathLogin, "PathResend": PathResend,
	})
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
	_ = pages().ExecuteTemplate(w, "consent", map[string]any{
		"Req": c.Req, "Email": c.Email, "Scopes": scopes, "Until": until.UTC().Format("2 Jan 2006 15:04 UTC"),
		"RedirectHost": redirectHost(c.Req.RedirectURI), "CSRF": csrf, "PathConsent": PathConsent,
	})
}
