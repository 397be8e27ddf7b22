package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestChromiumBrowserLogin: a real browser. Headless Chromium, driven by
// playwright-core (.ci/chromium-login.cjs), opens the sandbox's authorize
// page that browser-login gave a client without elicitation, submits it, and
// the MCP session is then logged in. Run by .ci/chromium.sh, which installs
// Debian's chromium and playwright-core; plain `go test` skips it.
func TestChromiumBrowserLogin(t *testing.T) {
	if os.Getenv("MODELSLAB_CHROMIUM_TEST") != "1" {
		t.Skip("needs Chromium and playwright-core: run .ci/chromium.sh (sets MODELSLAB_CHROMIUM_TEST=1)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found")
	}
	script, err := filepath.Abs("../../.ci/chromium-login.cjs")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	for _, era := range []string{eraNewest, eraHandshake} {
		t.Run(era, func(t *testing.T) {
			h := startStdio(t, bin, era, startOpts{args: []string{"--no-browser"}})
			d := h.ok(t, "agent-auth", map[string]any{"action": "browser-login", "device_name": "chromium-" + era})
			authorize, _ := d["authorize_url"].(string)
			if d["status"] != "pending" || authorize == "" {
				t.Fatalf("browser-login: %v", d)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, authorize)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, stderr.String())
			}
			var page struct {
				URL, Title, Message, Email string
			}
			if err := json.Unmarshal(out, &page); err != nil {
				t.Fatalf("chromium output %q: %v", out, err)
			}
			if page.Email != demoEmail || page.Title != "Logged in" || !strings.Contains(page.Message, "You may close this tab") ||
				!strings.HasSuffix(page.URL, "/callback/done") {
				t.Errorf("the page Chromium ended on: %+v", page)
			}
			if strings.Contains(page.URL+page.Message, "|") {
				t.Errorf("the page shows a token: %+v", page)
			}

			d = h.ok(t, "agent-auth", map[string]any{"action": "browser-login"})
			if d["status"] != "logged_in" || d["email"] != demoEmail {
				t.Fatalf("after Chromium: %v", d)
			}
			if prof := h.ok(t, "agent-profile", map[string]any{"action": "get"}); prof["email"] != demoEmail {
				t.Errorf("profile: %v", prof)
			}
			h.noSecretsLogged(t)
		})
	}
}

// TestChromiumCheckout: a wallet funded through the sandbox's Checkout page in
// a real browser, in one tool call. The Go SDK client declares URL
// elicitation; when the server sends it the page, headless Chromium
// (.ci/chromium-checkout.cjs) opens it and presses Pay, and the fund call
// answers with the new balance. Run by .ci/chromium.sh.
func TestChromiumCheckout(t *testing.T) {
	if os.Getenv("MODELSLAB_CHROMIUM_TEST") != "1" {
		t.Skip("needs Chromium and playwright-core: run .ci/chromium.sh (sets MODELSLAB_CHROMIUM_TEST=1)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found")
	}
	script, err := filepath.Abs("../../.ci/chromium-checkout.cjs")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	for _, era := range []string{eraNewest, eraHandshake} {
		t.Run(era, func(t *testing.T) {
			pages := make(chan string, 2)
			chromiumDone := make(chan error, 2)
			client := &mcp.ClientOptions{
				Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{
					Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}}},
				ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					if req.Params.Mode != "url" {
						return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
					}
					go func(u string) {
						ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
						defer cancel()
						cmd := exec.CommandContext(ctx, node, script, u)
						var stderr strings.Builder
						cmd.Stderr = &stderr
						out, err := cmd.Output()
						if err != nil {
							err = fmt.Errorf("chromium: %v\n%s", err, stderr.String())
						}
						pages <- string(out)
						chromiumDone <- err
					}(req.Params.URL)
					return &mcp.ElicitResult{Action: "accept"}, nil
				},
			}
			h := startStdio(t, bin, era, startOpts{args: []string{"--no-browser", "--toolsets", "all"}, client: client})
			h.adopt(t, h.ok(t, "agent-auth", map[string]any{"action": "login", "email": demoEmail, "password": demoPassword}))
			before, _ := h.ok(t, "agent-wallet", map[string]any{"action": "balance"})["balance"].(float64)
			d := h.ok(t, "agent-wallet", map[string]any{"action": "fund", "amount": 25})
			if err := <-chromiumDone; err != nil {
				t.Fatal(err)
			}
			var page struct{ URL, Amount, State, Message string }
			if err := json.Unmarshal([]byte(<-pages), &page); err != nil || !strings.Contains(page.Amount, "25.00") || page.State == "" {
				t.Errorf("the page Chromium ended on: %+v (%v)", page, err)
			}
			bal, _ := d["balance"].(map[string]any)
			if d["status"] != "paid" || bal["balance"] != before+25 {
				t.Fatalf("fund through Chromium: %v (balance before %v)", d, before)
			}
			h.noSecretsLogged(t)
		})
	}
}
