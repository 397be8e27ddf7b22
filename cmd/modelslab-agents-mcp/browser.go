package main

import (
	"io"
	"os"
	"runtime"

	"github.com/pkg/browser"
)

// browserOpener returns how browser-login opens the system browser, or nil
// where it must not: --no-browser, or no desktop to show a window on (a
// server, a container, CI).
func browserOpener(cfg *config, stderr io.Writer) func(string) error {
	if cfg.noBrowser || !hasDesktop(os.Getenv) {
		return nil
	}
	// pkg/browser copies the opener's output to os.Stdout by default, which
	// over stdio is the protocol stream.
	browser.Stdout, browser.Stderr = stderr, stderr
	return browser.OpenURL
}

// hasDesktop reports whether a browser window could be shown to the person.
func hasDesktop(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return getenv("SSH_CONNECTION") == ""
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}
