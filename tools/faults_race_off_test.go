//go:build !race

package tools_test

// faultRace scales the heavier fault cases down under the race detector,
// which makes every byte copied and every goroutine switch several times slower.
const faultRace = false
