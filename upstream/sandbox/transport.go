package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Transport returns an http.RoundTripper that serves requests with the
// sandbox in process, without a socket (the server's --sandbox mode). It
// honours the request context before, during and after the handler runs,
// copies the handler's response, and presents the request as coming from
// loopback (127.0.0.1) to the rate limiters.
func (s *Sandbox) Transport() http.RoundTripper { return transport{h: s} }

type transport struct{ h http.Handler }

// loopbackAddr is the RemoteAddr of in-process requests.
const loopbackAddr = "127.0.0.1:65535"

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if req.URL == nil {
		closeBody()
		return nil, errors.New("sandbox: request has no URL")
	}
	if err := ctx.Err(); err != nil {
		closeBody()
		return nil, err
	}

	// A server-side view of the request, as net/http would build it.
	sreq := req.Clone(ctx)
	sreq.RemoteAddr = loopbackAddr
	sreq.RequestURI = req.URL.RequestURI()
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	// A server reads header names case-insensitively (net/http canonicalises
	// them); a client may send any spelling, e.g. "idempotency-key".
	hdr := make(http.Header, len(req.Header))
	for k, vs := range req.Header {
		ck := http.CanonicalHeaderKey(k)
		hdr[ck] = append(hdr[ck], vs...)
	}
	sreq.Header = hdr
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	if req.Body == nil {
		sreq.Body = http.NoBody
	}

	rec := &recorder{header: http.Header{}}
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		t.h.ServeHTTP(rec, sreq)
	}()
	select {
	case <-ctx.Done():
		// The handler finishes on its own; its result is dropped.
		closeBody()
		return nil, ctx.Err()
	case p := <-done:
		closeBody()
		if p != nil {
			return nil, fmt.Errorf("sandbox: handler panicked: %v", p)
		}
	}

	status, header := rec.status, rec.sent
	if !rec.wroteHeader {
		status, header = http.StatusOK, rec.header
	}
	body := rec.body.Bytes()
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          &ctxBody{ctx: ctx, r: bytes.NewReader(body)},
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// recorder is a minimal buffering http.ResponseWriter (httptest is for
// tests only). The handler writes it from one goroutine, and RoundTrip reads
// it only after the handler has returned.
type recorder struct {
	header      http.Header
	sent        http.Header // header as of WriteHeader
	status      int
	body        bytes.Buffer
	wroteHeader bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	r.wroteHeader = true
	r.status = code
	// Later header changes must not show in the response, as on the wire.
	r.sent = r.header.Clone()
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	return r.body.Write(p)
}

// ctxBody fails reads once the request context is done, like a network body.
type ctxBody struct {
	ctx context.Context
	r   *bytes.Reader
}

func (b *ctxBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	return b.r.Read(p)
}

func (b *ctxBody) Close() error { return nil }

var _ io.ReadCloser = (*ctxBody)(nil)
