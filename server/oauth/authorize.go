package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// authRequest is a checked authorization request, sealed into the forms so
// that whichever replica gets the POST can go on.
type authRequest struct {
	ClientID    string `json:"c"`
	ClientName  string `json:"n"`
	RedirectURI string `json:"r"`
	State       string `json:"s,omitempty"`
	Challenge   string `json:"p"`
	Scope       string `json:"o,omitempty"`
	Resource    string `json:"a"`
	Issuer      string `json:"i"`
	Expires     int64  `json:"e"`
}

// consent is the signed-in person waiting at the consent page: sealed into a
// cookie, never into a URL.
type consent struct {
	ID              string      `json:"j"`
	Req             authRequest `json:"q"`
	Upstream        string      `json:"u"`
	UpstreamExpires int64       `json:"x,omitempty"`
	Email           string      `json:"m,omitempty"`
	Expires         int64       `json:"e"`
}

// siteState is the state sent to ModelsLab's site: the request, and a nonce
// that must match the browser's cookie (the callback is bound to the browser
// that started it).
type siteState struct {
	Req     authRequest `json:"q"`
	Nonce   string      `json:"n"`
	Expires int64       `json:"e"`
}

const (
	cookieCSRF    = "mla_csrf"
	cookieConsent = "mla_consent"
	cookieSite    = "mla_site"
)

// serveAuthorize checks the request; what cannot be trusted to redirect
// (client, redirect URI) is answered on a page, the rest as an error redirect.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Use GET.")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The authorization request could not be read.")
		return
	}
	q := r.Form
	cl, err := s.lookupClient(r.Context(), q.Get("client_id"))
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "The application that sent you here is not known: "+err.Error())
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(cl.RedirectURIs) == 1 {
		redirect = cl.RedirectURIs[0]
	}
	if !redirectAllowed(cl.RedirectURIs, redirect) {
		// Never redirect to an address the client did not register: that would
		// be an open redirect carrying a code.
		s.errorPage(w, http.StatusBadRequest, "The application asked to send you back to an address it did not register; nothing was sent.")
		return
	}
	req := authRequest{ClientID: cl.ID, ClientName: cl.Name, RedirectURI: redirect, State: q.Get("state"),
		Challenge: q.Get("code_challenge"), Scope: strings.Join(strings.Fields(q.Get("scope")), " "),
		Resource: s.resource(r), Issuer: s.base(r), Expires: s.now().Add(formTTL).Unix()}
	fail := func(code, desc string) { s.redirectError(w, r, req, code, desc) }
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	case req.Challenge == "":
		fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case len(req.Challenge) != 43:
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)")
		return
	}
	if res := q["resource"]; len(res) > 0 && (len(res) > 1 || strings.TrimSuffix(res[0], "/") != req.Resource) {
		fail("invalid_target", "resource must be "+req.Resource)
		return
	}
	for _, sc := range strings.Fields(req.Scope) {
		if !slices.Contains(Scopes, sc) {
			fail("invalid_scope", fmt.Sprintf("unknown scope %q", sc))
			return
		}
	}
	s.loginPage(w, r, http.StatusOK, req, loginView{})
}

// redirectError sends the browser back to the client with an error (RFC 6749
// §4.1.2.1) and the issuer (RFC 9207).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, code, desc string) {
	v := url.Values{"error": {code}, "error_description": {desc}, "iss": {req.Issuer}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	redirectTo(w, r, req.RedirectURI, v)
}

func redirectTo(w http.ResponseWriter, r *http.Request, target string, v url.Values) {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target+sep+v.Encode(), http.StatusFound)
}

// loginView is what the login page shows besides the request.
type loginView struct {
	Error, Next, Email string
	Resend             bool
}

// csrf returns the browser's CSRF cookie value, setting one if it has none.
// The forms carry HMAC(secret-derived key, cookie): a page on another origin
// can neither read the cookie nor compute the field.
func (s *Server) csrf(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 22 {
		return s.csrfField(c.Value)
	}
	v := randomID()
	s.setCookie(w, r, cookieCSRF, v, "/", 0)
	return s.csrfField(v)
}

func (s *Server) csrfField(cookie string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("csrf\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(cookieCSRF)
	if err != nil || len(c.Value) < 22 {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.csrfField(c.Value)))
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		// Lax, not Strict: the site's callback and the redirects after it start
		// on another site, and must still carry the cookies.
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.base(r), "https://")})
}

// formRequest reads the sealed request and the CSRF field of a form POST.
func (s *Server) formRequest(w http.ResponseWriter, r *http.Request) (authRequest, bool) {
	var req authRequest
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Use the form.")
		return req, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The form could not be read.")
		return req, false
	}
	if !s.csrfOK(r) {
		s.errorPage(w, http.StatusForbidden, "This form did not come from this server's page (CSRF check failed). Go back to the application and connect again.")
		return req, false
	}
	if err := s.seal.open("req", r.PostFormValue("req"), &req); err != nil || s.now().Unix() >= req.Expires {
		s.errorPage(w, http.StatusBadRequest, "This sign-in took too long or the form was changed. Go back to the application and connect again.")
		return req, false
	}
	return req, true
}

// serveLogin sends the email and password to ModelsLab's POST /auth/login.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	req, ok := s.formRequest(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("decision") == "cancel" {
		s.redirectError(w, r, req, "access_denied", "the person cancelled the sign-in")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	if email == "" || password == "" {
		s.loginPage(w, r, http.StatusBadRequest, req, loginView{Error: "Enter your ModelsLab email and password.", Email: email})
		return
	}
	if wait := s.limiter.allow(s.cfg.ClientIP(r), email); wait > 0 {
		s.loginPage(w, r, http.StatusTooManyRequests, req, loginView{Email: email,
			Error: "Too many sign-in attempts.", Next: fmt.Sprintf("Wait %d seconds, then try again.", int(wait.Seconds())+1)})
		return
	}
	lr := upstream.LoginRequest{Email: email, Password: password, DeviceName: deviceName(req.ClientName), TokenExpiry: upstreamExpiry}
	if req.Scope != "" {
		lr.Scopes = strings.Fields(req.Scope)
	}
	res, err := s.cfg.Client.Login(r.Context(), lr)
	if err != nil {
		v := loginView{Email: email}
		v.Error, v.Next, v.Resend = loginErrorText(err)
		status := http.StatusUnauthorized
		var ae *upstream.APIError
		if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
			status = http.StatusTooManyRequests
		}
		s.log.Info().Str("outcome", "refused").Msg("oauth: password sign-in refused by ModelsLab")
		s.loginPage(w, r, status, req, v)
		return
	}
	if res.Data.AccessToken == "" {
		s.loginPage(w, r, http.StatusBadGateway, req, loginView{Email: email, Error: "ModelsLab answered without a token.", Next: "Try again later."})
		return
	}
	var extra struct {
		ExpiresAt *time.Time `json:"expires_at"`
		User      struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	_ = json.Unmarshal(res.Raw, &extra)
	c := consent{Req: req, Upstream: res.Data.AccessToken, Email: orDefault(extra.User.Email, email)}
	if extra.ExpiresAt != nil {
		c.UpstreamExpires = extra.ExpiresAt.Unix()
	}
	s.toConsent(w, r, c)
}

func deviceName(client string) string {
	n := "MCP client: " + orDefault(client, "unnamed")
	if len(n) > 120 {
		n = n[:120]
	}
	return n
}

// loginErrorText turns a ModelsLab refusal into what the page says and the next step.
func loginErrorText(err error) (msg, next string, resend bool) {
	var ae *upstream.APIError
	if !errors.As(err, &ae) {
		return "ModelsLab could not be reached.", "Try again in a moment.", false
	}
	switch {
	case ae.Code == "email_not_verified" || (ae.Status == http.StatusForbidden && len(ae.Details["verification_required"]) > 0):
		return "This email is not verified yet.", "Open the verification email from ModelsLab and verify, then sign in here. No email? Send it again below.", true
	case ae.Status == http.StatusTooManyRequests:
		wait := "a minute"
		if ae.RetryAfter > 0 {
			wait = fmt.Sprintf("%d seconds", int(ae.RetryAfter.Seconds()))
		}
		return "ModelsLab is limiting sign-in attempts.", "Wait " + wait + ", then try again.", false
	case ae.Status == http.StatusUnauthorized:
		return "Email or password is incorrect.", "Try again. Signed up with Google or GitHub? Use “Continue with ModelsLab”, or set a password with “forgot password” on modelslab.com.", false
	case ae.Status == http.StatusUnprocessableEntity:
		msg := orDefault(ae.Message, "ModelsLab refused the sign-in.")
		if fe := ae.FieldErrors(); len(fe) > 0 {
			msg += " " + strings.Join(fe, "; ")
		}
		return msg, "Correct it and try again.", false
	case ae.Status >= 500:
		return fmt.Sprintf("ModelsLab is not answering properly (HTTP %d).", ae.Status), "Try again in a moment.", false
	}
	return orDefault(ae.Message, fmt.Sprintf("ModelsLab refused the sign-in (HTTP %d).", ae.Status)), "Check the account on modelslab.com, then try again.", false
}

// serveResend asks ModelsLab to send the verification email again.
func (s *Server) serveResend(w http.ResponseWriter, r *http.Request) {
	req, ok := s.formRequest(w, r)
	if !ok {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if wait := s.limiter.allow(s.cfg.ClientIP(r), email); wait > 0 {
		s.loginPage(w, r, http.StatusTooManyRequests, req, loginView{Email: email, Error: "Too many attempts.", Next: fmt.Sprintf("Wait %d seconds.", int(wait.Seconds())+1)})
		return
	}
	if _, err := s.cfg.Client.ResendVerification(r.Context(), email); err != nil {
		v := loginView{Email: email}
		v.Error, v.Next, _ = loginErrorText(err)
		s.loginPage(w, r, http.StatusBadGateway, req, v)
		return
	}
	s.loginPage(w, r, http.StatusOK, req, loginView{Email: email,
		Next: "If the email is registered and not yet verified, ModelsLab sent a new verification email. Verify, then sign in here."})
}

// toConsent keeps the signed-in state in a cookie and sends the browser to
// the consent page, so no URL carries anything.
func (s *Server) toConsent(w http.ResponseWriter, r *http.Request, c consent) {
	c.Expires = s.now().Add(formTTL).Unix()
	c.ID = randomID()
	v, err := s.seal.seal("consent", c)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong; connect again.")
		return
	}
	s.setCookie(w, r, cookieConsent, v, "/oauth/", int(formTTL.Seconds()))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, PathConsent, http.StatusSeeOther)
}

// siteCallbackURL is this server's callback for ModelsLab's site, and whether
// the site is known to accept it (contract §6: a loopback http callback).
func (s *Server) siteCallbackURL(r *http.Request) (string, bool) {
	cb := s.base(r) + PathSiteCallback
	u, err := url.Parse(cb)
	return cb, err == nil && u.Scheme == "http" && isLoopbackHost(u.Hostname())
}

func (s *Server) siteURL(r *http.Request) string {
	if s.cfg.SiteURL != "" {
		return strings.TrimRight(s.cfg.SiteURL, "/")
	}
	if s.cfg.SiteSelf {
		return s.base(r)
	}
	return ""
}

// serveSite sends the browser to ModelsLab's site (Google and GitHub accounts).
func (s *Server) serveSite(w http.ResponseWriter, r *http.Request) {
	req, ok := s.formRequest(w, r)
	if !ok {
		return
	}
	cb, accepted := s.siteCallbackURL(r)
	site := s.siteURL(r)
	if !accepted || site == "" {
		s.loginPage(w, r, http.StatusBadRequest, req, loginView{Error: "ModelsLab's site cannot send you back to this server.", Next: "Use your email and password below."})
		return
	}
	nonce := randomID()
	st, err := s.seal.seal("site", siteState{Req: req, Nonce: nonce, Expires: s.now().Add(formTTL).Unix()})
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong; connect again.")
		return
	}
	s.setCookie(w, r, cookieSite, nonce, "/", int(formTTL.Seconds()))
	q := url.Values{"client_name": {"modelslab-agents-mcp"}, "device_name": {deviceName(req.ClientName)},
		"redirect_uri": {cb}, "state": {st}, "token_expiry": {upstreamExpiry}}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, site+browserlogin.AuthorizePath+"?"+q.Encode(), http.StatusSeeOther)
}

// serveSiteCallback takes the site's answer (GET or form POST, contract §6).
func (s *Server) serveSiteCallback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "The answer from ModelsLab could not be read.")
		return
	}
	var st siteState
	c, cerr := r.Cookie(cookieSite)
	if err := s.seal.open("site", r.Form.Get("state"), &st); err != nil || cerr != nil ||
		!hmac.Equal([]byte(c.Value), []byte(st.Nonce)) || s.now().Unix() >= st.Expires {
		s.errorPage(w, http.StatusBadRequest, "This answer does not belong to a sign-in started in this browser (state check failed). Go back to the application and connect again.")
		return
	}
	s.setCookie(w, r, cookieSite, "", "/", -1) // the state works once per browser
	if e := r.Form.Get("error"); e != "" {
		s.loginPage(w, r, http.StatusOK, st.Req, loginView{Error: "ModelsLab's site answered: " + orDefault(r.Form.Get("error_description"), e),
			Next: "Try again, or sign in with your email and password below."})
		return
	}
	tok := r.Form.Get("access_token")
	if tok == "" {
		s.loginPage(w, r, http.StatusBadGateway, st.Req, loginView{Error: "ModelsLab's site answered without a token.", Next: "Sign in with your email and password below."})
		return
	}
	cs := consent{Req: st.Req, Upstream: tok, Email: r.Form.Get("email")}
	if t, err := time.Parse(time.RFC3339, r.Form.Get("expires_at")); err == nil {
		cs.UpstreamExpires = t.Unix()
	}
	s.toConsent(w, r, cs)
}

// serveConsent shows (GET) and takes (POST) the person's decision.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	var c consent
	ck, err := r.Cookie(cookieConsent)
	if err != nil || s.seal.open("consent", ck.Value, &c) != nil || s.now().Unix() >= c.Expires {
		s.errorPage(w, http.StatusBadRequest, "This sign-in took too long or was already used. Go back to the application and connect again.")
		return
	}
	if r.Method == http.MethodGet {
		s.consentPage(w, r, c)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Use the form.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !s.csrfOK(r) {
		s.errorPage(w, http.StatusForbidden, "This form did not come from this server's page (CSRF check failed). Go back to the application and connect again.")
		return
	}
	s.setCookie(w, r, cookieConsent, "", "/oauth/", -1)
	// One decision per sign-in: a replayed consent (the back button, a copied
	// cookie) mints no second code.
	if first, err := s.store.Use(r.Context(), "consent:"+c.ID, formTTL+time.Minute); err != nil || !first {
		s.errorPage(w, http.StatusBadRequest, "This sign-in was already answered. Go back to the application and connect again.")
		return
	}
	if r.PostFormValue("decision") != "allow" {
		// The ModelsLab token minted for this grant is of no further use.
		if _, err := s.cfg.Client.Logout(r.Context(), upstream.Token(c.Upstream)); err != nil {
			s.log.Warn().Err(err).Msg("oauth: could not revoke the ModelsLab token of a declined grant")
		}
		s.redirectError(w, r, c.Req, "access_denied", "the person declined")
		return
	}
	gexp := s.now().Add(RefreshTTL).Unix()
	if c.UpstreamExpires != 0 && c.UpstreamExpires < gexp {
		gexp = c.UpstreamExpires
	}
	code, err := s.seal.seal("code", authCode{Req: c.Req, Grant: randomID(), ID: randomID(), Upstream: c.Upstream,
		UpstreamExpires: gexp, Expires: s.now().Add(codeTTL).Unix()})
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong; connect again.")
		return
	}
	s.log.Info().Str("client_name", c.Req.ClientName).Msg("oauth: grant approved")
	v := url.Values{"code": {code}, "iss": {c.Req.Issuer}}
	if c.Req.State != "" {
		v.Set("state", c.Req.State)
	}
	redirectTo(w, r, c.Req.RedirectURI, v)
}

// loginLimiter bounds password attempts per client address and per email.
type loginLimiter struct {
	mu      sync.Mutex
	byKey   map[string]*rate.Limiter
	maxKeys int
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{byKey: map[string]*rate.Limiter{}, maxKeys: 10_000}
}

// allow returns 0, or how long to wait. The address is checked first, and
// an attempt it refuses adds no email key: otherwise one address spraying
// new emails would fill the table until it is cleared, resetting the limit of
// the account under attack. A full table first drops limiters that have
// fully recovered (they would start afresh anyway).
func (l *loginLimiter) allow(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	get := func(k string, per time.Duration, burst int) *rate.Limiter {
		lim := l.byKey[k]
		if lim == nil {
			if len(l.byKey) >= l.maxKeys {
				l.sweep(now)
			}
			lim = rate.NewLimiter(rate.Every(per), burst)
			l.byKey[k] = lim
		}
		return lim
	}
	a := get("ip\x00"+ip, 6*time.Second, 10).ReserveN(now, 1)
	if d := a.DelayFrom(now); d > 0 {
		a.CancelAt(now)
		return d
	}
	b := get("email\x00"+strings.ToLower(email), 12*time.Second, 5).ReserveN(now, 1)
	if d := b.DelayFrom(now); d > 0 {
		a.CancelAt(now)
		b.CancelAt(now)
		return d
	}
	return 0
}

// sweep drops the limiters that have recovered their whole burst; if every
// one is still in use, the table is cleared as a last resort (memory bound).
func (l *loginLimiter) sweep(now time.Time) {
	for k, lim := range l.byKey {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.byKey, k)
		}
	}
	if len(l.byKey) >= l.maxKeys {
		clear(l.byKey)
	}
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
