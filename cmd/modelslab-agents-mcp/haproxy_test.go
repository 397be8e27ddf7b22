package main

// Three `http` replicas behind a real HAProxy, driven by the official Go SDK
// client: what "any replica serves any request" has to survive in production.
// Gated by MODELSLAB_TEST_HAPROXY (an haproxy binary); `bash .ci/haproxy.sh`
// installs Debian's and runs it.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

const (
	lbReplicas       = 3
	lbClients        = 200 // each with an account and a token of its own
	lbCallsPerClient = 20  // after its login
	lbPace           = 150 * time.Millisecond
	lbDrainDelay     = time.Second
	lbStopAt         = 0.25 // share of the load done when one replica gets SIGTERM
	lbPassword       = "load-test-password"
)

// The configuration under test. Health checks hit /readyz every 100ms and two
// failures take a replica out, so a draining one leaves the rotation within
// about 200ms, well inside its drain delay; a check may take up to 1s (the
// default is the interval, and on a busy machine one slow answer would take a
// healthy replica out, and with two of three out, every request gets 503). Retries cover what can still go wrong without a request being
// served twice: a connection refused (conn-failure), or closed before the
// request was read (empty-response: Go's Shutdown only closes idle
// connections, and a draining replica asks for Connection: close); both are
// redispatched to another replica.
const haproxyConfig = `global
    maxconn 4000
    stats socket %[1]s mode 600 level admin
    log stderr format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend mcp
    bind fd@3
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    timeout check 1s
    default-server check inter 100ms fall 2 rise 2
    http-response set-header X-Served-By %%[srv_name]
%[2]s`

type replica struct {
	name    string
	proc    *serverProc
	metrics string // its /metrics URL
}

func TestReplicasBehindHAProxy(t *testing.T) {
	haproxyBin := os.Getenv("MODELSLAB_TEST_HAPROXY")
	if haproxyBin == "" {
		t.Skip("set MODELSLAB_TEST_HAPROXY to an haproxy binary to run three replicas behind it; bash .ci/haproxy.sh installs Debian's and runs this")
	}
	if testing.Short() {
		t.Skip("builds the binary and runs five processes")
	}
	bin := buildBinary(t)

	// One control plane for every replica (with --sandbox each would have its
	// own). It runs in this process so that the test can see, on the
	// control-plane side, which token each request carried. Its rate limits are
	// per address, and every replica calls it from 127.0.0.1: raised here.
	sb := sandbox.New(sandbox.Options{AuthLimit: 100_000, GeneralLimit: 100_000})
	up := &upstreamRecorder{next: sb, byToken: map[string]int{}}
	cp := httptest.NewServer(up)
	t.Cleanup(cp.Close) // first registered, so it closes after the replicas stopped

	secret := make([]byte, 32)
	rand.Read(secret)
	logs := &lockedBuffer{} // every replica's stderr, for the log hygiene checks
	var reps []*replica
	var servers strings.Builder
	for i := range lbReplicas {
		p := startServer(t, bin, procOptions{env: []string{"MODELSLAB_SESSION_SECRET=" + hex.EncodeToString(secret)}, tee: logs},
			"http", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--base-url", cp.URL+sandbox.APIPrefix,
			"--drain-delay", lbDrainDelay.String())
		r := &replica{name: fmt.Sprintf("r%d", i+1), proc: p, metrics: p.waitLine(t, metricsRe)}
		reps = append(reps, r)
		fmt.Fprintf(&servers, "    server %s %s\n", r.name, strings.TrimSuffix(strings.TrimPrefix(p.endpoint, "http://"), "/mcp"))
	}

	lb := startHAProxy(t, haproxyBin, servers.String())
	lb.waitStatus(t, "UP", "r1", "r2", "r3")
	t.Logf("HAProxy at %s in front of %d replicas", lb.url, lbReplicas)

	counter := &callCounter{byServer: map[string]int{}}
	// One pool for all the clients: the default keeps 2 idle connections per host.
	pool := &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(pool.CloseIdleConnections)
	counting := countingTransport{c: counter, base: pool}

	for _, era := range []string{eraHandshake, eraNewest} {
		t.Run("journey/"+era, func(t *testing.T) {
			before := counter.snapshot()
			h := &harness{t: t, transport: "http", era: era, stderr: logs, outbox: httpOutbox(cp.URL + sandbox.OutboxPath)}
			hc := &http.Client{Transport: bearerTransport{h: h, base: counting}}
			connect(t, h, &mcp.StreamableClientTransport{Endpoint: lb.url, HTTPClient: hc, MaxRetries: -1}, startOpts{})
			defer h.cs.Close()
			if sid := h.cs.ID(); (era == eraHandshake) != (sid != "") {
				t.Errorf("session id %q in era %s", sid, era)
			}
			t.Run("tools-list", h.checkToolsList)
			t.Run("journey", h.journey)
			// Round robin: one session's calls went to every replica, and each took them.
			after := counter.snapshot()
			for _, r := range reps {
				if after[r.name] == before[r.name] {
					t.Errorf("replica %s served none of this journey's calls (%v -> %v)", r.name, before, after)
				}
			}
		})
	}
	if t.Failed() {
		t.FailNow()
	}

	accounts := signUpAccounts(t, cp.URL, sb)
	load := runLoad(t, lb, reps[1], counting, accounts)

	// Not one call failed, with a replica gone in the middle.
	var failed []string
	for i, res := range load.results {
		if res.err != nil {
			failed = append(failed, fmt.Sprintf("client %d (%s): %v", i, res.era, res.err))
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d clients failed; first ones:\n%s", len(failed), lbClients, strings.Join(failed[:min(10, len(failed))], "\n"))
	}
	total := lbClients * (1 + lbCallsPerClient)
	t.Logf("load: %d clients x (login + %d calls) = %d tool calls in %s; %s got SIGTERM after %d and had exited after %d; HAProxy marked it %s",
		lbClients, lbCallsPerClient, total, load.elapsed.Round(time.Millisecond), reps[1].name, load.doneAtStop, load.doneAtExit, load.statusSeen)
	if load.doneAtExit >= int64(total) {
		t.Errorf("the replica exited only after the load was over (%d of %d calls done): it was not stopped mid-load", load.doneAtExit, total)
	}
	if load.statusSeen != "DOWN" {
		t.Errorf("HAProxy never marked the draining replica DOWN (last status %q): /readyz did not take it out", load.statusSeen)
	}
	if load.exitErr != nil {
		t.Errorf("the stopped replica exited with %v, want 0 after its drain", load.exitErr)
	}

	// Each replica's tool-call counter equals the calls HAProxy says it
	// answered, and they add up to every call made.
	served := counter.snapshot()
	sum := 0
	for _, r := range reps {
		n := load.finalCount
		if r != reps[1] {
			var err error
			if n, err = scrapeToolCalls(r.metrics); err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
		}
		t.Logf("%s: modelslab_mcp_tool_calls_total = %d, tool calls answered through HAProxy = %d", r.name, n, served[r.name])
		if n != served[r.name] {
			t.Errorf("%s counted %d tool calls, HAProxy answered %d from it", r.name, n, served[r.name])
		}
		sum += n
	}
	if sum != counter.total() || counter.total() < total {
		t.Errorf("replicas counted %d tool calls in all; the clients made %d (the load alone %d)", sum, counter.total(), total)
	}

	// Control-plane side: every request carried its own caller's token, and
	// each account holds exactly the keys its client created.
	up.mu.Lock()
	byToken := maps.Clone(up.byToken)
	up.mu.Unlock()
	for i, res := range load.results {
		if res.err != nil {
			continue
		}
		if n := byToken[res.token]; n != lbCallsPerClient {
			t.Errorf("client %d: the control plane saw %d requests with its token, want its %d calls", i, n, lbCallsPerClient)
		}
		names, err := listKeyNames(cp.URL, res.token)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if want := sortedUnion(accounts[i].initial, res.keys); !slices.Equal(names, want) {
			t.Errorf("client %d: its account holds keys %v, want %v (its own and the ones it created)", i, names, want)
		}
	}
	all := logs.String()
	for i, res := range load.results {
		if res.token != "" && strings.Contains(all, res.token) {
			t.Errorf("client %d's bearer token reached a replica's log", i)
		}
	}
	if strings.Contains(all, lbPassword) {
		t.Errorf("the load clients' password reached a replica's log")
	}

	// HAProxy's side: no 5xx answered to a client; the retries and
	// redispatches it needed.
	st, err := lb.stats()
	if err != nil {
		t.Fatal(err)
	}
	fe := st["mcp/FRONTEND"]
	t.Logf("HAProxy frontend: %s requests, 2xx %s, 4xx %s, 5xx %s", fe["req_tot"], fe["hrsp_2xx"], fe["hrsp_4xx"], fe["hrsp_5xx"])
	for _, r := range reps {
		s := st["replicas/"+r.name]
		t.Logf("HAProxy %s: %s, %s requests, retries %s, redispatches %s, connection errors %s, response errors %s",
			r.name, s["status"], s["req_tot"], s["wretr"], s["wredis"], s["econ"], s["eresp"])
	}
	if fe["hrsp_5xx"] != "0" {
		t.Errorf("HAProxy answered %s requests with 5xx", fe["hrsp_5xx"])
	}
	// Only the stopped replica ever left the rotation.
	for _, line := range strings.Split(lb.log.String(), "\n") {
		if m := haproxyStateLine.FindStringSubmatch(line); m != nil && !strings.Contains(line, "[WARNING]") {
			t.Logf("HAProxy: %s", strings.TrimSpace(line))
			if m[1] != reps[1].name && m[2] == "DOWN" {
				t.Errorf("HAProxy took %s out of the rotation, which was never stopped", m[1])
			}
		}
	}
	if t.Failed() {
		var bad []string
		for _, line := range strings.Split(lb.log.String(), "\n") {
			if haproxyErrLine.MatchString(line) {
				bad = append(bad, line)
			}
		}
		t.Logf("HAProxy log lines with a 4xx/5xx or an error state (%d):\n%s", len(bad), strings.Join(bad[:min(len(bad), 40)], "\n"))
		t.Logf("HAProxy log (last 2 KiB):\n%s", tail(lb.log.String(), 2048))
	}
}

// haproxyErrLine matches an httplog line whose status is 4xx/5xx or whose
// termination state is not "----" (the first flag is the cause of an abort).
var haproxyStateLine = regexp.MustCompile(`Server replicas/(\S+) is (UP|DOWN)`)

var haproxyErrLine = regexp.MustCompile(`\] \S+ \S+ \S+ ([45]\d\d|-1) `)

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// upstreamRecorder counts the control-plane requests by bearer token.
type upstreamRecorder struct {
	next    http.Handler
	mu      sync.Mutex
	byToken map[string]int
}

func (u *upstreamRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		u.mu.Lock()
		u.byToken[tok]++
		u.mu.Unlock()
	}
	u.next.ServeHTTP(w, r)
}

// callCounter counts tools/call requests answered through the load balancer,
// by the replica that answered (HAProxy's X-Served-By).
type callCounter struct {
	mu       sync.Mutex
	byServer map[string]int
}

func (c *callCounter) add(server string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byServer[server]++
}

func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byServer)
}

func (c *callCounter) total() int {
	n := 0
	for _, v := range c.snapshot() {
		n += v
	}
	return n
}

// countingTransport records each tools/call POST that got an answer.
type countingTransport struct {
	c    *callCounter
	base http.RoundTripper
}

func (ct countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	isCall := false
	if r.Method == http.MethodPost && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			isCall = bytes.Contains(data, []byte(`"method":"tools/call"`))
		}
	}
	resp, err := ct.base.RoundTrip(r)
	if err == nil && isCall && resp.StatusCode == http.StatusOK {
		ct.c.add(resp.Header.Get("X-Served-By"))
	}
	return resp, err
}

type haproxy struct {
	url  string // the MCP endpoint through it
	sock string // its stats socket
	log  *lockedBuffer
}

// startHAProxy runs haproxy in the foreground on a listener this process
// opened (passed as fd 3), so no port is guessed.
func startHAProxy(t *testing.T, bin, servers string) *haproxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startHAProxyOn(t, bin, servers, ln)
}

// startHAProxyOn is startHAProxy on a listener the caller opened (to know the
// address before the replicas start).
func startHAProxyOn(t *testing.T, bin, servers string, ln net.Listener) *haproxy {
	t.Helper()
	dir := t.TempDir()
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lb := &haproxy{url: "http://" + ln.Addr().String() + "/mcp", sock: filepath.Join(dir, "stats.sock"), log: &lockedBuffer{}}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(haproxyConfig, lb.sock, servers)), 0o600); err != nil {
		t.Fatal(err)
	}
	check := exec.Command(bin, "-c", "-f", cfg)
	check.ExtraFiles = []*os.File{f}
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout, cmd.Stderr = lb.log, lb.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return lb
}

// stats reads HAProxy's statistics from its socket: "proxy/server" (e.g.
// "replicas/r1", "mcp/FRONTEND") -> column -> value.
func (lb *haproxy) stats() (map[string]map[string]string, error) {
	c, err := net.DialTimeout("unix", lb.sock, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, "show stat\n"); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(c)
	if err != nil {
		return nil, err
	}
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("# "))))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("show stat: %q (%v)", data, err)
	}
	out := map[string]map[string]string{}
	for _, row := range rows[1:] {
		if len(row) < 2 {
			continue
		}
		m := map[string]string{}
		for i, col := range rows[0] {
			if i < len(row) {
				m[col] = row[i]
			}
		}
		out[row[0]+"/"+row[1]] = m
	}
	return out, nil
}

// status is each backend server's state (UP, DOWN, ...).
func (lb *haproxy) status() (map[string]string, error) {
	st, err := lb.stats()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, m := range st {
		if name, ok := strings.CutPrefix(k, "replicas/"); ok && name != "BACKEND" {
			out[name] = m["status"]
		}
	}
	return out, nil
}

// waitStatus waits (10s at most) until every named server has the state.
func (lb *haproxy) waitStatus(t *testing.T, state string, names ...string) {
	t.Helper()
	var last map[string]string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st, err := lb.status()
		if err == nil && !slices.ContainsFunc(names, func(n string) bool { return !strings.HasPrefix(st[n], state) }) {
			return
		}
		last = st
	}
	t.Fatalf("HAProxy servers %v not %s after 10s: %v\nlog:\n%s", names, state, last, lb.log)
}

// scrapeToolCalls sums modelslab_mcp_tool_calls_total over all its labels.
func scrapeToolCalls(metricsURL string) (int, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", metricsURL, resp.Status)
	}
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "modelslab_mcp_tool_calls_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("metrics line %q: %v", line, err)
		}
		sum += v
	}
	return int(sum), sc.Err()
}

// account is a load client's: its email and the keys it starts with.
type account struct {
	email   string
	initial []string // key names, sorted
}

// signUpAccounts makes one verified account per load client, straight on the
// control plane (the codes come from its outbox).
func signUpAccounts(t *testing.T, cpURL string, sb *sandbox.Sandbox) []account {
	t.Helper()
	accounts := make([]account, lbClients)
	errs := make(chan error, lbClients)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range accounts {
		accounts[i].email = fmt.Sprintf("load-%03d-%d@example.com", i, time.Now().UnixNano())
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			email := accounts[i].email
			if err := cpJSON(http.MethodPost, cpURL+sandbox.APIPrefix+"/auth/signup", "", map[string]string{
				"email": email, "password": lbPassword, "password_confirmation": lbPassword, "name": fmt.Sprintf("Load %03d", i),
			}, nil); err != nil {
				errs <- fmt.Errorf("signup %s: %w", email, err)
				return
			}
			var code string
			for _, m := range sb.Outbox(email) {
				if m.Kind == "verification" {
					code = m.Code
				}
			}
			var session struct {
				Token string `json:"access_token"`
			}
			if err := cpJSON(http.MethodPost, cpURL+sandbox.APIPrefix+"/auth/verify-email", "",
				map[string]string{"verification_code": code}, &session); err != nil {
				errs <- fmt.Errorf("verify %s: %w", email, err)
				return
			}
			names, err := listKeyNames(cpURL, session.Token)
			if err != nil {
				errs <- fmt.Errorf("keys of %s: %w", email, err)
				return
			}
			accounts[i].initial = names
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return accounts
}

// cpJSON calls the control plane directly and decodes the envelope's data into out.
func cpJSON(method, url, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, raw)
	}
	if out == nil {
		return nil
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

func listKeyNames(cpURL, token string) ([]string, error) {
	var keys []struct {
		Name string `json:"name"`
	}
	if err := cpJSON(http.MethodGet, cpURL+sandbox.APIPrefix+"/api-keys", token, nil, &keys); err != nil {
		return nil, err
	}
	names := []string{}
	for _, k := range keys {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	return names, nil
}

func sortedUnion(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return out
}

type clientResult struct {
	era   string
	err   error
	token string
	keys  []string // the names of the keys it created, sorted
}

type loadOutcome struct {
	results    []clientResult
	elapsed    time.Duration
	doneAtStop int64 // calls done when the replica got SIGTERM
	doneAtExit int64 // and when it had exited
	statusSeen string
	finalCount int // its tool-call counter, last scraped before it exited
	exitErr    error
}

// runLoad runs every client at once, half in each era, and sends SIGTERM to
// victim once lbStopAt of the calls are done.
func runLoad(t *testing.T, lb *haproxy, victim *replica, rt http.RoundTripper, accounts []account) *loadOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := &loadOutcome{results: make([]clientResult, len(accounts))}
	var done atomic.Int64
	total := int64(len(accounts) * (1 + lbCallsPerClient))

	stopped, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for done.Load() < int64(float64(total)*lbStopAt) {
			select {
			case <-finished: // every client failed or ended early
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		out.doneAtStop = done.Load()
		victim.proc.cmd.Process.Signal(syscall.SIGTERM)
		// Until it exits: the last count of its metrics (they stay up through
		// the drain) and the state HAProxy gives it.
		for {
			if n, err := scrapeToolCalls(victim.metrics); err == nil {
				out.finalCount = n
			}
			if st, err := lb.status(); err == nil && st[victim.name] != "" {
				if out.statusSeen != "DOWN" {
					out.statusSeen = strings.Fields(st[victim.name])[0]
				}
			}
			select {
			case <-victim.proc.exited:
				out.doneAtExit = done.Load()
				out.exitErr = victim.proc.waitErr
				return
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	for i, acc := range accounts {
		era := eraHandshake
		if i%2 == 1 {
			era = eraNewest
		}
		wg.Go(func() { out.results[i] = runClient(ctx, i, era, acc, lb.url, rt, &done) })
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	close(finished)
	<-stopped
	return out
}

// runClient is one agent: its own SDK client and session, a login, then
// lbCallsPerClient calls whose answers must be its own account's.
func runClient(ctx context.Context, i int, era string, acc account, endpoint string, rt http.RoundTripper, done *atomic.Int64) (res clientResult) {
	res.era = era
	h := &harness{transport: "http", era: era} // holds the token bearerTransport sends
	hc := &http.Client{Transport: bearerTransport{h: h, base: rt}}
	// Default retries: a client's standalone SSE stream on the stopped replica
	// reconnects through the load balancer to another one.
	cs, err := newClient(nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc},
		&mcp.ClientSessionOptions{ProtocolVersion: era})
	if err != nil {
		res.err = fmt.Errorf("connect: %w", err)
		return res
	}
	defer cs.Close()
	if got := cs.InitializeResult().ProtocolVersion; got != era {
		res.err = fmt.Errorf("negotiated %s", got)
		return res
	}
	call := func(tool string, args map[string]any) (map[string]any, []any, error) {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		r, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			return nil, nil, fmt.Errorf("%s %v: %w", tool, args["action"], err)
		}
		if r.IsError {
			return nil, nil, fmt.Errorf("%s %v: isError: %s", tool, args["action"], textOf(r))
		}
		done.Add(1)
		raw, _ := json.Marshal(r.StructuredContent)
		var body struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, nil, err
		}
		var obj map[string]any
		var list []any
		if json.Unmarshal(body.Data, &obj) != nil && json.Unmarshal(body.Data, &list) != nil {
			return nil, nil, fmt.Errorf("%s %v: data %s", tool, args["action"], body.Data)
		}
		return obj, list, nil
	}

	d, _, err := call("agent-auth", map[string]any{"action": "login", "email": acc.email, "password": lbPassword, "device_name": "load"})
	if err != nil {
		res.err = err
		return res
	}
	res.token, _ = d["access_token"].(string)
	h.setToken(res.token)

	prefix := fmt.Sprintf("load-%03d-", i)
	for j := range lbCallsPerClient {
		select {
		case <-time.After(lbPace):
		case <-ctx.Done():
			res.err = ctx.Err()
			return res
		}
		switch j % 4 {
		case 0: // whose profile the token opens
			d, _, err = call("agent-profile", map[string]any{"action": "get"})
			if err == nil && d["email"] != acc.email {
				err = fmt.Errorf("profile get returned %v's profile", d["email"])
			}
		case 1:
			name := fmt.Sprintf("%s%02d", prefix, j)
			d, _, err = call("agent-api-keys", map[string]any{"action": "create", "name": name})
			if err == nil && d["name"] != name {
				err = fmt.Errorf("created key %v, want %s", d["name"], name)
			}
			res.keys = append(res.keys, name)
		case 2: // its own keys, exactly
			var keys []any
			_, keys, err = call("agent-api-keys", map[string]any{"action": "list"})
			var names []string
			for _, k := range keys {
				n, _ := k.(map[string]any)["name"].(string)
				names = append(names, n)
			}
			slices.Sort(names)
			if want := sortedUnion(acc.initial, res.keys); err == nil && !slices.Equal(names, want) {
				err = fmt.Errorf("list shows keys %v, want this account's %v", names, want)
			}
		case 3:
			about := fmt.Sprintf("client %d call %d", i, j)
			d, _, err = call("agent-profile", map[string]any{"action": "update", "about_me": about})
			if err == nil && (d["about_me"] != about || d["email"] != acc.email) {
				err = fmt.Errorf("profile update returned %v / %v", d["email"], d["about_me"])
			}
		}
		if err != nil {
			res.err = fmt.Errorf("call %d: %w", j, err)
			return res
		}
	}
	slices.Sort(res.keys)
	return res
}
