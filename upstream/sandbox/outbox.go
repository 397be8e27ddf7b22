package sandbox

import (
	"time"
)

const (
	maxMailsPerAddress = 20   // newest kept per address
	maxMails           = 1000 // newest kept overall
)

// Mail is a message the real service would have emailed.
type Mail struct {
	Kind     string    `json:"kind"`                // "verification" | "password_reset" | "team_invite"
	To       string    `json:"to"`                  // lowercased address
	Code     string    `json:"code,omitempty"`      // verification code or reset token
	InviteID string    `json:"invite_id,omitempty"` // team_invite only
	SentAt   time.Time `json:"sent_at"`
}

// send records mail in the outbox and logs it, secret included: this is
// how someone rehearsing offline reads their code.
func (s *Sandbox) send(now time.Time, kind, to, code, inviteID string) {
	m := s.record(now, kind, to, code, inviteID)
	ev := s.log.Info().Str("kind", m.Kind).Str("to", m.To)
	// Only the fields this kind of mail has: an empty sandbox_code on an
	// invitation reads like a lost code.
	if m.Code != "" {
		ev = ev.Str("sandbox_code", m.Code)
	}
	if m.InviteID != "" {
		ev = ev.Str("invite_id", m.InviteID)
	}
	ev.Msg("sandbox mail: sandbox-only secret, shown for offline testing (a real server never logs it)")
}

// record adds mail to the outbox, within its caps, without logging it (the
// seeded demo data's mail is not news at start-up).
func (s *Sandbox) record(now time.Time, kind, to, code, inviteID string) Mail {
	m := Mail{Kind: kind, To: to, Code: code, InviteID: inviteID, SentAt: now}
	// Drop this address's oldest mail past its cap, then the oldest overall.
	n := 0
	for _, o := range s.outbox {
		if o.To == to {
			n++
		}
	}
	if n >= maxMailsPerAddress {
		for i, o := range s.outbox {
			if o.To == to {
				s.outbox = append(s.outbox[:i], s.outbox[i+1:]...)
				break
			}
		}
	}
	if len(s.outbox) >= maxMails {
		s.outbox = append(s.outbox[:0], s.outbox[1:]...)
	}
	s.outbox = append(s.outbox, m)
	return m
}

func (s *Sandbox) outboxFor(email string) []Mail {
	email = normalizeEmail(email)
	out := []Mail{}
	for _, m := range s.outbox {
		if email == "" || m.To == email {
			out = append(out, m)
		}
	}
	return out
}

// Outbox returns the mail sent to email (case-insensitive), newest last; ""
// returns all of it.
func (s *Sandbox) Outbox(email string) []Mail {
	s.lockState()
	defer s.unlockState(false)
	return s.outboxFor(email)
}

// GET /sandbox/outbox?email=... (sandbox only): {"data": [mails]}.
func (s *Sandbox) serveOutbox(c *call) response {
	email := c.r.URL.Query().Get("email")
	if normalizeEmail(email) == "" {
		return invalidField("email", "The email field is required.")
	}
	return ok(s.outboxFor(email))
}
