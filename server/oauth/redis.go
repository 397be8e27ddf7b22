package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

// RedisStore is the Store replicas share: Redis or Valkey, through redigo (a
// small client with no dependencies; two commands are all this needs). Keys
// expire by themselves (PX), so nothing is ever swept. On any store error the
// server refuses (a token, a code, a refresh) rather than guess.
type RedisStore struct {
	pool   *redis.Pool
	prefix string
}

const redisTimeout = 2 * time.Second

// NewRedisStore connects to redis://[user:password@]host:port[/db] (or
// rediss:// for TLS) and checks the server answers.
func NewRedisStore(ctx context.Context, rawURL string) (*RedisStore, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "valkey" && u.Scheme != "valkeys") || u.Host == "" {
		return nil, errors.New("the Redis URL must look like redis://[:password@]host:port[/db] (rediss:// for TLS)")
	}
	if u.Scheme == "valkey" || u.Scheme == "valkeys" {
		u.Scheme = "redis" + u.Scheme[len("valkey"):]
	}
	dialURL := u.String()
	p := &redis.Pool{
		MaxIdle: 16, MaxActive: 64, Wait: true, IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialURLContext(ctx, dialURL, redis.DialConnectTimeout(redisTimeout),
				redis.DialReadTimeout(redisTimeout), redis.DialWriteTimeout(redisTimeout))
		},
	}
	s := &RedisStore{pool: p, prefix: "modelslab-agents-mcp:oauth:"}
	c, err := p.GetContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("redis at %s: %w", u.Host, redactErr(err, u))
	}
	defer c.Close()
	if _, err := c.Do("PING"); err != nil {
		return nil, fmt.Errorf("redis at %s does not answer PING: %w", u.Host, redactErr(err, u))
	}
	return s, nil
}

// redactErr keeps the URL's password out of an error that might quote it.
func redactErr(err error, u *url.URL) error {
	if pw, ok := u.User.Password(); ok && pw != "" {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
	}
	return err
}

// Close releases the pool.
func (s *RedisStore) Close() error { return s.pool.Close() }

// withConn runs fn on a pooled connection, within redisTimeout.
func (s *RedisStore) withConn(ctx context.Context, fn func(ctx context.Context, c redis.Conn) (any, error)) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	c, err := s.pool.GetContext(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return fn(ctx, c)
}

func (s *RedisStore) do(ctx context.Context, cmd string, args ...any) (any, error) {
	return s.withConn(ctx, func(ctx context.Context, c redis.Conn) (any, error) { return redis.DoContext(c, ctx, cmd, args...) })
}

// Use implements Store: SET NX is atomic, so of two replicas that see the same
// code at once exactly one wins.
func (s *RedisStore) Use(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	reply, err := s.do(ctx, "SET", s.prefix+"used:"+id, "1", "NX", "PX", max(ttl.Milliseconds(), 1))
	if err != nil {
		return false, err
	}
	return reply != nil, nil // nil: the key existed
}

// rotateScript moves a grant's current refresh token id atomically (GET and
// SET in one step, so of two replicas refreshing with the same token exactly
// one wins); ARGV[1] "" starts the chain (SET NX).
var rotateScript = redis.NewScript(1, `
if ARGV[1] == "" then
  if redis.call("SET", KEYS[1], ARGV[2], "NX", "PX", ARGV[3]) then return 1 end
  return 0
end
if redis.call("GET", KEYS[1]) == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
return 0`)

// Rotate implements Store.
func (s *RedisStore) Rotate(ctx context.Context, grant, from, to string, ttl time.Duration) (bool, error) {
	n, err := redis.Int(s.withConn(ctx, func(ctx context.Context, c redis.Conn) (any, error) {
		return rotateScript.DoContext(ctx, c, s.prefix+"refresh:"+grant, from, to, max(ttl.Milliseconds(), 1))
	}))
	return n == 1, err
}

// Revoke implements Store.
func (s *RedisStore) Revoke(ctx context.Context, grant string, ttl time.Duration) error {
	_, err := s.do(ctx, "SET", s.prefix+"revoked:"+grant, "1", "PX", max(ttl.Milliseconds(), 1))
	return err
}

// Revoked implements Store.
func (s *RedisStore) Revoked(ctx context.Context, grant string) (bool, error) {
	n, err := redis.Int(s.do(ctx, "EXISTS", s.prefix+"revoked:"+grant))
	return n == 1, err
}
