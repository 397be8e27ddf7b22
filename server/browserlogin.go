package server

import (
	"context"
	"net/url"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools/browserlogin"
	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// localCredentials keep a token for the one local user: what a browser login
// needs, since its token arrives on this machine's loopback, not in a request.
type localCredentials interface {
	AdoptLocal(ctx context.Context, tok upstream.Token) bool
	hasLocalUser() bool
}

// notLocal is what browser-login answers on a server reached over the network.
const notLocal = "it only works when this server runs on the computer where the person's browser runs (stdio, or http listening on 127.0.0.1): " +
	"the ModelsLab page hands the token to a callback on 127.0.0.1, and this server listens beyond loopback, so that callback would be on the wrong machine " +
	"and the token could not be tied to one caller"

// addBrowserLogin sets the browser-login and confirmation parts of the tools' Deps.
func addBrowserLogin(d *tools.Deps, opts Options, creds tools.Credentials) {
	d.Confirm, d.StateKey = opts.ConfirmDestructive, opts.StateKey
	d.BrowserLogin = opts.browserLogin
	if d.BrowserLogin == nil {
		d.BrowserLogin = newBrowserLogin(opts, creds)
	}
	if d.BrowserLogin == nil {
		d.BrowserLoginUnavailable = notLocal
		if opts.oauth {
			d.BrowserLoginUnavailable = "with --oauth the person signs in with ModelsLab when the MCP client connects (its authorization), so no login through the tools is needed"
		}
	}
}

// newBrowserLogin returns the browser-login manager, or nil where credentials
// have no local user to keep the token for (HTTP beyond loopback).
func newBrowserLogin(opts Options, creds tools.Credentials) *browserlogin.Manager {
	if lc, ok := creds.(localCredentials); !ok || !lc.hasLocalUser() {
		return nil
	}
	site := opts.SiteURL
	if site == "" && opts.Client != nil {
		site = siteOf(opts.Client.BaseURL())
	}
	return browserlogin.New(browserlogin.Config{SiteURL: site, Site: opts.Site, Open: opts.OpenBrowser, Logger: opts.Logger})
}

// siteOf is the scheme and host of the base URL (contract §6).
func siteOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return base
	}
	return u.Scheme + "://" + u.Host
}
