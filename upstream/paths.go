package upstream

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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

// maxPathParam bounds a string path parameter: real ids (pm_…, in_…, pi_…,
// model ids) are far shorter.
const maxPathParam = 255

// strPath validates a string id (a model id, pm_…, in_…, pi_…) and renders it,
// escaped, into a path. The ids' formats are not documented beyond their
// prefixes, so only what could change the path or the request is refused:
// empty, "." or "..", a slash, control characters, or more than 255 bytes.
// Everything else is escaped, so nothing a caller passes can reach another path.
func strPath(prefix, name, id, suffix string) (string, error) {
	var problem string
	switch {
	case id == "":
		problem = "must not be empty"
	case len(id) > maxPathParam:
		problem = "must be at most " + strconv.Itoa(maxPathParam) + " bytes long, got " + strconv.Itoa(len(id))
	case id == "." || id == "..":
		problem = `must be an id, not "` + id + `"`
	case strings.ContainsAny(id, `/\`):
		problem = "must not contain a slash"
	case strings.ContainsFunc(id, unicode.IsControl):
		problem = "must not contain control characters"
	case !utf8.ValidString(id):
		problem = "must be valid UTF-8"
	case strings.TrimSpace(id) != id:
		problem = "must not start or end with white space"
	}
	if problem != "" {
		return "", &InvalidParamError{Name: name, Problem: problem}
	}
	return prefix + url.PathEscape(id) + suffix, nil
}
