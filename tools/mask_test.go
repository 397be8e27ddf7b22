package tools

import (
	"bytes"
	"encoding/json"
	"testing"
)

// anyToMask, the shortcut of maskFields, says "nothing to mask" exactly when
// the decoding walk masks nothing.
func FuzzAnyToMaskAgreesWithTheWalk(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"key":"sk-…a1b2"}]`, `[{"id":1,"key":"sk_live_abcdef123456"}]`, `{"key":""}`, `{"key":null}`,
		`{"api_key":{"id":3,"name":"n","key":"whole"}}`, `{"api_key":{"id":3,"name":"n","key":"sk...abcd"}}`,
		`{"items":[{"token":"7|abc\u2026wxyz"}]}`, `{"token":"7|\u0041bcdefgh"}`, `{"access_token":"x***y"}`,
		`{"key":["a","b..."]}`, `{"key":{"id":"s"}}`, `{"key":{"secret":{"deep":"v"}}}`, `"key"`, `[]`, `{}`, `12`,
	} {
		f.Add([]byte(s))
	}
	names := []string{"key", "token", "access_token", "api_key"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		trimmed := bytes.TrimSpace(raw)
		if !json.Valid(trimmed) {
			return // maskFields takes the decoding walk for these
		}
		_, masked := maskDecoded(raw, names)
		if got := anyToMask(trimmed, names, ""); got != (len(masked) > 0) {
			t.Fatalf("anyToMask(%s) = %v, the walk masked %v", raw, got, masked)
		}
	})
}

// The note under a masked login names only the mask styles used: over HTTP
// in header mode only the key is masked, and a word about the token's mask
// would tell the model its (whole) token was masked.
func TestMaskNoteNamesOnlyTheStylesUsed(t *testing.T) {
	for _, c := range []struct {
		masked []string
		want   string
	}{
		{[]string{"api_key"}, "api_key shown masked (a key's last four); start the server with --reveal-tokens to see it whole."},
		{[]string{"access_token", "api_key"}, "access_token and api_key shown masked (a token's id and last four characters, a key's last four); start the server with --reveal-tokens to see them whole."},
		{[]string{"token"}, "token shown masked (a token's id and last four characters); start the server with --reveal-tokens to see it whole."},
	} {
		if got := maskNote(c.masked); got != c.want {
			t.Errorf("maskNote(%q) = %q, want %q", c.masked, got, c.want)
		}
	}
}
