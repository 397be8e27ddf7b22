package upstream

import "testing"

func TestRouteTemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/api-keys":                  "/api-keys",
		"/api-keys/42":               "/api-keys/{id}",
		"/teams/7/resend-invite":     "/teams/{id}/resend-invite",
		"/auth/tokens/revoke-others": "/auth/tokens/revoke-others",
		"/me/password":               "/me/password",
		"/teams/invitations/123e4567-e89b-42d3-a456-426614174000/accept": "/teams/invitations/{invite_id}/accept",
		"/teams/Alice%40example.com":                                     "/teams/{param}",
	} {
		if got := routeTemplate(path); got != want {
			t.Errorf("routeTemplate(%q) = %q, want %q", path, got, want)
		}
	}
}
