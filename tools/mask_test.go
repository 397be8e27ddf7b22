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
