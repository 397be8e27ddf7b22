//go:build !race

package server

// edgeLoadRace scales the load and memory tests down under the race detector,
// which slows every call several times and inflates memory.
const edgeLoadRace = false
