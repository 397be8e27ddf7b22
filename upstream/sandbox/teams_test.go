package sandbox

import (
	"fmt"
	"testing"
)

func TestTeamsSeeded(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	list := e.do("GET", v1+"/teams", e.demoToken(), nil).want(200).list()
	if len(list) != 2 {
		t.Fatalf("seeded team: %v", list)
	}
	for _, k := range []string{"id", "email", "name", "role", "permissions", "invite_status", "invite_id", "created_at"} {
		if _, ok := list[0][k]; !ok {
			t.Fatalf("member lacks %s: %v", k, list[0])
		}
	}
	if int64(list[0]["id"].(float64)) != demo.MemberID || list[0]["invite_status"] != "accepted" || list[0]["name"] != "Team Mate" {
		t.Fatalf("accepted member: %v", list[0])
	}
	if list[1]["email"] != demo.PendingInviteEmail || list[1]["invite_status"] != "pending" || list[1]["name"] != nil {
		t.Fatalf("pending invite: %v", list[1])
	}
	mails := e.s.Outbox(demo.PendingInviteEmail)
	if len(mails) != 1 || mails[0].Kind != "team_invite" || mails[0].InviteID != list[1]["invite_id"] {
		t.Fatalf("seeded invite mail: %+v", mails)
	}
}

func TestTeamInviteAcceptFlow(t *testing.T) {
	e := newEnv(t, quiet())
	owner := e.demoToken()

	m := e.do("POST", v1+"/teams", owner, map[string]any{"email": "Bob@Example.test"}).want(201).obj()
	if m["role"] != "member" || m["invite_status"] != "pending" || m["email"] != "bob@example.test" || jsonStr(m["permissions"]) != "[]" {
		t.Fatalf("invite: %v", m)
	}
	inviteID := m["invite_id"].(string)
	if !isUUID(inviteID) || inviteID[14] != '4' {
		t.Fatalf("invite_id %q is not a UUID v4", inviteID)
	}
	memberID := int64(m["id"].(float64))
	mails := e.s.Outbox("bob@example.test")
	if len(mails) != 1 || mails[0].InviteID != inviteID {
		t.Fatalf("invite mail: %+v", mails)
	}

	// Bob signs up; someone else cannot accept Bob's invitation.
	bob := e.signupVerified("bob@example.test")
	mate := e.login(demoTeammateEmail, demoPassword, nil)
	e.do("POST", v1+"/teams/invitations/"+inviteID+"/accept", mate, nil).wantErr(403, "access_denied")
	e.do("POST", v1+"/teams/invitations/00000000-0000-4000-8000-000000000000/accept", bob, nil).wantErr(404, "not_found")
	e.do("POST", v1+"/teams/invitations/not-a-uuid/accept", bob, nil).wantErr(404, "not_found")
	// Not a member yet: switch-account refuses.
	e.do("POST", v1+"/auth/switch-account", bob, map[string]any{"account_username": "demo"}).wantErr(404, "not_found")

	a := e.do("POST", v1+"/teams/invitations/"+inviteID+"/accept", bob, nil).want(200).obj()
	if a["invite_status"] != "accepted" || a["account_username"] != "demo" || a["name"] != "N" {
		t.Fatalf("accept: %v", a)
	}
	e.do("POST", v1+"/teams/invitations/"+inviteID+"/accept", bob, nil).want(200) // idempotent
	e.do("POST", v1+"/auth/switch-account", bob, map[string]any{"account_username": "demo"}).want(200)

	// resend only for pending.
	e.do("POST", v1+fmt.Sprintf("/teams/%d/resend-invite", memberID), owner, nil).
		wantField("invite_status", "Only pending invitations can be resent.")

	// Update role/permissions/status.
	u := e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{
		"role": "admin", "permissions": []string{"billing", "keys", "billing"},
	}).want(200).obj()
	if u["role"] != "admin" || jsonStr(u["permissions"]) != `["billing","keys"]` || u["invite_status"] != "accepted" {
		t.Fatalf("update: %v", u)
	}
	u = e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{"invite_status": "pending"}).want(200).obj()
	if u["invite_status"] != "pending" || u["role"] != "admin" {
		t.Fatalf("status update: %v", u)
	}
	e.do("POST", v1+fmt.Sprintf("/teams/%d/resend-invite", memberID), owner, nil).want(200)
	if n := len(e.s.Outbox("bob@example.test")); n != 3 { // invite, verification, resent invite
		t.Fatalf("mails after resend: %d", n)
	}
	if g := e.do("GET", v1+fmt.Sprintf("/teams/%d", memberID), owner, nil).want(200).obj(); g["role"] != "admin" {
		t.Fatalf("get: %v", g)
	}

	e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{"role": "owner"}).wantField("role", "The selected role is invalid.")
	e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{"invite_status": "rejected"}).wantField("invite_status", "")
	e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{"permissions": "all"}).wantField("permissions", "")
	e.do("PUT", v1+fmt.Sprintf("/teams/%d", memberID), owner, map[string]any{"permissions": []any{"ok", 3}}).wantField("permissions.1", "")

	// Other teams' members are 404; ids are validated.
	e.do("GET", v1+fmt.Sprintf("/teams/%d", memberID), mate, nil).wantErr(404, "not_found")
	e.do("DELETE", v1+fmt.Sprintf("/teams/%d", memberID), mate, nil).wantErr(404, "not_found")
	e.do("GET", v1+"/teams/0", owner, nil).wantErr(404, "not_found")
	e.do("GET", v1+"/teams/invitations", owner, nil).wantErr(404, "not_found")

	e.do("DELETE", v1+fmt.Sprintf("/teams/%d", memberID), owner, nil).want(200)
	e.do("GET", v1+fmt.Sprintf("/teams/%d", memberID), owner, nil).wantErr(404, "not_found")
	e.do("POST", v1+"/teams/invitations/"+inviteID+"/accept", bob, nil).wantErr(404, "not_found")
}

func TestTeamInviteValidation(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	cases := []struct {
		body       map[string]any
		field, msg string
	}{
		{map[string]any{}, "email", "The email field is required."},
		{map[string]any{"email": "bad"}, "email", "The email field must be a valid email address."},
		{map[string]any{"email": "x@y.test", "role": "owner"}, "role", "The selected role is invalid."},
		{map[string]any{"email": demoEmail}, "email", "You cannot invite yourself."},
		{map[string]any{"email": demoTeammateEmail}, "email", "This email is already in the team."},
		{map[string]any{"email": demoInviteEmail}, "email", "This email is already in the team."},
	}
	for _, tc := range cases {
		e.do("POST", v1+"/teams", tok, tc.body).wantField(tc.field, tc.msg)
	}
	v := e.do("POST", v1+"/teams", tok, map[string]any{"email": "v@y.test", "role": "viewer", "permissions": []string{"read"}}).want(201).obj()
	if v["role"] != "viewer" || jsonStr(v["permissions"]) != `["read"]` {
		t.Fatalf("invite with role: %v", v)
	}
}

func TestTeamCap(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Limits: Limits{MaxMembersPerTeam: 3}})
	tok := e.demoToken() // two seeded
	e.do("POST", v1+"/teams", tok, map[string]any{"email": "a@y.test"}).want(201)
	e.do("POST", v1+"/teams", tok, map[string]any{"email": "b@y.test"}).
		wantField("email", "A team may not have more than 3 members and invitations.")
}
