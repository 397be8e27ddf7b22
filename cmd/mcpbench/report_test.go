package main

import (
	"strings"
	"testing"
	"time"
)

// Every server is measured in the eras it speaks: the CLI only in the
// handshake era, the others in both, in the report's order.
func TestEachSkipsErasAServerDoesNotSpeak(t *testing.T) {
	kinds := map[string]serverKind{
		"ours stdio": {name: "ours"}, "floor stdio": {name: "floor"},
		"cli stdio": {name: "cli", legacyOnly: true}, "ours HTTP": {name: "ours", http: true},
	}
	var got []string
	if err := each(kinds, []string{eraHandshake, eraModern}, func(name, era string, _ serverKind) error {
		got = append(got, target(name, era))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := "floor stdio 2025-11-25,ours stdio 2025-11-25,cli stdio 2025-11-25,ours HTTP 2025-11-25," +
		"floor stdio 2026-07-28,ours stdio 2026-07-28,ours HTTP 2026-07-28"
	if strings.Join(got, ",") != want {
		t.Errorf("targets %v, want %s", got, want)
	}
	if _, err := parseEras("-eras", "2025-11-25,2024-01-01"); err == nil {
		t.Error("an unknown era was accepted")
	}
}

// The targets compare each of ours with the floor and the CLI of the same
// transport, era and caller count, and say no where a target is missed.
func TestTargetsCompareLikeWithLike(t *testing.T) {
	ms := time.Millisecond
	r := &report{cli: true,
		rt: map[string]latency{
			target("ours stdio", eraHandshake): {p50: 104 * ms / 100, p99: 2 * ms}, target("floor stdio", eraHandshake): {p50: ms, p99: ms},
			target("cli stdio", eraHandshake): {p50: 2 * ms, p99: 2 * ms},
			target("ours HTTP", eraHandshake): {p50: 2 * ms, p99: ms}, target("floor HTTP", eraHandshake): {p50: ms, p99: ms},
		},
		tput: []tputCell{
			{kind: target("ours stdio", eraHandshake), callers: 8, perSec: 1200, conns: 5},
			{kind: target("floor stdio", eraHandshake), callers: 8, perSec: 1000},
			{kind: target("cli stdio", eraHandshake), callers: 8, perSec: 1150},
			{kind: target("ours HTTP", eraHandshake), callers: 32, perSec: 900, conns: 33},
			{kind: target("floor HTTP", eraHandshake), callers: 32, perSec: 1000},
		},
		cold: map[string]coldStart{"ours stdio": {median: 30 * ms, cpu: 30 * ms}, "cli stdio": {median: 25 * ms, cpu: 35 * ms}},
		mem:  map[string]memRow{"ours stdio": {idleKB: 12000}, "cli stdio": {idleKB: 12500}, "ours HTTP": {idleKB: 12000, sessionBytes: 1}},
	}
	var b strings.Builder
	r.printTargets(&b, benchConfig{eras: []string{eraHandshake}})
	out := b.String()
	for _, want := range []string{
		"| round trip p50 ≤ 1.05× floor, stdio 2025-11-25 | 1.04× (1040 µs vs 1000 µs) | yes |",
		"| round trip p99 ≤ 1.2× floor, stdio 2025-11-25 | 2.00× (2000 µs vs 1000 µs) | **no** |",
		"| round trip p50 ≤ 1.05× floor, HTTP 2025-11-25 | 2.00× (2000 µs vs 1000 µs) | **no** |",
		"| throughput ≥ 0.95× floor, ours stdio 2025-11-25, 8 callers | 1.20× (1200 vs 1000/s) | yes |",
		"| throughput ≥ 1.1× CLI, ours stdio 2025-11-25, 8 callers | 1.04× (1200 vs 1150/s) | **no** |",
		"| throughput ≥ 0.95× floor, ours HTTP 2025-11-25, 32 callers | 0.90× (900 vs 1000/s) | **no** |",
		"| upstream conns opened ≤ callers (ours, conns/callers per cell) | 5/8 33/32 | **no** |",
		"| cold start median ≤ CLI's | 1.20× (30.0 ms vs 25.0 ms) | **no** |",
		"| cold start process CPU ≤ CLI's (less noisy) | 0.86× (30.0 ms vs 35.0 ms) | yes |",
		"| idle RSS ≤ CLI's (stdio) | 0.96× (11.7 MiB vs 12.2 MiB) | yes |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("targets lack\n%s\ngot:\n%s", want, out)
		}
	}
	if strings.Contains(out, "≥ 1.1× CLI, ours HTTP") {
		t.Error("HTTP compared with the CLI, which has no streamable HTTP")
	}
}
