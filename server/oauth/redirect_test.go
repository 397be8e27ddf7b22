package oauth

import "testing"

// TestRedirectMatchingTricks: the loopback any-port rule lets only the port
// vary; userinfo, other hosts, paths, queries, fragments, IPv6 spellings and
// scheme tricks never match a registered URI they were not.
func TestRedirectMatchingTricks(t *testing.T) {
	reg := []string{"http://127.0.0.1/cb", "http://[::1]:9000/cb", "http://localhost/cb?x=1", "https://app.example.com/cb", "com.example.app:/oauth"}
	ok := []string{"http://127.0.0.1/cb", "http://127.0.0.1:45678/cb", "http://[::1]/cb", "http://[::1]:1/cb", "http://localhost:8080/cb?x=1",
		"https://app.example.com/cb", "com.example.app:/oauth"}
	bad := []string{
		"http://127.0.0.1@evil.com/cb", "http://127.0.0.1:80@evil.com/cb", "http://evil.com@127.0.0.1/cb", "http://u:p@127.0.0.1:1/cb",
		"http://127.0.0.1.evil.com/cb", "http://127.0.0.2/cb", "http://127.1/cb", "http://0x7f.0.0.1/cb", "http://2130706433/cb",
		"http://[::ffff:127.0.0.1]/cb", "http://[0:0:0:0:0:0:0:1]/cb", "http://localhost/cb", "http://LOCALHOST:1/cb?x=1",
		"http://127.0.0.1/cb/", "http://127.0.0.1/CB", "http://127.0.0.1/cb?x=1", "http://127.0.0.1/cb#f", "http://127.0.0.1:1/cb#",
		"http://127.0.0.1/%63b", "http://127.0.0.1/cb/../cb", "http://127.0.0.1\\@evil.com/cb", "http:127.0.0.1/cb", "http:/127.0.0.1/cb",
		"//127.0.0.1/cb", "https://127.0.0.1/cb", "https://app.example.com:443/cb", "https://APP.example.com/cb", "https://app.example.com/cb?",
		"https://app.example.com@evil.com/cb", "https://app.example.com.evil.com/cb", "HTTPS://app.example.com/cb/..", "com.example.app:/oauth/x",
		"http://127.0.0.1:1:2/cb", "http://[::1%25lo]:1/cb", "javascript://127.0.0.1/%0aalert(1)", "http://127.0.0.1:99999999/cb",
	}
	for _, g := range ok {
		if !redirectAllowed(reg, g) {
			t.Errorf("refused %q", g)
		}
	}
	for _, g := range bad {
		if redirectAllowed(reg, g) {
			t.Errorf("allowed %q", g)
		}
	}
	for _, u := range []string{"javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://evil.com/cb",
		"http://127.0.0.1@evil.com/cb", "HTTP://evil.com/cb", "https://claude.ai@evil.example/cb", "http://evil@127.0.0.1/cb", "https:///cb", "https://a.example/cb#x", "/relative", "vbscript:x", "http://127.1/cb"} {
		if checkRedirectURI(u) == nil {
			t.Errorf("registered %q", u)
		}
	}
}
