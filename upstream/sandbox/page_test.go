package sandbox

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// The site page is built without html/template: every value, however hostile,
// stays text inside its element or attribute and reads back as sent.
func TestSitePageEscapesEveryValue(t *testing.T) {
	const hostile = `"><script>alert(1)</script><a href='x'>&amp;`
	f := siteForm{ClientName: hostile + "c", DeviceName: hostile + "d", RedirectURI: hostile + "r", State: hostile + "s",
		TokenExpiry: hostile + "t", Email: hostile + "e", Password: hostile + "p", Error: hostile + "x"}
	page := sitePageHTML(f)
	if strings.Contains(page, "<script") || strings.Contains(page, "<a ") {
		t.Fatalf("markup from a value reached the page:\n%s", page)
	}
	inputs := regexp.MustCompile(`<input [^<>]*name="([a-z_]+)"[^<>]* value="([^"<>]*)"`).FindAllStringSubmatch(page, -1)
	want := map[string]string{"client_name": f.ClientName, "device_name": f.DeviceName, "redirect_uri": f.RedirectURI,
		"state": f.State, "token_expiry": f.TokenExpiry, "email": f.Email, "password": f.Password}
	if len(inputs) != len(want) {
		t.Fatalf("%d inputs with a value, want %d:\n%s", len(inputs), len(want), page)
	}
	for _, in := range inputs {
		if got := html.UnescapeString(in[2]); got != want[in[1]] {
			t.Errorf("input %s reads back %q, want %q", in[1], got, want[in[1]])
		}
	}
	for _, text := range []string{f.Error, f.ClientName, f.DeviceName, f.TokenExpiry} {
		if !strings.Contains(page, html.EscapeString(text)) {
			t.Errorf("%q is not shown as text", text)
		}
	}
	// Without a state there is no form; without an error, no alert.
	if p := sitePageHTML(siteForm{}); strings.Contains(p, "<form") || strings.Contains(p, `id="error"`) {
		t.Errorf("empty form renders a form or an error:\n%s", p)
	}
	if p := sitePageHTML(siteForm{State: "s"}); !strings.Contains(p, "An application asks") {
		t.Errorf("no client name: want the generic wording:\n%s", p)
	}
}
