package tools

import "time"

// SetBrowserWait shortens how long a follow-up browser-login waits; it
// returns the function that restores it.
func SetBrowserWait(d time.Duration) (restore func()) {
	old := browserWait
	browserWait = d
	return func() { browserWait = old }
}
