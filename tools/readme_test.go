package tools_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/schemas"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
)

const (
	readmePath  = "../README.md"
	tableBegin  = "<!-- tools-table:begin (generated from schemas/ by tools/readme_test.go; UPDATE_README=1 go test ./tools) -->"
	tableEnd    = "<!-- tools-table:end -->"
	maxParamDoc = 110
)

// toolsTable renders every tool, action and parameter from the specs and the
// published schemas, so the README cannot drift from what clients see.
func toolsTable(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, spec := range tools.Specs() {
		raw, ok := schemas.Tool(spec.Name)
		if !ok {
			t.Fatalf("no schema for %s", spec.Name)
		}
		var s struct {
			Properties map[string]struct {
				Type        any    `json:"type"`
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n#### `%s` (toolset `%s`)\n\n", spec.Name, spec.Toolset)
		b.WriteString("| action | required | optional | changes nothing | moves money | ours |\n|---|---|---|---|---|---|\n")
		for _, a := range spec.Actions {
			opt := codeList(a.Optional)
			if a.AtLeastOne {
				opt = "at least one of: " + opt
			}
			ro := ""
			if a.ReadOnly {
				ro = "yes"
			}
			money, ours := "", ""
			switch {
			case a.Money != nil && a.Confirm != nil:
				money = "**yes**: asks the person first"
			case a.Money != nil:
				money = "**yes**: the person pays on Stripe's page"
			}
			if a.Ours {
				ours = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", a.Name, codeList(a.Required), opt, ro, money, ours)
		}
		b.WriteString("\n| parameter | type | description |\n|---|---|---|\n")
		for _, name := range paramOrder(spec) {
			p := s.Properties[name]
			desc := firstSentence(p.Description)
			fmt.Fprintf(&b, "| `%s` | %v | %s |\n", name, p.Type, strings.ReplaceAll(desc, "|", "\\|"))
		}
	}
	return b.String()
}

// firstSentence keeps a description short for the table ("e.g." is not a sentence end).
func firstSentence(desc string) string {
	for i := 0; i+1 < len(desc); i++ {
		if desc[i] == '.' && desc[i+1] == ' ' && !strings.HasSuffix(desc[:i], "e.g") && !strings.HasSuffix(desc[:i], "i.e") {
			if i < maxParamDoc {
				return desc[:i+1]
			}
			break
		}
	}
	if len(desc) > maxParamDoc {
		// Cut between words, after the last clause that fits when there is
		// one (issue 21: the scopes cell ended in "(Mode…").
		cut := desc[:maxParamDoc]
		if i := strings.LastIndex(cut, ", "); i > maxParamDoc/2 {
			cut = cut[:i]
		} else if i := strings.LastIndexByte(cut, ' '); i > 0 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,;:(") + " …"
	}
	return desc
}

func paramOrder(spec tools.ToolSpec) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range spec.Actions {
		for _, p := range append(append([]string{}, a.Required...), a.Optional...) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func codeList(ps []string) string {
	if len(ps) == 0 {
		return "–"
	}
	return "`" + strings.Join(ps, "`, `") + "`"
}

func TestReadmeToolsTableInSync(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i, j := strings.Index(text, tableBegin), strings.Index(text, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q and %q", tableBegin, tableEnd)
	}
	want := toolsTable(t) + "\n"
	got := text[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if os.Getenv("UPDATE_README") != "" {
		updated := text[:i+len(tableBegin)] + want + text[j:]
		if err := os.WriteFile(readmePath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the tools table in README.md is stale: run UPDATE_README=1 go test ./tools and commit it")
}

// No table cell is cut inside a word.
func TestToolsTableCutsBetweenWords(t *testing.T) {
	cut := 0
	for _, spec := range tools.Specs() {
		raw, _ := schemas.Tool(spec.Name)
		var s struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		for name, p := range s.Properties {
			got := firstSentence(p.Description)
			kept, ok := strings.CutSuffix(got, " …")
			if !ok {
				continue
			}
			cut++
			if next := p.Description[len(kept):]; !strings.HasPrefix(p.Description, kept) || (next[0] != ' ' && next[0] != ',' && next[0] != ';') {
				t.Errorf("%s %s: %q is cut inside a word of %q", spec.Name, name, got, p.Description)
			}
		}
	}
	if cut == 0 {
		t.Error("no description is long enough to be cut: the test checks nothing")
	}
}
