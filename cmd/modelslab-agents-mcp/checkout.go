package main

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// checkoutSite is where a person's browser reaches the sandbox's Checkout
// page (sandbox.Options.CheckoutBase). Over http the page is on the MCP
// port (the /sandbox/ mount): SetBase names that server. Over stdio there is
// no port: the first Checkout URL the sandbox mints starts a loopback
// listener that serves only the Checkout page; nothing listens unless a
// checkout is created. Close stops it.
type checkoutSite struct {
	log     zerolog.Logger
	handler http.Handler // the sandbox; set before any request can reach Base

	mu     sync.Mutex
	base   string
	srv    *http.Server
	closed bool
}

// SetBase fixes the base URL (an HTTP server that already serves the page).
func (c *checkoutSite) SetBase(base string) {
	c.mu.Lock()
	c.base = base
	c.mu.Unlock()
}

// Base returns the base URL, starting the loopback listener on first use.
// "" (the sandbox then names an unreachable host) when it cannot listen.
func (c *checkoutSite) Base() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base != "" || c.closed || c.handler == nil {
		return c.base
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.log.Error().Err(err).Msg("sandbox checkout: could not listen on 127.0.0.1")
		return ""
	}
	mux := http.NewServeMux()
	mux.Handle(sandbox.CheckoutPath, c.handler)
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	c.base = "http://" + ln.Addr().String()
	c.log.Info().Str("url", c.base+sandbox.CheckoutPath).Msg("sandbox checkout page listening")
	return c.base
}

// Close stops the listener, if one was started; Base starts none after it.
func (c *checkoutSite) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.srv != nil {
		_ = c.srv.Close()
	}
}

// loopbackBase is base with an unspecified host (0.0.0.0, ::) replaced by
// 127.0.0.1: a browser needs an address to go to.
func loopbackBase(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
