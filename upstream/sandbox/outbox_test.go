package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// The seeded demo invitation is in the outbox but not logged (it is not news
// at start-up); a mail's log line carries only the fields its kind has, so an
// invitation shows no empty sandbox_code; Outbox("") is every mail.
func TestOutboxLogLines(t *testing.T) {
	var logs bytes.Buffer
	s := New(Options{DisableRateLimit: true, Logger: zerolog.New(&logs)})
	if logs.Len() != 0 {
		t.Errorf("start-up logged: %s", logs.String())
	}
	seeded := s.Outbox("")
	if len(seeded) != 1 || seeded[0].Kind != "team_invite" || seeded[0].InviteID == "" {
		t.Fatalf("seeded outbox: %+v", seeded)
	}

	e := &env{t: t, s: s}
	tok := e.demoToken()
	e.do("POST", v1+"/teams", tok, map[string]any{"email": "second@example.test", "role": "member"}).want(201)
	e.do("POST", v1+"/auth/signup", "", map[string]any{"email": "new@example.test", "password": "a-long-password"}).want(201)

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && strings.HasPrefix(m["message"].(string), "sandbox mail") {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 mail lines, got %d:\n%s", len(lines), logs.String())
	}
	if _, has := lines[0]["sandbox_code"]; has || lines[0]["kind"] != "team_invite" || lines[0]["invite_id"] == "" {
		t.Errorf("invitation line: %v", lines[0])
	}
	if _, has := lines[1]["invite_id"]; has || lines[1]["kind"] != "verification" || lines[1]["sandbox_code"] == "" {
		t.Errorf("verification line: %v", lines[1])
	}
	if n := len(s.Outbox("")); n != 3 {
		t.Errorf("Outbox(\"\") has %d mails, want 3", n)
	}
}
