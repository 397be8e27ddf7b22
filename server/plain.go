package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServePlain serves h on ln until ctx ends, then shuts down, waiting up to
// shutdownTimeout for requests in flight. It is for the side listeners that
// have no MCP sessions to drain: /metrics and the standalone sandbox.
func ServePlain(ctx context.Context, ln net.Listener, h http.Handler, shutdownTimeout time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
