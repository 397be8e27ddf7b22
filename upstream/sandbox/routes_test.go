package sandbox

import (
	"strings"
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// Every endpoint of the client's contract table has a sandbox route with the
// same method, so the sandbox plays all of it.
func TestEveryContractEndpointIsRouted(t *testing.T) {
	s := New(Options{Empty: true})
	for _, ep := range upstream.Endpoints() {
		segs := strings.Split(strings.TrimPrefix(ep.Path, "/"), "/")
		for i, seg := range segs {
			switch {
			case seg == "{id}" && (strings.HasPrefix(ep.Path, "/models") || strings.HasPrefix(ep.Path, "/billing") || strings.HasPrefix(ep.Path, "/payments")):
				segs[i] = "x_1"
			case seg == "{id}":
				segs[i] = "1"
			case seg == "{invite_id}":
				segs[i] = "123e4567-e89b-42d3-a456-426614174000"
			}
		}
		rt, vals, _ := match(s.routeTable, ep.Method, strings.Join(segs, "/"))
		if rt == nil {
			t.Errorf("%s %s: no sandbox route", ep.Method, ep.Path)
			continue
		}
		c := &call{}
		if !c.parseParams(rt, vals) {
			t.Errorf("%s %s: the sandbox refuses the sample parameters %v", ep.Method, ep.Path, vals)
		}
	}
}

// The money state (ledger, invoices, catalogue use) is built on first use,
// not by New: a server that never touches billing does not pay for it.
func TestMoneyStateIsLazy(t *testing.T) {
	s := New(Options{Seed: 1})
	for _, u := range s.users {
		if u.money != nil {
			t.Fatalf("%s has money state after New", u.email)
		}
	}
	demo := s.byEmail[demoEmail]
	s.mu.Lock()
	m := s.moneyOf(demo)
	s.mu.Unlock()
	if demo.balance != 25 || len(m.ledger) != 11 || len(m.invoices) != 3 || m.findSub(s.Demo().SubscriptionID) == nil {
		t.Errorf("demo money: balance %v, %d ledger entries, %d invoices", demo.balance, len(m.ledger), len(m.invoices))
	}
}
