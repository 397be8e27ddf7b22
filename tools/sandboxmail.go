package tools

import (
	"fmt"
	"strings"
)

// SandboxOutboxURI is the MCP resource with every sandbox email (sandbox mode
// only); SandboxOutboxURI + "/" + an address is that address's.
const SandboxOutboxURI = "sandbox://outbox"

// Kinds of mail an action makes the control plane send (ActionSpec.Mails).
const (
	mailVerification  = "verification"
	mailPasswordReset = "password_reset"
	mailTeamInvite    = "team_invite"
)

// sandboxNote is the sandbox-only note on the result of an action that sends
// mail: the made-up code the email would carry, so the flow can be finished
// from inside MCP (over stdio there is no outbox URL, and stderr never
// reaches the agent). email is the address the call named ("" for
// resend-invite, which names a member id); before is the outbox as it was.
func sandboxNote(d *Deps, kind, email string, before []SandboxMail) string {
	const tag = "SANDBOX ONLY (made-up and offline; a real server emails this and never shows it): "
	var last *SandboxMail
	for _, m := range newMail(before, d.SandboxMail(email)) {
		if m.Kind == kind {
			last = &m
		}
	}
	if last != nil {
		email = last.To
	}
	where := fmt.Sprintf(" Every sandbox email is in the MCP resource %s/%s.", SandboxOutboxURI, email)
	switch {
	case last == nil && email == "":
		return tag + "the email went to the outbox: read it in the MCP resource " + SandboxOutboxURI + "."
	case last == nil:
		// resend-verification and forgot-password answer alike either way, so
		// that a real server does not reveal which addresses have accounts.
		return tag + "no email was sent to " + email + " (no such account, or nothing to send for it)." + where
	case kind == mailVerification:
		return fmt.Sprintf("%sthe verification email to %s carries verification_code %s: call agent-auth action verify-email with it.%s",
			tag, email, last.Code, where)
	case kind == mailPasswordReset:
		return fmt.Sprintf("%sthe password-reset email to %s carries token %s: call agent-auth action reset-password with email, this token, password and password_confirmation.%s",
			tag, email, last.Code, where)
	}
	return fmt.Sprintf("%sthe invitation email to %s carries invite_id %s: the invited account (logged in as %s, after signing up if it has no account) calls agent-teams action accept-invite with it.%s",
		tag, email, last.InviteID, email, where)
}

// newMail is after less before, as multisets: the mail a call sent. (The
// outbox drops its oldest mail past its caps, which only ever removes.)
func newMail(before, after []SandboxMail) []SandboxMail {
	had := map[SandboxMail]int{}
	for _, m := range before {
		had[m]++
	}
	var out []SandboxMail
	for _, m := range after {
		if had[m] > 0 {
			had[m]--
			continue
		}
		out = append(out, m)
	}
	return out
}

// mailAddress is the address an action's email goes to, from its arguments
// ("" when it names a member id instead).
func mailAddress(a *Args) string {
	return strings.ToLower(strings.TrimSpace(a.String("email")))
}
