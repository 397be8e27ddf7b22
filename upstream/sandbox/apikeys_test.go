package sandbox

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var (
	fullKeyRe   = regexp.MustCompile(`^sk_[A-Za-z0-9]{40}$`)
	maskedKeyRe = regexp.MustCompile(`^…[A-Za-z0-9]{4}$`) // the one mask style (tools.maskSecret)
)

func TestAPIKeys(t *testing.T) {
	e := newEnv(t, quiet())
	demo := e.s.Demo()
	tok := e.demoToken()

	c := e.do("POST", v1+"/api-keys", tok, map[string]any{"name": "Production Key", "notes": "Used by orchestrator"}).want(201).obj()
	full, _ := c["key"].(string)
	if !fullKeyRe.MatchString(full) || c["name"] != "Production Key" || c["notes"] != "Used by orchestrator" || c["last_used_at"] != nil {
		t.Fatalf("create: %v", c)
	}
	id := int64(c["id"].(float64))

	list := e.do("GET", v1+"/api-keys", tok, nil).want(200).list()
	if len(list) != 2 || int64(list[0]["id"].(float64)) != demo.APIKeyID || int64(list[1]["id"].(float64)) != id {
		t.Fatalf("list: %v", list)
	}
	for _, k := range list {
		if !maskedKeyRe.MatchString(k["key"].(string)) {
			t.Fatalf("list must mask keys: %v", k["key"])
		}
	}
	g := e.do("GET", v1+fmt.Sprintf("/api-keys/%d", id), tok, nil).want(200).obj()
	if g["key"] != "…"+full[len(full)-4:] {
		t.Fatalf("get masks as …<last4>: %v", g["key"])
	}

	u := e.do("PUT", v1+fmt.Sprintf("/api-keys/%d", id), tok, map[string]any{"name": "Renamed"}).want(200).obj()
	if u["name"] != "Renamed" || u["notes"] != "Used by orchestrator" || strings.Contains(jsonStr(u), full) {
		t.Fatalf("update: %v", u)
	}
	u = e.do("PUT", v1+fmt.Sprintf("/api-keys/%d", id), tok, map[string]any{"notes": nil}).want(200).obj()
	if u["notes"] != nil || u["name"] != "Renamed" {
		t.Fatalf("clear notes: %v", u)
	}
	e.do("PUT", v1+fmt.Sprintf("/api-keys/%d", id), tok, map[string]any{"name": ""}).wantField("name", "The name field is required.")

	e.do("POST", v1+"/api-keys", tok, map[string]any{}).wantField("name", "The name field is required.")
	e.do("POST", v1+"/api-keys", tok, map[string]any{"name": strings.Repeat("x", 256)}).
		wantField("name", "The name field must not be greater than 255 characters.")

	// Another user's key is a 404 for every verb.
	mate := e.login(demoTeammateEmail, demoPassword, nil)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		e.do(m, v1+fmt.Sprintf("/api-keys/%d", id), mate, map[string]any{"name": "stolen"}).wantErr(404, "not_found")
	}
	e.do("GET", v1+"/api-keys/nope", tok, nil).wantErr(404, "not_found")

	e.do("DELETE", v1+fmt.Sprintf("/api-keys/%d", id), tok, nil).want(200)
	e.do("GET", v1+fmt.Sprintf("/api-keys/%d", id), tok, nil).wantErr(404, "not_found")
	// Deleting the default key makes login's api_key null.
	e.do("DELETE", v1+fmt.Sprintf("/api-keys/%d", demo.APIKeyID), tok, nil).want(200)
	d := e.do("POST", v1+"/auth/login", "", map[string]any{"email": demo.Email, "password": demo.Password}).want(200).obj()
	if d["api_key"] != nil {
		t.Fatalf("api_key after deleting the default: %v", d["api_key"])
	}
}

func TestAPIKeyCap(t *testing.T) {
	e := newEnv(t, Options{DisableRateLimit: true, Limits: Limits{MaxAPIKeysPerUser: 2}})
	tok := e.demoToken() // demo already has one key
	e.do("POST", v1+"/api-keys", tok, map[string]any{"name": "two"}).want(201)
	e.do("POST", v1+"/api-keys", tok, map[string]any{"name": "three"}).
		wantField("name", "You may not have more than 2 API keys.")
}
