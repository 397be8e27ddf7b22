// Real OAuth clients against `http --oauth --sandbox`, from a bare URL to a
// tool call: the TypeScript SDK's auth() with an OAuthClientProvider, through
// dynamic registration (RFC 7591) and through a Client ID Metadata Document
// served here over https; the login and consent pages are driven either with
// plain form posts (mode "forms") or by headless Chromium through
// playwright-core (mode "chromium").
//
//   node oauth-clients.mjs <mcp-url> forms|chromium
//
// Env: DEMO_EMAIL, DEMO_PASSWORD (the sandbox's demo account); for the CIMD
// run TLS_CERT and TLS_KEY (a certificate for 127.0.0.1 that the server
// trusts through SSL_CERT_FILE); CHROMIUM for the chromium mode.
// Needs @modelcontextprotocol/sdk (and playwright-core) on NODE_PATH... ESM
// ignores NODE_PATH, so the script is run from the directory that has them.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [mcpURL, mode] = process.argv.slice(2);
if (!mcpURL || !['forms', 'chromium'].includes(mode)) throw new Error('usage: node oauth-clients.mjs <mcp-url> forms|chromium');
const email = process.env.DEMO_EMAIL, password = process.env.DEMO_PASSWORD;
const redirectUrl = 'http://127.0.0.1:47913/callback'; // never listened on: the code is read from the redirect
const tokenRE = /\d+\|[A-Za-z0-9]{20,}/; // a ModelsLab (Sanctum) token
const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const check = (ok, what) => { if (!ok) throw new Error('FAILED: ' + what); log('ok:', what); };

// An in-memory OAuthClientProvider, as a desktop client keeps one per server.
class Provider {
  constructor(name, metadataUrl) {
    this.name = name;
    this.clientMetadataUrl = metadataUrl; // undefined: dynamic registration
    this._tokens = undefined; this._client = undefined; this._verifier = undefined; this.authURL = undefined;
  }
  get redirectUrl() { return redirectUrl; }
  get clientMetadata() {
    return { client_name: this.name, redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() { return 'state-' + Math.random().toString(36).slice(2); }
  clientInformation() { return this._client; }
  saveClientInformation(c) { this._client = c; }
  tokens() { return this._tokens; }
  saveTokens(t) { this._tokens = t; }
  redirectToAuthorization(u) { this.authURL = new URL(u); }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
}

// A browser made of fetch and a cookie jar: follows nothing by itself.
class FormBrowser {
  constructor() { this.jar = new Map(); }
  async go(url, body) {
    const headers = { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: body ? 'POST' : 'GET', headers, body: body && new URLSearchParams(body), redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [kv, ...attrs] = c.split(';');
      const [k, v] = kv.split('=');
      if (attrs.some((a) => /max-age=-1|max-age=0/i.test(a.trim())) || v === '') this.jar.delete(k.trim()); else this.jar.set(k.trim(), v);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
}
const hidden = (html) => Object.fromEntries([...html.matchAll(/name="(csrf|req)" value="([^"]*)"/g)]
  .map((m) => [m[1], m[2].replaceAll('&#43;', '+').replaceAll('&amp;', '&')]));

// The person, with form posts: login page -> consent page -> back to the client.
async function personWithForms(authURL, clientName) {
  const b = new FormBrowser();
  const page = await b.go(authURL.href);
  check(page.status === 200 && page.text.includes(clientName), `${clientName}: login page names the client`);
  const login = await b.go(new URL('/oauth/login', authURL).href, { ...hidden(page.text), email, password });
  check(login.status === 303 && login.location === '/oauth/consent', `${clientName}: ModelsLab accepted the password`);
  const consent = await b.go(new URL('/oauth/consent', authURL).href);
  check(consent.text.includes('127.0.0.1:47913') && consent.text.includes('profile:read'), `${clientName}: consent page names the redirect host and the scopes`);
  const back = await b.go(new URL('/oauth/consent', authURL).href, { ...hidden(consent.text), decision: 'allow' });
  return new URL(back.location);
}

// The person, in headless Chromium: the client's redirect lands on a port
// nobody listens on, so it is caught as a request instead.
async function personWithChromium(authURL, clientName, viaSite) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-oauth-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    let back;
    await page.route(redirectUrl.replace(/\/callback$/, '/**'), (route) => { back = new URL(route.request().url()); route.fulfill({ status: 200, body: 'done' }); });
    await page.goto(authURL.href, { waitUntil: 'domcontentloaded' });
    check((await page.textContent('#client')) === clientName, `${clientName}: Chromium shows the login page`);
    if (viaSite) {
      await Promise.all([page.waitForURL(/modelslab-cli\/oauth\/authorize/), page.click('#site')]);
      // The sandbox plays ModelsLab's site: its form comes with the demo account filled in.
      await Promise.all([page.waitForURL(/\/oauth\/consent$/), page.click('#login')]);
    } else {
      await page.fill('#email', email);
      await page.fill('#password', password);
      await page.click('#login');
      await page.waitForLoadState('domcontentloaded');
      if (!/\/oauth\/consent$/.test(page.url())) throw new Error('no consent page after the login: ' + page.url() + ': ' + (await page.textContent('body')));
    }
    check((await page.textContent('#client')) === clientName, `${clientName}: Chromium shows the consent page`);
    await page.click('#allow');
    for (let i = 0; i < 100 && !back; i++) await new Promise((r) => setTimeout(r, 100));
    check(!!back, `${clientName}: Chromium was sent back to the client's redirect URI`);
    return back;
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function connect(provider) {
  const client = new Client({ name: provider.name, version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpURL), { authProvider: provider }));
  return client;
}

async function flow(name, metadataUrl, viaSite) {
  const provider = new Provider(name, metadataUrl);
  // 1. A bare URL: connecting meets the 401, the SDK discovers, registers and
  //    asks for the person's authorization.
  let err;
  try { await connect(provider); } catch (e) { err = e; }
  check(err instanceof UnauthorizedError && provider.authURL, `${name}: first connect gets 401 and an authorization URL`);
  if (metadataUrl) check(provider.authURL.searchParams.get('client_id') === metadataUrl, `${name}: client_id is the metadata document URL (CIMD)`);
  else check(provider.clientInformation().client_id.startsWith('mla_cid.'), `${name}: registered dynamically (RFC 7591)`);
  check(provider.authURL.searchParams.get('code_challenge_method') === 'S256', `${name}: PKCE S256`);
  // 2. The person signs in with ModelsLab and allows.
  const back = mode === 'chromium' ? await personWithChromium(provider.authURL, name, viaSite) : await personWithForms(provider.authURL, name);
  check(back.searchParams.get('state') === provider.authURL.searchParams.get('state'), `${name}: state echoed`);
  check(back.searchParams.get('iss') === new URL(mcpURL).origin, `${name}: RFC 9207 iss on the redirect`);
  check(!tokenRE.test(back.href), `${name}: no ModelsLab token in the redirect`);
  // 3. The code for tokens, through the SDK.
  check(await auth(provider, { serverUrl: new URL(mcpURL), authorizationCode: back.searchParams.get('code') }) === 'AUTHORIZED', `${name}: code exchanged`);
  check(!tokenRE.test(JSON.stringify(provider.tokens())), `${name}: the tokens the client holds are this server's, not ModelsLab's`);
  // 4. Tool calls with the issued token.
  const client = await connect(provider);
  const res = await client.callTool({ name: 'agent-profile', arguments: { action: 'get' } });
  check(!res.isError && JSON.stringify(res).includes(email), `${name}: agent-profile get as ${email}`);
  check(!tokenRE.test(JSON.stringify(res)), `${name}: the model sees no ModelsLab token`);
  // 5. Refresh (rotation), then the old refresh token is refused.
  const old = provider.tokens().refresh_token;
  check(await auth(provider, { serverUrl: new URL(mcpURL) }) === 'AUTHORIZED' && provider.tokens().refresh_token !== old, `${name}: refreshed, refresh token rotated`);
  const replay = await fetch(new URL('/oauth/token', mcpURL), { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: old }) });
  check(replay.status === 400, `${name}: the old refresh token is refused`);
  await client.close();
}

// Serves the Client ID Metadata Document over https on 127.0.0.1.
async function serveMetadata() {
  const srv = https.createServer({ cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${srv.address().port}/oauth/client-metadata.json`;
  srv.on('request', (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ client_id: url, client_name: 'SDK client (CIMD)', redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }));
  });
  return { url, close: () => srv.close() };
}

const meta = await serveMetadata();
try {
  await flow('SDK client (DCR)', undefined, false);
  await flow('SDK client (CIMD)', meta.url, false);
  if (mode === 'chromium') await flow('SDK client (site)', undefined, true);
} finally {
  meta.close();
}
log(`all ${mode} flows passed`);
