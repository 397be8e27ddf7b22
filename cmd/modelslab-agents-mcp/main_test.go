package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// env is a fake environment: tests never read or change the real one.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func mustParse(t *testing.T, args []string, getenv func(string) string) *config {
	t.Helper()
	var stderr bytes.Buffer
	c, err := parseConfig(args, getenv, &stderr)
	if err != nil {
		t.Fatalf("parseConfig(%q): %v\nstderr: %s", args, err, stderr.String())
	}
	return c
}

func TestParseConfigDefaults(t *testing.T) {
	c := mustParse(t, []string{"http"}, env())
	want := &config{
		command: "http", baseURL: upstream.DefaultBaseURL, timeout: upstream.DefaultTimeout,
		logLevel: "info", logFormat: "auto", addr: "127.0.0.1:8080", sessionSecret: []byte{},
		drainDelay: 5 * time.Second, maxSessions: server.DefaultMaxSessions,
		confirmDestructive: "auto", rawArgs: []string{"http"}, sandboxState: "none",
		// Issue 17: the default toolsets are the five account tools; $100 ceiling.
		toolsets: []string{"auth", "tokens", "profile", "api-keys", "teams"}, maxCharge: 100,
	}
	c.getenv = nil // a func: compared by the cases below
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	// The offline control plane alone gets its own port, so both can run at once.
	if c := mustParse(t, []string{"sandbox"}, env()); c.addr != "127.0.0.1:8090" {
		t.Errorf("sandbox default addr = %q", c.addr)
	}
	for _, cmd := range []string{"stdio", "http", "sandbox", "healthcheck", "version"} {
		if c := mustParse(t, []string{cmd}, env()); c.command != cmd {
			t.Errorf("command %q parsed as %q", cmd, c.command)
		}
	}
}

// Each setting by flag, and by its environment variable: both must land in
// the same field, and the flag must win over the environment.
func TestParseConfigFlagsAndEnv(t *testing.T) {
	cases := []struct {
		flag  []string
		env   []string // name, value
		field func(*config) any
		want  any
	}{
		{[]string{"--base-url", "http://127.0.0.1:9/api"}, []string{"MODELSLAB_BASE_URL", "http://127.0.0.1:9/api"},
			func(c *config) any { return c.baseURL }, "http://127.0.0.1:9/api"},
		{[]string{"--timeout", "5s"}, []string{"MODELSLAB_TIMEOUT", "5s"},
			func(c *config) any { return c.timeout }, 5 * time.Second},
		{[]string{"--log-level", "debug"}, []string{"MODELSLAB_LOG_LEVEL", "debug"},
			func(c *config) any { return c.logLevel }, "debug"},
		{[]string{"--log-format", "console"}, []string{"MODELSLAB_LOG_FORMAT", "console"},
			func(c *config) any { return c.logFormat }, "console"},
		{[]string{"--read-only"}, []string{"MODELSLAB_READ_ONLY", "1"},
			func(c *config) any { return c.readOnly }, true},
		{[]string{"--toolsets", " auth, api-keys ,,"}, []string{"MODELSLAB_TOOLSETS", " auth, api-keys ,,"},
			func(c *config) any { return c.toolsets }, []string{"auth", "api-keys"}},
		{[]string{"--toolsets", "all"}, []string{"MODELSLAB_TOOLSETS", "all"},
			func(c *config) any { return len(c.toolsets) }, 10},
		{[]string{"--toolsets", "wallet,default"}, []string{"MODELSLAB_TOOLSETS", "wallet,default"},
			func(c *config) any { return c.toolsets }, []string{"auth", "tokens", "profile", "api-keys", "teams", "wallet"}},
		{[]string{"--max-charge", "25.5"}, []string{"MODELSLAB_MAX_CHARGE", "25.5"},
			func(c *config) any { return c.maxCharge }, 25.5},
		{[]string{"--reveal-tokens"}, []string{"MODELSLAB_REVEAL_TOKENS", "true"},
			func(c *config) any { return c.revealTokens }, true},
		{[]string{"--sandbox"}, []string{"MODELSLAB_SANDBOX", "1"},
			func(c *config) any { return c.sandbox }, true},
		{[]string{"--addr", "0.0.0.0:9999"}, []string{"MODELSLAB_ADDR", "0.0.0.0:9999"},
			func(c *config) any { return c.addr }, "0.0.0.0:9999"},
		{[]string{"--allowed-origins", "https://a.example.com, https://b.example.com"},
			[]string{"MODELSLAB_ALLOWED_ORIGINS", "https://a.example.com, https://b.example.com"},
			func(c *config) any { return c.allowedOrigins }, []string{"https://a.example.com", "https://b.example.com"}},
		{[]string{"--allowed-hosts", "mcp.example.com"}, []string{"MODELSLAB_ALLOWED_HOSTS", "mcp.example.com"},
			func(c *config) any { return c.allowedHosts }, []string{"mcp.example.com"}},
		// Running as a service (issue 13).
		{[]string{"--metrics-addr", "127.0.0.1:9090"}, []string{"MODELSLAB_METRICS_ADDR", "127.0.0.1:9090"},
			func(c *config) any { return c.metricsAddr }, "127.0.0.1:9090"},
		{[]string{"--drain-delay", "0s"}, []string{"MODELSLAB_DRAIN_DELAY", "0s"},
			func(c *config) any { return c.drainDelay }, time.Duration(0)},
		{[]string{"--max-sessions", "200"}, []string{"MODELSLAB_MAX_SESSIONS", "200"},
			func(c *config) any { return c.maxSessions }, 200},
		{[]string{"--rate-limit", "2.5"}, []string{"MODELSLAB_RATE_LIMIT", "2.5"},
			func(c *config) any { return c.rateLimit }, 2.5},
		{[]string{"--rate-burst", "7"}, []string{"MODELSLAB_RATE_BURST", "7"},
			func(c *config) any { return c.rateBurst }, 7},
		{[]string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.1"}, []string{"MODELSLAB_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"},
			func(c *config) any { return c.trustedProxies }, []string{"10.0.0.0/8", "192.0.2.1"}},
	}
	for _, tc := range cases {
		t.Run(tc.flag[0], func(t *testing.T) {
			cmd := "http"
			if tc.flag[0] == "--reveal-tokens" {
				cmd = "stdio" // its only command
			}
			byFlag := mustParse(t, append([]string{cmd}, tc.flag...), env())
			if got := tc.field(byFlag); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flag %v: got %#v, want %#v", tc.flag, got, tc.want)
			}
			// Before the command too.
			byFlag = mustParse(t, append(slices.Clone(tc.flag), cmd), env())
			if got := tc.field(byFlag); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flag %v before %s: got %#v, want %#v", tc.flag, cmd, got, tc.want)
			}
			byEnv := mustParse(t, []string{cmd}, env(tc.env...))
			if got := tc.field(byEnv); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("env %v: got %#v, want %#v", tc.env, got, tc.want)
			}
			// Unset, the field keeps its default: the case is not vacuous.
			if got := tc.field(mustParse(t, []string{cmd}, env())); reflect.DeepEqual(got, tc.want) {
				t.Errorf("default already equals %#v", got)
			}
		})
	}

	// The flag wins over the environment, including an explicit false.
	c := mustParse(t, []string{"http", "--addr", "127.0.0.1:1", "--read-only=false", "--timeout", "2s"},
		env("MODELSLAB_ADDR", "127.0.0.1:2", "MODELSLAB_READ_ONLY", "1", "MODELSLAB_TIMEOUT", "9s"))
	if c.addr != "127.0.0.1:1" || c.readOnly || c.timeout != 2*time.Second {
		t.Errorf("flags did not override the environment: %+v", c)
	}
	// Booleans read false when set so.
	c = mustParse(t, []string{"http"}, env("MODELSLAB_SANDBOX", "0", "MODELSLAB_READ_ONLY", "false"))
	if c.sandbox || c.readOnly {
		t.Errorf("false booleans read as true: %+v", c)
	}
	// --version works with or without a command.
	if c := mustParse(t, []string{"--version"}, env()); !c.showVersion || c.command != "" {
		t.Errorf("--version: %+v", c)
	}
}

func TestParseConfigSecretsFromEnvOnly(t *testing.T) {
	c := mustParse(t, []string{"stdio"}, env("MODELSLAB_AGENT_TOKEN", "  42|secret-token \n", "MODELSLAB_SESSION_SECRET", "fleet"))
	if c.token != "42|secret-token" {
		t.Errorf("token = %q, want it trimmed from MODELSLAB_AGENT_TOKEN", c.token)
	}
	if string(c.sessionSecret) != "fleet" {
		t.Errorf("session secret = %q", c.sessionSecret)
	}

	// No flag may carry the token: flags show in `ps`. Each command's help
	// lists its flags; none but --reveal-tokens (a boolean) names a token or secret.
	var stderr bytes.Buffer
	for _, cmd := range commandNames() {
		stderr.Reset()
		if _, err := parseConfig([]string{"help", cmd}, env(), &stderr); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("help %s: %v", cmd, err)
		}
		for _, name := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(\S+)`).FindAllStringSubmatch(stderr.String(), -1) {
			if n := name[1]; (strings.Contains(n, "token") || strings.Contains(n, "secret")) && n != "reveal-tokens" {
				t.Errorf("flag --%s of %s could carry a secret", n, cmd)
			}
		}
	}
	for _, args := range [][]string{
		{"stdio", "--token", "42|x"},
		{"stdio", "--agent-token=42|x"},
		{"stdio", "--session-secret", "x"},
		{"stdio", "--reveal-tokens=42|x"},
	} {
		stderr.Reset()
		if c, err := parseConfig(args, env(), &stderr); err == nil {
			t.Errorf("%q accepted: token %q", args, c.token)
		}
	}
	// A token passed as a positional argument is refused with where it belongs.
	_, err := parseConfig([]string{"stdio", "42|x"}, env(), &stderr)
	if err == nil || !strings.Contains(err.Error(), "MODELSLAB_AGENT_TOKEN") {
		t.Errorf("positional token: %v, want an error pointing at MODELSLAB_AGENT_TOKEN", err)
	}
}

func TestParseConfigBrowserLoginFlags(t *testing.T) {
	c := mustParse(t, []string{"stdio", "--site-url", "http://127.0.0.1:8090/", "--no-browser", "--confirm-destructive", "never"}, env())
	if c.siteURL != "http://127.0.0.1:8090" || !c.noBrowser || c.confirmDestructive != "never" {
		t.Errorf("flags: %+v", c)
	}
	c = mustParse(t, []string{"stdio"}, env("MODELSLAB_SITE_URL", "https://staging.example", "MODELSLAB_NO_BROWSER", "1", "MODELSLAB_CONFIRM_DESTRUCTIVE", "never"))
	if c.siteURL != "https://staging.example" || !c.noBrowser || c.confirmDestructive != "never" {
		t.Errorf("env: %+v", c)
	}
	if browserOpener(c, nil) != nil {
		t.Error("--no-browser still opens a browser")
	}
	for _, tc := range []struct {
		env  []string
		want bool
	}{{nil, runtime.GOOS == "darwin" || runtime.GOOS == "windows"}, {[]string{"DISPLAY", ":0"}, true}, {[]string{"WAYLAND_DISPLAY", "wayland-0"}, true}} {
		if got := hasDesktop(env(tc.env...)); got != tc.want {
			t.Errorf("hasDesktop(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want string // in the error
	}{
		{"unknown command", []string{"serve"}, nil, `unknown command "serve"`},
		{"help for an unknown command", []string{"help", "serve"}, nil, `unknown command "serve"`},
		{"no command", nil, nil, "a command is required"},
		{"no command, only flags", []string{"--sandbox"}, nil, "a command is required"},
		{"unknown flag", []string{"http", "--bogus"}, nil, "unknown flag --bogus for http"},
		{"timeout not a duration", []string{"http", "--timeout", "soon"}, nil, `--timeout "soon": want a Go duration such as 30s`},
		{"timeout zero", []string{"http", "--timeout", "0s"}, nil, "--timeout (MODELSLAB_TIMEOUT) must be positive"},
		{"timeout negative", []string{"http", "--timeout", "-1s"}, nil, "--timeout (MODELSLAB_TIMEOUT) must be positive"},
		{"env timeout not a duration", []string{"http"}, []string{"MODELSLAB_TIMEOUT", "30"}, `MODELSLAB_TIMEOUT="30": want a Go duration such as 30s`},
		{"env timeout negative", []string{"http"}, []string{"MODELSLAB_TIMEOUT", "-5s"}, `--timeout (MODELSLAB_TIMEOUT) must be positive`},
		{"log level", []string{"http", "--log-level", "loud"}, nil, `--log-level "loud": use debug, info, warn or error`},
		{"env log level", []string{"http"}, []string{"MODELSLAB_LOG_LEVEL", "verbose"}, `--log-level "verbose"`},
		{"log format", []string{"http", "--log-format", "xml"}, nil, `--log-format "xml": use json or console`},
		{"env log format", []string{"http"}, []string{"MODELSLAB_LOG_FORMAT", "text"}, `--log-format "text"`},
		{"bool flag value", []string{"http", "--read-only=yes"}, nil, `--read-only "yes": want 1, true, 0 or false`},
		{"env bool", []string{"http"}, []string{"MODELSLAB_READ_ONLY", "yes"}, `MODELSLAB_READ_ONLY="yes": want 1, true, 0 or false`},
		{"env bool sandbox", []string{"http"}, []string{"MODELSLAB_SANDBOX", "on"}, `MODELSLAB_SANDBOX="on"`},
		{"env bool reveal", []string{"stdio"}, []string{"MODELSLAB_REVEAL_TOKENS", "always"}, `MODELSLAB_REVEAL_TOKENS="always"`},
		{"drain delay negative", []string{"http", "--drain-delay", "-1s"}, nil, "--drain-delay must not be negative"},
		{"env drain delay", []string{"http"}, []string{"MODELSLAB_DRAIN_DELAY", "5"}, `MODELSLAB_DRAIN_DELAY="5": want a Go duration`},
		{"max sessions zero", []string{"http", "--max-sessions", "0"}, nil, "--max-sessions 0: want a positive number, or -1"},
		{"env max sessions", []string{"http"}, []string{"MODELSLAB_MAX_SESSIONS", "lots"}, `MODELSLAB_MAX_SESSIONS="lots": want a number`},
		{"rate limit negative", []string{"http", "--rate-limit", "-3"}, nil, "--rate-limit and --rate-burst must not be negative"},
		{"confirm mode", []string{"stdio", "--confirm-destructive", "ask"}, nil, `--confirm-destructive "ask": use auto or never`},
		{"env confirm mode", []string{"stdio"}, []string{"MODELSLAB_CONFIRM_DESTRUCTIVE", "always"}, `--confirm-destructive "always"`},
		{"site url path", []string{"stdio", "--site-url", "https://modelslab.com/auth"}, nil, `--site-url "https://modelslab.com/auth": want scheme://host`},
		{"site url scheme", []string{"stdio", "--site-url", "modelslab.com"}, nil, `--site-url "modelslab.com"`},
		{"env no-browser", []string{"stdio"}, []string{"MODELSLAB_NO_BROWSER", "yes"}, `MODELSLAB_NO_BROWSER="yes"`},
		// The sandbox replaces the control plane: a base URL beside it is a mistake.
		{"sandbox and base url", []string{"http", "--sandbox", "--base-url", "https://modelslab.example/api"}, nil, "--sandbox and --base-url"},
		{"sandbox and env base url", []string{"stdio", "--sandbox"}, []string{"MODELSLAB_BASE_URL", "http://127.0.0.1:9/api"}, "conflict"},
		{"env sandbox and base url", []string{"stdio", "--base-url", "http://127.0.0.1:9/api"}, []string{"MODELSLAB_SANDBOX", "1"}, "conflict"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := parseConfig(tc.args, env(tc.env...), &stderr)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	// The sandbox command is the control plane: the variables of a shell set
	// up for stdio do not disturb it.
	mustParse(t, []string{"sandbox"}, env("MODELSLAB_SANDBOX", "1", "MODELSLAB_BASE_URL", "http://127.0.0.1:9/api"))
}

func runCmd(t *testing.T, args []string, getenv func(string) string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = run(ctx, args, getenv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestRunVersion(t *testing.T) {
	oldV, oldC, oldD := version, commit, date
	t.Cleanup(func() { version, commit, date = oldV, oldC, oldD })
	version, commit, date = "v1.2.3-test", "abc1234", "2026-01-02T15:04:05Z"
	for _, args := range [][]string{{"version"}, {"--version"}, {"http", "--version"}} {
		out, errOut, err := runCmd(t, args, env())
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, want := range []string{"modelslab-agents-mcp v1.2.3-test", "commit abc1234", "built 2026-01-02T15:04:05Z",
			runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH} {
			if !strings.Contains(out, want) {
				t.Errorf("%q printed %q, want %q in it", args, out, want)
			}
		}
		if errOut != "" {
			t.Errorf("%q wrote to stderr: %q", args, errOut)
		}
	}
	// Without -ldflags the commit and date come from the build info, else "unknown".
	commit, date = "", ""
	out, _, _ := runCmd(t, []string{"version"}, env())
	if !regexp.MustCompile(`\(commit \S+, built \S+, go`).MatchString(out) {
		t.Errorf("version without a commit or date: %q", out)
	}
}

// Help goes to stdout with exit 0, as go and git do: `--help`, `-h`, `help`,
// and a command's own with `help <command>` or `<command> --help`, listing
// that command's flags only (issue 21: `help http` listed stdio's and doctor's).
func TestRunHelp(t *testing.T) {
	check := func(args []string) string {
		t.Helper()
		out, errOut, err := runCmd(t, args, env())
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%q: err = %v, want flag.ErrHelp", args, err)
		}
		if exitCode(err) != 0 {
			t.Errorf("help exits %d, want 0", exitCode(err))
		}
		if errOut != "" {
			t.Errorf("%q: help went to stderr: %q", args, errOut)
		}
		var printed bytes.Buffer
		printError(&printed, err)
		if printed.Len() != 0 {
			t.Errorf("%q: an error line after the help: %q", args, printed.String())
		}
		return out
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out := check(args)
		for _, want := range []string{"Usage:", "MODELSLAB_AGENT_TOKEN", "MODELSLAB_SESSION_SECRET", "before or after the command"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q: help lacks %q", args, want)
			}
		}
		for _, cmd := range []string{"stdio", "http", "sandbox", "healthcheck", "doctor", "version", "completion SHELL", "help [command]"} {
			if !strings.Contains(out, "modelslab-agents-mcp "+cmd) {
				t.Errorf("%q: the command list lacks %q", args, cmd)
			}
		}
	}
	// Each command's flags, with their variables, and no other command's.
	own := map[string][]string{
		"http": {"--base-url", "MODELSLAB_BASE_URL", "--timeout", "--log-level", "--log-format", "--read-only", "--toolsets",
			"--sandbox", "--addr", "--allowed-origins", "--allowed-hosts", "--version", "--max-sessions", "--drain-delay", `(default "127.0.0.1:8080")`,
			"MODELSLAB_AGENT_TOKEN"},
		"stdio":       {"--reveal-tokens", "MODELSLAB_REVEAL_TOKENS", "--sandbox", "--read-only", "--metrics-addr"},
		"sandbox":     {"--addr", `(default "127.0.0.1:8090")`},
		"healthcheck": {"--addr"},
		"doctor":      {"--json", "--base-url", "--sandbox"},
	}
	others := map[string][]string{
		"http":        {"--json"},
		"stdio":       {"--addr", "--json", "--allowed-origins", "--max-sessions", "--drain-delay"},
		"sandbox":     {"--sandbox", "--base-url", "--read-only", "--json"},
		"healthcheck": {"--sandbox", "--log-level", "--json"},
		"doctor":      {"--addr", "--read-only", "--reveal-tokens"},
	}
	for cmd, wants := range own {
		for _, args := range [][]string{{"help", cmd}, {cmd, "--help"}, {cmd, "-h"}, {"--help", cmd}} {
			out := check(args)
			if !strings.HasPrefix(out, "Usage: modelslab-agents-mcp "+cmd+" [flags]") {
				t.Errorf("%q: %s", args, out)
			}
			for _, w := range wants {
				if !strings.Contains(out, w) {
					t.Errorf("%q: lacks %s:\n%s", args, w, out)
				}
			}
			for _, w := range others[cmd] {
				if strings.Contains(out, w+" ") {
					t.Errorf("%q: lists %s, a flag of another command:\n%s", args, w, out)
				}
			}
		}
	}
	out := check([]string{"http", "--help"})
	if !strings.Contains(out, "/healthz") || !strings.Contains(out, "SIGTERM") {
		t.Errorf("http --help:\n%s", out)
	}
	// Completions come from cobra: a script for each shell, exit 0.
	out = check([]string{"completion", "bash"})
	if !strings.Contains(out, "modelslab-agents-mcp") || !strings.Contains(out, "complete ") {
		t.Errorf("completion bash printed %.200q", out)
	}
	if exitCode(errors.New("boom")) != 1 {
		t.Error("an error must exit 1")
	}
}

// A mistake on the command line is one line plus where the help is, exit 2:
// not 2.5 KB of usage that scrolls the error away.
func TestRunUsageErrors(t *testing.T) {
	// Every command, in help's order (other branches add commands).
	all := strings.Join(commandNames(), ", ")
	if !strings.HasPrefix(all, "stdio, http, sandbox, healthcheck") || !strings.HasSuffix(all, "version, completion, help") {
		t.Errorf("commands: %s", all)
	}
	cases := []struct {
		args       []string
		line, hint string
	}{
		{[]string{"http", "--bogus"}, "modelslab-agents-mcp: unknown flag --bogus for http", "run 'modelslab-agents-mcp help http' for usage"},
		{[]string{"--bogus"}, "modelslab-agents-mcp: unknown flag --bogus", "run 'modelslab-agents-mcp help' for usage"},
		// Suggestions (issue 21): a typo, a flag of another command, --port.
		{[]string{"--sanbox", "http"}, "modelslab-agents-mcp: unknown flag --sanbox for http; did you mean --sandbox?", "run 'modelslab-agents-mcp help http' for usage"},
		{[]string{"http", "--port", "9000"}, "modelslab-agents-mcp: unknown flag --port for http; the listen address is one flag, host and port: --addr 127.0.0.1:9000 (MODELSLAB_ADDR)", "run 'modelslab-agents-mcp help http' for usage"},
		{[]string{"stdio", "--port=9000"}, "modelslab-agents-mcp: unknown flag --port for stdio; modelslab-agents-mcp stdio does not listen, http does: modelslab-agents-mcp http --addr 127.0.0.1:9000", "run 'modelslab-agents-mcp help stdio' for usage"},
		{[]string{"stdio", "--addr", "127.0.0.1:1"}, "modelslab-agents-mcp: unknown flag --addr for stdio: --addr is a flag of http, sandbox, healthcheck", "run 'modelslab-agents-mcp help stdio' for usage"},
		{[]string{"htpp"}, `modelslab-agents-mcp: unknown command "htpp" (commands: ` + all + `); did you mean http?`, "run 'modelslab-agents-mcp help' for usage"},
		{[]string{"help", "htpp"}, `modelslab-agents-mcp: unknown command "htpp" (commands: ` + all + `); did you mean http?`, "run 'modelslab-agents-mcp help' for usage"},
		{[]string{"--sandbox"}, "modelslab-agents-mcp: a command is required: --sandbox is a flag of stdio, http, doctor, e.g. modelslab-agents-mcp stdio --sandbox", "run 'modelslab-agents-mcp help' for usage"},
		{[]string{"serve"}, `modelslab-agents-mcp: unknown command "serve" (commands: ` + all + `)`, "run 'modelslab-agents-mcp help' for usage"},
		{nil, "modelslab-agents-mcp: a command is required: " + all, "run 'modelslab-agents-mcp help' for usage"},
		{[]string{"stdio", "--timeout", "soon"}, `modelslab-agents-mcp: --timeout "soon": want a Go duration such as 30s`, "run 'modelslab-agents-mcp help stdio' for usage"},
	}
	for _, tc := range cases {
		out, errOut, err := runCmd(t, tc.args, env())
		if exitCode(err) != 2 {
			t.Errorf("%q: exit %d (%v), want 2", tc.args, exitCode(err), err)
		}
		if out != "" || errOut != "" {
			t.Errorf("%q: printed before the error: stdout %q, stderr %q", tc.args, out, errOut)
		}
		var printed bytes.Buffer
		printError(&printed, err)
		if want := tc.line + "\n" + tc.hint + "\n"; printed.String() != want {
			t.Errorf("%q printed\n%q\nwant\n%q", tc.args, printed.String(), want)
		}
	}
	// Other failures are one line, exit 1, no hint.
	_, _, err := runCmd(t, []string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--toolsets", "money"}, env())
	var printed bytes.Buffer
	printError(&printed, err)
	if exitCode(err) != 1 || strings.Count(printed.String(), "\n") != 1 {
		t.Errorf("bad toolset: exit %d, printed %q", exitCode(err), printed.String())
	}
}

func TestRunHealthcheck(t *testing.T) {
	serve := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	healthy, sick := serve(http.StatusOK), serve(http.StatusInternalServerError)
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", healthy}, env()); err != nil {
		t.Errorf("200: %v", err)
	}
	// A wildcard listen address is probed on loopback (the container's own addr).
	_, port, _ := net.SplitHostPort(healthy)
	if _, _, err := runCmd(t, []string{"healthcheck"}, env("MODELSLAB_ADDR", "0.0.0.0:"+port)); err != nil {
		t.Errorf("0.0.0.0 from the env: %v", err)
	}
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", ":" + port}, env()); err != nil {
		t.Errorf(":port: %v", err)
	}
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", sick}, env()); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("500: %v, want an error naming the status", err)
	}
	// Nothing listening: take a free port and release it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", closed}, env()); err == nil {
		t.Error("nothing listening: want an error")
	}
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", "no-port"}, env()); err == nil || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("bad addr: %v", err)
	}
}

// startRun runs the http command in process and returns its base URL and a
// stop function that cancels it and returns run's result.
func startRun(t *testing.T, getenv func(string) string, args ...string) (base string, stop func() error) {
	t.Helper()
	// No drain delay unless a test asks: the tests stop replicas right away.
	endpoint, _, stop := serveRun(t, getenv, append([]string{"http", "--addr", "127.0.0.1:0", "--drain-delay", "0"}, args...)...)
	return strings.TrimSuffix(endpoint, "/mcp"), stop
}

var anyEndpointRe = regexp.MustCompile(`MCP endpoint: (http://\S+/mcp)`)

// serveRun runs a serving command in process until its endpoint line appears,
// and returns that endpoint, its stderr so far and after, and a stop function
// that cancels it and returns run's result.
func serveRun(t *testing.T, getenv func(string) string, args ...string) (endpoint string, stderr *lockedBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, getenv, strings.NewReader(""), &bytes.Buffer{}, stderr)
	}()
	var stopped bool
	var result error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case result = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not return within 10s of the cancel")
			}
		}
		return result
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := anyEndpointRe.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stderr, stop
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\nstderr:\n%s", err, stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no endpoint line after 10s:\n%s", stderr)
		}
	}
}

func TestRunHTTPStopsOnCancel(t *testing.T) {
	base, stop := startRun(t, env(), "--sandbox")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	// The healthcheck command against the real server, as the container runs it.
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", "127.0.0.1:" + port}, env()); err != nil {
		t.Fatalf("healthcheck of the running server: %v", err)
	}
	// --sandbox mounts the outbox beside /mcp.
	resp, err := http.Get(base + "/sandbox/outbox?email=invitee@sandbox.test")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("outbox: %s", resp.Status)
	}

	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("run after cancel = %v, want nil", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run took %v to return after cancel", d)
	}
	if _, _, err := runCmd(t, []string{"healthcheck", "--addr", "127.0.0.1:" + port}, env()); err == nil {
		t.Error("the port still answers after run returned")
	}
}

func TestRunStartupErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"stdio", "--sandbox", "--toolsets", "money"}, `unknown toolset "money"`},
		{[]string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--toolsets", "money"}, `unknown toolset "money"`},
		{[]string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--allowed-origins", "ftp://x.example.com"}, "allowed origin"},
		{[]string{"http", "--sandbox", "--addr", "127.0.0.1:99999"}, "99999"},
	}
	for _, tc := range cases {
		if _, _, err := runCmd(t, tc.args, env()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// MODELSLAB_SESSION_SECRET reaches the HTTP server: replicas sharing it accept
// each other's handshake-era session ids; a replica with another secret
// answers 404, as the MCP spec asks for an unknown session.
func TestRunSessionSecretSharedByReplicas(t *testing.T) {
	a, _ := startRun(t, env("MODELSLAB_SESSION_SECRET", "fleet-secret"), "--sandbox")
	b, _ := startRun(t, env("MODELSLAB_SESSION_SECRET", "fleet-secret"), "--sandbox")
	c, _ := startRun(t, env("MODELSLAB_SESSION_SECRET", "other-secret"), "--sandbox")

	post := func(base, session, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", eraHandshake)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(a, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+eraHandshake+
		`","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %s, session %q", resp.Status, sid)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	if resp := post(b, sid, list); resp.StatusCode != http.StatusOK {
		t.Errorf("replica with the same secret: %s, want 200", resp.Status)
	}
	if resp := post(c, sid, list); resp.StatusCode != http.StatusNotFound {
		t.Errorf("replica with another secret: %s, want 404", resp.Status)
	}
}
