package upstream

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Kind is a set of JSON kinds: what a field of an answer is expected to be,
// or what it was.
type Kind uint16

// The JSON kinds. Missing is not a JSON kind: it is what a field that is
// absent "is", for a Warning.
const (
	KindNull Kind = 1 << iota
	KindBoolean
	KindNumber
	KindString
	KindArray
	KindObject
	KindMissing
	// KindText is a body that is not JSON at all.
	KindText
	// KindOtherObject is an object that has none of the expected fields:
	// one warning instead of one per missing field.
	KindOtherObject
)

// KindAny accepts every JSON value.
const KindAny = KindNull | KindBoolean | KindNumber | KindString | KindArray | KindObject

var kindNames = []struct {
	k    Kind
	name string
}{
	{KindObject, "object"}, {KindArray, "array"}, {KindString, "string"}, {KindNumber, "number"},
	{KindBoolean, "boolean"}, {KindNull, "null"}, {KindMissing, "missing"}, {KindText, "text that is not JSON"},
	{KindOtherObject, "object without any of the expected fields"},
}

// String names the kinds, e.g. "string or null".
func (k Kind) String() string {
	if k&KindAny == KindAny {
		return "any JSON value"
	}
	var names []string
	for _, n := range kindNames {
		if k&n.k != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, " or ")
}

// MarshalText makes a Kind read as its name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// kindOf is the kind of one JSON value; an empty one is missing.
func kindOf(raw json.RawMessage) Kind {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return KindMissing
	}
	switch raw[0] {
	case '{':
		return KindObject
	case '[':
		return KindArray
	case '"':
		return KindString
	case 't', 'f':
		return KindBoolean
	case 'n':
		return KindNull
	}
	return KindNumber
}

// Warning says where an answer differed from the contract: which field, the
// JSON kind expected and the kind that came. It never holds a value.
type Warning struct {
	// Path is the request path of the answer (a result of several calls, like
	// rotate, has warnings from each).
	Path     string `json:"path"`
	Field    string `json:"field"`
	Expected Kind   `json:"expected"`
	Got      Kind   `json:"got"`
	// Effect says what the server could not do because of it; empty when the
	// field is only passed on.
	Effect string `json:"effect,omitempty"`
	// NeededBy names the action that reads the field (Field.NeededBy).
	NeededBy string `json:"needed_by,omitempty"`
	// RequestID is the answer's request id, for the log line (a result of
	// several calls has several).
	RequestID string `json:"-"`
}

// objectFields splits a JSON object into its fields (sub-slices of raw, see
// scan.go); ok is false for any other kind.
func objectFields(raw json.RawMessage) (object, bool) {
	if kindOf(raw) != KindObject {
		return object{}, false
	}
	return scanObject(raw)
}

// arrayItems splits a JSON array into its items; ok is false for any other kind.
func arrayItems(raw json.RawMessage) ([]json.RawMessage, bool) {
	if kindOf(raw) != KindArray {
		return nil, false
	}
	return scanArray(raw)
}
