package oauth

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startRedis runs Debian's redis-server on a free loopback port for the test,
// or skips: `go test ./...` needs only Go (.ci/haproxy-oauth.sh installs it).
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server); .ci/haproxy-oauth.sh runs this test with it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return url
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return ""
}

func TestRedisStore(t *testing.T) {
	url := startRedis(t)
	ctx := context.Background()
	a, err := NewRedisStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewRedisStore(ctx, url) // another replica
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	id := randomID()
	if first, err := a.Use(ctx, id, time.Minute); !first || err != nil {
		t.Fatalf("first use: %v %v", first, err)
	}
	if first, err := b.Use(ctx, id, time.Minute); first || err != nil {
		t.Fatalf("second use on another replica: %v %v", first, err)
	}
	if first, _ := a.Use(ctx, "short"+id, 50*time.Millisecond); !first {
		t.Fatal("short first use")
	}
	time.Sleep(150 * time.Millisecond)
	if first, _ := b.Use(ctx, "short"+id, time.Minute); !first {
		t.Fatal("an expired use still counts")
	}
	g := randomID()
	if r, _ := b.Revoked(ctx, g); r {
		t.Fatal("revoked before revocation")
	}
	if err := a.Revoke(ctx, g, time.Minute); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Revoked(ctx, g); !r || err != nil {
		t.Fatalf("revocation not seen by another replica: %v %v", r, err)
	}
	testRotate(t, a, b)
}

func TestRedisStoreRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:6379", "redis://", "127.0.0.1:6379"} {
		if _, err := NewRedisStore(context.Background(), u); err == nil || !strings.Contains(err.Error(), "redis://") {
			t.Errorf("%s: %v", u, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Nothing listens there: refused at start-up, the password not echoed.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := NewRedisStore(ctx, "redis://:hunter2secret@"+addr)
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("unreachable redis: %v", err)
	}
}
