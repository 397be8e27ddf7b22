package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestReadmeConfigurationNamesEveryFlag keeps the README's Configuration
// table whole: every flag of every command, with its environment variable,
// has a row. Four branches added flags in one round; a row forgotten is a
// setting nobody finds.
func TestReadmeConfigurationNamesEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Configuration")
	if start < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	section := text[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	c := &config{getenv: func(string) string { return "" }}
	seen := map[string]bool{}
	for _, cmd := range append(commandNames(), "reset") {
		for _, f := range c.flagTable(cmd) {
			if seen[f.name] {
				continue
			}
			seen[f.name] = true
			row := "| `--" + f.name + "` |"
			i := strings.Index(section, row)
			if i < 0 {
				t.Errorf("the README's Configuration table has no row for --%s", f.name)
				continue
			}
			line, _, _ := strings.Cut(section[i:], "\n")
			if f.env != "" && !strings.Contains(line, "`"+f.env) {
				t.Errorf("the README's row for --%s does not name %s: %s", f.name, f.env, line)
			}
		}
	}
	// The default column names each command's default as help prints it
	// (--log-format's auto was once missing); off, none and paths are words.
	for _, cmd := range commandNames() {
		for _, f := range c.flagTable(cmd) {
			if !f.takes(cmd) {
				continue
			}
			fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
			f.bind(fs, f.name, f.usage)
			def := fs.Lookup(f.name).DefValue
			if def == "" || def == "false" || def == "0" || strings.HasPrefix(def, "/") {
				continue
			}
			i := strings.Index(section, "| `--"+f.name+"` |")
			if i < 0 {
				continue // reported above
			}
			line, _, _ := strings.Cut(section[i:], "\n")
			if cols := strings.Split(line, " | "); len(cols) < 4 || !strings.Contains(cols[2], "`"+def+"`") {
				t.Errorf("the README's row for --%s does not give %s's default `%s` in its default column: %s", f.name, cmd, def, line)
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d flags found in the flag table", len(seen))
	}
}
