package oauth

import (
	"fmt"
	"testing"
)

// TestLoginLimiterNotFlushedBySpray: one address spraying attempts at new
// emails (each refused by the address's own limit) must not fill the
// limiter's table until it is cleared, which would reset the limit of the
// account under attack.
func TestLoginLimiterNotFlushedBySpray(t *testing.T) {
	l := newLoginLimiter()
	l.maxKeys = 1000
	for i := 0; i < 5; i++ {
		if w := l.allow(fmt.Sprintf("192.0.2.%d", i), "victim@example.com"); w != 0 {
			t.Fatalf("attempt %d refused: %v", i, w)
		}
	}
	if l.allow("192.0.2.9", "victim@example.com") == 0 {
		t.Fatal("a sixth attempt at once was let through")
	}
	for i := 0; i < 5*l.maxKeys; i++ {
		l.allow("198.51.100.7", fmt.Sprintf("spray%d@example.com", i))
	}
	if w := l.allow("192.0.2.10", "victim@example.com"); w == 0 {
		t.Error("after a spray from one address, the account's limit was reset")
	}
	if len(l.byKey) > l.maxKeys {
		t.Errorf("%d keys, bound %d", len(l.byKey), l.maxKeys)
	}
}
