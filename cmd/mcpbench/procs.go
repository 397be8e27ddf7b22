package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// proc is a child process with piped stdin and stdout; stderr is discarded
// unless the caller reads it.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr io.ReadCloser
}

func startProc(bin string, env []string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &proc{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: stderr}, nil
}

func (p *proc) kill() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	p.stdin.Close()
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// rssKB reads VmRSS of pid from /proc, in KiB.
func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// serverKind is one MCP server under test: ours, the floor or the CLI, over
// stdio or HTTP.
type serverKind struct {
	name string // "ours", "floor" or "cli"
	http bool
	bin  string
	args func(base string) []string // command line, without the transport's listen address
	env  []string                   // added to the environment (the token, for stdio)
	// tool and toolArgs are the measured call: the same GET /api-keys for every server.
	tool     string
	toolArgs map[string]any
	// legacyOnly: the server speaks only the handshake era (the CLI's mcp-go v0.44).
	legacyOnly bool
}

func (k serverKind) label() string {
	t := "stdio"
	if k.http {
		t = "HTTP"
	}
	return k.name + " " + t
}

// httpServerProc is a running HTTP MCP server.
type httpServerProc struct {
	*proc
	url string
}

// startHTTPServer runs an HTTP server and waits for its "MCP endpoint: URL" line on stderr.
func startHTTPServer(k serverKind, base string) (*httpServerProc, error) {
	p, err := startProc(k.bin, nil, k.args(base)...)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(p.stderr)
	deadline := time.AfterFunc(15*time.Second, p.kill)
	defer deadline.Stop()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			p.kill()
			return nil, fmt.Errorf("%s: no endpoint line: %w", k.label(), err)
		}
		if _, u, ok := strings.Cut(line, "MCP endpoint: "); ok {
			go io.Copy(io.Discard, br) // keep the log pipe drained
			return &httpServerProc{proc: p, url: strings.TrimSpace(u)}, nil
		}
	}
}

// sharedHTTP is the benchmark's client-side HTTP transport: keep-alive with a
// pool large enough for every caller.
var sharedHTTP = &http.Client{Transport: func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 512
	return t
}()}

// The two protocol eras: the initialize handshake (2025-11-25 and before) and
// the stateless 2026-07-28 core.
const (
	eraHandshake = "2025-11-25"
	eraModern    = "2026-07-28"
)

func newHTTPClient(ctx context.Context, url, token, era string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(url,
		transport.WithHTTPBasicClient(sharedHTTP),
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	if err := initClient(ctx, c, era); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// initClient connects in the given era and checks that the server agreed to it.
func initClient(ctx context.Context, c *client.Client, era string) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "mcpbench", Version: "1"}
	req.Params.ProtocolVersion = era
	if _, err := c.Initialize(ctx, req); err != nil {
		return err
	}
	if got := c.ProtocolVersion(); got != era {
		return fmt.Errorf("asked for protocol %s, the server settled on %q", era, got)
	}
	return nil
}

// stdioServer is a running stdio MCP server and its client.
type stdioServer struct {
	c   *client.Client
	cmd *exec.Cmd
}

func startStdioServer(ctx context.Context, k serverKind, base, era string) (*stdioServer, error) {
	s := &stdioServer{}
	args := k.args(base)
	tr := transport.NewStdioWithOptions(k.bin, k.env, args,
		transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = append(os.Environ(), env...)
			s.cmd = cmd
			return cmd, nil
		}))
	if err := tr.Start(ctx); err != nil {
		return nil, err
	}
	s.c = client.NewClient(tr)
	if err := initClient(ctx, s.c, era); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *stdioServer) pid() int { return s.cmd.Process.Pid }

func (s *stdioServer) close() {
	s.c.Close()
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// call is the measured call: the kind's list of API keys.
func (k serverKind) call(ctx context.Context, c *client.Client) error {
	req := mcp.CallToolRequest{}
	req.Params.Name = k.tool
	req.Params.Arguments = k.toolArgs
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	if res.IsError {
		var b bytes.Buffer
		for _, ct := range res.Content {
			if t, ok := ct.(mcp.TextContent); ok {
				b.WriteString(t.Text)
			}
		}
		return fmt.Errorf("tool error: %s", b.String())
	}
	return nil
}

// cpuTime is the user+system CPU time of pid so far (from /proc/PID/stat, in
// clock ticks of 10 ms); 0 for pid 0.
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
