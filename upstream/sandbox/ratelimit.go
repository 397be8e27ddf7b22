package sandbox

import (
	"net/http"
	"strconv"
	"time"
)

type limitKind int

const (
	limitAuth    limitKind = iota // agent-auth: per IP+email
	limitGeneral                  // agent-general: per IP+user
	limitBilling                  // agent-billing: per IP+user, on top of agent-general
)

// maxWindows bounds the limiter's memory even under a flood of distinct
// keys (attacker-chosen emails); past it, arbitrary windows are forgotten.
const maxWindows = 100_000

// window is a fixed one-minute window that starts at its first hit, like
// Laravel's throttle middleware.
type window struct {
	count int
	reset time.Time
}

type limiter struct {
	windows map[string]*window
}

func newLimiter() *limiter { return &limiter{windows: map[string]*window{}} }

// hit counts one request against key. A request over the limit is not
// counted, so the window still ends at its original reset time.
func (l *limiter) hit(key string, limit int, now time.Time) (remaining int, reset time.Time, allowed bool) {
	w := l.windows[key]
	if w == nil || !now.Before(w.reset) {
		if w == nil && len(l.windows) >= maxWindows {
			l.sweep(now)
			for k := range l.windows {
				if len(l.windows) < maxWindows*9/10 {
					break
				}
				delete(l.windows, k)
			}
		}
		w = &window{reset: now.Add(time.Minute)}
		l.windows[key] = w
	}
	if w.count >= limit {
		return 0, w.reset, false
	}
	w.count++
	return limit - w.count, w.reset, true
}

func (l *limiter) sweep(now time.Time) {
	for k, w := range l.windows {
		if !now.Before(w.reset) {
			delete(l.windows, k)
		}
	}
}

// rateLimit counts this request against a limiter and sets the
// X-RateLimit-* headers. Decision: with DisableRateLimit the headers are
// left out rather than faked.
func (c *call) rateLimit(kind limitKind, key string) {
	s := c.s
	if s.opts.DisableRateLimit {
		return
	}
	name, limit := "agent-general", s.opts.GeneralLimit
	switch kind {
	case limitAuth:
		name, limit = "agent-auth", s.opts.AuthLimit
	case limitBilling:
		name, limit = "agent-billing", s.opts.BillingLimit
	}
	remaining, reset, allowed := s.limiter.hit(name+"|"+key, limit, c.now)
	c.hdr.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	c.hdr.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	c.hdr.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if !allowed {
		secs := int((reset.Sub(c.now) + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		c.hdr.Set("Retry-After", strconv.Itoa(secs))
	}
}

func (c *call) limited() bool { return c.hdr.Get("Retry-After") != "" }

func (c *call) tooMany() response {
	return fail(http.StatusTooManyRequests, "rate_limited", "Too Many Attempts.", nil)
}
