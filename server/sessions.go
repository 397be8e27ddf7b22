package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"time"
)

// signedSessions mints self-validating session ids for the handshake-era HTTP
// transport: "mcp-session-<nonce+expiry>.<hmac>". Any replica that shares the
// secret accepts any replica's ids, so a plain load balancer works without
// sticky sessions, while forged and expired ids get the 404 the MCP spec asks
// for. Sessions carry no credential: each request's header authenticates it.
type signedSessions struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time

	mu         sync.Mutex
	terminated map[string]time.Time // id -> its expiry; swept once expired
	maxEnded   int
	// forget, when set, is told of every termination; it returns true for an
	// eviction by the session cap, which is not the session's end.
	forget func(id string) (evicting bool)
	// verified remembers ids whose signature checked out, with their expiry:
	// every handshake-era request carries its id, and an HMAC per request cost
	// more than the rest of the session handling. Cleared when full.
	verified    map[string]time.Time
	maxVerified int
}

const sessionPrefix = "mcp-session-"

var errBadSession = errors.New("unknown or expired session id")

func newSignedSessions(secret []byte, ttl time.Duration) *signedSessions {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // a per-process secret: single-replica deployments need no setting
	}
	return &signedSessions{secret: secret, ttl: ttl, now: time.Now, terminated: map[string]time.Time{}, maxEnded: 100_000,
		verified: map[string]time.Time{}, maxVerified: 10_000}
}

// Generate mints a new session id valid for ttl.
func (s *signedSessions) Generate() string {
	payload := make([]byte, 24)
	_, _ = rand.Read(payload[:16])
	binary.BigEndian.PutUint64(payload[16:], uint64(s.now().Add(s.ttl).Unix()))
	return sessionPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." + s.sign(payload)
}

func (s *signedSessions) sign(payload []byte) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// parse verifies the signature and returns the id's expiry.
func (s *signedSessions) parse(id string) (time.Time, error) {
	rest, ok := strings.CutPrefix(id, sessionPrefix)
	if !ok || len(id) > 128 {
		return time.Time{}, errBadSession
	}
	enc, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return time.Time{}, errBadSession
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(payload) != 24 || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return time.Time{}, errBadSession
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[16:])), 0)
	if !s.now().Before(exp) {
		return time.Time{}, errBadSession
	}
	return exp, nil
}

// Validate accepts a well-signed, unexpired id that this replica has not seen terminated.
func (s *signedSessions) Validate(id string) (isTerminated bool, err error) {
	now := s.now()
	s.mu.Lock()
	exp, known := s.verified[id]
	s.mu.Unlock()
	if !known {
		if exp, err = s.parse(id); err != nil {
			return false, err
		}
	} else if !now.Before(exp) {
		return false, errBadSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !known {
		if len(s.verified) >= s.maxVerified {
			clear(s.verified)
		}
		s.verified[id] = exp
	}
	_, ended := s.terminated[id]
	return ended, nil
}

// Terminate remembers a DELETEd session until it would have expired anyway.
func (s *signedSessions) Terminate(id string) (isNotAllowed bool, err error) {
	exp, err := s.parse(id)
	if err != nil {
		return false, err
	}
	if s.forget != nil && s.forget(id) {
		return false, nil // the id stays valid; only this replica's state for it goes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.terminated) >= s.maxEnded {
		now := s.now()
		for k, e := range s.terminated {
			if !now.Before(e) {
				delete(s.terminated, k)
			}
		}
		if len(s.terminated) >= s.maxEnded {
			// Still full of live entries: forgetting one only lets a client that
			// already ended its session keep using it, which grants nothing.
			for k := range s.terminated {
				delete(s.terminated, k)
				break
			}
		}
	}
	s.terminated[id] = exp
	return false, nil
}
