package sandbox

import (
	"sort"
	"strconv"
	"time"
)

const (
	statusPending  = "pending"
	statusAccepted = "accepted"
)

// teamRoles are the roles the sandbox accepts (contract decision). Roles and
// permissions are stored and returned; the sandbox does not enforce them.
var teamRoles = map[string]bool{"admin": true, "member": true, "viewer": true}

// member is a person in an account's team, or a pending invitation. It is
// linked to a user by email, so an invitation can precede the signup.
type member struct {
	id          int64
	ownerID     int64 // the team's account
	email       string
	role        string
	permissions []string
	status      string
	inviteID    string
	createdAt   time.Time
}

type memberView struct {
	ID           int64    `json:"id"`
	Email        string   `json:"email"`
	Name         any      `json:"name"` // null until someone with that email signs up
	Role         string   `json:"role"`
	Permissions  []string `json:"permissions"`
	InviteStatus string   `json:"invite_status"`
	InviteID     string   `json:"invite_id"`
	CreatedAt    string   `json:"created_at"`
	// AccountUsername is only set on accept, so the invitee knows what to
	// pass to switch-account.
	AccountUsername string `json:"account_username,omitempty"`
}

func (s *Sandbox) memberView(m *member) memberView {
	var name any
	if u := s.byEmail[m.email]; u != nil {
		name = u.name
	}
	perms := append([]string{}, m.permissions...)
	return memberView{m.id, m.email, name, m.role, perms, m.status, m.inviteID, iso(m.createdAt), ""}
}

// acceptedMember is person's accepted membership of account's team, or nil.
func (s *Sandbox) acceptedMember(account, person *user) *member {
	for _, m := range account.team {
		if m.email == person.email && m.status == statusAccepted {
			return m
		}
	}
	return nil
}

func (s *Sandbox) addMember(now time.Time, owner *user, email, role string, perms []string, status string) *member {
	m := &member{
		id: s.newID(), ownerID: owner.id, email: normalizeEmail(email), role: role,
		permissions: perms, status: status, inviteID: s.uuid(), createdAt: now,
	}
	owner.team[m.id] = m
	s.byInvite[m.inviteID] = m
	return m
}

// GET /teams: members and pending invitations, oldest first.
func (s *Sandbox) listMembers(c *call) response {
	out := []memberView{}
	for _, m := range c.acct.team {
		out = append(out, s.memberView(m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return ok(out)
}

func (c *call) member() *member { return c.acct.team[c.id] }

// POST /teams (201): invite email with role (default "member") and optional
// permissions; the invitation (with its invite_id) goes to the outbox.
func (s *Sandbox) inviteMember(c *call) response {
	v := newValidator(c.body)
	email := normalizeEmail(v.required("email", 255))
	v.email("email", email)
	role := v.optionalDefault("role", 0, "member")
	if !v.has("role") && !teamRoles[role] {
		v.add("role", "The selected role is invalid.")
	}
	perms, _ := v.stringList("permissions", 50, 100)
	if !v.has("email") {
		if email == c.acct.email {
			v.add("email", "You cannot invite yourself.")
		} else {
			for _, m := range c.acct.team {
				if m.email == email {
					v.add("email", "This email is already in the team.")
					break
				}
			}
		}
	}
	if v.failed() {
		return v.result()
	}
	if len(c.acct.team) >= s.limits.MaxMembersPerTeam {
		return invalidField("email", "A team may not have more than "+strconv.Itoa(s.limits.MaxMembersPerTeam)+" members and invitations.")
	}
	m := s.addMember(c.now, c.acct, email, role, dedupe(perms), statusPending)
	s.send(c.now, "team_invite", m.email, "", m.inviteID)
	return created(s.memberView(m))
}

// GET /teams/{id}.
func (s *Sandbox) getMember(c *call) response {
	m := c.member()
	if m == nil {
		return notFound()
	}
	return ok(s.memberView(m))
}

// PUT /teams/{id}: role, permissions (replaces the list; [] clears it),
// invite_status (pending|accepted: the owner may mark an invitation
// accepted, or reset a membership to pending).
func (s *Sandbox) updateMember(c *call) response {
	m := c.member()
	if m == nil {
		return notFound()
	}
	v := newValidator(c.body)
	role, setRole := v.optional("role", 0, false)
	if setRole && !v.has("role") && !teamRoles[role] {
		v.add("role", "The selected role is invalid.")
	}
	perms, setPerms := v.stringList("permissions", 50, 100)
	status, setStatus := v.optional("invite_status", 0, false)
	if setStatus && !v.has("invite_status") && status != statusPending && status != statusAccepted {
		v.add("invite_status", "The selected invite status is invalid.")
	}
	if v.failed() {
		return v.result()
	}
	if setRole {
		m.role = role
	}
	if setPerms {
		m.permissions = dedupe(perms)
	}
	if setStatus {
		m.status = status
	}
	return ok(s.memberView(m))
}

// DELETE /teams/{id}: removes a member or withdraws an invitation; the
// member's switched tokens for this account stop working.
func (s *Sandbox) deleteMember(c *call) response {
	m := c.member()
	if m == nil {
		return notFound()
	}
	delete(c.acct.team, m.id)
	delete(s.byInvite, m.inviteID)
	return message("Team member removed successfully.")
}

// POST /teams/{id}/resend-invite: pending invitations only (else 422).
func (s *Sandbox) resendInvite(c *call) response {
	m := c.member()
	if m == nil {
		return notFound()
	}
	if m.status != statusPending {
		return invalidField("invite_status", "Only pending invitations can be resent.")
	}
	s.send(c.now, "team_invite", m.email, "", m.inviteID)
	return message("Invitation resent successfully.")
}

// POST /teams/invitations/{uuid}/accept, by the invitee with their own token
// (the token owner's email must be the invited one, else 403). Accepting an
// accepted invitation again is a no-op 200.
func (s *Sandbox) acceptInvite(c *call) response {
	m := s.byInvite[c.uuid]
	if m == nil {
		return notFound()
	}
	if m.email != c.owner.email {
		return accessDenied("This invitation was sent to a different email address.")
	}
	m.status = statusAccepted
	view := s.memberView(m)
	if owner := s.users[m.ownerID]; owner != nil {
		view.AccountUsername = owner.username
	}
	return ok(view)
}
