package upstream

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var scanSeeds = []string{
	`{}`, `[]`, ` { } `, "\n[\n]\n", `{"a":1}`, `[1,2,3]`, `{"data":[{"id":1,"name":"x"}],"meta":{"request_id":"r"}}`,
	`{"a":{"b":[1,{"c":"}"}]},"d":"\"]}","e":null,"f":true,"g":-1.5e3}`,
	`{"k\u00e9y":1,"plain":2}`, `{"a":1,"a":2}`, `{"a" : [ 1 , "x" , { } ] , "b" : { "c" : [ ] } }`,
	`[{"a":[]},[[]],"s\\",3]`, `{"esc\"aped":"v"}`, `"str"`, `12`, `null`, `true`,
	`{`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":1}x`, `{"a" 1}`, `[1 2]`, ``, `  `, `{"a":"\x01"}`,
	`"plain"`, `""`, `"tab\tquote\"uni\u00e9"`, "\"caf\xc3\xa9\"", "\"bad\xff\"", `"x\u0000y"`, " \"sp\" ",
}

// On valid JSON, scanObject and scanArray agree with encoding/json: the same
// members with the same bytes, or both refuse. On anything else they must
// neither panic nor hang (the answer is validated where it enters).
func FuzzScanMatchesEncodingJSON(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkScan)
}

func TestScanMatchesEncodingJSON(t *testing.T) {
	for _, s := range scanSeeds {
		checkScan(t, []byte(s))
	}
}

func checkScan(t *testing.T, raw []byte) {
	if !json.Valid(raw) {
		scanObject(raw)
		scanArray(raw)
		EachField(raw, func(string, json.RawMessage) bool { return true })
		EachItem(raw, func(json.RawMessage) bool { return true })
		return
	}
	checkScanObject(t, raw)
	checkScanArray(t, raw)
	checkUnquote(t, bytes.TrimSpace(raw))
}

// unquote's fast path agrees with encoding/json on every valid string.
func checkUnquote(t *testing.T, raw []byte) {
	t.Helper()
	var want string
	wantOK := json.Unmarshal(raw, &want) == nil
	got, ok := unquote(raw)
	if ok != wantOK || got != want {
		t.Fatalf("unquote(%q) = %q, %v; encoding/json %q, %v", raw, got, ok, want, wantOK)
	}
}

func checkScanObject(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := scanObject(raw)
	var want map[string]json.RawMessage
	wantOK := json.Unmarshal(raw, &want) == nil && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))
	if ok != wantOK {
		t.Fatalf("scanObject(%q) ok=%v, encoding/json ok=%v", raw, ok, wantOK)
	}
	if !ok {
		return
	}
	if keys := got.keys(); len(keys) != len(want) {
		t.Fatalf("scanObject(%q) = %d members %q, want %d", raw, len(keys), keys, len(want))
	}
	for k, v := range want {
		if g, ok := got.get(k); !ok || !bytes.Equal(g, v) || !got.has(k) {
			t.Fatalf("scanObject(%q).get(%q) = %q, %v, want %q", raw, k, g, ok, v)
		}
	}
	if got.has("no such member") {
		t.Fatalf("scanObject(%q) has a member it lacks", raw)
	}
	// lookup: every name in one walk, a missing one and a repeated one too.
	names := []string{"no such member"}
	for k := range want {
		names = append(names, k, k)
	}
	vals, found := make([]json.RawMessage, len(names)), make([]bool, len(names))
	got.lookup(names, vals, found)
	for i, n := range names {
		w, ok := want[n]
		if found[i] != ok || !bytes.Equal(vals[i], w) {
			t.Fatalf("scanObject(%q).lookup %q = %q, %v, want %q, %v", raw, n, vals[i], found[i], w, ok)
		}
	}
}

func checkScanArray(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := scanArray(raw)
	var want []json.RawMessage
	wantOK := json.Unmarshal(raw, &want) == nil && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("["))
	if ok != wantOK {
		t.Fatalf("scanArray(%q) ok=%v, encoding/json ok=%v", raw, ok, wantOK)
	}
	if !ok {
		return
	}
	if len(got) != len(want) || got == nil {
		t.Fatalf("scanArray(%q) = %d items (nil %v), want %d", raw, len(got), got == nil, len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("scanArray(%q)[%d] = %q, want %q", raw, i, got[i], want[i])
		}
	}
}

func BenchmarkScanObject(b *testing.B) {
	body := []byte(`{"data":[{"id":101,"name":"production","notes":"render farm","key":"sk-…a1b2","created_at":"2026-01-05T10:00:00Z","last_used_at":"2026-07-01T08:30:00Z"}],"error":null,"meta":{"request_id":"req-bench-0001"}}`)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			o, ok := scanObject(body)
			if !ok || !o.has("meta") {
				b.Fatal("not an object")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]json.RawMessage
			if json.Unmarshal(body, &m) != nil {
				b.Fatal("not an object")
			}
		}
	})
}

// emptyValue agrees with its definition: raw without white space is one of
// the empty values.
func FuzzEmptyValue(f *testing.F) {
	for _, s := range []string{"", " ", "null", " null ", "false", `""`, `" "`, "{}", "{ }", "[\n]", "0", `"a"`, "nul l", "\u00a0{}", "[[]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		switch strings.Join(strings.Fields(s), "") {
		case "", "null", "false", `""`, "{}", "[]":
			want = true
		}
		if got := emptyValue(json.RawMessage(s)); got != want {
			t.Fatalf("emptyValue(%q) = %v, want %v", s, got, want)
		}
	})
}
