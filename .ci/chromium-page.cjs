// Shared by the Chromium scripts: run(usage, act) opens the URL given as the
// first argument in headless Chromium (a fresh profile, the flags this
// machine's closed network needs), calls act(page, url), prints its result
// as one JSON line, and exits 1 with the error on failure.
// Needs playwright-core on NODE_PATH and CHROMIUM (default /usr/bin/chromium).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function open(url, act) {
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
    return await act(page, url);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

function run(usage, act) {
  const url = process.argv[2];
  const go = url ? open(url, act) : Promise.reject(new Error('usage: ' + usage));
  go.then((out) => process.stdout.write(JSON.stringify(out) + '\n')).catch((err) => {
    process.stderr.write(String(err && err.stack || err) + '\n');
    process.exit(1);
  });
}

module.exports = { run };
