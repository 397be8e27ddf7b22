package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	// doctor
	jsonOut bool
	// sandboxState is the sandbox's state file, "none" (or "") for memory.
	sandboxState string
	// The account's other tools and money (issue 17).
	maxCharge float64
	// Authorization (issue 18): see checkOAuth.
	oauth oauthConfig

	// list flags, split after parsing
	toolsetsRaw, originsRaw, hostsRaw, proxiesRaw string
	getenv                                        func(string) string
	rawArgs                                       []string // as given, for hints
}

// oauthConfig is the --oauth block (issue 18). Kept apart from the other flags
// so that its checks (checkOAuth) read as one.
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

// checkMoneyFlags checks and resolves --toolsets and --max-charge (issue 17):
// the toolsets become names ("default" and "all" expanded), so everything
// after this sees exactly what is published.
// name(flag) is how the error names a setting, as a prefix of its value: the
// flag ("--toolsets ") when given on the command line, else the environment
// variable ("MODELSLAB_TOOLSETS="), where the value came from.
func checkMoneyFlags(c *config, toolsets string, name func(flag string) string) error {
	sets, err := tools.ExpandToolsets(splitList(toolsets))
	if err != nil {
		return fmt.Errorf("%s%q: %w", name("toolsets"), toolsets, err)
	}
	c.toolsets = sets
	if c.maxCharge <= 0 || math.IsNaN(c.maxCharge) || math.IsInf(c.maxCharge, 0) {
		return fmt.Errorf("%s%v: want a positive number of US dollars, e.g. %v", name("max-charge"), c.maxCharge, tools.DefaultMaxCharge)
	}
	return nil
}

// commands are the subcommands, in the order help lists them.
var commands = []struct{ name, summary, detail string }{
	{"stdio", "serve one local client over stdin/stdout",
		"Serves MCP over stdin/stdout for one local client (Claude Desktop, Cursor, VS Code).\n" +
			"The token comes from MODELSLAB_AGENT_TOKEN or from a login through agent-auth; stdout carries only the protocol."},
	{"http", "serve streamable HTTP at /mcp (plus /healthz, /readyz)",
		"Serves MCP over streamable HTTP at http://ADDR/mcp, with /healthz (alive) and /readyz (503 while draining).\n" +
			"Each request carries its own token (Authorization: Bearer or X-Agent-Token; with --oauth, clients sign in through\n" +
			"this server and send its access token, while a ModelsLab token goes in X-Agent-Token). Ctrl-C or SIGTERM drains in-flight calls and exits."},
	{"sandbox", "run the offline control plane alone, for other clients",
		"Serves the embedded offline control plane alone at http://ADDR/api/agents/v1 (default port 8090),\n" +
			"with its outbox at /sandbox/outbox?email=... Nothing leaves this machine.\n" +
			"modelslab-agents-mcp sandbox reset removes a sandbox state file (see --sandbox-state), so its users start afresh."},
	{"healthcheck", "probe a running http server's /healthz (for containers)",
		"Probes http://ADDR/healthz and exits 0 when it answers 200. It reads the same --addr and MODELSLAB_ADDR as http,\n" +
			"so a container's health check follows the configured address; a wildcard host is probed on 127.0.0.1."},
	{"doctor", "check, read-only, the base URL and MODELSLAB_AGENT_TOKEN against the contract",
		"Checks, read-only, that the control plane at --base-url is reachable (TLS, latency), that MODELSLAB_AGENT_TOKEN\n" +
			"authenticates and which scopes it holds, and lists every difference from what this server expects. Exits 0 when it can work."},
	{"version", "print version, commit, build date, Go version and platform", "Prints version, commit, build date, Go version and platform: quote it in a bug report."},
}

func commandNames() []string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return append(names, "completion", "help")
}

// Which commands take a flag (flagDef.cmds).
const (
	cmdsServe   = "stdio http"        // the MCP server
	cmdsUpTo    = "stdio http doctor" // everything that talks to a control plane
	cmdsListen  = "http sandbox"      // everything that listens
	cmdsLogging = "stdio http sandbox doctor"
)

// flagDef is one flag: its name, its environment variable ("" for none), the
// commands that take it (space-separated), how it binds to config with its
// default, and its help line (the environment variable is appended to it).
type flagDef struct {
	name, env, cmds string
	bind            binder
	usage           string
}

// binder registers a flag of some type on a flag set.
type binder func(fs *pflag.FlagSet, name, usage string)

func str(p *string, def string) binder {
	return func(fs *pflag.FlagSet, n, u string) { fs.StringVar(p, n, def, u) }
}
func boolean(p *bool) binder {
	return func(fs *pflag.FlagSet, n, u string) { fs.BoolVar(p, n, false, u) }
}
func duration(p *time.Duration, def time.Duration) binder {
	return func(fs *pflag.FlagSet, n, u string) { fs.DurationVar(p, n, def, u) }
}
func integer(p *int, def int) binder {
	return func(fs *pflag.FlagSet, n, u string) { fs.IntVar(p, n, def, u) }
}
func number(p *float64, def float64) binder {
	return func(fs *pflag.FlagSet, n, u string) { fs.Float64Var(p, n, def, u) }
}

// flagTable is every flag of every command: adding a flag with its
// environment variable is one line here (and a field in config). cmd is the
// command being set up, for defaults that differ by command.
func (c *config) flagTable(cmd string) []flagDef {
	addr := "127.0.0.1:8080"
	if cmd == "sandbox" {
		addr = "127.0.0.1:8090" // so both can run at once
	}
	// stdio keeps the sandbox in a file by default: clients such as the
	// Inspector's CLI start a process per call. A long-running http server
	// or sandbox keeps it in memory unless told.
	state := "none"
	if cmd == "stdio" || cmd == "reset" {
		state = defaultStatePath(c.getenv)
	}
	return []flagDef{
		{"base-url", "MODELSLAB_BASE_URL", cmdsUpTo, str(&c.baseURL, upstream.DefaultBaseURL), "control-plane base URL; credentials are only ever sent here"},
		{"timeout", "MODELSLAB_TIMEOUT", cmdsUpTo, duration(&c.timeout, upstream.DefaultTimeout), "bound on one upstream call, retries included"},
		{"sandbox", "MODELSLAB_SANDBOX", cmdsUpTo, boolean(&c.sandbox), "use the embedded offline control plane with a demo account"},
		{"read-only", "MODELSLAB_READ_ONLY", cmdsServe, boolean(&c.readOnly), "publish and accept only actions that change nothing"},
		{"toolsets", "MODELSLAB_TOOLSETS", cmdsServe, str(&c.toolsetsRaw, ""), "comma list of toolsets: auth, tokens, profile, api-keys, teams, usage, models, billing, wallet, subscriptions; default (also what empty means) is the first five, all is all ten; they mix: default,wallet"},
		{"reveal-tokens", "MODELSLAB_REVEAL_TOKENS", cmdsServe, boolean(&c.revealTokens), "return the default API key of login and verify-email whole instead of masked, and over stdio the bearer token too (over http it is always whole without --oauth, always masked with it)"},
		// The account's other tools and money (issue 17).
		{"max-charge", "MODELSLAB_MAX_CHARGE", cmdsServe, number(&c.maxCharge, tools.DefaultMaxCharge), "the largest single charge in USD a tool may ask for (fund, withdraw, charge-amount, a payment link, a plan's price); above it the call is refused before anything is sent"},
		{"addr", "MODELSLAB_ADDR", cmdsListen + " healthcheck", str(&c.addr, addr), "listen address (healthcheck: the address to probe); port 0 picks a free port"},
		{"allowed-origins", "MODELSLAB_ALLOWED_ORIGINS", "http", str(&c.originsRaw, ""), "comma list of browser origins allowed besides loopback, e.g. https://app.example.com; their hosts are allowed as Host too"},
		{"allowed-hosts", "MODELSLAB_ALLOWED_HOSTS", "http", str(&c.hostsRaw, ""), "comma list of Host names allowed besides loopback, for a server reached by name"},
		// Running as a service (issue 13): Prometheus metrics on a listener of
		// their own, the drain on SIGTERM, and the bounds that hold under abuse.
		{"metrics-addr", "MODELSLAB_METRICS_ADDR", cmdsServe, str(&c.metricsAddr, ""), "serve Prometheus metrics at /metrics on this address of its own, e.g. 127.0.0.1:9090; never on the MCP port; empty: off"},
		{"max-sessions", "MODELSLAB_MAX_SESSIONS", "http", integer(&c.maxSessions, server.DefaultMaxSessions), "handshake-era sessions one replica keeps state for (about 10 KB each); past it the oldest idle one is dropped (its id stays valid); -1: no cap"},
		{"rate-limit", "MODELSLAB_RATE_LIMIT", "http", number(&c.rateLimit, 0), "requests a second to /mcp per client address, beyond which the answer is 429 with Retry-After; 0: no limit"},
		{"rate-burst", "MODELSLAB_RATE_BURST", "http", integer(&c.rateBurst, 0), "requests a client address may send at once above --rate-limit; 0: twice the rate"},
		{"trusted-proxies", "MODELSLAB_TRUSTED_PROXIES", "http", str(&c.proxiesRaw, ""), "comma list of proxy CIDRs or addresses whose X-Forwarded-For names the client for --rate-limit; otherwise the client is the connection's peer"},
		{"drain-delay", "MODELSLAB_DRAIN_DELAY", "http", duration(&c.drainDelay, 5*time.Second), "on SIGTERM, answer 503 on /readyz and keep serving this long so a load balancer moves away, then finish in-flight calls and exit; SIGINT (Ctrl-C) skips it; 0: at once"},
		// Browser login and confirmations (issue 11).
		{"site-url", "MODELSLAB_SITE_URL", cmdsServe, str(&c.siteURL, ""), "site of agent-auth browser-login, scheme://host; default: the scheme and host of --base-url"},
		{"no-browser", "MODELSLAB_NO_BROWSER", cmdsServe, boolean(&c.noBrowser), "never open the system browser for browser-login; the URL is still given to the client"},
		{"confirm-destructive", "MODELSLAB_CONFIRM_DESTRUCTIVE", cmdsServe, str(&c.confirmDestructive, "auto"), "auto: ask the person (form elicitation) before deleting or rotating keys, revoking tokens, logout-all and removing members, where the client can ask; never: do not ask (actions that move money are asked either way)"},
		// Authorization (issue 18): the server becomes its own OAuth 2.1
		// authorization server, with ModelsLab's login as its login page.
		{"oauth", "MODELSLAB_OAUTH", "http", boolean(&c.oauth.enabled), "MCP authorization (OAuth 2.1) for clients that connect by URL: /mcp answers 401 and clients sign in with ModelsLab through this server's pages; header clients send their ModelsLab token as X-Agent-Token"},
		{"public-url", "MODELSLAB_PUBLIC_URL", "http", str(&c.oauth.publicURL, ""), "with --oauth: scheme://host[:port] clients reach the server at (issuer and resource URL behind a proxy; the same on every replica); default: http://<Host of the request>"},
		{"oauth-redis-url", "MODELSLAB_OAUTH_REDIS_URL", "http", str(&c.oauth.redisURL, ""), "with --oauth: redis://[:password@]host:port[/db] of a Redis or Valkey the replicas share, so that a code or an old refresh token replayed on another replica is refused and revocation reaches every replica; prefer the environment when it holds a password; default: in memory, one replica"},
		{"oauth-allow-insecure-client-metadata", "MODELSLAB_OAUTH_ALLOW_INSECURE_CLIENT_METADATA", "http", boolean(&c.oauth.allowInsecureMetadata), "with --oauth, TESTS ONLY: fetch Client ID Metadata Documents over http and from loopback or private addresses"},
		{"log-level", "MODELSLAB_LOG_LEVEL", cmdsLogging, str(&c.logLevel, "info"), "debug, info, warn or error; logs go to stderr and never carry a secret"},
		{"log-format", "MODELSLAB_LOG_FORMAT", cmdsLogging, str(&c.logFormat, "auto"), "json, console, or auto: console when stderr is a terminal, json otherwise"},
		{"json", "", "doctor", boolean(&c.jsonOut), "print the report as JSON"},
		{"sandbox-state", "MODELSLAB_SANDBOX_STATE", "stdio http sandbox reset", str(&c.sandboxState, state), "file that keeps the sandbox's state between processes (locked, so processes can share it); none: in memory"},
		{"version", "", "*", boolean(&c.showVersion), "print version, commit, build date, Go version and platform"},
	}
}

// takes reports whether command cmd takes flag f.
func (f flagDef) takes(cmd string) bool {
	return f.cmds == "*" || slices.Contains(strings.Fields(f.cmds), cmd)
}

// secretsText is the part of the environment that has no flag.
const secretsText = `Environment without a flag (secrets never go in flags: flags show in ps):
  MODELSLAB_AGENT_TOKEN     bearer token to start with (stdio; http only on loopback and without --oauth)
  MODELSLAB_SESSION_SECRET  http: signs session ids and, with --oauth, seals the tokens (at least 32 bytes);
                            set the same value on every replica (default: random)
`

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
// (and a completion script) goes to out (stdout), with flag.ErrHelp as the
// error: the answer was printed. Mistakes on the command line are *usageError.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	c := &config{rawArgs: args, getenv: getenv}
	answered := false
	root := newRootCommand(c, getenv, &answered)
	root.SetArgs(commandFirst(root, args))
	root.SetOut(out)
	root.SetErr(io.Discard) // errors come back to run, printed in one line with a hint
	if _, err := root.ExecuteC(); err != nil {
		return nil, err
	}
	if answered || (c.command == "" && !c.showVersion) {
		return nil, flag.ErrHelp // help or a completion script was the answer
	}
	return c, nil
}

// newRootCommand builds the command tree. The commands only fill c; run does
// the work, so that every check happens before anything starts.
func newRootCommand(c *config, getenv func(string) string, answered *bool) *cobra.Command {
	root := &cobra.Command{
		Use:   "modelslab-agents-mcp",
		Short: "an MCP server for the ModelsLab Agent Control Plane",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q (commands: %s)", args[0], strings.Join(commandNames(), ", "))
			if s := tools.Suggest(args[0], commandNames()); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return &usageError{msg: msg}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.showVersion {
				return nil
			}
			return &usageError{msg: "a command is required: " + strings.Join(commandNames(), ", ")}
		},
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	for _, f := range c.flagTable("") {
		if f.cmds == "*" {
			f.bind(root.Flags(), f.name, f.usage)
		}
	}
	for _, def := range commands {
		cmd := &cobra.Command{
			Use:   def.name + " [flags]",
			Short: def.summary,
			Long:  def.detail,
			Args: func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return nil
				}
				msg := fmt.Sprintf("unexpected argument %q: %s takes flags only (the token is read from MODELSLAB_AGENT_TOKEN, never from a flag or an argument)", args[0], cmd.Name())
				if slices.Contains(commandNames(), args[0]) {
					msg = fmt.Sprintf("unexpected argument %q: give one command at a time", args[0])
				}
				return &usageError{msg: msg, topic: cmd.Name()}
			},
			RunE: func(cmd *cobra.Command, _ []string) error {
				c.command = cmd.Name()
				if c.showVersion || c.command == "version" {
					return nil
				}
				return c.finish(cmd, getenv)
			},
		}
		if def.name == "version" {
			cmd.Use = "version"
		}
		if def.name == "sandbox" {
			cmd.AddCommand(newResetCommand(c, getenv))
		}
		for _, f := range c.flagTable(def.name) {
			if f.takes(def.name) {
				usage := f.usage
				if f.env != "" {
					usage += " (" + f.env + ")"
				}
				f.bind(cmd.Flags(), f.name, usage)
			}
		}
		root.AddCommand(cmd)
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return flagError(c, cmd, err) })
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
		*answered = true
		printHelp(cmd.OutOrStdout(), cmd)
	})
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "show this help, or a command's",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 || (len(args) == 2 && args[0] != "sandbox") {
				return &usageError{msg: fmt.Sprintf("help takes one command, got %q", args)}
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return commandNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target := root
			if len(args) > 0 {
				t, rest, err := root.Find(args)
				if err == nil && t != root && len(rest) > 0 {
					return &usageError{msg: fmt.Sprintf("unknown command %q (sandbox's only command is reset)", strings.Join(args, " "))}
				}
				if err != nil || t == root {
					return root.Args(root, args) // unknown command, with a suggestion
				}
				target = t
			}
			*answered = true
			printHelp(cmd.OutOrStdout(), target)
			return nil
		},
	})
	return root
}

// newResetCommand is `sandbox reset`: it removes the state file, so every
// sandbox using it starts again from the seeded demo data.
func newResetCommand(c *config, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reset [flags]",
		Short: "forget the sandbox's state: start again from the demo data",
		Long: "Removes the sandbox's state file (under its lock), so that every sandbox using it, running or not,\n" +
			"starts again from the seeded demo data. The default file is the one stdio --sandbox uses.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageError{msg: fmt.Sprintf("unexpected argument %q: sandbox reset takes flags only", args[0]), topic: "sandbox reset"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.command = "sandbox reset"
			return c.finish(cmd, getenv)
		},
	}
	for _, f := range c.flagTable("reset") {
		if f.takes("reset") && f.name != "version" {
			f.bind(cmd.Flags(), f.name, f.usage+" ("+f.env+")")
		}
	}
	return cmd
}

// defaultStatePath is os.UserCacheDir()/modelslab-agents-mcp/sandbox.json,
// by os.UserCacheDir's rules read through getenv (so tests, with an
// environment of their own, never touch the user's file); "none" when there
// is no cache directory.
func defaultStatePath(getenv func(string) string) string {
	if getenv == nil {
		return "none"
	}
	dir := ""
	switch runtime.GOOS {
	case "windows":
		dir = getenv("LocalAppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			dir = filepath.Join(h, "Library", "Caches")
		}
	default:
		if d := getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
			dir = d
		} else if h := getenv("HOME"); h != "" {
			dir = filepath.Join(h, ".cache")
		}
	}
	if dir == "" {
		return "none"
	}
	return filepath.Join(dir, "modelslab-agents-mcp", "sandbox.json")
}

// statePath is the sandbox's state file, "" for memory.
func (c *config) statePath() string {
	if c.sandboxState == "none" {
		return ""
	}
	return c.sandboxState
}

// finish reads the environment for every flag of cmd not given on the
// command line, then checks what no flag type can.
func (c *config) finish(cmd *cobra.Command, getenv func(string) string) error {
	fs := cmd.Flags()
	// Every command binds the same config fields, each with its own default:
	// what registration left there is the last command's, so the defaults of
	// this one go back in first (without marking them given).
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Changed {
			_ = f.Value.Set(f.DefValue)
		}
	})
	fromEnv := map[string]string{} // flag name → the variable its value came from
	for _, f := range c.flagTable(cmd.Name()) {
		if f.env == "" || !f.takes(cmd.Name()) || fs.Changed(f.name) {
			continue
		}
		v := strings.TrimSpace(getenv(f.env))
		if v == "" {
			continue
		}
		// The flag's own parser, so the environment means what the flag means;
		// a mistyped boolean (MODELSLAB_READ_ONLY=yes) is an error, since reading
		// it as false would drop read-only mode unnoticed.
		if err := fs.Set(f.name, v); err != nil {
			return fmt.Errorf("%s=%q: %s", f.env, v, want(fs.Lookup(f.name).Value.Type()))
		}
		fromEnv[f.name] = f.env
	}
	has := func(name string) bool { return fs.Lookup(name) != nil }
	if has("timeout") && c.timeout <= 0 {
		return fmt.Errorf("--timeout (MODELSLAB_TIMEOUT) must be positive, e.g. 30s")
	}
	if c.drainDelay < 0 {
		return fmt.Errorf("--drain-delay must not be negative")
	}
	if has("max-sessions") && (c.maxSessions == 0 || c.maxSessions < -1) {
		return fmt.Errorf("--max-sessions %d: want a positive number, or -1 for no cap", c.maxSessions)
	}
	if c.rateLimit < 0 || c.rateBurst < 0 {
		return fmt.Errorf("--rate-limit and --rate-burst must not be negative (0 turns the limit off)")
	}
	if has("log-level") {
		if _, err := zerolog.ParseLevel(c.logLevel); err != nil || c.logLevel == "" {
			return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
		}
		if c.logFormat != "json" && c.logFormat != "console" && c.logFormat != "auto" {
			return fmt.Errorf("--log-format %q: use json or console (or auto: console on a terminal)", c.logFormat)
		}
	} else {
		c.logLevel, c.logFormat = "info", "auto"
	}
	// The sandbox replaces the control plane: a base URL beside it would be
	// silently ignored, and the user would believe they talk to it.
	if c.sandbox && c.baseURL != upstream.DefaultBaseURL {
		return fmt.Errorf("--sandbox and --base-url %q (or MODELSLAB_BASE_URL) conflict: the sandbox replaces the control plane; drop one of them", c.baseURL)
	}
	if has("confirm-destructive") && c.confirmDestructive != "auto" && c.confirmDestructive != "never" {
		return fmt.Errorf("--confirm-destructive %q: use auto or never", c.confirmDestructive)
	}
	if c.siteURL != "" {
		u, err := url.Parse(c.siteURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return fmt.Errorf("--site-url %q: want scheme://host[:port] with no path, e.g. https://modelslab.com", c.siteURL)
		}
		c.siteURL = u.Scheme + "://" + u.Host
	}
	if has("toolsets") {
		name := func(flag string) string {
			if env, ok := fromEnv[flag]; ok {
				return env + "="
			}
			return "--" + flag + " "
		}
		if err := checkMoneyFlags(c, c.toolsetsRaw, name); err != nil {
			return err
		}
	}
	c.allowedOrigins = splitList(c.originsRaw)
	c.allowedHosts = splitList(c.hostsRaw)
	c.trustedProxies = splitList(c.proxiesRaw)
	c.token = upstream.Token(strings.TrimSpace(getenv("MODELSLAB_AGENT_TOKEN")))
	if c.command == "stdio" || c.command == "http" || c.command == "doctor" {
		if why := notAToken(string(c.token)); why != "" {
			// Refused here, not by a 401 on the first call. The value is never
			// repeated: it may be a real secret pasted wrong.
			return fmt.Errorf("MODELSLAB_AGENT_TOKEN cannot be a token: %s. Set it to a token you have (agent-tokens list shows them), "+
				"or to an empty string (or drop it) and log in through agent-auth", why)
		}
	}
	// A secret, like the token: environment only.
	c.sessionSecret = []byte(getenv("MODELSLAB_SESSION_SECRET"))
	return checkOAuth(c)
}

// placeholderWords are words of the placeholders people paste from examples;
// a whole value of placeholderValues is one too.
var (
	placeholderWords  = []string{"optional", "your", "yours", "replace", "replaceme", "changeme", "placeholder", "todo", "insert", "paste"}
	placeholderValues = []string{"token", "secret", "bearer", "example", "none", "null", "undefined"}
)

// notAToken says why tok cannot be a bearer token ("" when it can, or is
// empty: empty means none). A Sanctum token is "id|secret" of letters and
// digits; whole placeholder words, spaces, brackets and masks are never in one.
func notAToken(tok string) string {
	switch {
	case tok == "":
		return ""
	case strings.ContainsFunc(tok, unicode.IsSpace):
		return "it contains spaces (a placeholder text?)"
	case strings.ContainsAny(tok, "<>{}$"):
		return "it contains <, >, { , } or $ (a template placeholder?)"
	case strings.Contains(tok, "…") || strings.Contains(tok, "..."):
		return "it is a masked token (… hides most of it); the whole token is needed"
	}
	if slices.Contains(placeholderValues, strings.ToLower(tok)) {
		return "it is a placeholder word"
	}
	for _, w := range strings.FieldsFunc(tok, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		lw := strings.ToLower(w)
		if slices.Contains(placeholderWords, lw) {
			return fmt.Sprintf("it contains the placeholder word %q", w)
		}
		if len(lw) >= 3 && strings.Trim(lw, "x") == "" {
			return "it contains a run of x's, a placeholder"
		}
	}
	return ""
}

// want says what a flag type accepts, for an environment variable that does not parse.
func want(typ string) string {
	switch typ {
	case "bool":
		return "want 1, true, 0 or false"
	case "duration":
		return "want a Go duration such as 30s"
	case "int", "float64":
		return "want a number"
	}
	return "not a valid " + typ
}

// commandFirst moves the command to the front, so that flags may come before
// it (`--sandbox http`, as cobra alone would read "http" as the flag's
// value); and it reads Go-style single-dash long flags (-sandbox) as --sandbox,
// as the flag package this command line used to be built on did.
func commandFirst(root *cobra.Command, args []string) []string {
	lookup := func(name string) *pflag.Flag {
		for _, cmd := range root.Commands() {
			if f := cmd.Flags().Lookup(name); f != nil {
				return f
			}
		}
		return nil
	}
	out := slices.Clone(args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			f := lookup(name)
			if f != nil && !strings.HasPrefix(a, "--") && len(name) > 1 {
				out[i] = "-" + a
			}
			if f != nil && !hasValue && f.NoOptDefVal == "" {
				i++ // the flag's value, not a command
			}
			continue
		}
		if i > 0 && slices.Contains(commandNames(), a) {
			return append([]string{a}, slices.Delete(out, i, i+1)...)
		}
		break
	}
	return out
}

// flagError turns pflag's error into a usage error that says what was meant.
func flagError(c *config, cmd *cobra.Command, err error) error {
	topic := strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()), " ") // "", "http", "sandbox reset"
	msg := err.Error()
	if ive := (*pflag.InvalidValueError)(nil); errors.As(err, &ive) {
		msg = fmt.Sprintf("--%s %q: %s", ive.GetFlag().Name, ive.GetValue(), want(ive.GetFlag().Value.Type()))
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && ne.GetSpecifiedName() != "" {
		name := ne.GetSpecifiedName()
		msg = "unknown flag --" + name
		if topic != "" {
			msg += " for " + topic
		}
		takers := takersOf(c, name)
		switch {
		case slices.Contains([]string{"port", "listen", "bind", "host"}, name):
			val := "9000"
			if v := flagValue(c.rawArgs, name); v != "" {
				val = v
			}
			if !strings.Contains(val, ":") {
				val = "127.0.0.1:" + val
			}
			if slices.Contains(takersOf(c, "addr"), topic) {
				msg += fmt.Sprintf("; the listen address is one flag, host and port: --addr %s (MODELSLAB_ADDR)", val)
			} else if topic == "" {
				msg += fmt.Sprintf("; the listen address is one flag of http, host and port: modelslab-agents-mcp http --addr %s", val)
			} else {
				msg += fmt.Sprintf("; %s does not listen, http does: modelslab-agents-mcp http --addr %s", strings.TrimSpace("modelslab-agents-mcp "+topic), val)
			}
		case len(takers) > 0 && topic == "":
			msg = fmt.Sprintf("a command is required: --%s is a flag of %s, e.g. modelslab-agents-mcp %s --%s", name, strings.Join(takers, ", "), takers[0], name)
		case len(takers) > 0:
			msg += fmt.Sprintf(": --%s is a flag of %s", name, strings.Join(takers, ", "))
		default:
			var names []string
			cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
			if s := tools.Suggest(name, names); len(s) > 0 {
				msg += "; did you mean --" + strings.Join(s, " or --") + "?"
			}
		}
	}
	return &usageError{msg: msg, topic: topic}
}

// takersOf lists the commands that take flag name.
func takersOf(c *config, name string) []string {
	var takers []string
	for _, def := range commands {
		for _, f := range c.flagTable(def.name) {
			if f.name == name && f.takes(def.name) {
				takers = append(takers, def.name)
			}
		}
	}
	return takers
}

// flagValue is the value given to --name (or -name) in args, "" if none.
func flagValue(args []string, name string) string {
	for i, a := range args {
		n, v, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			continue
		}
		if ok {
			return v
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// printHelp writes the help: the command list for the root, else one
// command's usage and its own flags only.
func printHelp(w io.Writer, cmd *cobra.Command) {
	if !cmd.HasParent() {
		fmt.Fprint(w, "modelslab-agents-mcp: an MCP server for the ModelsLab Agent Control Plane.\n\nUsage:\n")
		for _, c := range commands {
			use := c.name + " [flags]"
			if c.name == "version" {
				use = c.name
			}
			fmt.Fprintf(w, "  %-42s %s\n", "modelslab-agents-mcp "+use, c.summary)
			if c.name == "sandbox" {
				fmt.Fprintf(w, "  %-42s %s\n", "modelslab-agents-mcp sandbox reset [flags]", "forget the sandbox's state file: start again from the demo data")
			}
		}
		fmt.Fprintf(w, "  %-42s %s\n", "modelslab-agents-mcp completion SHELL", "print a completion script for bash, zsh, fish or powershell")
		fmt.Fprintf(w, "  %-42s %s\n", "modelslab-agents-mcp help [command]", "show this help, or a command's with its flags")
		fmt.Fprint(w, "\nFlags may come before or after the command; each reads the environment variable its help names.\n"+
			"Example: modelslab-agents-mcp http --sandbox   (offline, with a demo account)\n\n", secretsText)
		return
	}
	use := cmd.Use
	if p := cmd.Parent(); p != nil && p.HasParent() {
		use = p.Name() + " " + use // sandbox reset
	} else if !slices.ContainsFunc(commands, func(c struct{ name, summary, detail string }) bool { return c.name == cmd.Name() }) {
		// completion and its shells: cobra's own help.
		fmt.Fprint(w, strings.TrimSpace(cmd.Long+"\n\n"+cmd.UsageString()), "\n")
		return
	}
	fmt.Fprintf(w, "Usage: modelslab-agents-mcp %s\n\n%s\n\nFlags:\n%s", use, cmd.Long, cmd.LocalFlags().FlagUsages())
	if cmd.Name() != "version" && cmd.Name() != "healthcheck" {
		fmt.Fprint(w, "\nA flag given wins over its environment variable.\n")
	}
	switch cmd.Name() {
	case "stdio", "http", "doctor":
		fmt.Fprint(w, "\n", secretsText)
	}
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
