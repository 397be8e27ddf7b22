// Package docs holds the deep documentation that the README links to; its
// test keeps the links between them working.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches a Markdown link target: ](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// anchor turns a Markdown heading into its GitHub anchor.
func anchor(heading string) string {
	h := strings.ToLower(strings.TrimSpace(heading))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestRelativeLinksResolve checks that every relative link in the README and
// in docs/ names a file that exists and, with a #fragment, a heading in it:
// moving a section must not leave a newcomer on a dead link.
func TestRelativeLinksResolve(t *testing.T) {
	files, _ := filepath.Glob("*.md")
	files = append(files, "../README.md")
	if len(files) < 2 {
		t.Fatal("no Markdown files found in docs/")
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(text), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			full := f
			if path != "" {
				full = filepath.Join(filepath.Dir(f), path)
			}
			body, err := os.ReadFile(full)
			if err != nil {
				if st, serr := os.Stat(full); serr == nil && st.IsDir() {
					continue
				}
				t.Errorf("%s links to %s, which does not exist", f, target)
				continue
			}
			if frag == "" {
				continue
			}
			found := false
			for _, line := range strings.Split(string(body), "\n") {
				if strings.HasPrefix(line, "#") && anchor(strings.TrimLeft(line, "#")) == frag {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s links to %s, but %s has no heading with that anchor", f, target, full)
			}
		}
	}
}

// TestEveryPageIsReachableBothWays: the README links to every page in docs/
// (its "More" list), and every page links back, so a newcomer who followed a
// link is never stranded (release.md once had no way back).
func TestEveryPageIsReachableBothWays(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.md")
	for _, f := range files {
		if !strings.Contains(string(readme), "](docs/"+f) {
			t.Errorf("the README does not link to docs/%s", f)
		}
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), "[Back to the README](../README.md)") {
			t.Errorf("docs/%s has no [Back to the README](../README.md) link", f)
		}
	}
}
