package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// Idempotency-Key (contract §7.2): a money mutation repeated with the same
// key, by the same account, on the same method and path, with the same body,
// gets the first answer again, with idempotency_replay: true in data (when an
// object) and in meta, and nothing is done twice.
//
// Decisions:
//   - A used key with a different body is a 422 idempotency_key_reused
//     (as the IETF Idempotency-Key draft advises); nothing is done.
//   - Only answers that did something are kept: 2xx and 402 (a declined
//     charge is a charge attempt). A 422 or any other refusal changed
//     nothing, so the corrected request may reuse its key; and so may a
//     confirm-checkout that answered "pending" (the person has not paid yet):
//     polling with one key works.
//   - Keys are kept 24 hours, at most maxIdem in all.
//   - A request without the header is served as it is, with no protection.

const (
	idemTTL = 24 * time.Hour
	maxIdem = 10000
)

type idemKey struct {
	acct        int64
	method, key string
	path        string
}

type idemEntry struct {
	hash   string
	status int
	data   json.RawMessage
	err    *apiError
	at     time.Time
}

func (s *Sandbox) idempotent(c *call, rt *route, h func(*call) response) response {
	key := c.r.Header.Get("Idempotency-Key")
	if key == "" {
		return h(c)
	}
	if len(key) > 255 {
		return fail(http.StatusBadRequest, "invalid_idempotency_key", "The Idempotency-Key header must be at most 255 characters long.", nil)
	}
	k := idemKey{acct: c.acct.id, method: rt.method, path: c.r.URL.Path, key: key}
	canon, _ := json.Marshal(c.body) // map keys sorted: the same body, however it was spelled
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:])
	if e := s.idem[k]; e != nil && c.now.Sub(e.at) <= idemTTL {
		if e.hash != hash {
			return fail(http.StatusUnprocessableEntity, "idempotency_key_reused",
				"This Idempotency-Key was already used with a different request body: nothing was done. Use a new key for a new request.", nil)
		}
		return response{status: e.status, data: replayData(e.data), err: e.err, replay: true}
	}
	res := h(c)
	if res.transient || !(res.status < 300 || res.status == http.StatusPaymentRequired) {
		return res
	}
	data, err := json.Marshal(res.data)
	if err != nil {
		return res
	}
	if len(s.idem) >= maxIdem {
		s.sweepMoney(c.now)
		for old := range s.idem {
			if len(s.idem) < maxIdem*9/10 {
				break
			}
			delete(s.idem, old)
		}
	}
	s.idem[k] = &idemEntry{hash: hash, status: res.status, data: data, err: res.err, at: c.now}
	return res
}

// replayData marks an object answer as a replay.
func replayData(data json.RawMessage) any {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil || obj == nil {
		return data
	}
	obj["idempotency_replay"] = json.RawMessage("true")
	return obj
}
