package tools

import "time"

// SetBrowserWait shortens how long a follow-up browser-login waits; it
// returns the function that restores it.
func SetBrowserWait(d time.Duration) (restore func()) {
	old := browserWait
	browserWait = d
	return func() { browserWait = old }
}

// SetCheckoutPoll shortens how often and how long a Checkout is polled; it
// returns the function that restores both.
func SetCheckoutPoll(every, atMost time.Duration) (restore func()) {
	oldEvery, oldWait := checkoutPoll, checkoutWait
	checkoutPoll, checkoutWait = every, atMost
	return func() { checkoutPoll, checkoutWait = oldEvery, oldWait }
}
