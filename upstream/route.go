package upstream

import "strings"

// routeTemplate turns an already validated path into its template for metrics:
// numeric segments become {id}, UUIDs {invite_id}, and anything else that is
// not a plain lower-case word {param}, so no id ever becomes a label value.
// A query string, if a path ever carries one, is dropped.
func routeTemplate(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case s == "":
		case strings.Trim(s, "0123456789") == "":
			segs[i] = "{id}"
		case isUUID(s):
			segs[i] = "{invite_id}"
		case strings.Trim(s, "abcdefghijklmnopqrstuvwxyz-") != "":
			segs[i] = "{param}"
		}
	}
	return strings.Join(segs, "/")
}
