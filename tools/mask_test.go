package tools

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMaskFields(t *testing.T) {
	const tok = "42|AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd1234abcd"
	cases := []struct {
		name, in string
		fields   []string
		want     string
		masked   string
	}{
		{"token and default key", `{"access_token":"` + tok + `","api_key":"sk_live_0123456789","user":{"id":1}}`,
			[]string{"access_token", "token", "api_key"}, `{"access_token":"42|…abcd","api_key":"…6789","user":{"id":1}}`, "access_token,api_key"},
		{"default key as an object", `{"token":"` + tok + `","api_key":{"id":3,"name":"Default","key":"sk_live_0123456789"}}`,
			[]string{"access_token", "token", "api_key"}, `{"api_key":{"id":3,"key":"…6789","name":"Default"},"token":"42|…abcd"}`, "api_key,token"},
		{"null key is nothing to mask", `{"access_token":"` + tok + `","api_key":null}`,
			[]string{"access_token", "api_key"}, `{"access_token":"42|…abcd","api_key":null}`, "access_token"},
		{"keys in a list", `[{"id":1,"key":"sk_...abcd"},{"id":2,"key":"sk_live_whole_secret"}]`,
			[]string{"key"}, `[{"id":1,"key":"sk_...abcd"},{"id":2,"key":"…cret"}]`, "key"},
		{"nothing to mask", `{"id":1,"name":"k"}`, []string{"key"}, `{"id":1,"name":"k"}`, ""},
		{"not JSON", `"text"`, []string{"key"}, `"text"`, ""},
		{"big numbers survive", `{"id":12345678901234567890,"key":"abcdefghijkl"}`, []string{"key"}, `{"id":12345678901234567890,"key":"…ijkl"}`, "key"},
	}
	for _, c := range cases {
		got, masked := maskFields(json.RawMessage(c.in), c.fields...)
		if string(got) != c.want || strings.Join(masked, ",") != c.masked {
			t.Errorf("%s: %s %v, want %s %s", c.name, got, masked, c.want, c.masked)
		}
	}
	if maskSecret("short") != "…" || maskSecret("7|x") != "7|…" {
		t.Errorf("maskSecret: %q %q", maskSecret("short"), maskSecret("7|x"))
	}
}
