package server

import (
	"context"
	"errors"
	"io"
	"log"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// StdioServer is the stdio transport, built (and its options checked) before
// it serves, so that a bad option is reported before any banner.
type StdioServer struct {
	s   *mcpserver.MCPServer
	log zerolog.Logger
}

// NewStdio builds the stdio transport for one local user.
func NewStdio(opts Options) (*StdioServer, error) {
	creds := &processCredentials{tok: opts.EnvToken}
	if opts.EnvToken == "" {
		creds.store = opts.SessionStore // MODELSLAB_AGENT_TOKEN, when set, is where each process starts
	}
	s, err := newMCPServer(opts, creds, false)
	if err != nil {
		return nil, err
	}
	return &StdioServer{s: s, log: opts.Logger}, nil
}

// Serve serves over in and out until in closes or ctx ends.
func (ss *StdioServer) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(ss.s)
	// stdout belongs to the protocol: mcp-go's own errors go through zerolog to stderr.
	stdio.SetErrorLogger(log.New(ss.log, "", 0))
	err := stdio.Listen(ctx, in, out)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// ServeStdio serves one local user over in and out until in closes or ctx ends.
func ServeStdio(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	ss, err := NewStdio(opts)
	if err != nil {
		return err
	}
	return ss.Serve(ctx, in, out)
}
