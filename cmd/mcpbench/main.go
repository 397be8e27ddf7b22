// Command mcpbench measures what modelslab-agents-mcp adds to what MCP itself
// costs, and compares it with ModelsLab's own CLI MCP server. It is a
// development tool, not part of the product.
//
//	go run ./cmd/mcpbench [-cli PATH] [-n 3000] [-duration 2s] [-coldstarts 20] [-repeat 1]
//
// It builds the product binary into a temporary directory, starts a minimal
// control plane in its own process (this binary re-executed as `mcpbench
// upstream`), and compares, all on loopback:
//
//   - the product over stdio and streamable HTTP, in both protocol eras
//     (the 2025-11-25 handshake and the stateless 2026-07-28 core),
//   - a floor server (`mcpbench floor stdio|http`): a minimal mcp-go server with
//     one tool that forwards the same call with a plain http.Client,
//   - with -cli, the ModelsLab CLI's `modelslab mcp serve` (stdio, handshake era
//     only; its tool api-keys-list makes the same GET), and
//   - a direct HTTP call to the upstream,
//
// for the tool call agent-api-keys {"action":"list"}. It prints a Markdown report
// on stdout: round-trip latency, throughput with 1, 8 and 32 callers and the
// upstream connections opened meanwhile, cold start, resident memory, memory
// per HTTP session, and the performance targets of issue 19 with ratios.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

const benchToken = "7|mcpbench0123456789abcdefghijklmnopqrstuvwxyz"

func main() {
	if len(os.Args) > 1 {
		var err error
		switch os.Args[1] {
		case "upstream":
			err = runUpstream(os.Args[2:])
		case "floor":
			err = runFloor(os.Args[2:])
		default:
			err = runBench(os.Args[1:])
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mcpbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := runBench(nil); err != nil {
		fmt.Fprintln(os.Stderr, "mcpbench:", err)
		os.Exit(1)
	}
}

type benchConfig struct {
	n          int
	warmup     int
	duration   time.Duration
	coldStarts int
	sessions   int
	repeat     int
	bin        string
	cli        string
	callers    []int
	eras       []string
	tputEras   []string
	oursArgs   []string
	only       map[string]bool
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("mcpbench", flag.ContinueOnError)
	var cfg benchConfig
	var callers, eras, tputEras string
	fs.IntVar(&cfg.n, "n", 3000, "sequential tool calls per target for the round-trip percentiles")
	fs.IntVar(&cfg.warmup, "warmup", 300, "unmeasured calls per target before measuring")
	fs.DurationVar(&cfg.duration, "duration", 2*time.Second, "measuring time per throughput cell")
	fs.IntVar(&cfg.coldStarts, "coldstarts", 20, "process spawns per server for the cold-start median")
	fs.IntVar(&cfg.sessions, "sessions", 500, "handshake-era HTTP sessions opened for the per-session memory")
	fs.IntVar(&cfg.repeat, "repeat", 1, "throughput cells and idle-memory readings per server, interleaved; the report shows the median")
	fs.StringVar(&cfg.bin, "bin", "", "product binary to measure (default: go build ./cmd/modelslab-agents-mcp into a temp dir)")
	fs.StringVar(&cfg.cli, "cli", "", "ModelsLab CLI binary (github.com/ModelsLab/modelslab-cli, `go build ./cmd/modelslab`) to measure beside ours")
	fs.StringVar(&callers, "callers", "1,8,32", "concurrent callers for the throughput rows")
	fs.StringVar(&eras, "eras", eraHandshake+","+eraModern, "protocol eras for the round trip")
	fs.StringVar(&tputEras, "tput-eras", eraHandshake, "protocol eras for the throughput rows (the CLI speaks only "+eraHandshake+")")
	var oursArgs, only string
	fs.StringVar(&oursArgs, "ours-args", "", "extra flags for the product, space separated (e.g. \"--log-level=warn\")")
	fs.StringVar(&only, "only", "", "comma list of sections to run: rt, tput, cold, mem (default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(callers, ",") {
		var c int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &c); err != nil || c < 1 {
			return fmt.Errorf("-callers %q: want a comma list of positive integers", callers)
		}
		cfg.callers = append(cfg.callers, c)
	}
	var err error
	if cfg.eras, err = parseEras("-eras", eras); err != nil {
		return err
	}
	if cfg.tputEras, err = parseEras("-tput-eras", tputEras); err != nil {
		return err
	}
	cfg.repeat = max(cfg.repeat, 1)

	cfg.oursArgs = strings.Fields(oursArgs)
	cfg.only = map[string]bool{}
	for _, s := range splitComma(only) {
		cfg.only[s] = true
	}
	run := func(section string) bool { return len(cfg.only) == 0 || cfg.only[section] }

	self, err := os.Executable()
	if err != nil {
		return err
	}
	if cfg.bin == "" {
		dir, err := os.MkdirTemp("", "mcpbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.bin = filepath.Join(dir, "modelslab-agents-mcp")
		progress("building the product binary")
		build := exec.Command("go", "build", "-o", cfg.bin, "github.com/modelslab-agents-mcp/modelslab-agents-mcp/cmd/modelslab-agents-mcp")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}

	up, err := startUpstream(self)
	if err != nil {
		return err
	}
	defer up.kill()

	listKeys := map[string]any{"action": "list"}
	tokenEnv := []string{"MODELSLAB_AGENT_TOKEN=" + benchToken}
	kinds := map[string]serverKind{
		"ours stdio": {name: "ours", bin: cfg.bin, env: tokenEnv, tool: "agent-api-keys", toolArgs: listKeys,
			args: func(base string) []string { return append([]string{"stdio", "--base-url", base}, cfg.oursArgs...) }},
		"floor stdio": {name: "floor", bin: self, env: tokenEnv, tool: "agent-api-keys", toolArgs: listKeys,
			args: func(base string) []string { return []string{"floor", "stdio", "--base-url", base} }},
		"ours HTTP": {name: "ours", http: true, bin: cfg.bin, tool: "agent-api-keys", toolArgs: listKeys,
			args: func(base string) []string {
				return append([]string{"http", "--addr", "127.0.0.1:0", "--base-url", base}, cfg.oursArgs...)
			}},
		"floor HTTP": {name: "floor", http: true, bin: self, tool: "agent-api-keys", toolArgs: listKeys,
			args: func(base string) []string {
				return []string{"floor", "http", "--addr", "127.0.0.1:0", "--base-url", base}
			}},
	}
	if cfg.cli != "" {
		k, cleanup, err := cliKind(cfg.cli)
		if err != nil {
			return err
		}
		defer cleanup()
		kinds["cli stdio"] = k
	}
	r := &report{cli: cfg.cli != ""}
	start := time.Now()
	if !run("rt") {
	} else if err := benchRoundTrip(cfg, up, kinds, r); err != nil {
		return fmt.Errorf("round trip: %w", err)
	}
	if !run("tput") {
	} else if err := benchThroughput(cfg, up, kinds, r); err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	if !run("cold") {
	} else if err := benchColdStart(cfg, up, kinds, r); err != nil {
		return fmt.Errorf("cold start: %w", err)
	}
	if !run("mem") {
	} else if err := benchMemory(cfg, up, kinds, r); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	r.elapsed = time.Since(start)
	r.print(os.Stdout, cfg)
	return nil
}

// cliKind describes `modelslab mcp serve` (stdio): its token comes from
// MODELSLAB_TOKEN and its --base-url is the site root, without /api/agents/v1.
// HOME points at a scratch directory, since the CLI creates ~/.config/modelslab
// on start; the returned cleanup removes it.
func cliKind(bin string) (serverKind, func(), error) {
	if _, err := os.Stat(bin); err != nil {
		return serverKind{}, nil, fmt.Errorf("-cli: %w", err)
	}
	home, err := os.MkdirTemp("", "mcpbench-cli-home-")
	if err != nil {
		return serverKind{}, nil, err
	}
	return serverKind{name: "cli", bin: bin, legacyOnly: true,
		env:  []string{"MODELSLAB_TOKEN=" + benchToken, "HOME=" + home},
		tool: "api-keys-list", toolArgs: map[string]any{},
		args: func(base string) []string {
			return []string{"--base-url", strings.TrimSuffix(base, "/api/agents/v1"), "mcp", "serve"}
		}}, func() { os.RemoveAll(home) }, nil
}

func parseEras(flagName, s string) ([]string, error) {
	var out []string
	for _, e := range splitComma(s) {
		if e != eraHandshake && e != eraModern {
			return nil, fmt.Errorf("%s %q: eras are %s and %s", flagName, s, eraHandshake, eraModern)
		}
		out = append(out, e)
	}
	return out, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "mcpbench: "+format+"\n", a...)
}

// kindOrder is the order of servers in every section and table.
var kindOrder = []string{"floor stdio", "ours stdio", "cli stdio", "floor HTTP", "ours HTTP"}

// target names one server in one era, e.g. "ours HTTP 2026-07-28".
func target(kind, era string) string { return kind + " " + era }

// each calls fn for every server of kinds in every era it speaks, in kindOrder.
func each(kinds map[string]serverKind, eras []string, fn func(name, era string, k serverKind) error) error {
	for _, era := range eras {
		for _, name := range kindOrder {
			k, ok := kinds[name]
			if !ok || (k.legacyOnly && era != eraHandshake) {
				continue
			}
			if err := fn(name, era, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- round trip ----------------------------------------------------------

type latency struct {
	p50, p99, mean time.Duration
	cpu            time.Duration // server process CPU (user+system) per call
}

func summarize(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return latency{p50: s[len(s)/2], p99: s[min(len(s)-1, len(s)*99/100)], mean: sum / time.Duration(len(s))}
}

const directTarget = "direct HTTP (no MCP)"

// benchRoundTrip measures sequential calls against every target, interleaved
// in rounds so that drift in the machine's load hits all targets alike.
func benchRoundTrip(cfg benchConfig, up *upstreamProc, kinds map[string]serverKind, r *report) error {
	progress("round trip: %d sequential calls per target", cfg.n)
	ctx := context.Background()
	type rtTarget struct {
		name string
		call func() error
		pid  int // the server process, for its CPU time; 0 for none
	}
	var targets []rtTarget

	direct := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	directURL := up.baseURL() + "/api-keys"
	targets = append(targets, rtTarget{name: directTarget, call: func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, directURL, nil)
		req.Header.Set("Authorization", "Bearer "+benchToken)
		req.Header.Set("Accept", "application/json")
		resp, err := direct.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("direct: %s", resp.Status)
		}
		return err
	}})
	var cleanup []func() // every server stays up until all are measured
	defer func() {
		for _, f := range slices.Backward(cleanup) {
			f()
		}
	}()
	err := each(kinds, cfg.eras, func(name, era string, k serverKind) error {
		label := target(name, era)
		var c *client.Client
		var pid int
		if k.http {
			s, err := startHTTPServer(k, up.baseURL())
			if err != nil {
				return err
			}
			cleanup = append(cleanup, s.kill)
			pid = s.cmd.Process.Pid
			if c, err = newHTTPClient(ctx, s.url, benchToken, era); err != nil {
				return fmt.Errorf("%s: %w", label, err)
			}
			cleanup = append(cleanup, func() { c.Close() })
		} else {
			s, err := startStdioServer(ctx, k, up.baseURL(), era)
			if err != nil {
				return fmt.Errorf("%s: %w", label, err)
			}
			cleanup = append(cleanup, s.close)
			c, pid = s.c, s.pid()
		}
		targets = append(targets, rtTarget{label, func() error { return k.call(ctx, c) }, pid})
		return nil
	})
	if err != nil {
		return err
	}

	samples := make([][]time.Duration, len(targets))
	for i, t := range targets {
		for range cfg.warmup {
			if err := t.call(); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
		samples[i] = make([]time.Duration, 0, cfg.n)
	}
	cpu0 := make([]time.Duration, len(targets))
	for i, t := range targets {
		cpu0[i] = cpuTime(t.pid)
	}
	const rounds = 10
	per := max(1, cfg.n/rounds)
	for range rounds {
		for i, t := range targets {
			for range per {
				t0 := time.Now()
				if err := t.call(); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
				samples[i] = append(samples[i], time.Since(t0))
			}
		}
	}
	r.rt = map[string]latency{}
	for i, t := range targets {
		l := summarize(samples[i])
		if t.pid != 0 {
			l.cpu = (cpuTime(t.pid) - cpu0[i]) / time.Duration(len(samples[i]))
		}
		r.rt[t.name] = l
	}
	return nil
}

// ---- throughput ----------------------------------------------------------

type tputCell struct {
	kind      string // target name: server and era
	callers   int
	calls     int64
	perSec    float64
	lat       latency
	conns     int64
	reqs      int64
	rssAfter  int64
	errs      int64
	pipelined bool
}

// benchThroughput runs every cell cfg.repeat times, interleaving servers
// within each caller count and repeat, and keeps each cell's median run.
func benchThroughput(cfg benchConfig, up *upstreamProc, kinds map[string]serverKind, r *report) error {
	ctx := context.Background()
	runs := map[string][]tputCell{}
	var order []string
	for rep := range cfg.repeat {
		for _, n := range cfg.callers {
			err := each(kinds, cfg.tputEras, func(name, era string, k serverKind) error {
				label := target(name, era)
				progress("throughput: %s, %d callers, %s (%d/%d)", label, n, cfg.duration, rep+1, cfg.repeat)
				cell, err := throughputCell(ctx, cfg, up, k, era, n)
				cell.kind = label
				if err != nil {
					return fmt.Errorf("%s with %d callers: %w", label, n, err)
				}
				key := fmt.Sprintf("%s/%d", label, n)
				if rep == 0 {
					order = append(order, key)
				}
				runs[key] = append(runs[key], cell)
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	for _, key := range order {
		cells := runs[key]
		slices.SortFunc(cells, func(a, b tputCell) int { return cmp.Compare(a.perSec, b.perSec) })
		r.tput = append(r.tput, cells[len(cells)/2])
	}
	return nil
}

func throughputCell(ctx context.Context, cfg benchConfig, up *upstreamProc, k serverKind, era string, n int) (tputCell, error) {
	up.reset() // counts from before the server starts: every connection it ever opens
	var (
		clients []*client.Client
		pid     int
		stop    func()
	)
	if k.http {
		s, err := startHTTPServer(k, up.baseURL())
		if err != nil {
			return tputCell{}, err
		}
		pid, stop = s.cmd.Process.Pid, s.kill
		for range n { // one MCP client (connection, session) per caller
			c, err := newHTTPClient(ctx, s.url, benchToken, era)
			if err != nil {
				s.kill()
				return tputCell{}, err
			}
			clients = append(clients, c)
		}
	} else {
		s, err := startStdioServer(ctx, k, up.baseURL(), era)
		if err != nil {
			return tputCell{}, err
		}
		pid, stop = s.pid(), s.close
		for range n { // one pipe: the callers' requests are pipelined on it
			clients = append(clients, s.c)
		}
	}
	cell := runLoad(ctx, k, clients, cfg.duration, cfg.warmup/10)
	cell.callers, cell.pipelined = n, !k.http
	cell.rssAfter = rssKB(pid)
	if k.http {
		for _, c := range clients {
			c.Close()
		}
	}
	stop()
	cell.conns, cell.reqs = up.stats()
	if cell.errs > 0 {
		return cell, fmt.Errorf("%d failed calls", cell.errs)
	}
	return cell, nil
}

// runLoad has each client's caller call in a loop for d, after a warm-up.
func runLoad(ctx context.Context, k serverKind, clients []*client.Client, d time.Duration, warm int) tputCell {
	var wg sync.WaitGroup
	var errs atomic.Int64
	for _, c := range clients {
		wg.Go(func() {
			for range max(warm, 1) {
				if k.call(ctx, c) != nil {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(d)
	lats := make([][]time.Duration, len(clients))
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := k.call(ctx, c); err != nil {
					if errs.Add(1) == 1 {
						progress("call failed: %v", err)
					}
					continue
				}
				lats[i] = append(lats[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lats...)
	return tputCell{calls: int64(len(all)), perSec: float64(len(all)) / elapsed.Seconds(), lat: summarize(all), errs: errs.Load()}
}

// ---- cold start ----------------------------------------------------------

type coldStart struct {
	median, p90, min time.Duration
	cpu              time.Duration // median CPU time of the process, start to exit
}

// stdioKinds are the servers with a stdio transport, in kindOrder.
func stdioKinds(kinds map[string]serverKind) []string {
	var out []string
	for _, name := range kindOrder {
		if k, ok := kinds[name]; ok && !k.http {
			out = append(out, name)
		}
	}
	return out
}

// benchColdStart spawns each stdio server and times spawn → initialize →
// notifications/initialized → the answer to tools/list.
func benchColdStart(cfg benchConfig, up *upstreamProc, kinds map[string]serverKind, r *report) error {
	progress("cold start: %d spawns per server", cfg.coldStarts)
	r.cold = map[string]coldStart{}
	samples, cpus := map[string][]time.Duration{}, map[string][]time.Duration{}
	names := stdioKinds(kinds)
	for range cfg.coldStarts {
		for _, name := range names {
			d, cpu, err := oneColdStart(kinds[name], up.baseURL())
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			samples[name] = append(samples[name], d)
			cpus[name] = append(cpus[name], cpu)
		}
	}
	for _, name := range names {
		s := slices.Sorted(slices.Values(samples[name]))
		c := slices.Sorted(slices.Values(cpus[name]))
		r.cold[name] = coldStart{median: s[len(s)/2], p90: s[min(len(s)-1, len(s)*9/10)], min: s[0], cpu: c[len(c)/2]}
	}
	return nil
}

// oneColdStart returns the wall time to the tools/list answer and the CPU time
// (user+system, from the exit's rusage) the process used: less sensitive than
// wall time to a machine shared with other work.
func oneColdStart(k serverKind, base string) (wall, cpu time.Duration, _ error) {
	cmd := exec.Command(k.bin, k.args(base)...)
	cmd.Env = append(os.Environ(), k.env...)
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	out := bufio.NewReader(stdoutPipe)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	timer := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err = func() error {
		io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpbench","version":"1"}}}`+"\n")
		if err := waitForID(out, 1); err != nil {
			return err
		}
		io.WriteString(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`+"\n")
		return waitForID(out, 2)
	}()
	wall = time.Since(t0)
	stdin.Close()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err != nil {
		return 0, 0, err
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return wall, cpu, nil
}

func waitForID(r *bufio.Reader, id int) error {
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("waiting for the answer %d: %w", id, err)
		}
		var msg struct {
			ID     *int            `json:"id"`
			Error  json.RawMessage `json:"error"`
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(line, &msg) == nil && msg.ID != nil && *msg.ID == id {
			if len(msg.Result) == 0 {
				return fmt.Errorf("answer %d is an error: %s", id, msg.Error)
			}
			return nil
		}
	}
}

// ---- memory --------------------------------------------------------------

type memRow struct {
	idleKB       int64
	sessionBytes float64
	sessions     int
}

// benchMemory reads each stdio server's idle RSS cfg.repeat times, interleaved,
// and keeps the median; then each HTTP server's idle RSS and memory per session.
func benchMemory(cfg benchConfig, up *upstreamProc, kinds map[string]serverKind, r *report) error {
	ctx := context.Background()
	r.mem = map[string]memRow{}
	idle := map[string][]int64{}
	names := stdioKinds(kinds)
	for rep := range cfg.repeat {
		for _, name := range names {
			progress("memory: %s idle (%d/%d)", name, rep+1, cfg.repeat)
			s, err := startStdioServer(ctx, kinds[name], up.baseURL(), eraHandshake)
			if err != nil {
				return err
			}
			if _, err := s.c.ListTools(ctx, listToolsRequest()); err != nil {
				s.close()
				return err
			}
			time.Sleep(300 * time.Millisecond)
			idle[name] = append(idle[name], rssKB(s.pid()))
			s.close()
		}
	}
	for _, name := range names {
		v := slices.Sorted(slices.Values(idle[name]))
		r.mem[name] = memRow{idleKB: v[len(v)/2]}
	}
	for _, name := range []string{"ours HTTP", "floor HTTP"} {
		progress("memory: %s idle and %d sessions", name, cfg.sessions)
		s, err := startHTTPServer(kinds[name], up.baseURL())
		if err != nil {
			return err
		}
		time.Sleep(300 * time.Millisecond)
		row := memRow{idleKB: rssKB(s.cmd.Process.Pid), sessions: cfg.sessions}
		// Warm the server's HTTP path and the client's connection first, so the
		// delta is the sessions' own.
		if _, err := openSessions(s.url, 20); err != nil {
			s.kill()
			return fmt.Errorf("%s: %w", name, err)
		}
		time.Sleep(200 * time.Millisecond)
		before := rssKB(s.cmd.Process.Pid)
		n, err := openSessions(s.url, cfg.sessions)
		if err != nil {
			s.kill()
			return fmt.Errorf("%s: %w", name, err)
		}
		time.Sleep(500 * time.Millisecond)
		after := rssKB(s.cmd.Process.Pid)
		row.sessionBytes = float64(after-before) * 1024 / float64(max(n, 1))
		r.mem[name] = row
		s.kill()
	}
	return nil
}

func listToolsRequest() mcp.ListToolsRequest { return mcp.ListToolsRequest{} }

// openSessions opens n handshake-era sessions (initialize with 2025-11-25, then
// notifications/initialized) and keeps them open: none is deleted.
func openSessions(url string, n int) (int, error) {
	const workers = 4
	var opened atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	next := make(chan struct{})
	go func() {
		for range n {
			next <- struct{}{}
		}
		close(next)
	}()
	for range workers {
		wg.Go(func() {
			for range next {
				if err := openSession(url); err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				opened.Add(1)
			}
		})
	}
	wg.Wait()
	return int(opened.Load()), firstErr
}

func openSession(url string) error {
	post := func(session, body string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+benchToken)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		resp, err := sharedHTTP.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	resp, err := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpbench","version":"1"}}}`)
	if err != nil {
		return err
	}
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || sid == "" {
		return fmt.Errorf("initialize: %s, session id %q", resp.Status, sid)
	}
	resp, err = post(sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notifications/initialized: %s", resp.Status)
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown"
}

func goVersion() string { return runtime.Version() }
