package oauth

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// The OAuth pages are built without html/template: every value, however
// hostile (a client name is chosen by whoever registers the client), stays
// text in its element or attribute and reads back as sent.
func TestPagesEscapeEveryValue(t *testing.T) {
	const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'`
	noMarkup := func(name, page string) {
		t.Helper()
		if strings.Contains(page, "<script") || strings.Contains(page, "<img") {
			t.Errorf("%s: markup from a value reached the page:\n%s", name, page)
		}
	}
	hidden := regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"<>]*)">`)
	readBack := func(page string) map[string]string {
		out := map[string]string{}
		for _, m := range hidden.FindAllStringSubmatch(page, -1) {
			out[m[1]] = html.UnescapeString(m[2])
		}
		return out
	}

	e := errorHTML("E" + hostile)
	noMarkup("error", e)
	if !strings.Contains(e, `role="alert">`+html.EscapeString("E"+hostile)+`</p>`) {
		t.Errorf("error page lacks the message:\n%s", e)
	}

	for _, siteOK := range []bool{true, false} {
		d := loginData{Req: authRequest{ClientName: "N" + hostile}, View: loginView{Error: "V" + hostile, Next: "X" + hostile, Email: "M" + hostile, Resend: true},
			Sealed: "S" + hostile, CSRF: "C" + hostile, Base: "B" + hostile, RedirectHost: "R" + hostile, SiteOK: siteOK}
		p := loginHTML(d)
		noMarkup("login", p)
		for _, text := range []string{d.Req.ClientName, d.View.Error, d.View.Next, d.RedirectHost} {
			if !strings.Contains(p, ">"+html.EscapeString(text)+"<") {
				t.Errorf("login: %q is not shown as text", text)
			}
		}
		if got := readBack(p); got["csrf"] != d.CSRF || got["req"] != d.Sealed || got["email"] != d.View.Email {
			t.Errorf("login: hidden fields read back %q", got)
		}
		if strings.Contains(p, `id="site"`) != siteOK || strings.Contains(p, `id="site-unavailable"`) == siteOK {
			t.Errorf("login (site %v): wrong sign-in choice:\n%s", siteOK, p)
		}
		if siteOK == false && !strings.Contains(p, "reached at "+html.EscapeString(d.Base)+",") {
			t.Errorf("login: base not shown as text")
		}
		if !regexp.MustCompile(`id="email"[^<>]* value="` + regexp.QuoteMeta(html.EscapeString(d.View.Email)) + `"`).MatchString(p) {
			t.Errorf("login: email field lacks the value")
		}
	}
	if p := loginHTML(loginData{}); strings.Contains(p, `id="error"`) || strings.Contains(p, `id="next"`) || strings.Contains(p, `id="resend"`) {
		t.Errorf("login without error, next or resend shows them:\n%s", p)
	}

	c := consentData{ClientName: "N" + hostile, Email: "M" + hostile, RedirectHost: "R" + hostile, Until: "U" + hostile, CSRF: "C" + hostile,
		Scopes: []string{"a" + hostile, "b"}}
	p := consentHTML(c)
	noMarkup("consent", p)
	for _, text := range []string{c.ClientName, c.Email, c.RedirectHost, c.Scopes[0]} {
		if !strings.Contains(p, ">"+html.EscapeString(text)+"<") {
			t.Errorf("consent: %q is not shown as text", text)
		}
	}
	if !strings.Contains(p, "until "+html.EscapeString(c.Until)+",") || readBack(p)["csrf"] != c.CSRF || strings.Count(p, "<li>") != 2 {
		t.Errorf("consent: until, csrf or scopes wrong:\n%s", p)
	}
	if p := consentHTML(consentData{}); strings.Contains(p, `id="email"`) {
		t.Errorf("consent without an email shows one:\n%s", p)
	}
}
