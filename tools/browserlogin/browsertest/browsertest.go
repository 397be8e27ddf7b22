// Package browsertest plays the person's browser in tests of the browser
// login: it opens the sandbox's authorize page, submits its form and follows
// the redirect to the loopback callback, with net/http only.
package browsertest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"time"
)

// Page is where the browser ended: the last response's status, address and body.
type Page struct {
	Status int
	URL    string
	Body   string
}

var hidden = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// Submit opens authorizeURL, fills in email and password (decision "login"
// or "cancel") and follows the redirects, as a browser would.
func Submit(authorizeURL, email, password, decision string) (*Page, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		return nil, err
	}
	form, err := read(resp)
	if err != nil {
		return nil, err
	}
	if form.Status != http.StatusOK {
		return form, fmt.Errorf("authorize page: HTTP %d", form.Status)
	}
	v := url.Values{"email": {email}, "password": {password}, "decision": {decision}}
	for _, m := range hidden.FindAllStringSubmatch(form.Body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	if v.Get("state") == "" {
		return form, fmt.Errorf("authorize page has no form with a state")
	}
	u, _ := url.Parse(authorizeURL)
	action := u.Scheme + "://" + u.Host + u.Path
	resp, err = c.PostForm(action, v)
	if err != nil {
		return nil, err
	}
	return read(resp)
}

func read(resp *http.Response) (*Page, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Page{Status: resp.StatusCode, URL: resp.Request.URL.String(), Body: string(b)}, nil
}
