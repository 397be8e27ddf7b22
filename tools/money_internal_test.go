package tools

import (
	"strings"
	"testing"
)

func TestLooksLikeCard(t *testing.T) {
	for _, s := range []string{
		"4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "my card: 4000 0566 5566 5556, exp 12/28",
		"378282246310005", "3782 822463 10005", "6011111111111117", "4242424242424242 12 28", "x 4242424242424242 y", "(4242424242424242)", "card:4242424242424242.",
		"30569309025904", "4222222222222",
	} {
		if !looksLikeCard(s) {
			t.Errorf("%q not seen as a card number", s)
		}
	}
	for _, s := range []string{
		"", "4242424242424241", "2026-01-01", "123e4567-e89b-42d3-a456-426614174000", "pm_sandbox_visa_4242",
		"42|AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef12345678", "+49 30 1234 5678", "4242  4242  4242  4242x1",
		"12345678901234567890123", // one run of 23 digits: an id, not a card
		"4242424242", "4242.4242.4242.4242",
		// Luhn-valid runs glued to a word: parts of identifiers (an email, a username).
		"user4242424242424242@example.com", "test+4242424242424242@example.com", "x4242424242424242y", "acct_4242424242424242",
	} {
		if looksLikeCard(s) {
			t.Errorf("%q seen as a card number", s)
		}
	}
	// The keys this server makes never look like one, whatever the amount.
	for _, amt := range []float64{5, 25, 99.99, 10000, 1234567.89} {
		for range 200 {
			a := amt
			if k := newIdempotencyKey("charge-amount", &a); looksLikeCard(k) || !strings.HasPrefix(k, "charge-amount-") {
				t.Fatalf("key %q", k)
			}
		}
	}
}
