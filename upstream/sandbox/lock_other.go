//go:build !unix && !windows

package sandbox

import "os"

// lockFile cannot lock across processes here (plan9, wasm): one process per
// state file; within the process the store's mutex serializes.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
