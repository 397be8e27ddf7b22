package tools

import (
	"strings"
	"unicode/utf8"
)

// maxSuggestInput bounds the work spent on "did you mean" suggestions: a
// hostile 1 MiB parameter name must not cost a quadratic edit distance.
const maxSuggestInput = 64

// foldName lowercases s and drops '_', '-', ' ' and '.', so that keyId,
// key-id and KEY_ID all compare equal to key_id.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '_', '-', ' ', '.':
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// hasSegment reports whether word is one of the '_'/'-' separated segments
// of name (case-insensitive): "id" in key_id, "username" in account_username.
func hasSegment(name, word string) bool {
	if word == "" {
		return false
	}
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' }) {
		if strings.EqualFold(seg, word) {
			return true
		}
	}
	return false
}

// nearestNames returns the candidates that input most plausibly meant, best
// first, at most three; none when nothing is close. In order of preference:
// the same name up to case and separators; names that contain the input as a
// segment or a folded substring (expiry → token_expiry, id → key_id); then
// the smallest edit distance within a threshold that grows with the length.
func nearestNames(input string, candidates []string) []string {
	if input == "" || utf8.RuneCountInString(input) > maxSuggestInput {
		return nil
	}
	fin := foldName(input)
	if fin == "" {
		return nil
	}
	for _, c := range candidates {
		if foldName(c) == fin {
			return []string{c}
		}
	}
	var contains []string
	for _, c := range candidates {
		fc := foldName(c)
		if hasSegment(c, input) || (len(fin) >= 3 && (strings.Contains(fc, fin) || strings.Contains(fin, fc))) {
			contains = append(contains, c)
		}
	}
	if len(contains) > 0 && len(contains) <= 3 {
		return contains
	}
	limit := 1
	switch n := utf8.RuneCountInString(fin); {
	case n > 8:
		limit = 3
	case n > 4:
		limit = 2
	}
	best, bestD := []string(nil), limit+1
	for _, c := range candidates {
		switch d := editDistance(fin, foldName(c)); {
		case d < bestD:
			best, bestD = []string{c}, d
		case d == bestD && len(best) < 3:
			best = append(best, c)
		}
	}
	return best
}

// Suggest is nearestNames for the rest of the program (the command line's
// "did you mean --sandbox?"), so there is one idea of "near" everywhere.
func Suggest(input string, candidates []string) []string {
	return nearestNames(input, candidates)
}
