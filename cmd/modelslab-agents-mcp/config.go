package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
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

	// Running as a service (issue 13): metrics, drain, abuse bounds.
	metricsAddr    string
	drainDelay     time.Duration
	maxSessions    int
	rateLimit      float64
	rateBurst      int
	trustedProxies []string
	// Browser login and confirmations (issue 11).
	siteURL            string
	noBrowser          bool
	confirmDestructive string
	// The account's other tools and money (issue 17).
	maxCharge float64
	// doctor
	jsonOut bool
	// Authorization (issue 18): see oauthFlags.
	oauth oauthConfig
}

// oauthConfig is the --oauth block (issue 18). Kept apart from the other flags
// so that its definitions (oauthFlags) and checks (checkOAuth) move as one.
type oauthConfig struct {
	enabled bool
	// publicURL is the issuer and the resource's origin behind a proxy.
	publicURL string
	// allowInsecureMetadata: Client ID Metadata Documents over http and from
	// loopback or private addresses; for tests only.
	allowInsecureMetadata bool
	// redisURL is the store replicas share (single-use codes, refresh-token
	// reuse, revoked grants); empty: in memory, one replica.
	redisURL string
}

// oauthFlags defines the authorization flags (issue 18): the server becomes its
// own OAuth 2.1 authorization server, with ModelsLab's login as its login page.
func oauthFlags(fs *flag.FlagSet, o *oauthConfig, getenv func(string) string, envBool func(string) bool) {
	fs.BoolVar(&o.enabled, "oauth", envBool("MODELSLAB_OAUTH"), "http: MCP authorization (OAuth 2.1) for clients that connect by URL: /mcp answers 401 and clients sign in with ModelsLab through this server's pages; header clients send their ModelsLab token as X-Agent-Token (MODELSLAB_OAUTH=1)")
	fs.StringVar(&o.publicURL, "public-url", getenv("MODELSLAB_PUBLIC_URL"), "http --oauth: scheme://host[:port] clients reach the server at (issuer and resource URL behind a proxy; the same on every replica); default: http://<Host of the request> (MODELSLAB_PUBLIC_URL)")
	fs.StringVar(&o.redisURL, "oauth-redis-url", getenv("MODELSLAB_OAUTH_REDIS_URL"), "http --oauth: redis://[:password@]host:port[/db] of a Redis or Valkey the replicas share, so that a code or an old refresh token replayed on another replica is refused and revocation reaches every replica; prefer the environment when it holds a password; default: in memory, one replica (MODELSLAB_OAUTH_REDIS_URL)")
	fs.BoolVar(&o.allowInsecureMetadata, "oauth-allow-insecure-client-metadata", envBool("MODELSLAB_OAUTH_ALLOW_INSECURE_CLIENT_METADATA"), "http --oauth, TESTS ONLY: fetch Client ID Metadata Documents over http and from loopback or private addresses (MODELSLAB_OAUTH_ALLOW_INSECURE_CLIENT_METADATA=1)")
}

// placeholderSecret starts the manifests' value of MODELSLAB_SESSION_SECRET
// (deploy/kubernetes/secret.yaml), which is long enough to pass the length check.
const placeholderSecret = "REPLACE-ME"

// checkOAuth refuses contradictory authorization settings.
func checkOAuth(c *config) error {
	o := &c.oauth
	if !o.enabled {
		if o.publicURL != "" || o.allowInsecureMetadata || o.redisURL != "" {
			return fmt.Errorf("--public-url, --oauth-redis-url and --oauth-allow-insecure-client-metadata only apply with --oauth (MODELSLAB_OAUTH=1)")
		}
		return nil
	}
	if c.command != "http" {
		return fmt.Errorf("--oauth is for the http command: over stdio the client starts the server, and the token comes from MODELSLAB_AGENT_TOKEN or agent-auth")
	}
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return fmt.Errorf("--public-url %q: want scheme://host[:port] with no path, e.g. https://agents.example.com", o.publicURL)
		}
		o.publicURL = u.Scheme + "://" + u.Host
		if len(c.sessionSecret) == 0 {
			return fmt.Errorf("--oauth with --public-url needs MODELSLAB_SESSION_SECRET (at least 32 bytes, the same on every replica): the tokens are sealed with it, and a random one would make each replica refuse the others' tokens")
		}
	}
	if len(c.sessionSecret) > 0 {
		if strings.HasPrefix(strings.TrimSpace(string(c.sessionSecret)), placeholderSecret) {
			return fmt.Errorf("MODELSLAB_SESSION_SECRET is the manifests' placeholder (%s...): set a random value (openssl rand -base64 48)", placeholderSecret)
		}
		if len(c.sessionSecret) < 32 {
			return fmt.Errorf("MODELSLAB_SESSION_SECRET is %d bytes: --oauth seals ModelsLab tokens with it, so it must be at least 32 (openssl rand -base64 48)", len(c.sessionSecret))
		}
	}
	return nil
}

// commands are the subcommands, in the order help lists them.
var commands = []struct{ name, args, summary, detail string }{
	{"stdio", "[flags]", "serve one local client over stdin/stdout",
		"Serves MCP over stdin/stdout for one local client (Claude Desktop, Cursor, VS Code).\n" +
			"The token comes from MODELSLAB_AGENT_TOKEN or from a login through agent-auth; stdout carries only the protocol."},
	{"http", "[flags]", "serve streamable HTTP at /mcp (plus /healthz, /readyz)",
		"Serves MCP over streamable HTTP at http://ADDR/mcp, with /healthz (alive) and /readyz (503 while draining).\n" +
			"Each request carries its own token (Authorization: Bearer or X-Agent-Token); with --oauth, clients that know only the URL\n" +
			"authorize with OAuth 2.1 and the person signs in with ModelsLab on this server's pages. Ctrl-C or SIGTERM drains in-flight calls and exits."},
	{"sandbox", "[flags]", "run the offline control plane alone, for other clients",
		"Serves the embedded offline control plane alone at http://ADDR/api/agents/v1 (default port 8090),\n" +
			"with its outbox at /sandbox/outbox?email=... Nothing leaves this machine."},
	{"healthcheck", "[flags]", "probe a running http server's /healthz (for containers)",
		"Probes http://ADDR/healthz and exits 0 when it answers 200. It reads the same --addr and MODELSLAB_ADDR as http,\n" +
			"so a container's health check follows the configured address; a wildcard host is probed on 127.0.0.1."},
	{"doctor", "[flags]", "check, read-only, the base URL and MODELSLAB_AGENT_TOKEN against the contract",
		"Checks, read-only, that the control plane at --base-url is reachable (TLS, latency), that MODELSLAB_AGENT_TOKEN\n" +
			"authenticates and which scopes it holds, and lists every difference from what this server expects. Exits 0 when it can work."},
	{"version", "", "print version, commit and Go version", "Prints version, commit and Go version."},
	{"help", "[command]", "show this help, or a command's", "Shows the help, or a command's."},
}

func commandNames() []string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return names
}

const envText = `Environment:
  MODELSLAB_AGENT_TOKEN     bearer token to start with (stdio; over http only when listening on loopback)
  MODELSLAB_SESSION_SECRET  http: signs session ids; set the same value on every replica (default: random)
  MODELSLAB_BASE_URL, MODELSLAB_TIMEOUT, MODELSLAB_SANDBOX=1, MODELSLAB_LOG_LEVEL, MODELSLAB_LOG_FORMAT,
  MODELSLAB_READ_ONLY=1, MODELSLAB_TOOLSETS, MODELSLAB_REVEAL_TOKENS=1, MODELSLAB_ADDR,
  MODELSLAB_ALLOWED_ORIGINS, MODELSLAB_ALLOWED_HOSTS, MODELSLAB_METRICS_ADDR, MODELSLAB_DRAIN_DELAY,
  MODELSLAB_MAX_SESSIONS, MODELSLAB_RATE_LIMIT, MODELSLAB_RATE_BURST, MODELSLAB_TRUSTED_PROXIES,
  MODELSLAB_SITE_URL, MODELSLAB_NO_BROWSER=1, MODELSLAB_CONFIRM_DESTRUCTIVE, MODELSLAB_MAX_CHARGE, MODELSLAB_OAUTH=1,
  MODELSLAB_PUBLIC_URL: the same as the flags below.
`

// printUsage writes the help: the whole of it for topic "", else one command's.
func printUsage(w io.Writer, topic string, fs *flag.FlagSet) {
	if topic == "" {
		fmt.Fprint(w, "modelslab-agents-mcp: an MCP server for the ModelsLab Agent Control Plane.\n\nUsage:\n")
		for _, c := range commands {
			fmt.Fprintf(w, "  %-42s %s\n", strings.TrimSpace("modelslab-agents-mcp "+c.name+" "+c.args), c.summary)
		}
		fmt.Fprint(w, "\nExample: modelslab-agents-mcp http --sandbox   (offline, with a demo account)\n\n")
	} else {
		for _, c := range commands {
			if c.name == topic {
				fmt.Fprintf(w, "Usage: %s\n\n%s\n\n", strings.TrimSpace("modelslab-agents-mcp "+c.name+" "+c.args), c.detail)
			}
		}
	}
	fmt.Fprint(w, envText, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// usageError is a mistake on the command line: main prints it with a hint and
// exits 2, as the go command does.
type usageError struct {
	msg   string
	topic string // the command whose help the hint names
}

func (e *usageError) Error() string { return e.msg }

// Hint is the line main prints below the error.
func (e *usageError) Hint() string {
	return strings.TrimSpace("run 'modelslab-agents-mcp help "+e.topic) + "' for usage"
}

// parseConfig reads args (without the program name) and the environment. Help
// goes to out (stdout), with flag.ErrHelp as the error; mistakes on the command
// line are *usageError.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	c := &config{}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.command, args = args[0], args[1:]
	}
	// `help [command]`: parse nothing, print the command's help with its defaults.
	helpOnly := c.command == "help"
	if helpOnly {
		c.command = ""
		if len(args) > 0 {
			c.command = args[0]
		}
		if len(args) > 1 {
			return nil, &usageError{msg: fmt.Sprintf("help takes one command, got %q", args)}
		}
	}
	if c.command != "" && !slices.Contains(commandNames(), c.command) {
		return nil, &usageError{msg: fmt.Sprintf("unknown command %q (commands: %s)", c.command, strings.Join(commandNames(), ", "))}
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
	envDuration := func(k string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if (err != nil || d < 0) && envErr == nil {
			envErr = fmt.Errorf("%s=%q: want a Go duration such as 5s (0 allowed)", k, v)
		}
		return d
	}
	envNumber := func(k string, def float64) float64 {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("%s=%q: want a number", k, v)
		}
		return f
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
	// Errors come back to us and are printed in one line with a hint; the
	// 2.5 KB of usage is for --help alone.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var toolsets, origins, hosts string
	fs.StringVar(&c.baseURL, "base-url", envOr("MODELSLAB_BASE_URL", upstream.DefaultBaseURL), "control-plane base URL (MODELSLAB_BASE_URL); credentials are only ever sent here")
	fs.DurationVar(&c.timeout, "timeout", defTimeout, "bound on one upstream call, retries included (MODELSLAB_TIMEOUT)")
	fs.StringVar(&c.logLevel, "log-level", envOr("MODELSLAB_LOG_LEVEL", "info"), "debug, info, warn or error; logs go to stderr and never carry a secret (MODELSLAB_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr("MODELSLAB_LOG_FORMAT", "auto"), "json, console, or auto: console when stderr is a terminal, json otherwise (MODELSLAB_LOG_FORMAT)")
	fs.BoolVar(&c.readOnly, "read-only", envBool("MODELSLAB_READ_ONLY"), "publish and accept only actions that change nothing (MODELSLAB_READ_ONLY=1)")
	fs.StringVar(&toolsets, "toolsets", getenv("MODELSLAB_TOOLSETS"), "comma list of toolsets: auth, tokens, profile, api-keys, teams, usage, models, billing, wallet, subscriptions; default (also what empty means) is the first five, all is all ten; they mix: default,wallet (MODELSLAB_TOOLSETS)")
	fs.BoolVar(&c.revealTokens, "reveal-tokens", envBool("MODELSLAB_REVEAL_TOKENS"), "return the default API key of login and verify-email whole instead of masked, and over stdio the bearer token too (over http it is always whole without --oauth, always masked with it) (MODELSLAB_REVEAL_TOKENS=1)")
	fs.BoolVar(&c.sandbox, "sandbox", envBool("MODELSLAB_SANDBOX"), "use the embedded offline control plane with a demo account (MODELSLAB_SANDBOX=1)")
	fs.StringVar(&c.addr, "addr", envOr("MODELSLAB_ADDR", defAddr), "listen address of http, and of sandbox (whose default is 127.0.0.1:8090); the address healthcheck probes; port 0 picks a free port (MODELSLAB_ADDR)")
	fs.StringVar(&origins, "allowed-origins", getenv("MODELSLAB_ALLOWED_ORIGINS"), "http: comma list of browser origins allowed besides loopback, e.g. https://app.example.com; their hosts are allowed as Host too (MODELSLAB_ALLOWED_ORIGINS)")
	fs.StringVar(&hosts, "allowed-hosts", getenv("MODELSLAB_ALLOWED_HOSTS"), "http: comma list of Host names allowed besides loopback, for a server reached by name (MODELSLAB_ALLOWED_HOSTS)")
	fs.BoolVar(&c.showVersion, "version", false, "print version, commit and Go version")

	// Running as a service (issue 13): Prometheus metrics on a listener of
	// their own, the drain on SIGTERM, and the bounds that hold under abuse.
	fs.StringVar(&c.metricsAddr, "metrics-addr", getenv("MODELSLAB_METRICS_ADDR"), "serve Prometheus metrics at /metrics on this address of its own, e.g. 127.0.0.1:9090; never on the MCP port; empty: off (MODELSLAB_METRICS_ADDR)")
	var proxies string
	fs.IntVar(&c.maxSessions, "max-sessions", int(envNumber("MODELSLAB_MAX_SESSIONS", server.DefaultMaxSessions)), "http: handshake-era sessions one replica keeps state for (about 10 KB each); past it the oldest idle one is dropped (its id stays valid); -1: no cap (MODELSLAB_MAX_SESSIONS)")
	fs.Float64Var(&c.rateLimit, "rate-limit", envNumber("MODELSLAB_RATE_LIMIT", 0), "http: requests a second to /mcp per client address, beyond which the answer is 429 with Retry-After; 0: no limit (MODELSLAB_RATE_LIMIT)")
	fs.IntVar(&c.rateBurst, "rate-burst", int(envNumber("MODELSLAB_RATE_BURST", 0)), "http: requests a client address may send at once above --rate-limit; 0: twice the rate (MODELSLAB_RATE_BURST)")
	fs.StringVar(&proxies, "trusted-proxies", getenv("MODELSLAB_TRUSTED_PROXIES"), "http: comma list of proxy CIDRs or addresses whose X-Forwarded-For names the client for --rate-limit; otherwise the client is the connection's peer (MODELSLAB_TRUSTED_PROXIES)")
	fs.DurationVar(&c.drainDelay, "drain-delay", envDuration("MODELSLAB_DRAIN_DELAY", 5*time.Second), "http: on SIGTERM, answer 503 on /readyz and keep serving this long so a load balancer moves away, then finish in-flight calls and exit; SIGINT (Ctrl-C) skips it; 0: at once (MODELSLAB_DRAIN_DELAY)")
	// Browser login and confirmations (issue 11): where agent-auth browser-login
	// sends the person, whether the server opens a browser itself, and whether
	// destructive actions are confirmed through the client.
	fs.StringVar(&c.siteURL, "site-url", getenv("MODELSLAB_SITE_URL"), "site of agent-auth browser-login, scheme://host; default: the scheme and host of --base-url (MODELSLAB_SITE_URL)")
	fs.BoolVar(&c.noBrowser, "no-browser", envBool("MODELSLAB_NO_BROWSER"), "never open the system browser for browser-login; the URL is still given to the client (MODELSLAB_NO_BROWSER=1)")
	fs.StringVar(&c.confirmDestructive, "confirm-destructive", envOr("MODELSLAB_CONFIRM_DESTRUCTIVE", "auto"), "auto: ask the person (form elicitation) before deleting or rotating keys, revoking tokens, logout-all and removing members, where the client can ask; never: do not ask (actions that move money are asked either way) (MODELSLAB_CONFIRM_DESTRUCTIVE)")
	// The account's other tools and money (issue 17): parsed here, checked in
	// checkMoneyFlags, so that the port to cobra moves this block as it is.
	fs.Float64Var(&c.maxCharge, "max-charge", envNumber("MODELSLAB_MAX_CHARGE", tools.DefaultMaxCharge), "the largest single charge in USD a tool may ask for (fund, withdraw, charge-amount, a payment link, a plan's price); above it the call is refused before anything is sent (MODELSLAB_MAX_CHARGE)")
	oauthFlags(fs, &c.oauth, getenv, envBool)
	// doctor
	fs.BoolVar(&c.jsonOut, "json", false, "doctor: print the report as JSON")
	if helpOnly {
		printUsage(out, c.command, fs)
		return nil, flag.ErrHelp
	}
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(out, c.command, fs)
			return nil, err
		}
		return nil, &usageError{msg: err.Error(), topic: c.command}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{msg: fmt.Sprintf("unexpected argument %q (the token is read from MODELSLAB_AGENT_TOKEN, never from a flag)", fs.Arg(0)), topic: c.command}
	}
	if c.command == "" && !c.showVersion {
		return nil, &usageError{msg: "a command is required: " + strings.Join(commandNames(), ", ")}
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive")
	}
	if c.drainDelay < 0 {
		return nil, fmt.Errorf("--drain-delay must not be negative")
	}
	if c.maxSessions == 0 || c.maxSessions < -1 {
		return nil, fmt.Errorf("--max-sessions %d: want a positive number, or -1 for no cap", c.maxSessions)
	}
	if c.rateLimit < 0 || c.rateBurst < 0 {
		return nil, fmt.Errorf("--rate-limit and --rate-burst must not be negative (0 turns the limit off)")
	}
	if _, err := zerolog.ParseLevel(c.logLevel); err != nil || c.logLevel == "" {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	if c.logFormat != "json" && c.logFormat != "console" && c.logFormat != "auto" {
		return nil, fmt.Errorf("--log-format %q: use json or console (or auto: console on a terminal)", c.logFormat)
	}
	// The sandbox replaces the control plane: a base URL beside it would be
	// silently ignored, and the user would believe they talk to it.
	if c.sandbox && c.baseURL != upstream.DefaultBaseURL && c.command != "sandbox" {
		return nil, fmt.Errorf("--sandbox and --base-url %q (or MODELSLAB_BASE_URL) conflict: the sandbox replaces the control plane; drop one of them", c.baseURL)
	}
	if c.confirmDestructive != "auto" && c.confirmDestructive != "never" {
		return nil, fmt.Errorf("--confirm-destructive %q: use auto or never", c.confirmDestructive)
	}
	if c.siteURL != "" {
		u, err := url.Parse(c.siteURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return nil, fmt.Errorf("--site-url %q: want scheme://host[:port] with no path, e.g. https://modelslab.com", c.siteURL)
		}
		c.siteURL = u.Scheme + "://" + u.Host
	}
	if err := checkMoneyFlags(c, toolsets); err != nil {
		return nil, err
	}
	c.allowedOrigins = splitList(origins)
	c.allowedHosts = splitList(hosts)
	c.trustedProxies = splitList(proxies)
	c.token = upstream.Token(strings.TrimSpace(getenv("MODELSLAB_AGENT_TOKEN")))
	// A secret, like the token: environment only.
	c.sessionSecret = []byte(getenv("MODELSLAB_SESSION_SECRET"))
	if err := checkOAuth(c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkMoneyFlags checks and resolves --toolsets and --max-charge (issue 17):
// the toolsets become names ("default" and "all" expanded), so everything
// after this sees exactly what is published.
func checkMoneyFlags(c *config, toolsets string) error {
	sets, err := tools.ExpandToolsets(splitList(toolsets))
	if err != nil {
		return fmt.Errorf("--toolsets %q: %w", toolsets, err)
	}
	c.toolsets = sets
	if c.maxCharge <= 0 || math.IsNaN(c.maxCharge) || math.IsInf(c.maxCharge, 0) {
		return fmt.Errorf("--max-charge %v: want a positive number of US dollars, e.g. %v", c.maxCharge, tools.DefaultMaxCharge)
	}
	return nil
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

// isTerminal reports whether w is a terminal; a variable so tests can pretend.
var isTerminal = func(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// newLogger writes to stderr: stdout belongs to the stdio transport. People
// read a terminal, programs read JSON; --log-format decides when given.
func newLogger(c *config, w io.Writer) zerolog.Logger {
	if w == nil {
		w = os.Stderr
	}
	if c.logFormat == "console" || (c.logFormat == "auto" && isTerminal(w)) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	lvl, _ := zerolog.ParseLevel(c.logLevel)
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}
