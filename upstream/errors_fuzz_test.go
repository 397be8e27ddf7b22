package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzToken is the bearer token of every fuzzed call; no error text may show it.
const fuzzToken = "31|FuzzTokenAbcdefghijklmnopqrstuvwxyz0123456789"

// Bounds on what an error may carry into a log line or a model's context:
// parseErrorBody clips a message to 500 bytes and a detail to 300; redaction
// may lengthen them (a 4-byte secret becomes "[redacted]").
const (
	fuzzMaxMessage = 2 * 1024
	fuzzMaxDetail  = 1024
	fuzzMaxCode    = 512
	fuzzMaxError   = 4 * 1024
)

type fuzzRT func(*http.Request) (*http.Response, error)

func (f fuzzRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzParseErrorBody feeds any body, content type and status through
// parseErrorBody, newAPIError and a whole client call: nothing panics, every
// text is valid UTF-8 and bounded, and no secret passed in survives.
// Seeds (testdata/fuzz/FuzzParseErrorBody) cover the five error shapes of the
// contract, §1.
func FuzzParseErrorBody(f *testing.F) {
	f.Add([]byte(`{"data":null,"error":{"code":"validation_error","message":"The given data was invalid.","details":{"email":["The email field is required."]}},"meta":{"request_id":"r1"}}`), "application/json", 422, "hunter2-secret")
	f.Add([]byte(`{"message":"The password is wrong: hunter2-secret","errors":{"password":["hunter2-secret is not it"]}}`), "application/json", 422, "hunter2-secret")
	f.Add([]byte(`{"message":"Unauthenticated."}`), "application/json", 401, "")
	f.Add([]byte(`{"error":"some string"}`), "application/json", 400, "")
	f.Add([]byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"), "text/html", 502, "")

	client, err := New(Config{BaseURL: "http://fuzz.invalid/api", MaxRetries: -1,
		Transport: fuzzRT(func(r *http.Request) (*http.Response, error) {
			in := r.Context().Value(fuzzInputKey{}).(fuzzInput)
			return &http.Response{StatusCode: in.status, Header: http.Header{"Content-Type": {in.contentType}},
				Body: io.NopCloser(strings.NewReader(string(in.body))), Request: r}, nil
		})})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, body []byte, contentType string, status int, secret string) {
		status = 400 + int(uint(status)%200) // 400..599: the error path
		secrets := []string{fuzzToken}
		if checkableSecret(secret) {
			secrets = append(secrets, secret)
		}

		code, msg, details := parseErrorBody(body, contentType)
		checkFuzzText(t, "code", code, fuzzMaxCode, nil)
		checkFuzzText(t, "message", msg, fuzzMaxMessage, nil)
		for k, vs := range details {
			checkFuzzText(t, "detail key", k, fuzzMaxDetail, nil)
			for _, v := range vs {
				checkFuzzText(t, "detail", v, fuzzMaxDetail, nil)
			}
		}

		req := request{ep: epLogout, method: http.MethodPost, path: "/auth/logout", token: fuzzToken, secrets: secrets[1:]}
		h := http.Header{"Content-Type": {contentType}, "Retry-After": {"7"}, "Www-Authenticate": {`Bearer scope="` + secret + `"`}}
		e := newAPIError(req, status, h, body, "rid", RateLimit{}, secrets)
		checkFuzzText(t, "APIError.Error", e.Error(), fuzzMaxError, secrets)
		checkFuzzText(t, "APIError.Message", e.Message, fuzzMaxMessage, secrets)
		for _, line := range e.FieldErrors() {
			checkFuzzText(t, "field error", line, 2*fuzzMaxDetail, secrets)
		}

		// The whole path: a client call that gets this answer.
		ctx := context.WithValue(context.Background(), fuzzInputKey{}, fuzzInput{body: body, contentType: contentType, status: status})
		_, err := send(ctx, client, req, passOn)
		if err == nil {
			t.Fatalf("HTTP %d gave no error", status)
		}
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("HTTP %d gave %T, want *APIError", status, err)
		}
		checkFuzzText(t, "client error", err.Error(), fuzzMaxError, secrets)
		for _, line := range ae.FieldErrors() {
			checkFuzzText(t, "client field error", line, 2*fuzzMaxDetail, secrets)
		}
	})
}

type fuzzInputKey struct{}

type fuzzInput struct {
	body        []byte
	contentType string
	status      int
}

// checkableSecret says whether redaction can be asked to hide s: it redacts
// secrets of 4 bytes or more (shorter ones would blank out ordinary words).
// checkableSecret reports whether a secret can be checked for at all: one that
// is wholly part of the text the client itself frames an error with (the
// method, the path, "HTTP 422", a status text, the redaction markers) would be
// "found" without anything having leaked from the upstream or the request.
func checkableSecret(s string) bool {
	if len(s) < 4 {
		return false
	}
	frame := "POST /auth/logout: HTTP " + withheldText + " [redacted] … rid"
	for status := 400; status < 600; status++ {
		frame += " " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return !strings.Contains(frame, s)
}

func checkFuzzText(t *testing.T, what, s string, maxLen int, secrets []string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s is not valid UTF-8: %q", what, s)
	}
	if len(s) > maxLen {
		t.Fatalf("%s is %d bytes, more than %d: %.200q…", what, len(s), maxLen, s)
	}
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Fatalf("%s contains the secret %q: %q", what, sec, s)
		}
	}
}
