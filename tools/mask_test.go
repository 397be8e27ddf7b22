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
		`{"key":["a","b..."]}`, `[{"id":1,"key":"sk_...jkvc"}]`, `{"access_token":"42|…P4RU"}`, `{"key":"…abcd"}`, `{"key":{"id":"s"}}`, `{"key":{"secret":{"deep":"v"}}}`, `"key"`, `[]`, `{}`, `12`,
	} {
		f.Add([]byte(s))
	}
	names := []string{"key", "token", "access_token", "api_key"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		trimmed := bytes.TrimSpace(raw)
		if !json.Valid(trimmed) {
			return // maskFields takes the decoding walk for these
		}
		out, masked := maskDecoded(raw, names)
		if got, changed := anyToMask(trimmed, names, ""), !bytes.Equal(out, raw); got != changed {
			t.Fatalf("anyToMask(%s) = %v, the walk changed it: %v (masked %v)", raw, got, changed, masked)
		}
	})
}

// One mask style everywhere (issue 21): what this server masks, and what
// ModelsLab (or the sandbox) masked in its own style, read "…abcd", or
// "42|…abcd" for a Sanctum token.
func TestOneMaskStyle(t *testing.T) {
	for in, want := range map[string]string{
		"sk_live_abcdef123456": "…3456",
		"42|abcdefghijklmnop":  "42|…mnop",
		"sk_...jkvc":           "…jkvc",
		"sk-…a1b2":             "…a1b2",
		"7|abc…wxyz":           "7|…wxyz",
		"x***y":                "…y",
		"…P4RU":                "…P4RU",
		"42|…P4RU":             "42|…P4RU",
	} {
		raw, _ := maskFields(json.RawMessage(`[{"id":1,"key":"`+in+`"}]`), "key")
		if got := string(raw); got != `[{"id":1,"key":"`+want+`"}]` {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
		if got := maskSecret(in); !ownMaskStyle(got) {
			t.Errorf("maskSecret(%q) = %q is not in the one style", in, got)
		}
	}
}
