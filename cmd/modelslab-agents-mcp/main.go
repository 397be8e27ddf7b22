// Command modelslab-agents-mcp is an MCP server for the ModelsLab Agent Control
// Plane, over stdio or streamable HTTP, with an embedded offline sandbox.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/server"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "modelslab-agents-mcp:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// run is main without the process: testable end to end.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
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
	}

	opts := server.Options{
		Version: buildVersion(), Logger: log, ReadOnly: cfg.readOnly, Toolsets: cfg.toolsets,
		RevealTokens: cfg.revealTokens, EnvToken: cfg.token,
	}
	clientCfg := upstream.Config{
		BaseURL: cfg.baseURL, Timeout: cfg.timeout, Logger: log,
		UserAgent: "modelslab-agents-mcp/" + buildVersion(),
	}
	var sb *sandbox.Sandbox
	if cfg.sandbox {
		sb = sandbox.New(sandbox.Options{Logger: log})
		// In process: no port, no network; the host is never dialled.
		clientCfg.BaseURL = "http://sandbox.invalid/api/agents/v1"
		clientCfg.Transport = sb.Transport()
		announceSandbox(stderr, sb, cfg.command == "http", cfg.addr)
	}
	if opts.Client, err = upstream.New(clientCfg); err != nil {
		return err
	}

	if cfg.command == "stdio" {
		log.Info().Str("base_url", opts.Client.BaseURL()).Bool("token_from_env", cfg.token != "").Msg("serving MCP over stdio")
		return server.ServeStdio(ctx, opts, stdin, stdout)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	hopts := server.HTTPOptions{AllowedOrigins: cfg.allowedOrigins, AllowedHosts: cfg.allowedHosts, SessionSecret: cfg.sessionSecret}
	if sb != nil {
		// The sandbox's own REST API and outbox on the same port, for curl and tests.
		hopts.Mounts = map[string]http.Handler{"/api/agents/v1/": sb, "/sandbox/": sb}
	}
	loopback := isLoopbackListener(ln)
	if cfg.token != "" && !loopback {
		log.Warn().Msg("MODELSLAB_AGENT_TOKEN is ignored: the server listens beyond loopback, where anyone who reaches the port would use it")
	}
	hs, err := server.NewHTTP(opts, hopts, loopback)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info().Str("addr", ln.Addr().String()).Str("base_url", opts.Client.BaseURL()).Bool("read_only", cfg.readOnly).
		Msg("serving MCP over streamable HTTP at /mcp")
	fmt.Fprintf(stderr, "MCP endpoint: http://%s/mcp\n", ln.Addr())
	return hs.Serve(ctx, ln)
}

func isLoopbackListener(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}

// announceSandbox prints the demo credentials: they are sandbox-only, made up
// for offline use, so printing them is the point.
func announceSandbox(w io.Writer, sb *sandbox.Sandbox, overHTTP bool, addr string) {
	d := sb.Demo()
	fmt.Fprintf(w, "Sandbox mode: an offline, in-memory ModelsLab control plane (nothing leaves this machine).\n")
	fmt.Fprintf(w, "  demo account: email %s  password %s  (team account to switch to: %s)\n", d.Email, d.Password, d.TeamAccountUsername)
	if overHTTP {
		fmt.Fprintf(w, "  emails (verification codes, reset tokens, invitations): http://%s/sandbox/outbox?email=...\n", addr)
	} else {
		fmt.Fprintf(w, "  emails (verification codes, reset tokens, invitations) are logged to stderr\n")
	}
}

func runSandbox(ctx context.Context, cfg *config, log zerolog.Logger, stderr io.Writer) error {
	sb := sandbox.New(sandbox.Options{Logger: log})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	d := sb.Demo()
	fmt.Fprintf(stderr, "Sandbox control plane: http://%s/api/agents/v1  (outbox: http://%s/sandbox/outbox?email=...)\n", ln.Addr(), ln.Addr())
	fmt.Fprintf(stderr, "  demo account: email %s  password %s\n", d.Email, d.Password)
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
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

func versionString() string {
	c := commit
	if c == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					c = s.Value
				}
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("modelslab-agents-mcp %s (commit %s, %s %s/%s)", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
