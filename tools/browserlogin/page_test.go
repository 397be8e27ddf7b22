package browserlogin

import (
	"html"
	"strings"
	"testing"
)

// The callback page is built without html/template: a hostile error text from
// the network stays text.
func TestPageEscapesItsText(t *testing.T) {
	const hostile = `</p><script>alert(1)</script><img src=x onerror=alert(2)>&amp;"'`
	for _, ok := range []bool{true, false} {
		p := pageHTML(page{Title: "T" + hostile, Text: "M" + hostile, OK: ok})
		if strings.Contains(p, "<script") || strings.Contains(p, "<img") {
			t.Fatalf("markup from a value reached the page:\n%s", p)
		}
		for _, want := range []string{
			`id="title">` + html.EscapeString("T"+hostile) + `</h1>`,
			`<p id="message">` + html.EscapeString("M"+hostile) + `</p>`,
			map[bool]string{true: `class="ok"`, false: `class="err"`}[ok],
		} {
			if !strings.Contains(p, want) {
				t.Errorf("page lacks %q:\n%s", want, p)
			}
		}
	}
}
