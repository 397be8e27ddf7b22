// Plays the person paying in a real browser: headless Chromium opens the
// Checkout URL given as the argument (the sandbox's Checkout page), checks it
// names an amount, presses Pay and waits for the page to say it is paid.
// Prints one JSON line: the final page's address, amount and state.
'use strict';
const { run } = require('./chromium-page.cjs');

run('node chromium-checkout.cjs <checkout-url>', async (page) => {
  const amount = (await page.textContent('#amount')) || '';
  if (!/USD/.test(amount)) throw new Error('the Checkout page names no amount');
  await Promise.all([
    page.waitForSelector('#state[data-state="paid"], #state[data-state="complete"]', { timeout: 30000 }),
    page.click('#pay'),
  ]);
  return {
    url: page.url(),
    amount: amount.trim(),
    state: await page.getAttribute('#state', 'data-state'),
    message: await page.textContent('#state'),
  };
});
