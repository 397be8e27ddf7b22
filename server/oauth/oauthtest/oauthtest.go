// Package oauthtest helps tests drive the sign-in pages of package oauth as a
// browser would.
package oauthtest

import (
	"html"
	"net/url"
	"regexp"
)

var hiddenRE = regexp.MustCompile(`name="(csrf|req)" value="([^"]*)"`)

// FormFields returns the hidden fields (csrf, req) of a sign-in or consent
// page, to post back with the person's input.
func FormFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		if v.Get(m[1]) == "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}
