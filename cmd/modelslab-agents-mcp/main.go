// Command modelslab-agents-mcp is an MCP server for the ModelsLab Agent Control
// Plane, over stdio or streamable HTTP, with an embedded offline sandbox.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server/oauth"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc123
// -X main.date=2026-01-02T15:04:05Z" (the Dockerfile and .goreleaser.yaml do).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signalContext()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		printError(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// signalContext ends on SIGINT or SIGTERM, with server.ErrInterrupted as the
// cause for SIGINT (Ctrl-C skips the drain delay meant for load balancers).
// After the first signal the default handling is back, so a second one ends
// the process at once.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			if sig == os.Interrupt {
				cancel(server.ErrInterrupted)
			} else {
				cancel(nil)
			}
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel(nil) }
}

// printError writes run's error: one line, and for a command-line mistake a
// hint where the help is, so the error does not scroll away under the usage.
func printError(w io.Writer, err error) {
	if errors.Is(err, flag.ErrHelp) {
		return // the help itself was the answer
	}
	fmt.Fprintln(w, "modelslab-agents-mcp:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(w, ue.Hint())
	}
}

// exitCode is 0 for help, 2 for a command-line mistake (as the go command
// does), 1 for any other failure.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// run is main without the process: testable end to end. Every check that can
// fail runs before the first line of the banner, so an error is never buried
// under a banner that promised a running server.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	if cfg.showVersion || cfg.command == "version" {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	log := newLogger(cfg, stderr)

	switch cfg.command {
	case "healthcheck":
		return healthcheck(ctx, cfg.addr)
	case "sandbox":
		return runSandbox(ctx, cfg, log, stderr)
	case "doctor":
		return runDoctor(ctx, cfg, log, stdout)
	case "sandbox reset":
		return resetSandbox(cfg, stderr)
	}

	opts := server.Options{
		Version: buildVersion(), Logger: log, ReadOnly: cfg.readOnly, Toolsets: cfg.toolsets,
		RevealTokens: cfg.revealTokens, EnvToken: cfg.token,
		SiteURL: cfg.siteURL, OpenBrowser: browserOpener(cfg, stderr), ConfirmDestructive: cfg.confirmDestructive,
		MaxCharge: cfg.maxCharge,
	}
	clientCfg := upstream.Config{
		BaseURL: cfg.baseURL, Timeout: cfg.timeout, Logger: log,
		UserAgent: "modelslab-agents-mcp/" + buildVersion(),
	}
	var sb *sandbox.Sandbox
	checkout := &checkoutSite{log: log}
	defer checkout.Close()
	if cfg.sandbox {
		if sb, err = newSandbox(cfg, log, checkout.Base); err != nil {
			return err
		}
		checkout.handler = sb
		if cfg.command == "stdio" && sb.StatePath() != "" {
			opts.SessionStore = sb // the session's token outlives this process, like the sandbox
		}
		// In process: no port, no network; the host is never dialled.
		clientCfg.BaseURL = "http://sandbox.invalid/api/agents/v1"
		clientCfg.Name = upstream.SandboxName
		clientCfg.Transport = sb.Transport()
		if cfg.siteURL == "" {
			opts.Site = sb // the sandbox plays the site, on the login's own loopback port
		}
		// The outbox as MCP resources, so every email flow finishes inside MCP.
		opts.Outbox = sb
	} else if w := cleartextWarning(cfg.baseURL); w != "" {
		log.Warn().Str("base_url", cfg.baseURL).Msg(w)
	}
	// The metrics listener opens first but is announced with the rest of the
	// banner, after every check that can fail.
	var metricsURL string
	if cfg.metricsAddr != "" {
		opts.Metrics = server.NewMetrics(buildVersion(), buildCommit())
		clientCfg.OnAttempt = opts.Metrics.ObserveUpstream
		var stopMetrics func()
		metricsURL, stopMetrics, err = serveMetrics(opts.Metrics, cfg.metricsAddr, log)
		if err != nil {
			return err
		}
		// Deferred: the metrics stay up through the drain, until the MCP server is done.
		defer stopMetrics()
	}
	if opts.Client, err = upstream.New(clientCfg); err != nil {
		return err
	}

	if cfg.command == "stdio" {
		demo, err := demoLogin(ctx, cfg, &opts, sb)
		if err != nil {
			return err
		}
		ss, err := server.NewStdio(opts)
		if err != nil {
			return err
		}
		if sb != nil {
			announceSandbox(stderr, sb, "", demo)
		}
		announceMetrics(stderr, metricsURL)
		log.Info().Str("base_url", opts.Client.BaseURL()).Bool("sandbox", sb != nil).Bool("token_from_env", cfg.token != "").Msg("serving MCP over stdio")
		return ss.Serve(ctx, stdin, stdout)
	}

	ln, err := listen(ctx, cfg.addr, "--addr")
	if err != nil {
		return err
	}
	hopts := server.HTTPOptions{AllowedOrigins: cfg.allowedOrigins, AllowedHosts: cfg.allowedHosts, SessionSecret: cfg.sessionSecret,
		DrainDelay: cfg.drainDelay, MaxSessions: cfg.maxSessions, RateLimit: cfg.rateLimit, RateBurst: cfg.rateBurst,
		TrustedProxies: cfg.trustedProxies}
	if sb != nil {
		// The sandbox's own REST API and outbox on the same port, for curl and tests.
		hopts.Mounts = map[string]http.Handler{"/api/agents/v1/": sb, "/sandbox/": sb}
	}
	loopback := isLoopbackListener(ln)
	if cfg.oauth.enabled {
		if !loopback && cfg.oauth.publicURL == "" {
			ln.Close()
			return fmt.Errorf("--oauth on an address beyond loopback needs --public-url (https://...): the issuer and the resource URL must be what clients reach, and the login page must not be served over cleartext")
		}
		hopts.OAuth = &server.OAuthOptions{PublicURL: cfg.oauth.publicURL, AllowInsecureClientMetadata: cfg.oauth.allowInsecureMetadata}
		if cfg.oauth.redisURL != "" {
			rs, err := oauth.NewRedisStore(ctx, cfg.oauth.redisURL)
			if err != nil {
				ln.Close()
				return fmt.Errorf("--oauth-redis-url: %w", err)
			}
			defer rs.Close()
			hopts.OAuth.Store = rs
		} else if cfg.oauth.publicURL != "" {
			log.Warn().Msg("--oauth without --oauth-redis-url: single-use codes, refresh-token reuse detection and revocation hold per replica only; behind a load balancer with several replicas, share a Redis or Valkey")
		}
		if cfg.oauth.publicURL != "" {
			// The public name reaches this server through the proxy: allow it as Host and Origin.
			u, _ := url.Parse(cfg.oauth.publicURL)
			hopts.AllowedHosts = append(hopts.AllowedHosts, u.Host)
			hopts.AllowedOrigins = append(hopts.AllowedOrigins, cfg.oauth.publicURL)
			if w := cleartextWarning(cfg.oauth.publicURL); w != "" {
				log.Warn().Str("public_url", cfg.oauth.publicURL).Msg("--public-url is cleartext http:// beyond loopback: the login page and the tokens would cross the network unencrypted; use https://")
			}
		}
		if cfg.oauth.allowInsecureMetadata {
			log.Warn().Msg("--oauth-allow-insecure-client-metadata is on: client metadata may be fetched from loopback and private addresses; for tests only")
		}
	}
	demo := ""
	if loopback { // beyond loopback a starting token is never used
		if demo, err = demoLogin(ctx, cfg, &opts, sb); err != nil {
			ln.Close()
			return err
		}
	}
	hs, err := server.NewHTTP(opts, hopts, loopback)
	if err != nil {
		ln.Close()
		return err
	}
	addr := displayAddr(cfg.addr, ln.Addr())
	base := "http://" + addr
	checkout.SetBase(loopbackBase(addr)) // the Checkout page is on this port, under /sandbox/
	if sb != nil {
		announceSandbox(stderr, sb, base, demo)
	}
	announceMetrics(stderr, metricsURL)
	fmt.Fprintf(stderr, "MCP endpoint: %s/mcp\n", base)
	if cfg.oauth.enabled {
		fmt.Fprintf(stderr, "  authorization: OAuth 2.1 (--oauth); clients connect by URL and sign in with ModelsLab at %s/oauth/authorize; header clients send X-Agent-Token\n", orStr(cfg.oauth.publicURL, base))
	}
	fmt.Fprintf(stderr, "  health: %s/healthz, %s/readyz; stop: Ctrl-C or SIGTERM (in-flight calls finish first)\n", base, base)
	switch {
	case cfg.token != "" && !loopback:
		log.Warn().Msg("MODELSLAB_AGENT_TOKEN is ignored: the server listens beyond loopback, where anyone who reaches the port would use it")
	case cfg.token != "" && cfg.oauth.enabled:
		// Else a newcomer who set it meets a 401 with no word why.
		log.Warn().Msg("MODELSLAB_AGENT_TOKEN is ignored with --oauth: every request brings its own credential (this server's access token, or a ModelsLab token as X-Agent-Token)")
	}
	log.Info().Str("addr", addr).Str("base_url", opts.Client.BaseURL()).Bool("sandbox", sb != nil).Bool("read_only", cfg.readOnly).
		Msg("serving MCP over streamable HTTP at /mcp")
	if err := hs.Serve(ctx, ln); err != nil {
		return err
	}
	// Said, because `go run` reports exit status 1 after a Ctrl-C whatever the server did.
	log.Info().Msg("stopped: every in-flight call finished")
	return nil
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// displayAddr is the listen address as the user gave it (0.0.0.0 stays
// 0.0.0.0, a name stays a name), with the port the listener really got, so
// that port 0 shows the one picked. An empty host means every interface.
func displayAddr(given string, actual net.Addr) string {
	host, port, err := net.SplitHostPort(given)
	if err != nil {
		return actual.String()
	}
	if tcp, ok := actual.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return net.JoinHostPort(host, port)
}

// cleartextWarning warns about an http:// control plane beyond loopback:
// passwords and bearer tokens would cross the network unencrypted.
func cleartextWarning(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return ""
	}
	return "the base URL is cleartext http:// on a host beyond loopback: passwords and bearer tokens would cross the network unencrypted; use https://"
}

// serveMetrics starts the metrics listener and returns its URL; the returned
// func stops it.
func serveMetrics(m *server.Metrics, addr string, log zerolog.Logger) (string, func(), error) {
	ln, err := listen(context.Background(), addr, "--metrics-addr")
	if err != nil {
		return "", nil, err
	}
	where := "http://" + displayAddr(addr, ln.Addr()) + "/metrics"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Serve(ctx, ln); err != nil {
			log.Error().Err(err).Msg("metrics listener failed")
		}
	}()
	return where, func() { cancel(); <-done }, nil
}

// announceMetrics prints the metrics URL, when there is one.
func announceMetrics(w io.Writer, url string) {
	if url != "" {
		fmt.Fprintf(w, "Metrics: %s\n", url)
	}
}

// listen opens addr; a port in use gets a message naming the port, what
// probably holds it, and the flag that moves this server elsewhere.
func listen(ctx context.Context, addr, flagName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", flagName, addr, err)
		}
		return ln, nil
	}
	host, port, _ := net.SplitHostPort(addr)
	holder := "another program (on Linux, `ss -ltnp 'sport = :" + port + "'` names it)"
	if h := probeHolder(ctx, host, port); h != "" {
		holder = h
	}
	return nil, fmt.Errorf("port %s (%s) is already in use, probably by %s: stop it, or choose another address with %s, e.g. %s %s (port 0 picks a free one)",
		port, addr, holder, flagName, flagName, net.JoinHostPort(host, "0"))
}

// probeHolder asks, on loopback only, whether the port's holder is one of
// ours: another modelslab-agents-mcp http (its /healthz answers "ok") or a
// sandbox (its outbox answers).
func probeHolder(ctx context.Context, host, port string) string {
	if host == "" || host == "0.0.0.0" || host == "::" || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "" // nothing but loopback is ever dialled
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	get := func(path string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if code, body := get("/healthz"); code == http.StatusOK && body == "ok" {
		return "another modelslab-agents-mcp http (its /healthz answers ok)"
	}
	if code, _ := get(sandbox.OutboxPath + "?email=x@sandbox.test"); code == http.StatusOK {
		return "a modelslab-agents-mcp sandbox (its outbox answers)"
	}
	return ""
}

func isLoopbackListener(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}

// newSandbox builds the in-process sandbox, with its state file when one is
// configured (checked here, before any banner).
func newSandbox(cfg *config, log zerolog.Logger, checkoutBase func() string) (*sandbox.Sandbox, error) {
	path := cfg.statePath()
	if path != "" {
		if err := sandbox.PrepareState(path); err != nil {
			return nil, fmt.Errorf("--sandbox-state %s (MODELSLAB_SANDBOX_STATE): %w; choose another file, or none to keep the sandbox in memory", path, err)
		}
	}
	return sandbox.New(sandbox.Options{Logger: log, StatePath: path, CheckoutBase: checkoutBase}), nil
}

// demoLogin logs the sandbox's demo account in when no login is published
// (read-only mode, or toolsets without auth) and no token was given: the
// in-process sandbox issues no token to anyone outside, so without it such
// a server could do nothing. It returns the demo email when it logged in.
func demoLogin(ctx context.Context, cfg *config, opts *server.Options, sb *sandbox.Sandbox) (string, error) {
	if sb == nil || opts.EnvToken != "" || !(cfg.readOnly || (len(cfg.toolsets) > 0 && !slices.Contains(cfg.toolsets, "auth"))) {
		return "", nil
	}
	d := sb.Demo()
	res, err := opts.Client.Login(ctx, upstream.LoginRequest{Email: d.Email, Password: d.Password, DeviceName: "modelslab-agents-mcp (read-only sandbox)"})
	if err != nil {
		return "", fmt.Errorf("logging the sandbox's demo account in: %w", err)
	}
	opts.EnvToken = upstream.Token(res.Data.AccessToken)
	return d.Email, nil
}

// announceSandbox prints the demo credentials: they are sandbox-only, made up
// for offline use, so printing them is the point. base is the HTTP server's
// base URL, "" over stdio; demo is the account logged in at start, if any.
func announceSandbox(w io.Writer, sb *sandbox.Sandbox, base, demo string) {
	d := sb.Demo()
	if p := sb.StatePath(); p != "" {
		fmt.Fprintf(w, "Sandbox mode: an offline ModelsLab control plane (nothing leaves this machine), its state kept between runs in\n"+
			"  %s (modelslab-agents-mcp sandbox reset starts afresh; --sandbox-state none keeps it in memory).\n", p)
	} else {
		fmt.Fprintf(w, "Sandbox mode: an offline, in-memory ModelsLab control plane (nothing leaves this machine).\n")
	}
	fmt.Fprintf(w, "  demo account: email %s  password %s  (team account to switch to: %s)\n", d.Email, d.Password, d.TeamAccountUsername)
	fmt.Fprintf(w, "  emails (verification codes, reset tokens, invitations): MCP resource %s/{email}", server.OutboxURI)
	if base != "" {
		fmt.Fprintf(w, " or %s%s?email=...", base, sandbox.OutboxPath)
	}
	fmt.Fprintln(w)
	if demo != "" {
		fmt.Fprintf(w, "  logged in as %s: agent-auth login is not published here (read-only mode or --toolsets), so every call uses the demo account\n", demo)
	}
}

// resetSandbox is `sandbox reset`.
func resetSandbox(cfg *config, stderr io.Writer) error {
	path := cfg.statePath()
	if path == "" {
		return fmt.Errorf("sandbox reset: no state file (--sandbox-state none, or no cache directory: set --sandbox-state PATH)")
	}
	_, statErr := os.Stat(path)
	if err := sandbox.ResetState(path); err != nil {
		return fmt.Errorf("sandbox reset: %w", err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// Say so: "removed" about a path never written (a typo in it?) misleads.
		fmt.Fprintf(stderr, "Sandbox state reset: there was no state file at %s; a sandbox using it starts from the demo data.\n", path)
		return nil
	}
	fmt.Fprintf(stderr, "Sandbox state reset: %s removed; every sandbox using it starts again from the demo data.\n", path)
	return nil
}

func runSandbox(ctx context.Context, cfg *config, log zerolog.Logger, stderr io.Writer) error {
	sb, err := newSandbox(cfg, log, nil)
	if err != nil {
		return err
	}
	ln, err := listen(ctx, cfg.addr, "--addr")
	if err != nil {
		return err
	}
	d := sb.Demo()
	base := "http://" + displayAddr(cfg.addr, ln.Addr())
	fmt.Fprintf(stderr, "Sandbox control plane: %s%s  (outbox: %s%s?email=...)\n", base, sandbox.APIPrefix, base, sandbox.OutboxPath)
	fmt.Fprintf(stderr, "  demo account: email %s  password %s\n", d.Email, d.Password)
	return server.ServePlain(ctx, ln, sb, 10*time.Second)
}

// healthcheck probes /healthz: the container image has no shell or curl.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	return nil
}

func buildVersion() string { return version }

// buildCommit is the commit set at build time, else the one Go recorded, else "unknown".
func buildCommit() string { return stamped(commit, "vcs.revision") }

// buildDate is the build time set at build time, else the commit time Go
// recorded (a build from a checkout), else "unknown".
func buildDate() string { return stamped(date, "vcs.time") }

// stamped is v when -ldflags set it, else the build setting key, else "unknown".
func stamped(v, key string) string {
	if v == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == key {
					v = s.Value
				}
			}
		}
	}
	if v == "" {
		v = "unknown"
	}
	return v
}

// versionString is what `version` and --version print: enough for a bug
// report (which build, from which commit, when, with which Go, on what).
func versionString() string {
	return fmt.Sprintf("modelslab-agents-mcp %s (commit %s, built %s, %s %s/%s)",
		version, buildCommit(), buildDate(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
