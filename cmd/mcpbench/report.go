package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

type report struct {
	cli     bool // the CLI was measured
	rt      map[string]latency
	tput    []tputCell
	cold    map[string]coldStart
	mem     map[string]memRow
	elapsed time.Duration
}

func us(d time.Duration) string {
	if d >= 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

func ratio[T time.Duration | int64 | float64](a, b T) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// x formats a ratio, or a dash when one side was not measured.
func x(q float64) string {
	if q == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", q)
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// peer returns the floor's or the CLI's name for a target of ours ("ours stdio
// 2025-11-25" → "floor stdio 2025-11-25", "cli stdio 2025-11-25").
func peer(name, who string) string { return who + strings.TrimPrefix(name, "ours") }

func (r *report) print(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "## mcpbench: modelslab-agents-mcp against the MCP floor")
	if r.cli {
		fmt.Fprintf(w, " and the ModelsLab CLI")
	}
	fmt.Fprintf(w, "\n\nMachine: %d CPUs (%s), %s %s/%s. Loopback only; upstream in its own process. Run time %s.\n\n",
		runtime.NumCPU(), cpuModel(), goVersion(), runtime.GOOS, runtime.GOARCH, r.elapsed.Round(time.Second))

	if len(r.rt) > 0 {
		r.printRoundTrip(w, cfg)
	}
	if len(r.tput) > 0 {
		r.printThroughput(w, cfg)
	}
	if len(r.cold) > 0 {
		r.printColdStart(w, cfg)
	}
	if len(r.mem) > 0 {
		r.printMemory(w)
	}
	if len(r.rt) > 0 && len(r.tput) > 0 && len(r.cold) > 0 && len(r.mem) > 0 {
		r.printTargets(w, cfg)
	}
}

func (r *report) printRoundTrip(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "### Round trip: one `tools/call` listing API keys, sequential, %d calls per target\n\n", cfg.n)
	fmt.Fprintln(w, "| target | p50 | p99 | mean | server CPU/call | ours/floor p50 | ours/floor p99 | ours/CLI p50 | ours/CLI p99 |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	row := func(name string) {
		l, ok := r.rt[name]
		if !ok {
			return
		}
		cpu := "–"
		if l.cpu > 0 {
			cpu = us(l.cpu)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |", name, us(l.p50), us(l.p99), us(l.mean), cpu)
		if !strings.HasPrefix(name, "ours ") {
			fmt.Fprintln(w, " | | | |")
			return
		}
		f, c := r.rt[peer(name, "floor")], r.rt[peer(name, "cli")]
		fmt.Fprintf(w, " %s | %s | %s | %s |\n", x(ratio(l.p50, f.p50)), x(ratio(l.p99, f.p99)), x(ratio(l.p50, c.p50)), x(ratio(l.p99, c.p99)))
	}
	row(directTarget)
	for _, era := range cfg.eras {
		for _, kind := range kindOrder {
			row(target(kind, era))
		}
	}
}

// cell finds a throughput cell by target and caller count.
func (r *report) cell(name string, callers int) (tputCell, bool) {
	for _, c := range r.tput {
		if c.kind == name && c.callers == callers {
			return c, true
		}
	}
	return tputCell{}, false
}

func (r *report) printThroughput(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "\n### Throughput, %s per cell, median of %d (a fresh server per cell; HTTP: one MCP client per caller; stdio: callers pipelined on one pipe)\n\n", cfg.duration, cfg.repeat)
	fmt.Fprintln(w, "| server | callers | calls/s | ours/floor | ours/CLI | p50 | p99 | upstream conns opened | upstream requests | RSS after |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, c := range r.tput {
		vf, vc := "", ""
		if strings.HasPrefix(c.kind, "ours ") {
			f, _ := r.cell(peer(c.kind, "floor"), c.callers)
			p, _ := r.cell(peer(c.kind, "cli"), c.callers)
			vf, vc = x(ratio(c.perSec, f.perSec)), x(ratio(c.perSec, p.perSec))
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s | %d | %d | %s |\n", c.kind, c.callers, c.perSec, vf, vc,
			us(c.lat.p50), us(c.lat.p99), c.conns, c.reqs, mib(c.rssAfter))
	}
}

func (r *report) printColdStart(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "\n### Cold start: spawn → `initialize` → first `tools/list` answer over stdio, %d spawns, interleaved\n\n", cfg.coldStarts)
	fmt.Fprintln(w, "| server | median | p90 | min | process CPU, median |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	for _, name := range kindOrder {
		if c, ok := r.cold[name]; ok {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name, ms(c.median), ms(c.p90), ms(c.min), ms(c.cpu))
		}
	}
}

func (r *report) printMemory(w io.Writer) {
	fmt.Fprintf(w, "\n### Memory (VmRSS)\n\n")
	fmt.Fprintln(w, "| server | idle | after the largest throughput run | per open HTTP session |")
	fmt.Fprintln(w, "|---|--:|--:|--:|")
	after := map[string]int64{}
	for _, c := range r.tput {
		kind := c.kind[:strings.LastIndexByte(c.kind, ' ')] // drop the era
		after[kind] = max(after[kind], c.rssAfter)
	}
	for _, name := range kindOrder {
		m, ok := r.mem[name]
		if !ok {
			continue
		}
		per := "–"
		if m.sessions > 0 {
			per = fmt.Sprintf("%.1f KiB (%d sessions)", m.sessionBytes/1024, m.sessions)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, mib(m.idleKB), mib(after[name]), per)
	}
}

// printTargets checks the targets of issue 19 (ratios against the floor, and
// the CLI where it has the same row), and the upstream connections of issue 12.
func (r *report) printTargets(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "\n### Targets\n\n")
	fmt.Fprintln(w, "| target | measured | met |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, era := range cfg.eras {
		for _, t := range []string{"stdio", "HTTP"} {
			name := target("ours "+t, era)
			o, f := r.rt[name], r.rt[peer(name, "floor")]
			q50 := ratio(o.p50, f.p50)
			fmt.Fprintf(w, "| round trip p50 ≤ 1.15× floor, %s %s | %s (%s vs %s) | %s |\n", t, era, x(q50), us(o.p50), us(f.p50), yes(q50 <= 1.15))
		}
	}
	for _, c := range r.tput {
		if !strings.HasPrefix(c.kind, "ours ") || (c.callers != 8 && c.callers != 32) {
			continue
		}
		f, _ := r.cell(peer(c.kind, "floor"), c.callers)
		q := ratio(c.perSec, f.perSec)
		fmt.Fprintf(w, "| throughput ≥ 0.9× floor, %s, %d callers | %s (%.0f vs %.0f/s) | %s |\n", c.kind, c.callers, x(q), c.perSec, f.perSec, yes(q >= 0.9))
		if p, ok := r.cell(peer(c.kind, "cli"), c.callers); ok {
			q := ratio(c.perSec, p.perSec)
			fmt.Fprintf(w, "| throughput ahead of the CLI, %s, %d callers | %s (%.0f vs %.0f/s) | %s |\n", c.kind, c.callers, x(q), c.perSec, p.perSec, yes(q > 1))
		}
	}
	connsOK, worst := true, ""
	for _, c := range r.tput {
		if !strings.HasPrefix(c.kind, "ours ") {
			continue
		}
		if c.conns > int64(c.callers) {
			connsOK = false
		}
		worst += fmt.Sprintf("%d/%d ", c.conns, c.callers)
	}
	fmt.Fprintf(w, "| upstream conns opened ≤ callers (ours, conns/callers per cell) | %s| %s |\n", worst, yes(connsOK))
	if o, ok := r.cold["ours stdio"]; ok {
		f := r.cold["floor stdio"]
		q, qc := ratio(o.median, f.median), ratio(o.cpu, f.cpu)
		fmt.Fprintf(w, "| cold start median ≤ 1.10× floor (stdio) | %s (%s vs %s) | %s |\n", x(q), ms(o.median), ms(f.median), yes(q <= 1.1))
		fmt.Fprintf(w, "| cold start process CPU ≤ 1.10× floor (less noisy) | %s (%s vs %s) | %s |\n", x(qc), ms(o.cpu), ms(f.cpu), yes(qc <= 1.1))
	}
	for _, t := range []string{"stdio", "HTTP"} {
		o, ok := r.mem["ours "+t]
		if !ok {
			continue
		}
		f := r.mem["floor "+t]
		q := ratio(o.idleKB, f.idleKB)
		fmt.Fprintf(w, "| idle RSS ≤ 1.10× floor, %s | %s (%s vs %s) | %s |\n", t, x(q), mib(o.idleKB), mib(f.idleKB), yes(q <= 1.1))
	}
	fmt.Fprintln(w, "\nAllocations per in-process call (target ≤ 1.5× the floor's): `go test ./tools -run '^$' -bench 'NoNetwork|ServerOnly' -benchmem`.")
}
