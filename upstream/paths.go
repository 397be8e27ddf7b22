package upstream

import (
	"net/url"
	"regexp"
	"strconv"
	"sync"
)

// idPath validates a numeric id and renders it into a path: ids are positive
// integers, so nothing a caller passes can reach another path.
func idPath(prefix string, name string, id int64, suffix string) (string, error) {
	if id <= 0 {
		return "", &InvalidParamError{Name: name, Problem: "must be a positive integer, got " + strconv.FormatInt(id, 10)}
	}
	return prefix + strconv.FormatInt(id, 10) + suffix, nil
}

var uuidRE = lazyRegexp(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID reports whether s is a canonical 8-4-4-4-12 hex UUID.
func isUUID(s string) bool { return uuidRE().MatchString(s) }

// uuidPath validates an invite id and renders it, escaped, into a path.
func uuidPath(prefix, name, id, suffix string) (string, error) {
	if !isUUID(id) {
		return "", &InvalidParamError{Name: name, Problem: "must be a UUID like 123e4567-e89b-42d3-a456-426614174000"}
	}
	// A validated UUID needs no escaping; escape anyway so the rule holds if the check is ever loosened.
	return prefix + url.PathEscape(id) + suffix, nil
}

// pageQuery renders an optional page number as ?page=N.
func pageQuery(page []int64) url.Values {
	if len(page) == 0 || page[0] <= 0 {
		return nil
	}
	return url.Values{"page": {strconv.FormatInt(page[0], 10)}}
}

// lazyRegexp compiles a pattern on first use: a start-up should not pay for
// patterns that only error paths and rare parameters need.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
