package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream/sandbox"
)

// checkoutSite serves the sandbox's Checkout page (issue 17) to the person's
// browser, on a loopback listener of its own, as browser login does: the
// in-process sandbox has no port. The listener starts the first time the
// sandbox mints a Checkout URL, so a server that never sells anything opens
// nothing, and serves only the Checkout page.
type checkoutSite struct {
	h    http.Handler
	log  zerolog.Logger
	once sync.Once
	base string
	srv  *http.Server
}

// Base is sandbox.Options.CheckoutBase: the listener's http://127.0.0.1:port,
// "" when it could not start (the sandbox then names an unreachable host).
func (c *checkoutSite) Base() string {
	c.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.log.Error().Err(err).Msg("sandbox checkout page: cannot listen on loopback")
			return
		}
		c.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, sandbox.CheckoutPath) {
				http.NotFound(w, r)
				return
			}
			c.h.ServeHTTP(w, r)
		})}
		c.base = "http://" + ln.Addr().String()
		go func() { _ = c.srv.Serve(ln) }()
		c.log.Info().Str("url", c.base+sandbox.CheckoutPath).Msg("sandbox checkout page listening")
	})
	return c.base
}

// Close stops the listener, if it ever started.
func (c *checkoutSite) Close() {
	c.once.Do(func() {}) // no start after this
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = c.srv.Shutdown(ctx)
	}
}
