package sandbox

import (
	"bytes"
	"encoding/json"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// fields is a request body: a JSON object, values kept raw so that type
// errors can be reported per field, the way Laravel's validator does.
type fields map[string]json.RawMessage

type valueState int

const (
	stAbsent valueState = iota
	stNull              // JSON null, or a string that is empty after trimming
	stOK
	stBad // wrong JSON type
)

// untrimmed fields are passwords: like Laravel's TrimStrings middleware, the
// sandbox trims every other string and turns "" into null.
var untrimmed = map[string]bool{"password": true, "password_confirmation": true, "current_password": true}

// str reads a string field.
func (f fields) str(k string) (string, valueState) {
	raw, ok := f[k]
	if !ok {
		return "", stAbsent
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return "", stNull
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", stBad
	}
	if !untrimmed[k] {
		v = strings.TrimSpace(v)
	}
	if v == "" {
		return "", stNull
	}
	return v, stOK
}

// rawString is the string value of k, if it is one (used for limiter keys).
func (f fields) rawString(k string) (string, bool) {
	v, st := f.str(k)
	return v, st == stOK
}

// validator collects a Laravel-style field bag.
type validator struct {
	f   fields
	bag map[string][]string
}

func newValidator(f fields) *validator { return &validator{f: f, bag: map[string][]string{}} }

func (v *validator) add(field, msg string) { v.bag[field] = append(v.bag[field], msg) }
func (v *validator) failed() bool          { return len(v.bag) > 0 }
func (v *validator) has(field string) bool { return len(v.bag[field]) > 0 }
func (v *validator) result() response      { return invalid(v.bag) }

func label(field string) string { return strings.ReplaceAll(field, "_", " ") }

// required reads a required string field, with a max length in characters.
func (v *validator) required(k string, max int) string {
	s, st := v.f.str(k)
	switch st {
	case stAbsent, stNull:
		v.add(k, "The "+label(k)+" field is required.")
	case stBad:
		v.add(k, "The "+label(k)+" field must be a string.")
	default:
		v.maxLen(k, s, max)
	}
	return s
}

// optional reads an optional string field. set is false when the field is
// absent. A null or empty value is reported as set with "" when nullable,
// and as a "required" error otherwise (the field was sent without a value).
func (v *validator) optional(k string, max int, nullable bool) (val string, set bool) {
	s, st := v.f.str(k)
	switch st {
	case stAbsent:
		return "", false
	case stNull:
		if nullable {
			return "", true
		}
		v.add(k, "The "+label(k)+" field is required.")
		return "", false
	case stBad:
		v.add(k, "The "+label(k)+" field must be a string.")
		return "", false
	}
	v.maxLen(k, s, max)
	return s, true
}

// optionalDefault reads an optional string whose absence (or null) means a
// default value.
func (v *validator) optionalDefault(k string, max int, def string) string {
	s, st := v.f.str(k)
	switch st {
	case stAbsent, stNull:
		return def
	case stBad:
		v.add(k, "The "+label(k)+" field must be a string.")
		return def
	}
	v.maxLen(k, s, max)
	return s
}

func (v *validator) maxLen(k, s string, max int) {
	if max > 0 && utf8.RuneCountInString(s) > max {
		v.add(k, "The "+label(k)+" field must not be greater than "+strconv.Itoa(max)+" characters.")
	}
}

func (v *validator) minLen(k, s string, min int) {
	if s != "" && utf8.RuneCountInString(s) < min {
		v.add(k, "The "+label(k)+" field must be at least "+strconv.Itoa(min)+" characters.")
	}
}

func (v *validator) email(k, s string) {
	if s != "" && !v.has(k) && !validEmail(s) {
		v.add(k, "The "+label(k)+" field must be a valid email address.")
	}
}

// password checks a new password: at least 8 characters and, when a
// confirmation is required or was sent, confirmed.
func (v *validator) password(s string, confirmRequired bool) {
	v.minLen("password", s, 8)
	conf, st := v.f.str("password_confirmation")
	switch {
	case st == stBad:
		v.add("password_confirmation", "The password confirmation field must be a string.")
	case st != stOK:
		if confirmRequired {
			v.add("password_confirmation", "The password confirmation field is required.")
		}
	case s != "" && conf != s:
		v.add("password", "The password field confirmation does not match.")
	}
}

// boolean reads an optional boolean field (true/false, 1/0, "1"/"0", as
// Laravel's boolean rule accepts).
func (v *validator) boolean(k string) (val, set bool) {
	raw, ok := v.f[k]
	if !ok {
		return false, false
	}
	switch strings.TrimSpace(string(raw)) {
	case "true", "1", `"1"`:
		return true, true
	case "false", "0", `"0"`:
		return false, true
	}
	v.add(k, "The "+label(k)+" field must be true or false.")
	return false, false
}

// number reads an optional numeric field (a JSON number or a numeric string,
// as Laravel's numeric rule accepts).
func (v *validator) number(k string) (val float64, set bool) {
	raw, ok := v.f[k]
	if !ok {
		return 0, false
	}
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			str = ""
		}
		s = strings.TrimSpace(str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if !numericRe().MatchString(s) || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		v.add(k, "The "+label(k)+" field must be a number.")
		return 0, false
	}
	return f, true
}

// stringList reads an optional array of strings (at most max items). items
// keeps the request's order and indices; invalid items are "" and already
// reported. Use dedupe for the clean list.
func (v *validator) stringList(k string, max, maxLen int) (items []string, set bool) {
	raw, ok := v.f[k]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		v.add(k, "The "+label(k)+" field must be an array.")
		return nil, false
	}
	if len(elems) > max {
		v.add(k, "The "+label(k)+" field must not have more than "+strconv.Itoa(max)+" items.")
		return nil, false
	}
	items = make([]string, len(elems))
	for i, it := range elems {
		var s string
		key := k + "." + strconv.Itoa(i)
		if json.Unmarshal(it, &s) != nil || strings.TrimSpace(s) == "" {
			v.add(key, "The "+key+" field must be a string.")
			continue
		}
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) > maxLen {
			v.add(key, "The "+key+" field must not be greater than "+strconv.Itoa(maxLen)+" characters.")
			continue
		}
		items[i] = s
	}
	return items, true
}

// dedupe drops empty and repeated items, keeping the first occurrence.
func dedupe(items []string) []string {
	out := []string{}
	for _, s := range items {
		if s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func validEmail(s string) bool {
	if len(s) > 255 || strings.ContainsAny(s, " \t\r\n<>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".")
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validURL accepts absolute http(s) URLs with a host.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n")
}

// The patterns compile on first use: a server that never runs the sandbox
// should not pay for them at start-up.
var (
	usernameRe = lazyRegexp(`^[A-Za-z0-9_-]+$`)
	// Discord handles: current usernames (2-32 of a-z 0-9 _ .) or legacy
	// Name#1234 tags.
	discordRe = lazyRegexp(`^(?:[A-Za-z0-9_.]{2,32}|[^#@:\x60\s]{2,32}#[0-9]{4})$`)
	numericRe = lazyRegexp(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
	uuidRe    = lazyRegexp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

func isUUID(s string) bool { return uuidRe().MatchString(s) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
