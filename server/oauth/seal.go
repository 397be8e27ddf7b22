package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// sealer encrypts and authenticates what this server hands out and later reads
// back (tokens, codes, client ids, form state): AES-256-GCM from the standard
// library, keyed by HKDF-SHA256 from the session secret, so every replica that
// shares the secret opens what any other sealed, and nothing needs a database.
// The kind ("at", "rt", "code", ...) is the additional data: a value sealed as
// one kind never opens as another.
type sealer struct {
	aead cipher.AEAD
}

const hkdfInfo = "modelslab-agents-mcp/oauth/v1"

func newSealer(secret []byte) (*sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("oauth: empty secret")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, hkdfInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns "<kind>.<base64url(nonce|ciphertext)>": the prefix lets a
// reader tell our values apart (and a leaked-secret scanner find them).
func (s *sealer) seal(kind string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(kind))
	return "mla_" + kind + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

var errUnsealed = errors.New("not a value this server sealed")

// open reverses seal for the given kind; any tampering, another kind or
// another secret gives errUnsealed.
func (s *sealer) open(kind, sealed string, v any) error {
	rest, ok := strings.CutPrefix(sealed, "mla_"+kind+".")
	if !ok || len(rest) > 16<<10 {
		return errUnsealed
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return errUnsealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(kind))
	if err != nil {
		return errUnsealed
	}
	if json.Unmarshal(plain, v) != nil {
		return errUnsealed
	}
	return nil
}

// randomID is 16 bytes from the CSPRNG, base64url.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
