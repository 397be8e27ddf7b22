package sandbox

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	mrand "math/rand/v2"
)

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newRandSource returns crypto/rand for seed 0, else a ChaCha8 stream seeded
// from seed, so that a fixed Seed reproduces every id, token and code.
// Callers hold s.mu (ChaCha8 is not safe for concurrent use).
func newRandSource(seed int64) io.Reader {
	if seed == 0 {
		return crand.Reader
	}
	var key [32]byte
	copy(key[8:], "modelslab-sandbox-seed!!")
	binary.LittleEndian.PutUint64(key[:8], uint64(seed))
	return mrand.NewChaCha8(key)
}

func (s *Sandbox) randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rnd, b); err != nil {
		// crypto/rand never fails on supported platforms, and ChaCha8 cannot.
		panic("sandbox: random source failed: " + err.Error())
	}
	return b
}

// randString returns n characters from alphabet (len ≤ 256), without modulo
// bias: bytes past the largest multiple of len(alphabet) are rejected.
func (s *Sandbox) randString(n int, alphabet string) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	for len(out) < n {
		for _, b := range s.randBytes(n - len(out) + 8) {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// uuid returns a random (version 4) UUID.
func (s *Sandbox) uuid() string {
	b := s.randBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
