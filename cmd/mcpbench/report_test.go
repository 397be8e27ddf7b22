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
		cold: map[string]coldStart{"ours stdio": {median: 30 * ms, cpu: 30 * ms}, "floor stdio": {median: 25 * ms, cpu: 28 * ms},
			"cli stdio": {median: 25 * ms, cpu: 35 * ms}},
		mem: map[string]memRow{"ours stdio": {idleKB: 12000}, "floor stdio": {idleKB: 10000}, "cli stdio": {idleKB: 12500},
			"ours HTTP": {idleKB: 12000, sessionBytes: 1}, "floor HTTP": {idleKB: 11000}},
	}
	var b strings.Builder
	r.printTargets(&b, benchConfig{eras: []string{eraHandshake}})
	out := b.String()
	for _, want := range []string{
		"| round trip p50 ≤ 1.15× floor, stdio 2025-11-25 | 1.04× (1040 µs vs 1000 µs) | yes |",
		"| round trip p50 ≤ 1.15× floor, HTTP 2025-11-25 | 2.00× (2000 µs vs 1000 µs) | **no** |",
		"| throughput ≥ 0.9× floor, ours stdio 2025-11-25, 8 callers | 1.20× (1200 vs 1000/s) | yes |",
		"| throughput ahead of the CLI, ours stdio 2025-11-25, 8 callers | 1.04× (1200 vs 1150/s) | yes |",
		"| throughput ≥ 0.9× floor, ours HTTP 2025-11-25, 32 callers | 0.90× (900 vs 1000/s) | yes |",
		"| upstream conns opened ≤ callers (ours, conns/callers per cell) | 5/8 33/32 | **no** |",
		"| cold start median ≤ 1.10× floor (stdio) | 1.20× (30.0 ms vs 25.0 ms) | **no** |",
		"| cold start process CPU ≤ 1.10× floor (less noisy) | 1.07× (30.0 ms vs 28.0 ms) | yes |",
		"| idle RSS ≤ 1.10× floor, stdio | 1.20× (11.7 MiB vs 9.8 MiB) | **no** |",
		"| idle RSS ≤ 1.10× floor, HTTP | 1.09× (11.7 MiB vs 10.7 MiB) | yes |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("targets lack\n%s\ngot:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CLI, ours HTTP") {
		t.Error("HTTP compared with the CLI, which has no streamable HTTP")
	}
}
