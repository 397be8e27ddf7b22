package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// upstreamBody is the fixed answer of GET /api/agents/v1/api-keys: the control
// plane's envelope around three masked keys.
const upstreamBody = `{"data":[` +
	`{"id":101,"name":"production","notes":"render farm","key":"sk-…a1b2","created_at":"2026-01-05T10:00:00Z","last_used_at":"2026-07-01T08:30:00Z"},` +
	`{"id":102,"name":"staging","notes":null,"key":"sk-…c3d4","created_at":"2026-02-11T09:15:00Z","last_used_at":null},` +
	`{"id":103,"name":"laptop","notes":"local experiments","key":"sk-…e5f6","created_at":"2026-03-20T17:45:00Z","last_used_at":"2026-06-30T22:10:00Z"}` +
	`],"error":null,"meta":{"request_id":"req-bench-0001"}}`

const unauthorizedBody = `{"data":null,"error":{"code":"unauthenticated","message":"Unauthenticated."},"meta":{"request_id":"req-bench-0401"}}`

// runUpstream is `mcpbench upstream --addr ADDR`: a minimal control plane in its
// own process. It prints "ADDR host:port" on stdout, then answers one-word
// commands on stdin: "stats" prints "conns N reqs M" (TCP connections accepted
// and requests served since the last "reset"), "reset" zeroes both.
func runUpstream(args []string) error {
	fs := flag.NewFlagSet("upstream", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var conns, reqs atomic.Int64
	body := []byte(upstreamBody)
	unauth := []byte(unauthorizedBody)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/agents/v1/api-keys", func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write(unauth)
			return
		}
		w.Write(body)
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	fmt.Printf("ADDR %s\n", ln.Addr())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "stats":
			fmt.Printf("conns %d reqs %d\n", conns.Load(), reqs.Load())
		case "reset":
			conns.Store(0)
			reqs.Store(0)
			fmt.Println("ok")
		case "quit":
			return srv.Shutdown(context.Background())
		}
	}
	return srv.Close() // stdin closed: the parent is gone
}

// upstreamProc is the parent's handle on the upstream process.
type upstreamProc struct {
	*proc
	addr string
	out  *bufio.Reader
}

func startUpstream(self string) (*upstreamProc, error) {
	p, err := startProc(self, nil, "upstream", "--addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	line, err := p.stdout.ReadString('\n')
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("upstream: %w", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if !ok {
		p.kill()
		return nil, fmt.Errorf("upstream said %q", line)
	}
	return &upstreamProc{proc: p, addr: addr, out: p.stdout}, nil
}

func (u *upstreamProc) baseURL() string { return "http://" + u.addr + "/api/agents/v1" }

func (u *upstreamProc) command(c string) string {
	fmt.Fprintln(u.stdin, c)
	line, _ := u.out.ReadString('\n')
	return strings.TrimSpace(line)
}

func (u *upstreamProc) reset() { u.command("reset") }

// stats returns the connections accepted and requests served since the last reset.
func (u *upstreamProc) stats() (conns, reqs int64) {
	fmt.Sscanf(u.command("stats"), "conns %d reqs %d", &conns, &reqs)
	return conns, reqs
}
