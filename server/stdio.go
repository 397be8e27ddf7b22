package server

import (
	"context"
	"errors"
	"io"
	"log"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves one local user over in and out until in closes or ctx ends.
func ServeStdio(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	creds := &processCredentials{tok: opts.EnvToken}
	s, err := newMCPServer(opts, creds, false)
	if err != nil {
		return err
	}
	stdio := mcpserver.NewStdioServer(s)
	// stdout belongs to the protocol: mcp-go's own errors go through zerolog to stderr.
	stdio.SetErrorLogger(log.New(opts.Logger, "", 0))
	err = stdio.Listen(ctx, in, out)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
