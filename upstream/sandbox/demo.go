package sandbox

// Seeded demo accounts. Every one of them uses demoPassword.
const (
	demoEmail         = "demo@sandbox.test"
	demoPassword      = "sandbox-demo-password"
	demoTeammateEmail = "teammate@sandbox.test"
	demoInviteEmail   = "invitee@sandbox.test"
	demoAcmeEmail     = "acme@sandbox.test"
)

// seedDemo creates (under s.mu):
//   - demo@sandbox.test (username "demo"), verified, $25 wallet, one API key
//     (its default key, returned on login);
//   - teammate@sandbox.test, verified, an accepted "member" of demo's team;
//   - a pending "viewer" invitation for invitee@sandbox.test (no account yet),
//     with its team_invite mail in the outbox;
//   - acme@sandbox.test (username "acme"), verified, whose team has demo as an
//     accepted "admin", so demo can switch-account to "acme".
func (s *Sandbox) seedDemo() {
	now := s.clock()
	demo := s.createUser(now, demoEmail, "Demo User", demoPassword, true)
	demo.balance = 25
	demo.aboutMe = "Seeded sandbox account."
	key := s.addAPIKey(now, demo, "Demo Key", "Seeded by the sandbox.")
	demo.defaultKeyID = key.id

	mate := s.createUser(now, demoTeammateEmail, "Team Mate", demoPassword, true)
	mateMember := s.addMember(now, demo, mate.email, "member", []string{}, statusAccepted)
	invite := s.addMember(now, demo, demoInviteEmail, "viewer", []string{}, statusPending)
	s.record(now, "team_invite", invite.email, "", invite.inviteID)

	acme := s.createUser(now, demoAcmeEmail, "Acme Inc.", demoPassword, true)
	acme.balance = 100
	acme.defaultKeyID = s.addAPIKey(now, acme, "Acme Production", "").id
	s.addMember(now, acme, demo.email, "admin", []string{}, statusAccepted)

	s.demo = Demo{
		Email: demo.email, Password: demoPassword, Username: demo.username,
		TeamAccountUsername: acme.username, APIKeyID: key.id, MemberID: mateMember.id,
		PendingInviteEmail: invite.email, SubscriptionID: demoSubscriptionID, PaymentMethodID: "pm_sandbox_visa_4242",
	}
}
