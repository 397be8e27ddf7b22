package tools

import (
	"strings"
	"testing"
	"time"
)

// A confirmation's requestState vouches for one call: it cannot be forged,
// carried over to other arguments or another key, or used after it expires.
func TestStateSigner(t *testing.T) {
	s := newStateSigner(nil)
	subj := callSubject("agent-api-keys", "delete", map[string]any{"action": "delete", "key_id": float64(12)})
	st := s.sign(subj, time.Minute)
	if !s.verify(st, subj) {
		t.Fatal("a fresh state does not verify")
	}
	// The same arguments, built in another order, name the same call.
	if !s.verify(st, callSubject("agent-api-keys", "delete", map[string]any{"key_id": float64(12), "action": "delete"})) {
		t.Error("argument order changed the subject")
	}
	for name, other := range map[string]string{
		"other key id": callSubject("agent-api-keys", "delete", map[string]any{"action": "delete", "key_id": float64(13)}),
		"other action": callSubject("agent-api-keys", "rotate", map[string]any{"action": "delete", "key_id": float64(12)}),
		"other tool":   callSubject("agent-teams", "delete", map[string]any{"action": "delete", "key_id": float64(12)}),
	} {
		if s.verify(st, other) {
			t.Errorf("%s: the state verified", name)
		}
	}
	if newStateSigner(nil).verify(st, subj) {
		t.Error("another key verified the state")
	}
	if s.verify(s.sign(subj, -time.Second), subj) {
		t.Error("an expired state verified")
	}
	parts := strings.Split(st, ".")
	for _, bad := range []string{"", "v1", "v2." + parts[1] + "." + parts[2], "v1.99999999999." + parts[2], st + "x", "v1.x." + parts[2]} {
		if s.verify(bad, subj) {
			t.Errorf("state %q verified", bad)
		}
	}
	shared := []byte("a shared session secret")
	if !newStateSigner(shared).verify(newStateSigner(shared).sign(subj, time.Minute), subj) {
		t.Error("replicas with the same key disagree")
	}
}

func TestConfirmedContent(t *testing.T) {
	for _, c := range []struct {
		content any
		want    bool
	}{
		{nil, true}, {map[string]any{}, true}, {map[string]any{"confirm": true}, true},
		{map[string]any{"confirm": false}, false}, {map[string]any{"confirm": "no"}, false}, {map[string]any{"confirm": "true"}, false},
	} {
		if got := confirmed(c.content); got != c.want {
			t.Errorf("confirmed(%v) = %v, want %v", c.content, got, c.want)
		}
	}
}
