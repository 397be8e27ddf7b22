package sandbox

import (
	"testing"
)

func TestProfile(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	p := e.do("GET", v1+"/me", tok, nil).want(200).obj()
	for _, k := range []string{"id", "name", "username", "email", "about_me", "verified", "socials", "preferences", "wallet", "created_at"} {
		if _, ok := p[k]; !ok {
			t.Fatalf("profile lacks %s: %v", k, p)
		}
	}
	if jsonStr(p["wallet"]) != `{"balance":25,"currency":"USD"}` || p["username"] != "demo" {
		t.Fatalf("profile: %v", p)
	}
	if jsonStr(p["socials"]) != `{"discord":null,"facebook":null,"github":null,"instagram":null,"twitter":null}` {
		t.Fatalf("socials: %v", p["socials"])
	}
	e.do("GET", v1+"/me", "", nil).wantErr(401, "unauthenticated")

	// Send-what-changes: only name changes.
	p2 := e.do("PATCH", v1+"/me", tok, map[string]any{"name": "  Renamed  "}).want(200).obj()
	if p2["name"] != "Renamed" || p2["username"] != "demo" || p2["about_me"] != p["about_me"] {
		t.Fatalf("patch name: %v", p2)
	}
	p3 := e.do("PATCH", v1+"/me", tok, map[string]any{"username": "Demo-2", "about_me": nil}).want(200).obj()
	if p3["username"] != "Demo-2" || p3["about_me"] != nil || p3["name"] != "Renamed" {
		t.Fatalf("patch username/about: %v", p3)
	}
	// The old username is free again, the new one is taken (any case).
	e.do("PATCH", v1+"/me", e.login(demoTeammateEmail, demoPassword, nil), map[string]any{"username": "demo-2"}).
		wantField("username", "The username has already been taken.")

	cases := []struct {
		body  map[string]any
		field string
		msg   string
	}{
		{map[string]any{"username": "has space"}, "username", "The username field must only contain letters, numbers, dashes, and underscores."},
		{map[string]any{"username": "acme"}, "username", "The username has already been taken."},
		{map[string]any{"name": ""}, "name", "The name field is required."},
		{map[string]any{"name": 5}, "name", "The name field must be a string."},
		{map[string]any{"name": string(make([]byte, 256))}, "name", ""},
	}
	for _, tc := range cases {
		e.do("PATCH", v1+"/me", tok, tc.body).wantField(tc.field, tc.msg)
	}
	// A failed PATCH changes nothing.
	e.do("PATCH", v1+"/me", tok, map[string]any{"name": "Partial", "username": "bad name"}).wantField("username", "")
	if got := e.do("GET", v1+"/me", tok, nil).obj()["name"]; got != "Renamed" {
		t.Fatalf("partial update applied: %v", got)
	}
}

func TestProfilePassword(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	e.do("PATCH", v1+"/me/password", tok, map[string]any{"current_password": "wrong-one", "password": "new-password", "password_confirmation": "new-password"}).
		wantField("current_password", "The password is incorrect.")
	e.do("PATCH", v1+"/me/password", tok, map[string]any{"current_password": demoPassword, "password": "new-password"}).
		wantField("password_confirmation", "The password confirmation field is required.")
	e.do("PATCH", v1+"/me/password", tok, map[string]any{"current_password": demoPassword, "password": "short", "password_confirmation": "short"}).
		wantField("password", "The password field must be at least 8 characters.")
	e.do("PATCH", v1+"/me/password", tok, map[string]any{}).wantField("current_password", "The current password field is required.")
	e.do("PATCH", v1+"/me/password", tok, map[string]any{"current_password": demoPassword, "password": "new-password", "password_confirmation": "new-password"}).want(200)
	e.do("GET", v1+"/me", tok, nil).want(200) // the calling token survives
	e.do("POST", v1+"/auth/login", "", map[string]any{"email": demoEmail, "password": demoPassword}).wantErr(401, "invalid_credentials")
	e.login(demoEmail, "new-password", nil)
}

func TestProfileSocials(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	p := e.do("PATCH", v1+"/me/socials", tok, map[string]any{"github": "https://github.com/demo", "discord": "demo_user"}).want(200).obj()
	if jsonStr(p["socials"]) != `{"discord":"demo_user","facebook":null,"github":"https://github.com/demo","instagram":null,"twitter":null}` {
		t.Fatalf("socials: %v", p["socials"])
	}
	p = e.do("PATCH", v1+"/me/socials", tok, map[string]any{"twitter": "http://x.com/demo", "github": nil}).want(200).obj()
	s := p["socials"].(map[string]any)
	if s["github"] != nil || s["twitter"] != "http://x.com/demo" || s["discord"] != "demo_user" {
		t.Fatalf("socials: %v", s)
	}
	for _, bad := range []map[string]any{
		{"facebook": "facebook.com/demo"}, {"instagram": "javascript:alert(1)"}, {"github": "ftp://github.com/x"}, {"twitter": 3},
	} {
		for k := range bad {
			e.do("PATCH", v1+"/me/socials", tok, bad).wantField(k, "")
		}
	}
	e.do("PATCH", v1+"/me/socials", tok, map[string]any{"discord": "https://discord.gg/x"}).wantField("discord", "The discord field format is invalid.")
	e.do("PATCH", v1+"/me/socials", tok, map[string]any{"facebook": "nope"}).wantField("facebook", "The facebook field must be a valid URL.")
}

func TestProfilePreferences(t *testing.T) {
	e := newEnv(t, quiet())
	tok := e.demoToken()
	p := e.do("PATCH", v1+"/me/preferences", tok, map[string]any{"nsfw_content": true, "wallet_notification_threshold": 12.5}).want(200).obj()
	if jsonStr(p["preferences"]) != `{"nsfw_content":true,"wallet_notification_enabled":false,"wallet_notification_threshold":12.5}` {
		t.Fatalf("preferences: %v", p["preferences"])
	}
	p = e.do("PATCH", v1+"/me/preferences", tok, map[string]any{"wallet_notification_enabled": 1, "wallet_notification_threshold": "3"}).want(200).obj()
	if jsonStr(p["preferences"]) != `{"nsfw_content":true,"wallet_notification_enabled":true,"wallet_notification_threshold":3}` {
		t.Fatalf("preferences: %v", p["preferences"])
	}
	const numMsg = "The wallet notification threshold field must be a number."
	for _, v := range []any{"ten", true, nil, []int{1}, map[string]int{}, "1e999", "0x10"} {
		e.do("PATCH", v1+"/me/preferences", tok, map[string]any{"wallet_notification_threshold": v}).
			wantField("wallet_notification_threshold", numMsg)
	}
	e.do("PATCH", v1+"/me/preferences", tok, map[string]any{"wallet_notification_threshold": -1}).
		wantField("wallet_notification_threshold", "The wallet notification threshold field must be at least 0.")
	e.do("PATCH", v1+"/me/preferences", tok, map[string]any{"nsfw_content": "yes"}).
		wantField("nsfw_content", "The nsfw content field must be true or false.")
}
