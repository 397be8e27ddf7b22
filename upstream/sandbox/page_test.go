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

// The Checkout page is built without html/template: hostile values stay text,
// and the return link is there only for an http(s) URL.
func TestCheckoutPageEscapesEveryValue(t *testing.T) {
	const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'`
	p := checkoutPage{ID: "cs_" + hostile, Email: hostile + "e", What: hostile + "w", Amount: hostile + "a",
		State: hostile + "s", Message: hostile + "m", Return: "https://example.com/done?x=" + hostile, Open: true}
	page := checkoutHTML(p)
	if strings.Contains(page, "<script") || strings.Contains(page, "<img") {
		t.Fatalf("markup from a value reached the page:\n%s", page)
	}
	for _, v := range []string{p.Email, p.What, p.Amount, p.Message} {
		if !strings.Contains(page, html.EscapeString(v)) {
			t.Errorf("%q is not shown as text", v)
		}
	}
	attrs := map[string]string{}
	for _, m := range regexp.MustCompile(`(data-state|href|action)="([^"<>]*)"`).FindAllStringSubmatch(page, -1) {
		attrs[m[1]] = html.UnescapeString(m[2])
	}
	if attrs["data-state"] != p.State || attrs["href"] != p.Return || !strings.HasPrefix(attrs["action"], "cs_") || strings.ContainsAny(attrs["action"], `"<> `) {
		t.Errorf("attributes read back %q", attrs)
	}
	for _, bad := range []string{"javascript:alert(1)", "data:text/html,x", "//evil.example/x", "/relative"} {
		if page := checkoutHTML(checkoutPage{Message: "m", Return: bad}); strings.Contains(page, `id="return"`) {
			t.Errorf("return link %q shown:\n%s", bad, page)
		}
	}
	if page := checkoutHTML(checkoutPage{Message: "m"}); strings.Contains(page, "<form") || strings.Contains(page, `id="amount"`) {
		t.Errorf("a closed page shows the form or an amount:\n%s", page)
	}
}
