package upstream

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
	"unicode/utf8"
)

// The readers look at the same answer several times (envelope, shape check,
// list, fields, masking). Decoding a JSON object into
// map[string]json.RawMessage with encoding/json copies every value and key and
// allocates a decoder each time; these split JSON into sub-slices of the input
// instead. They do not validate: an answer is validated once where it enters
// (parseEnvelope, CheckAnswer), and every value split from valid JSON is valid
// JSON. On input that is not, they stop early or split it wrongly, but never
// panic or loop.

// object is a valid JSON object read in place: a lookup walks its members
// (sub-slices of raw, not copies), so no map is built for the few fields a
// reader wants; a repeated key gives its last value, as with encoding/json.
// The zero object has no members.
type object struct {
	raw  []byte
	open int // index of the '{'
}

// scanObject reads raw as an object; ok is false when raw does not start
// like one.
func scanObject(raw []byte) (object, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return object{}, false
	}
	return object{raw: raw, open: i}, true
}

// get returns the value of the member name and whether there is one. For
// several names, lookup walks the members once.
func (o object) get(name string) (json.RawMessage, bool) {
	var val [1]json.RawMessage
	var found [1]bool
	o.lookup([]string{name}, val[:], found[:])
	return val[0], found[0]
}

// lookup sets vals[i] to the value of the member names[i] (the last one, as
// with encoding/json) and found[i] to whether there is one, in one walk over
// the members however many names there are. Callers pass arrays of their
// own, so nothing is allocated.
func (o object) lookup(names []string, vals []json.RawMessage, found []bool) {
	if o.raw == nil {
		return
	}
	walkRawMembers(o.raw, o.open, func(key []byte, v json.RawMessage) bool {
		plain, simple := plainName(key)
		var name string
		if !simple {
			name = memberName(key)
		}
		for i, n := range names {
			if (simple && string(plain) == n) || (!simple && name == n) {
				vals[i], found[i] = v, true
			}
		}
		return true
	})
}

// val is get without the presence: nil when absent.
func (o object) val(name string) json.RawMessage {
	v, _ := o.get(name)
	return v
}

// has reports whether the object has a member name.
func (o object) has(name string) bool {
	_, ok := o.get(name)
	return ok
}

// keys returns the member names, each once, in order of first appearance.
func (o object) keys() []string {
	var keys []string
	if o.raw == nil {
		return nil
	}
	walkMembers(o.raw, o.open, func(name string, _ json.RawMessage) bool {
		if !slices.Contains(keys, name) {
			keys = append(keys, name)
		}
		return true
	})
	return keys
}

// plainName returns a quoted member name without its quotes, and whether
// those bytes are the name as encoding/json reads it (no escapes, valid UTF-8).
func plainName(quoted []byte) ([]byte, bool) {
	if len(quoted) < 2 {
		return nil, false
	}
	plain := quoted[1 : len(quoted)-1]
	return plain, bytes.IndexByte(plain, '\\') < 0 && utf8.Valid(plain)
}

// scanArray splits a valid JSON array into its items, sub-slices of raw. ok
// is false when raw does not start like an array.
func scanArray(raw []byte) ([]json.RawMessage, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	items := make([]json.RawMessage, 0, countMembers(raw, i))
	walkItems(raw, i, func(item json.RawMessage) bool {
		items = append(items, item)
		return true
	})
	return items, true
}

// EachField calls fn with each field of the JSON object raw, in order, the
// values as sub-slices of raw, until fn returns false. raw must be valid JSON
// (json.Valid); EachField reports false when it is not an object.
func EachField(raw json.RawMessage, fn func(name string, value json.RawMessage) bool) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	walkMembers(raw, i, fn)
	return true
}

// EachItem calls fn with each item of the JSON array raw, in order, until fn
// returns false. raw must be valid JSON; EachItem reports false when it is not
// an array.
func EachItem(raw json.RawMessage, fn func(item json.RawMessage) bool) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return false
	}
	walkItems(raw, i, fn)
	return true
}

// walkMembers walks the object opening at i.
func walkMembers(raw []byte, i int, fn func(string, json.RawMessage) bool) {
	walkRawMembers(raw, i, func(key []byte, val json.RawMessage) bool { return fn(memberName(key), val) })
}

// walkRawMembers walks the object opening at i, the names still quoted.
func walkRawMembers(raw []byte, i int, fn func([]byte, json.RawMessage) bool) {
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		end := skipString(raw, i)
		key := raw[i:end]
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		if end == i || !fn(key, raw[i:end:end]) {
			return
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return
		}
		i = skipSpace(raw, i+1)
	}
}

// walkItems walks the array opening at i.
func walkItems(raw []byte, i int, fn func(json.RawMessage) bool) {
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != ']' {
		end := skipValue(raw, i)
		if end == i || !fn(raw[i:end:end]) {
			return
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return
		}
		i = skipSpace(raw, i+1)
	}
}

// countMembers counts the members of the valid object or array opening at i.
func countMembers(raw []byte, i int) int {
	j := skipSpace(raw, i+1)
	if j < len(raw) && (raw[j] == '}' || raw[j] == ']') {
		return 0
	}
	n := 1
	for j < len(raw) {
		switch raw[j] {
		case '"':
			j = skipString(raw, j)
			continue
		case '{', '[':
			j = skipValue(raw, j)
			continue
		case ',':
			n++
		case '}', ']':
			return n
		}
		j++
	}
	return n
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the valid JSON string opening at i.
func skipString(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index after the valid JSON value starting at i.
func skipValue(raw []byte, i int) int {
	if i >= len(raw) {
		return i
	}
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for i < len(raw) {
			switch raw[i] {
			case '"':
				i = skipString(raw, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(raw) {
		switch raw[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// memberName unquotes a member name. Names the contract uses come from a fixed
// table, so the common case allocates nothing.
func memberName(quoted []byte) string {
	if len(quoted) < 2 {
		return ""
	}
	plain := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(plain, '\\') >= 0 || !utf8.Valid(plain) {
		// Escapes, or bytes encoding/json would replace with U+FFFD.
		var s string
		_ = json.Unmarshal(quoted, &s)
		return s
	}
	if s, ok := knownNames()[string(plain)]; ok {
		return s
	}
	return string(plain)
}

// knownNames interns the member names of the contract's answers (built on
// first use, not at start-up).
var knownNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"data", "meta", "error", "errors", "message", "code", "links", "request_id", "items",
		"total", "count", "page", "current_page", "last_page", "per_page", "next", "next_page_url",
		"id", "name", "notes", "key", "created_at", "updated_at", "last_used_at", "expires_at",
		"user", "email", "username", "verified", "access_token", "token", "token_type", "token_expiry",
		"api_key", "scopes", "token_lifetime_capped", "account_username", "about_me", "socials",
		"preferences", "wallet", "balance", "currency", "role", "permissions", "invite_status", "invite_id",
		"nsfw_content", "wallet_notification_enabled", "wallet_notification_threshold", "verification_required",
	} {
		m[n] = n
	}
	return m
})
