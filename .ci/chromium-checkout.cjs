// Plays the person paying in a real browser: headless Chromium opens the
// Checkout URL given as the argument (the sandbox's Checkout page), checks it
// names an amount, presses Pay and waits for the page to say it is paid.
// Prints one JSON line: the final page's address, amount and state.
// Needs playwright-core on NODE_PATH and CHROMIUM (default /usr/bin/chromium).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: node chromium-checkout.cjs <checkout-url>');
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
    const amount = (await page.textContent('#amount')) || '';
    if (!/USD/.test(amount)) throw new Error('the Checkout page names no amount');
    await Promise.all([
      page.waitForSelector('#state[data-state="paid"], #state[data-state="complete"]', { timeout: 30000 }),
      page.click('#pay'),
    ]);
    const out = {
      url: page.url(),
      amount: amount.trim(),
      state: await page.getAttribute('#state', 'data-state'),
      message: await page.textContent('#state'),
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
