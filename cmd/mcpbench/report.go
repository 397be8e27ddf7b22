package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

type report struct {
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

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func (r *report) print(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "## mcpbench: modelslab-agents-mcp against the MCP floor\n\n")
	fmt.Fprintf(w, "Machine: %d CPUs (%s), %s %s/%s. Loopback only; upstream in its own process. Run time %s.\n\n",
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
		r.printTargets(w)
	}
}

func (r *report) printRoundTrip(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "### Round trip: `agent-api-keys {\"action\":\"list\"}`, sequential, %d calls per target\n\n", cfg.n)
	fmt.Fprintln(w, "| target | p50 | p99 | mean | server CPU/call | ours/floor p50 | ours/floor p99 | ours/direct p50 |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	direct := r.rt["direct HTTP (no MCP)"]
	row := func(name string) {
		l := r.rt[name]
		cpu := "–"
		if l.cpu > 0 {
			cpu = us(l.cpu)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |", name, us(l.p50), us(l.p99), us(l.mean), cpu)
		if name == "ours stdio" || name == "ours HTTP" {
			f := r.rt["floor"+name[len("ours"):]]
			fmt.Fprintf(w, " %.2f× | %.2f× | %.2f× |\n", ratio(l.p50, f.p50), ratio(l.p99, f.p99), ratio(l.p50, direct.p50))
		} else {
			fmt.Fprintln(w, " | | |")
		}
	}
	for _, name := range []string{"direct HTTP (no MCP)", "floor stdio", "ours stdio", "floor HTTP", "ours HTTP"} {
		row(name)
	}

}

func (r *report) printThroughput(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "\n### Throughput, %s per cell (a fresh server per cell; HTTP: one MCP client per caller; stdio: callers pipelined on one pipe)\n\n", cfg.duration)
	fmt.Fprintln(w, "| server | callers | calls/s | p50 | p99 | upstream conns opened | upstream requests | RSS after |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, c := range r.tput {
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %d | %d | %s |\n", c.kind, c.callers, c.perSec, us(c.lat.p50), us(c.lat.p99), c.conns, c.reqs, mib(c.rssAfter))
	}

}

func (r *report) printColdStart(w io.Writer, cfg benchConfig) {
	fmt.Fprintf(w, "\n### Cold start: spawn → `initialize` → first `tools/list` answer over stdio, %d spawns\n\n", cfg.coldStarts)
	fmt.Fprintln(w, "| server | median | p90 | min |")
	fmt.Fprintln(w, "|---|--:|--:|--:|")
	for _, name := range []string{"ours stdio", "floor stdio"} {
		c := r.cold[name]
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, ms(c.median), ms(c.p90), ms(c.min))
	}

}

func (r *report) printMemory(w io.Writer) {
	fmt.Fprintf(w, "\n### Memory (VmRSS)\n\n")
	fmt.Fprintln(w, "| server | idle | after the largest throughput run | per open HTTP session |")
	fmt.Fprintln(w, "|---|--:|--:|--:|")
	after := map[string]int64{}
	for _, c := range r.tput {
		after[c.kind] = c.rssAfter // the last cell is the largest caller count
	}
	for _, name := range []string{"ours stdio", "floor stdio", "ours HTTP", "floor HTTP"} {
		m := r.mem[name]
		per := "–"
		if m.sessions > 0 {
			per = fmt.Sprintf("%.1f KiB (%d sessions)", m.sessionBytes/1024, m.sessions)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, mib(m.idleKB), mib(after[name]), per)
	}

}

func (r *report) printTargets(w io.Writer) {
	fmt.Fprintf(w, "\n### Targets\n\n")
	fmt.Fprintln(w, "| target | measured | met |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, t := range []string{"stdio", "HTTP"} {
		o, f := r.rt["ours "+t], r.rt["floor "+t]
		q := ratio(o.p50, f.p50)
		fmt.Fprintf(w, "| round trip p50 ≤ 1.2× floor (%s) | %.2f× (%s vs %s) | %s |\n", t, q, us(o.p50), us(f.p50), yes(q <= 1.2))
	}
	connsOK, worst := true, ""
	for _, c := range r.tput {
		if c.kind[:4] != "ours" {
			continue
		}
		if c.conns > int64(c.callers) {
			connsOK = false
		}
		worst += fmt.Sprintf("%d/%d ", c.conns, c.callers)
	}
	fmt.Fprintf(w, "| upstream conns opened ≤ callers (ours, conns/callers per cell) | %s| %s |\n", worst, yes(connsOK))
	cs := r.cold["ours stdio"].median
	fmt.Fprintf(w, "| cold start median < 20 ms | %s | %s |\n", ms(cs), yes(cs < 20*time.Millisecond))
	idle := max(r.mem["ours stdio"].idleKB, r.mem["ours HTTP"].idleKB)
	fmt.Fprintf(w, "| idle RSS < 15 MB (larger of stdio, HTTP) | %s | %s |\n", mib(idle), yes(idle*1024 < 15_000_000))
	ps := r.mem["ours HTTP"].sessionBytes
	fmt.Fprintf(w, "| < 50 KB per HTTP session | %.1f KiB | %s |\n", ps/1024, yes(ps < 50_000))
}
