// Plays the person in a real browser: headless Chromium opens the authorize
// URL given as the argument (the sandbox's login page), checks the demo
// account is filled in, submits the form and waits for the callback page.
// Prints one JSON line: the final page's address, title and message.
// Needs playwright-core on NODE_PATH and CHROMIUM (default /usr/bin/chromium).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: node chromium-login.cjs <authorize-url>');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 60000,
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
    const email = await page.inputValue('#email');
    if (!email) throw new Error('the login form has no email filled in');
    await Promise.all([
      page.waitForURL(/\/callback\/done$/, { timeout: 30000 }),
      page.click('#login'),
    ]);
    const out = {
      url: page.url(),
      title: await page.textContent('#title'),
      message: await page.textContent('#message'),
      email,
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
