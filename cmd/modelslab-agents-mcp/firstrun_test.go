package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bannerWords are the lines that promise a running server.
var bannerWords = []string{"Sandbox mode", "demo account", "MCP endpoint", "Sandbox control plane", "Metrics:"}

// Every start-up error comes before any banner: a taken port, a bad toolset, a
// configuration that leaves no tool. The user sees the error alone.
func TestRunErrorsComeBeforeTheBanner(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"http", "--sandbox", "--addr", addr}, "is already in use"},
		{[]string{"sandbox", "--addr", addr}, "is already in use"},
		{[]string{"http", "--addr", addr}, "is already in use"},
		{[]string{"http", "--sandbox", "--addr", addr, "--metrics-addr", "127.0.0.1:0"}, "is already in use"},
		{[]string{"stdio", "--sandbox", "--metrics-addr", "127.0.0.1:0", "--read-only", "--toolsets", "auth"}, "no tool left"},
		{[]string{"stdio", "--sandbox", "--toolsets", "money"}, `unknown toolset "money"`},
		{[]string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--toolsets", "money"}, `unknown toolset "money"`},
		{[]string{"stdio", "--sandbox", "--read-only", "--toolsets", "auth"}, "no tool left"},
		{[]string{"http", "--sandbox", "--addr", "127.0.0.1:0", "--read-only", "--toolsets", "auth"}, "no tool left"},
	}
	for _, tc := range cases {
		_, errOut, err := runCmd(t, tc.args, env())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
		for _, w := range bannerWords {
			if strings.Contains(errOut, w) {
				t.Errorf("%q: %q printed before the error:\n%s", tc.args, w, errOut)
			}
		}
	}
}

// The banner shows the address as given, with the port really bound; in
// sandbox mode it starts with the sandbox lines, not with a log line, and says
// how to check health and how to stop.
func TestRunBanner(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		endpoint, stderr, _ := serveRun(t, env(), "http", "--sandbox", "--addr", host+":0")
		m := regexp.MustCompile(`^http://` + host + `:(\d+)/mcp$`).FindStringSubmatch(endpoint)
		if m == nil || m[1] == "0" {
			t.Fatalf("--addr %s:0 announced %q, want %s with the port bound", host, endpoint, host)
		}
		// The announced port is the one serving.
		if _, _, err := runCmd(t, []string{"healthcheck", "--addr", "127.0.0.1:" + m[1]}, env()); err != nil {
			t.Errorf("healthcheck of the announced port: %v", err)
		}
		base := strings.TrimSuffix(endpoint, "/mcp")
		want := "Sandbox mode: an offline, in-memory ModelsLab control plane (nothing leaves this machine).\n" +
			"  demo account: email demo@sandbox.test  password sandbox-demo-password  (team account to switch to: acme)\n" +
			"  emails (verification codes, reset tokens, invitations): MCP resource sandbox://outbox/{email} or " + base + "/sandbox/outbox?email=...\n" +
			"MCP endpoint: " + endpoint + "\n" +
			"  health: " + base + "/healthz, " + base + "/readyz; stop: Ctrl-C or SIGTERM (in-flight calls finish first)\n"
		if got := stderr.String(); !strings.HasPrefix(got, want) {
			t.Errorf("banner:\n%s\nwant it to start with:\n%s", got, want)
		}
		if strings.Contains(stderr.String(), "sandbox mail") {
			t.Errorf("the seeded invitation was logged at start-up:\n%s", stderr)
		}
	}
	// Over stdio the same sandbox lines, without a port.
	_, errOut, err := runCmd(t, []string{"stdio", "--sandbox"}, env())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(errOut, "Sandbox mode:") || !strings.Contains(errOut, "MCP resource sandbox://outbox/{email}\n") || strings.Contains(errOut, "sandbox mail") {
		t.Errorf("stdio banner:\n%s", errOut)
	}
}

func TestDisplayAddr(t *testing.T) {
	v6any := &net.TCPAddr{IP: net.IPv6zero, Port: 18081}
	cases := []struct {
		given  string
		actual net.Addr
		want   string
	}{
		// The case: Go reports a 0.0.0.0 listener as [::].
		{"0.0.0.0:18081", v6any, "0.0.0.0:18081"},
		{"0.0.0.0:0", v6any, "0.0.0.0:18081"},
		{":18081", v6any, "0.0.0.0:18081"},
		{"localhost:0", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}, "localhost:4242"},
		{"[::1]:0", &net.TCPAddr{IP: net.IPv6loopback, Port: 4242}, "[::1]:4242"},
		{"127.0.0.1:8080", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "127.0.0.1:8080"},
	}
	for _, tc := range cases {
		if got := displayAddr(tc.given, tc.actual); got != tc.want {
			t.Errorf("displayAddr(%q, %v) = %q, want %q", tc.given, tc.actual, got, tc.want)
		}
	}
}

// A cleartext control plane beyond loopback would carry passwords and bearer
// tokens in the clear: warned about at start.
func TestCleartextBaseURLIsWarnedAbout(t *testing.T) {
	for url, warn := range map[string]bool{
		"http://modelslab.example/api/agents/v1":  true,
		"HTTP://10.0.0.7:8000/api":                true,
		"http://127.0.0.1:9/api":                  false,
		"http://localhost:9/api":                  false,
		"http://[::1]:9/api":                      false,
		"https://modelslab.com/api/agents/v1":     false,
		"https://modelslab.example/api/agents/v1": false,
	} {
		if got := cleartextWarning(url) != ""; got != warn {
			t.Errorf("%s: warned %v, want %v", url, got, warn)
		}
	}
	_, stderr, _ := serveRun(t, env(), "http", "--addr", "127.0.0.1:0", "--base-url", "http://modelslab.example/api/agents/v1")
	if !strings.Contains(stderr.String(), `"level":"warn"`) || !strings.Contains(stderr.String(), "cleartext http://") {
		t.Errorf("no warning logged:\n%s", stderr)
	}
}

type fakeTerminal struct{ bytes.Buffer }

// Console logs for a person at a terminal, JSON for a program; --log-format
// decides when given, in either direction.
func TestLogFormatFollowsTheTerminal(t *testing.T) {
	old := isTerminal
	t.Cleanup(func() { isTerminal = old })
	isTerminal = func(w any) bool { _, ok := w.(*fakeTerminal); return ok }
	for _, tc := range []struct {
		format   string
		terminal bool
		json     bool
	}{
		{"auto", true, false},
		{"auto", false, true},
		{"json", true, true},
		{"console", false, false},
	} {
		var w interface {
			Write([]byte) (int, error)
			String() string
		} = &bytes.Buffer{}
		if tc.terminal {
			w = &fakeTerminal{}
		}
		log := newLogger(&config{logFormat: tc.format, logLevel: "info"}, w)
		log.Info().Str("k", "v").Msg("hello")
		out := w.String()
		if isJSON := strings.HasPrefix(out, "{"); isJSON != tc.json {
			t.Errorf("format %s, terminal %v: %q, want json=%v", tc.format, tc.terminal, out, tc.json)
		}
		if !strings.Contains(out, "hello") {
			t.Errorf("format %s: message lost: %q", tc.format, out)
		}
	}
	// The real check on a real file that is not a terminal.
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if old(f) {
		t.Error("a regular file taken for a terminal")
	}
}

// The image sets the listen address once, in MODELSLAB_ADDR, and neither CMD
// nor HEALTHCHECK passes --addr: so the health check probes wherever the
// server listens. Run both as the image does, with the address moved.
func TestDockerfileHealthcheckFollowsTheAddress(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Skipf("no Dockerfile: %v", err)
	}
	df := strings.ReplaceAll(string(raw), "\\\n", " ")
	envAddr := regexp.MustCompile(`(?m)^ENV MODELSLAB_ADDR=(\S+)$`).FindStringSubmatch(df)
	expose := regexp.MustCompile(`(?m)^EXPOSE (\d+)$`).FindStringSubmatch(df)
	hc := regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD (\[.*\])$`).FindStringSubmatch(df)
	cmd := regexp.MustCompile(`(?m)^CMD (\[.*\])$`).FindStringSubmatch(df)
	if envAddr == nil || expose == nil || hc == nil || cmd == nil {
		t.Fatalf("Dockerfile lacks ENV MODELSLAB_ADDR, EXPOSE, HEALTHCHECK or CMD:\n%s", raw)
	}
	if _, port, _ := net.SplitHostPort(envAddr[1]); port != expose[1] {
		t.Errorf("MODELSLAB_ADDR %s does not listen on the EXPOSEd port %s", envAddr[1], expose[1])
	}
	argv := func(list string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(list, -1) {
			out = append(out, m[1])
		}
		return out
	}
	serveArgs, hcArgs := argv(cmd[1]), argv(hc[1])[1:] // HEALTHCHECK names the binary
	for _, args := range [][]string{serveArgs, hcArgs} {
		for _, a := range args {
			if strings.HasPrefix(a, "--addr") || strings.HasPrefix(a, "-addr") {
				t.Errorf("%q passes --addr: the health check would not follow MODELSLAB_ADDR", args)
			}
		}
	}
	// Moved to another (free, loopback) port through the environment alone.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	moved := ln.Addr().String()
	ln.Close()
	getenv := env("MODELSLAB_ADDR", moved, "MODELSLAB_SANDBOX", "1")
	endpoint, _, _ := serveRun(t, getenv, serveArgs...)
	if endpoint != "http://"+moved+"/mcp" {
		t.Fatalf("CMD %q with MODELSLAB_ADDR=%s served %s", serveArgs, moved, endpoint)
	}
	if _, _, err := runCmd(t, hcArgs, getenv); err != nil {
		t.Errorf("HEALTHCHECK %q with MODELSLAB_ADDR=%s: %v", hcArgs, moved, err)
	}
}

// A MODELSLAB_AGENT_TOKEN that cannot be a token is refused at start-up,
// saying why and what to do, without repeating the value; the README's
// Claude Desktop snippet (an empty token) starts (issue 21).
func TestPlaceholderTokenIsRefused(t *testing.T) {
	for _, tok := range []string{"optional: a token you already have", "your-token", "<token>", "REPLACE_ME", "xxx", "xxxxxxxx",
		"${input:modelslab-token}", "42|…P4RU", "Bearer 42|abc", "TODO", "TOKEN"} {
		for _, cmd := range []string{"stdio", "http", "doctor"} {
			_, err := parseConfig([]string{cmd, "--sandbox"}, env("MODELSLAB_AGENT_TOKEN", tok), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), "MODELSLAB_AGENT_TOKEN cannot be a token") || !strings.Contains(err.Error(), "agent-auth") {
				t.Errorf("%s with %q: %v", cmd, tok, err)
				continue
			}
			if len(tok) > 4 && strings.Contains(strings.ReplaceAll(err.Error(), "MODELSLAB_AGENT_TOKEN", ""), tok) {
				t.Errorf("%s: the error repeats the value: %v", cmd, err)
			}
			if exitCode(err) != 1 {
				t.Errorf("exit %d, want 1", exitCode(err))
			}
		}
	}
	// Real tokens, random ones that happen to hold "xx" or "token" inside a
	// word, and an empty one (none) are accepted.
	for _, tok := range []string{"", "  ", "42|AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd", "7|tokenizedXXwords0123", "42|secret-token", "sk_live_9f8e7d6c5b4a3210"} {
		if _, err := parseConfig([]string{"stdio", "--sandbox"}, env("MODELSLAB_AGENT_TOKEN", tok), &bytes.Buffer{}); err != nil {
			t.Errorf("%q refused: %v", tok, err)
		}
	}
	// The README's snippet, as pasted: its env block starts the server.
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Skipf("no README: %v", err)
	}
	m := regexp.MustCompile(`"MODELSLAB_AGENT_TOKEN": "([^"]*)"`).FindAllStringSubmatch(string(raw), -1)
	for _, v := range m {
		if why := notAToken(v[1]); why != "" {
			t.Errorf("the README sets MODELSLAB_AGENT_TOKEN to %q, refused: %s", v[1], why)
		}
	}
}

// stdioCalls runs `stdio` in process with args, sends initialize and then each
// tools/call or resources/read (method, params JSON), and returns each
// answer's result (or error) as JSON, and stderr. Like one Inspector CLI call
// per run: a new server every time.
func stdioCalls(t *testing.T, getenv func(string) string, args []string, calls ...[2]string) ([]string, string) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"stdio"}, args...), getenv, inR, outW, &stderr); outW.Close() }()
	lines := bufio.NewScanner(outR)
	lines.Buffer(nil, 1<<20)
	send := func(id int, method, params string) string {
		fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`+"\n", id, method, params)
		if !lines.Scan() {
			t.Fatalf("no answer to %s; stderr:\n%s", method, stderr.String())
		}
		var msg struct {
			Result, Error json.RawMessage
		}
		if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
			t.Fatalf("%s: %v: %s", method, err, lines.Text())
		}
		if msg.Error != nil {
			return string(msg.Error)
		}
		return string(msg.Result)
	}
	send(0, "initialize", `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`)
	fmt.Fprintln(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	var out []string
	for i, c := range calls {
		out = append(out, send(i+1, c[0], c[1]))
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	return out, stderr.String()
}

func toolCall(tool string, args ...string) [2]string {
	m := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		m[args[i]] = args[i+1]
	}
	raw, _ := json.Marshal(map[string]any{"name": tool, "arguments": m})
	return [2]string{"tools/call", string(raw)}
}

// The README's stdio journey, one server process per call as the Inspector
// CLI runs it (issue 21): signup, the code from the outbox resource,
// verify-email, login, profile. The state file and the session's token
// carry over; with --sandbox-state none every process starts afresh.
func TestStdioSandboxOutlivesTheProcess(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sandbox.json")
	getenv := env("MODELSLAB_SANDBOX_STATE", state)
	args := []string{"--sandbox"}
	res, banner := stdioCalls(t, getenv, args, toolCall("agent-auth", "action", "signup", "email", "me@example.test", "password", "correct-horse-1"))
	if !strings.Contains(banner, "its state kept between runs in\n  "+state) || !strings.Contains(res[0], `\"verification_required\":true`) {
		t.Fatalf("signup: %s\nbanner:\n%s", res[0], banner)
	}
	res, _ = stdioCalls(t, getenv, args, [2]string{"resources/read", `{"uri":"sandbox://outbox/me@example.test"}`})
	code := regexp.MustCompile(`\\"code\\":\\"(\w+)\\"`).FindStringSubmatch(res[0])
	if code == nil {
		t.Fatalf("no code in the outbox of the next process: %s", res[0])
	}
	res, _ = stdioCalls(t, getenv, args, toolCall("agent-auth", "action", "verify-email", "verification_code", code[1]))
	if strings.Contains(res[0], `"isError":true`) {
		t.Fatalf("verify-email in a third process: %s", res[0])
	}
	res, _ = stdioCalls(t, getenv, args,
		toolCall("agent-auth", "action", "login", "email", "me@example.test", "password", "correct-horse-1"))
	if strings.Contains(res[0], `"isError":true`) {
		t.Fatalf("login: %s", res[0])
	}
	res, _ = stdioCalls(t, getenv, args, toolCall("agent-profile", "action", "get"))
	if !strings.Contains(res[0], `\"email\":\"me@example.test\"`) {
		t.Fatalf("profile in the next process, with the token the last one kept: %s", res[0])
	}
	// sandbox reset starts afresh: the account and the session are gone.
	if _, errOut, err := runCmd(t, []string{"sandbox", "reset"}, getenv); err != nil || !strings.Contains(errOut, state+" removed") {
		t.Fatalf("sandbox reset: %v %s", err, errOut)
	}
	res, _ = stdioCalls(t, getenv, args, toolCall("agent-profile", "action", "get"))
	if !strings.Contains(res[0], "not_logged_in") {
		t.Errorf("profile after the reset: %s", res[0])
	}
	// A path never written is not said to be removed (a typo in it shows).
	typo := env("MODELSLAB_SANDBOX_STATE", state+".typo")
	if _, errOut, err := runCmd(t, []string{"sandbox", "reset"}, typo); err != nil || strings.Contains(errOut, "removed") || !strings.Contains(errOut, "there was no state file at "+state+".typo") {
		t.Errorf("sandbox reset of a path never written: %v %s", err, errOut)
	}
	// In memory, the next process knows nothing of the last.
	none := env("MODELSLAB_SANDBOX_STATE", "none")
	stdioCalls(t, none, args, toolCall("agent-auth", "action", "login", "email", "demo@sandbox.test", "password", "sandbox-demo-password"))
	res, banner = stdioCalls(t, none, args, toolCall("agent-profile", "action", "get"))
	if !strings.Contains(res[0], "not_logged_in") || !strings.Contains(banner, "in-memory") {
		t.Errorf("in memory: %s\n%s", res[0], banner)
	}
}

// Where the state lives: the user's cache directory for stdio (and reset),
// memory for http and sandbox unless told; none without a cache directory.
func TestSandboxStateDefaults(t *testing.T) {
	home := env("HOME", "/home/u")
	for _, tc := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{[]string{"stdio"}, home, filepath.Join("/home/u", ".cache", "modelslab-agents-mcp", "sandbox.json")},
		{[]string{"stdio"}, env("HOME", "/home/u", "XDG_CACHE_HOME", "/xdg"), filepath.Join("/xdg", "modelslab-agents-mcp", "sandbox.json")},
		{[]string{"stdio"}, env(), ""},
		{[]string{"stdio", "--sandbox-state", "none"}, home, ""},
		{[]string{"stdio", "--sandbox-state", "/tmp/s.json"}, home, "/tmp/s.json"},
		{[]string{"http"}, home, ""},
		{[]string{"sandbox"}, home, ""},
		{[]string{"http"}, env("HOME", "/home/u", "MODELSLAB_SANDBOX_STATE", "/tmp/s.json"), "/tmp/s.json"},
		{[]string{"sandbox", "reset"}, home, filepath.Join("/home/u", ".cache", "modelslab-agents-mcp", "sandbox.json")},
	} {
		if runtime.GOOS != "linux" && len(tc.want) > 0 && tc.want[0] == '/' && tc.args[len(tc.args)-1] != "/tmp/s.json" {
			continue // the cache directory's rules differ by OS
		}
		if got := mustParse(t, tc.args, tc.getenv).statePath(); got != tc.want {
			t.Errorf("%q: state %q, want %q", tc.args, got, tc.want)
		}
	}
	// An unusable state file fails at start, before the banner.
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCmd(t, []string{"stdio", "--sandbox", "--sandbox-state", filepath.Join(blocker, "sandbox.json")}, env())
	if err == nil || !strings.Contains(err.Error(), "--sandbox-state") || strings.Contains(errOut, "Sandbox mode") {
		t.Errorf("unusable state file: %v\n%s", err, errOut)
	}
}

// A read-only sandbox (or one without the auth toolset) starts logged in as
// the demo account, said in the banner: it publishes no login, and the
// in-process sandbox issues no token to anyone outside (issue 21).
func TestReadOnlySandboxStartsLoggedIn(t *testing.T) {
	for _, args := range [][]string{{"--sandbox", "--read-only"}, {"--sandbox", "--toolsets", "profile"}} {
		res, banner := stdioCalls(t, env(), args, toolCall("agent-profile", "action", "get"))
		if !strings.Contains(res[0], `\"email\":\"demo@sandbox.test\"`) {
			t.Errorf("%q: profile: %s", args, res[0])
		}
		if !strings.Contains(banner, "logged in as demo@sandbox.test") {
			t.Errorf("%q: banner:\n%s", args, banner)
		}
	}
	// With a token of its own, or with login published, no demo login.
	_, banner := stdioCalls(t, env(), []string{"--sandbox"})
	if strings.Contains(banner, "logged in as") {
		t.Errorf("a sandbox with login published logged in:\n%s", banner)
	}
}

// A busy port is named, with what probably holds it and the flag that moves
// this server (issue 21: only "bind: address already in use").
func TestBusyPortIsExplained(t *testing.T) {
	base, _ := startRun(t, env(), "--sandbox")
	ours := strings.TrimPrefix(base, "http://")
	_, port, _ := net.SplitHostPort(ours)
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"http", "--addr", ours}, []string{"port " + port, "another modelslab-agents-mcp http", "--addr 127.0.0.1:0"}},
		{[]string{"stdio", "--sandbox", "--metrics-addr", ours}, []string{"port " + port, "--metrics-addr 127.0.0.1:0"}},
		{[]string{"sandbox", "--addr", other.Addr().String()}, []string{"another program", "ss -ltnp"}},
	} {
		_, _, err := runCmd(t, tc.args, env())
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %v, want %q in it", tc.args, err, w)
			}
		}
	}
}

// sandbox reset is a command of its own: its help, its mistakes' hints.
func TestSandboxResetCommandLine(t *testing.T) {
	out, _, err := runCmd(t, []string{"help", "sandbox", "reset"}, env())
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out, "Usage: modelslab-agents-mcp sandbox reset [flags]") || !strings.Contains(out, "--sandbox-state") {
		t.Errorf("help sandbox reset: %v\n%s", err, out)
	}
	for args, hint := range map[string]string{
		"sandbox reset --addr x": "run 'modelslab-agents-mcp help sandbox reset' for usage",
		"sandbox reset extra":    "run 'modelslab-agents-mcp help sandbox reset' for usage",
		"help sandbox x":         "run 'modelslab-agents-mcp help' for usage",
	} {
		_, _, err := runCmd(t, strings.Fields(args), env())
		var printed bytes.Buffer
		printError(&printed, err)
		if exitCode(err) != 2 || !strings.HasSuffix(printed.String(), hint+"\n") {
			t.Errorf("%s: exit %d, %q", args, exitCode(err), printed.String())
		}
	}
	if _, _, err := runCmd(t, []string{"sandbox", "reset"}, env()); err == nil || !strings.Contains(err.Error(), "no state file") {
		t.Errorf("reset without a cache directory: %v", err)
	}
}

// A mistyped toolset or ceiling is named where it was set (the flag, or the
// variable in a client config's env), and a near name is suggested: an error
// that says --toolsets about MODELSLAB_TOOLSETS sends the newcomer to look
// for a flag they never typed.
func TestMoneySettingsNamedWhereSet(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{[]string{"stdio", "--toolsets", "walet"}, env(), `--toolsets "walet": unknown toolset "walet"`},
		{[]string{"stdio"}, env("MODELSLAB_TOOLSETS", "walet"), `MODELSLAB_TOOLSETS="walet": unknown toolset "walet"`},
		{[]string{"stdio", "--toolsets", "wallet"}, env("MODELSLAB_TOOLSETS", "walet"), ""}, // the flag wins
		{[]string{"stdio"}, env("MODELSLAB_TOOLSETS", "default,subscription"), "did you mean subscriptions?"},
		{[]string{"stdio"}, env("MODELSLAB_TOOLSETS", "api_keys"), "did you mean api-keys?"},
		{[]string{"stdio"}, env("MODELSLAB_TOOLSETS", "money"), "billing, wallet and subscriptions"},
		{[]string{"stdio"}, env("MODELSLAB_MAX_CHARGE", "-3"), "MODELSLAB_MAX_CHARGE=-3: want a positive number"},
		{[]string{"stdio", "--max-charge", "0"}, env(), "--max-charge 0: want a positive number"},
	} {
		_, err := parseConfig(tc.args, tc.getenv, io.Discard)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: refused: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
