package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// config is everything the flags and the environment say. The bearer token is
// read from the environment only: flags show up in `ps`.
type config struct {
	command        string
	baseURL        string
	timeout        time.Duration
	logLevel       string
	logFormat      string
	readOnly       bool
	toolsets       []string
	revealTokens   bool
	sandbox        bool
	addr           string
	allowedOrigins []string
	allowedHosts   []string
	token          upstream.Token
	sessionSecret  []byte
	showVersion    bool
	// doctor
	jsonOut bool
}

const usageText = `modelslab-agents-mcp: an MCP server for the ModelsLab Agent Control Plane.

Usage:
  modelslab-agents-mcp stdio [flags]        serve one local client over stdin/stdout
  modelslab-agents-mcp http [flags]         serve streamable HTTP at /mcp (plus /healthz, /readyz)
  modelslab-agents-mcp sandbox [flags]      run the offline control plane alone, for other clients
  modelslab-agents-mcp healthcheck [flags]  probe a running http server's /healthz (for containers)
  modelslab-agents-mcp doctor [flags]       check, read-only, the base URL and MODELSLAB_AGENT_TOKEN against the contract
  modelslab-agents-mcp version              print version, commit and Go version

Environment:
  MODELSLAB_AGENT_TOKEN     bearer token to start with (stdio; over http only when listening on loopback)
  MODELSLAB_SESSION_SECRET  http: signs session ids; set the same value on every replica (default: random)
  MODELSLAB_BASE_URL, MODELSLAB_TIMEOUT, MODELSLAB_SANDBOX=1, MODELSLAB_LOG_LEVEL, MODELSLAB_LOG_FORMAT,
  MODELSLAB_READ_ONLY=1, MODELSLAB_TOOLSETS, MODELSLAB_REVEAL_TOKENS=1, MODELSLAB_ADDR,
  MODELSLAB_ALLOWED_ORIGINS, MODELSLAB_ALLOWED_HOSTS: the same as the flags below.

Flags:
`

// parseConfig reads args (without the program name) and the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.command, args = args[0], args[1:]
	}
	switch c.command {
	case "", "stdio", "http", "sandbox", "healthcheck", "doctor", "version":
	default:
		return nil, fmt.Errorf("unknown command %q: use stdio, http, sandbox, healthcheck, doctor or version", c.command)
	}

	// A mistyped boolean (MODELSLAB_READ_ONLY=yes) is an error, as it is for the
	// flag: silently reading it as false would drop read-only mode unnoticed.
	var envErr error
	envBool := func(k string) bool {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("%s=%q: want 1, true, 0 or false", k, v)
		}
		return b
	}
	envOr := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	defTimeout := upstream.DefaultTimeout
	if v := getenv("MODELSLAB_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("MODELSLAB_TIMEOUT=%q: want a positive Go duration such as 30s", v)
		}
		defTimeout = d
	}
	defAddr := "127.0.0.1:8080"
	if c.command == "sandbox" {
		defAddr = "127.0.0.1:8090"
	}

	fs := flag.NewFlagSet("modelslab-agents-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	var toolsets, origins, hosts string
	fs.StringVar(&c.baseURL, "base-url", envOr("MODELSLAB_BASE_URL", upstream.DefaultBaseURL), "control-plane base URL (MODELSLAB_BASE_URL); credentials are only ever sent here")
	fs.DurationVar(&c.timeout, "timeout", defTimeout, "bound on one upstream call, retries included (MODELSLAB_TIMEOUT)")
	fs.StringVar(&c.logLevel, "log-level", envOr("MODELSLAB_LOG_LEVEL", "info"), "debug, info, warn or error; logs go to stderr and never carry a secret (MODELSLAB_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr("MODELSLAB_LOG_FORMAT", "json"), "json or console (MODELSLAB_LOG_FORMAT)")
	fs.BoolVar(&c.readOnly, "read-only", envBool("MODELSLAB_READ_ONLY"), "publish and accept only actions that change nothing (MODELSLAB_READ_ONLY=1)")
	fs.StringVar(&toolsets, "toolsets", getenv("MODELSLAB_TOOLSETS"), "comma list of auth, tokens, profile, api-keys, teams; empty means all (MODELSLAB_TOOLSETS)")
	fs.BoolVar(&c.revealTokens, "reveal-tokens", envBool("MODELSLAB_REVEAL_TOKENS"), "stdio: return bearer tokens whole instead of masked (MODELSLAB_REVEAL_TOKENS=1)")
	fs.BoolVar(&c.sandbox, "sandbox", envBool("MODELSLAB_SANDBOX"), "use the embedded offline control plane with a demo account (MODELSLAB_SANDBOX=1)")
	fs.StringVar(&c.addr, "addr", envOr("MODELSLAB_ADDR", defAddr), "listen address for http and sandbox, or the address healthcheck probes (MODELSLAB_ADDR)")
	fs.StringVar(&origins, "allowed-origins", getenv("MODELSLAB_ALLOWED_ORIGINS"), "http: comma list of browser origins allowed besides loopback, e.g. https://app.example.com; their hosts are allowed as Host too (MODELSLAB_ALLOWED_ORIGINS)")
	fs.StringVar(&hosts, "allowed-hosts", getenv("MODELSLAB_ALLOWED_HOSTS"), "http: comma list of Host names allowed besides loopback, for a server reached by name (MODELSLAB_ALLOWED_HOSTS)")
	fs.BoolVar(&c.showVersion, "version", false, "print version, commit and Go version")
	// doctor
	fs.BoolVar(&c.jsonOut, "json", false, "doctor: print the report as JSON")
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (the token is read from MODELSLAB_AGENT_TOKEN, never from a flag)", fs.Arg(0))
	}
	if c.command == "" && !c.showVersion {
		fs.Usage()
		return nil, fmt.Errorf("a command is required")
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive")
	}
	if _, err := zerolog.ParseLevel(c.logLevel); err != nil || c.logLevel == "" {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	if c.logFormat != "json" && c.logFormat != "console" {
		return nil, fmt.Errorf("--log-format %q: use json or console", c.logFormat)
	}
	c.toolsets = splitList(toolsets)
	c.allowedOrigins = splitList(origins)
	c.allowedHosts = splitList(hosts)
	c.token = upstream.Token(strings.TrimSpace(getenv("MODELSLAB_AGENT_TOKEN")))
	// A secret, like the token: environment only.
	c.sessionSecret = []byte(getenv("MODELSLAB_SESSION_SECRET"))
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newLogger writes to stderr: stdout belongs to the stdio transport.
func newLogger(c *config, w io.Writer) zerolog.Logger {
	if w == nil {
		w = os.Stderr
	}
	if c.logFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	lvl, _ := zerolog.ParseLevel(c.logLevel)
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}
