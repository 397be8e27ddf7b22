package tools

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// appendString writes what encoding/json writes with SetEscapeHTML(false).
func FuzzAppendStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r\b\f", "\x00\x1f\x7f", "<&>",
		"é ü 日本", "\u2028\u2029", "bad\xffutf8\xc3", "emoji 🎉", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimRight(buf.Bytes(), "\n")
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// successBody.encode writes what encoding/json writes for it.
func FuzzSuccessBodyEncodeMatchesEncodingJSON(f *testing.F) {
	f.Add("list", []byte(`[{"id":1, "key" : "sk-…a1b2"}]`), "req-1", "a note", true, int64(3), false)
	f.Add("get", []byte(`{"a":"<b>&\u2028"}`), "", "", false, int64(0), true)
	f.Add("x\"y", []byte(`null`), "r\x00\xff", "n\nn", true, int64(-1), true)
	f.Fuzz(func(t *testing.T, action string, data []byte, requestID, note string, list bool, n int64, more bool) {
		if !json.Valid(data) {
			return
		}
		b := successBody{Action: action, Data: data, RequestID: requestID}
		if note != "" {
			b.Notes = []string{note, note + "2"}
		}
		if list {
			b.List = &listInfo{Count: int(n), ItemsAt: note, Total: &n, More: more, NextPage: n}
			if more {
				b.List.Page, b.List.LastPage = &n, &n
			}
		}
		if more {
			b.Warnings = []upstream.Warning{{Path: "/p", Field: note, Expected: upstream.KindString, Got: upstream.KindNull}}
		}
		if n%2 == 0 { // a money answer (issue 17)
			done := more
			b.Done, b.IdempotencyKey, b.Replay = &done, note, list
		}
		want, err := marshalText(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.encode()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("encode = %s (%v)\nwant     %s", got, err, want)
		}
	})
}
