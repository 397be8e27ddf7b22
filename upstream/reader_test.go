package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// rawReply answers every request with status and body as given.
func rawReply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func fieldsOf(ws []Warning) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field+":"+w.Got.String())
	}
	return strings.Join(out, ",")
}

func TestEnvelopeRules(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		wantErr    string // "" for success
		wantRaw    string
		wantReqID  string
		wantWarn   string
	}{
		{name: "2xx with an error and no data is an error", status: 200,
			body: `{"data":null,"error":{"code":"quota_exceeded","message":"No more keys."},"meta":{"request_id":"r1"}}`, wantErr: "HTTP 200 quota_exceeded: No more keys."},
		{name: "2xx with an error string is an error", status: 200, body: `{"error":"nope"}`, wantErr: "HTTP 200: nope"},
		{name: "2xx with error and data keeps the data", status: 201,
			body: `{"data":{"message":"done"},"error":{"code":"x"},"meta":{"request_id":"r2"}}`, wantRaw: `{"message":"done"}`, wantReqID: "r2", wantWarn: "error:object"},
		{name: "an empty error is no error", status: 200, body: `{"data":{"message":"ok"},"error":[],"meta":{"request_id":"r3"}}`, wantRaw: `{"message":"ok"}`, wantReqID: "r3"},
		{name: "numeric request id", status: 200, body: `{"data":{"message":"ok"},"meta":{"request_id":12345}}`, wantRaw: `{"message":"ok"}`, wantReqID: "12345"},
		{name: "meta of another shape", status: 200, body: `{"data":{"message":"ok"},"error":null,"meta":"r4"}`, wantRaw: `{"message":"ok"}`, wantWarn: "meta:string"},
		{name: "meta as PHP's empty array", status: 200, body: `{"data":{"message":"ok"},"error":null,"meta":[]}`, wantRaw: `{"message":"ok"}`, wantWarn: "meta:array"},
		{name: "no envelope: the body is the data", status: 200, body: `{"message":"ok"}`, wantRaw: `{"message":"ok"}`},
		{name: "data as PHP's empty array", status: 200, body: `{"data":[],"error":null}`, wantRaw: `[]`, wantWarn: "data:array"},
		{name: "true", status: 200, body: `true`, wantRaw: `true`, wantWarn: "data:boolean"},
		{name: "text", status: 200, body: `Logged out`, wantRaw: `"Logged out"`, wantWarn: "body:text that is not JSON"},
		{name: "empty 200", status: 200, body: ``, wantWarn: "data:missing"},
		{name: "empty 204", status: 204, body: ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, rawReply(c.status, c.body))
			res, err := f.client(t).Logout(context.Background(), tok)
			if c.wantErr != "" {
				var ae *APIError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want an APIError with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Raw) != c.wantRaw || res.RequestID != c.wantReqID || fieldsOf(res.Warnings) != c.wantWarn {
				t.Errorf("raw %s, request id %q, warnings %q; want %s, %q, %q", res.Raw, res.RequestID, fieldsOf(res.Warnings), c.wantRaw, c.wantReqID, c.wantWarn)
			}
		})
	}
}

func TestListShapes(t *testing.T) {
	cases := []struct {
		name, body string
		count      int
		at         string
		more       bool
		next       int64
		total      int64 // -1: not said
		warn       string
	}{
		{"plain array", `{"data":[{"id":1,"name":"a","key":"k","notes":null,"created_at":"t","last_used_at":null}]}`, 1, "data", false, 0, -1, ""},
		{"items wrapper", `{"data":{"items":[{"id":1},{"id":2}],"count":2,"total":5}}`, 2, "data.items", true, 0, 5, "data.items[].name:missing"},
		{"laravel paginator", `{"data":{"data":[{"id":1}],"current_page":1,"last_page":3,"per_page":1,"total":3,"next_page_url":"https://modelslab.com/api/agents/v1/api-keys?page=2"}}`, 1, "data.data", true, 2, 3, "data:object"},
		{"last page", `{"data":{"data":[{"id":3}],"current_page":3,"last_page":3,"total":3,"next_page_url":null}}`, 1, "data.data", false, 0, 3, "data:object"},
		{"resource collection", `{"data":[{"id":1}],"links":{"next":"https://x/api-keys?page=2"},"meta":{"current_page":1,"last_page":2,"total":2}}`, 1, "data", true, 2, 2, "data[].name:missing"},
		{"unenveloped paginator", `{"current_page":"1","data":[{"id":1}],"last_page":"2","total":"2"}`, 1, "data", true, 2, 2, "data[].name:missing"},
		{"other wrapper", `{"data":{"keys":[{"id":1},{"id":2}],"has_more":true}}`, 2, "data.keys", true, 0, -1, "data:object"},
		{"two arrays", `{"data":{"members":[{"id":1}],"invites":[{"id":2},{"id":3}]}}`, 3, "data.{invites,members}", false, 0, -1, "data:object"},
		{"ids as strings", `{"data":[{"id":"7","name":"a","key":"k","notes":null,"created_at":"t","last_used_at":null}]}`, 1, "data", false, 0, -1, "data[].id:string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, rawReply(200, c.body))
			res, err := f.client(t).ListAPIKeys(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			l := res.Data
			total := int64(-1)
			if l.Total != nil {
				total = *l.Total
			}
			if len(l.Items) != c.count || l.ItemsAt != c.at || l.More != c.more || l.NextPage != c.next || total != c.total {
				t.Errorf("list %+v (total %d)", l, total)
			}
			if got := fieldsOf(res.Warnings); !strings.HasPrefix(got, c.warn) || (c.warn == "" && got != "") {
				t.Errorf("warnings %q, want them to start with %q", got, c.warn)
			}
		})
	}
}

func TestListSendsPage(t *testing.T) {
	var query string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { query = r.URL.RawQuery; envelopeOK(w, 200, `[]`) })
	c := f.client(t)
	if _, err := c.ListTeamMembers(context.Background(), tok, 3); err != nil || query != "page=3" {
		t.Errorf("query %q, err %v", query, err)
	}
	if _, err := c.ListTeamMembers(context.Background(), tok); err != nil || query != "" {
		t.Errorf("query %q without a page, err %v", query, err)
	}
}

func TestReadersAreTolerant(t *testing.T) {
	cases := []struct {
		name, data string
		want       Session
	}{
		{"documented", `{"access_token":"1|a"}`, Session{"1|a", "access_token"}},
		{"under token", `{"token":"2|b"}`, Session{"2|b", "token"}},
		{"access token of another kind", `{"access_token":{"value":"x"}}`, Session{}},
		{"not an object", `[]`, Session{}},
	}
	for _, c := range cases {
		if got := readSession(&answer{data: []byte(c.data)}); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	k := readAPIKey(&answer{data: []byte(`{"id":"12","name":"n","notes":{"x":1},"key":"sk"}`)})
	if k.ID != 12 || !k.HasName || k.Name != "n" || k.NotesOK || k.Notes != nil || k.Key != "sk" {
		t.Errorf("key %+v", k)
	}
	k = readAPIKey(&answer{data: []byte(`{"id":1.5,"name":7,"notes":null}`)})
	if k.ID != 0 || k.HasName || !k.NotesOK || k.Notes != nil {
		t.Errorf("key %+v", k)
	}
}
