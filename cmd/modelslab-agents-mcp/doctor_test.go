package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func runDoctorCmd(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"doctor", "--log-level", "error"}, args...), getenv, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), err
}

// doctor --sandbox is the check of doctor itself: the sandbox plays the
// contract, so every check passes.
func TestDoctorSandbox(t *testing.T) {
	out, err := runDoctorCmd(t, env(), "--sandbox")
	if err != nil {
		t.Fatalf("doctor --sandbox: %v\n%s", err, out)
	}
	for _, want := range []string{"[ok]   reachable", "[ok]   token", "[ok]   scopes ", "GET /auth/scopes ", "Result: the server can work with this account."} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out, err = runDoctorCmd(t, env(), "--sandbox", "--json")
	var rep doctorReport
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if !rep.CanWork || !rep.Sandbox || len(rep.Checks) != 9+6 { // 6: the reads of the usage, models, billing, wallet and subscriptions toolsets
		t.Errorf("report %+v", rep)
	}
	for _, c := range rep.Checks {
		if c.Status != checkOK && !(c.Name == "tls" && c.Status == checkSkip) {
			t.Errorf("check %+v", c)
		}
	}
	// Every check's detail starts in one column, however long its name
	// (GET /billing/overview and the other money reads once pushed theirs right).
	var text bytes.Buffer
	printReport(&text, &rep)
	lines := strings.Split(text.String(), "\n")
	col := -1
	for i, c := range rep.Checks {
		line := lines[1+i]
		if !strings.HasPrefix(line, "  ["+c.Status+"]") || !strings.HasSuffix(line, c.Detail) {
			t.Fatalf("line %q is not check %+v", line, c)
		}
		at := len(line) - len(c.Detail)
		if col < 0 {
			col = at
		} else if at != col {
			t.Errorf("the detail of %s starts at column %d, the first one's at %d:\n%s", c.Name, at, col, text.String())
		}
	}
}

// squeeze collapses runs of spaces, so that a check is found whatever the
// width of the report's name column.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// driftPlane answers like a control plane whose answers differ from the
// contract in details; token is the one bearer token it knows.
func driftPlane(t *testing.T, token string, scopesStatus int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		path := strings.TrimPrefix(r.URL.Path, "/api/agents/v1")
		if path == "/auth/scopes" {
			w.WriteHeader(scopesStatus)
			fmt.Fprint(w, `{"data":["*","profile:read"],"meta":{"request_id":"s"}}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Unauthenticated."}`)
			return
		}
		switch path {
		case "/me":
			fmt.Fprint(w, `{"data":{"id":"7","name":"Secret Name","email":"private@example.test","preferences":[]},"meta":{"request_id":99}}`)
		case "/auth/tokens":
			fmt.Fprint(w, `{"data":{"data":[{"id":31,"name":"laptop","scopes":"profile:read,teams:read","created_at":"x"}],"current_page":1,"last_page":1}}`)
		case "/api-keys":
			if scopesStatus == http.StatusTeapot { // the variant with key items
				fmt.Fprint(w, `[{"id":5,"name":{"en":"ci"},"notes":null,"key":"sk_...abcd","created_at":"x","last_used_at":null}]`)
				return
			}
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"data":null,"error":{"code":"insufficient_scope","message":"no","details":{"required_scope":"api-keys:read","granted_scopes":["profile:read","teams:read"]}}}`)
		case "/teams":
			fmt.Fprint(w, `[{"id":1,"email":"e","role":{"name":"owner"},"permissions":[],"invite_status":"accepted","invite_id":null,"created_at":"x","name":null}]`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDoctorListsDifferencesWithoutValues(t *testing.T) {
	const tok = "31|doctorTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456"
	srv := driftPlane(t, tok, 200)
	getenv := env("MODELSLAB_AGENT_TOKEN", tok, "MODELSLAB_BASE_URL", srv.URL+"/api/agents/v1")
	out, err := runDoctorCmd(t, getenv)
	if err != nil {
		t.Fatalf("differences alone must not fail doctor: %v\n%s", err, out)
	}
	for _, want := range []string{
		"[warn] tls", "[ok]   token", "profile:read teams:read",
		"data.id: expected number, got string", "data.preferences: expected object, got array",
		"data: expected array, got object", "data.data[].scopes: expected array, got string",
		"[skip] GET /api-keys not checked: the token lacks the scope api-keys:read",
		"data[].role: expected string, got object",
		"[ok]   GET /auth/scopes", "please report them",
	} {
		if !strings.Contains(squeeze(out), squeeze(want)) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{tok, tok[3:], "Secret Name", "private@example.test", "laptop"} {
		if strings.Contains(out, secret) {
			t.Errorf("report shows a value (%q):\n%s", secret, out)
		}
	}
}

// A difference in a field the server reads says which action needs it.
func TestDoctorNamesNeededFields(t *testing.T) {
	const tok = "31|doctorTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456"
	srv := driftPlane(t, tok, http.StatusTeapot)
	out, _ := runDoctorCmd(t, env("MODELSLAB_AGENT_TOKEN", tok, "MODELSLAB_BASE_URL", srv.URL+"/api/agents/v1"))
	if !strings.Contains(out, "data[].name: expected string, got object; needed by agent-api-keys rotate") {
		t.Errorf("needed field not named:\n%s", out)
	}
}

func TestDoctorFails(t *testing.T) {
	const tok = "31|doctorTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456"
	srv := driftPlane(t, tok, 200)
	base := srv.URL + "/api/agents/v1"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/api/agents/v1"
	ln.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()                                   // with a certificate no one trusts
	t.Cleanup(tlsSrv.Close)
	for _, c := range []struct {
		name   string
		getenv func(string) string
		want   string
	}{
		{"no token", env("MODELSLAB_BASE_URL", base), "[fail] token MODELSLAB_AGENT_TOKEN is not set"},
		{"token rejected", env("MODELSLAB_BASE_URL", base, "MODELSLAB_AGENT_TOKEN", "32|wrong"), "[fail] token rejected: GET /me answered HTTP 401"},
		{"unreachable", env("MODELSLAB_BASE_URL", closed, "MODELSLAB_AGENT_TOKEN", tok), "[fail] reachable"},
		{"untrusted certificate", env("MODELSLAB_BASE_URL", tlsSrv.URL+"/api/agents/v1", "MODELSLAB_AGENT_TOKEN", tok), "certificate"},
	} {
		out, err := runDoctorCmd(t, c.getenv)
		if !errors.Is(err, errDoctor) || exitCode(err) == 0 {
			t.Errorf("%s: err %v, want a non-zero exit\n%s", c.name, err, out)
		}
		if !strings.Contains(squeeze(out), squeeze(c.want)) || !strings.Contains(out, "cannot work") {
			t.Errorf("%s: report lacks %q:\n%s", c.name, c.want, out)
		}
		if strings.Contains(out, tok[3:]) {
			t.Errorf("%s: report shows the token", c.name)
		}
	}
	// The public scope list is still checked without a token.
	out, _ := runDoctorCmd(t, env("MODELSLAB_BASE_URL", base))
	if !strings.Contains(out, "[ok]   GET /auth/scopes") {
		t.Errorf("no scope check without a token:\n%s", out)
	}
}
