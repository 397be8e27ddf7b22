// Plays the person in a real browser: headless Chromium opens the authorize
// URL given as the argument (the sandbox's login page), checks the demo
// account is filled in, submits the form and waits for the callback page.
// Prints one JSON line: the final page's address, title and message.
'use strict';
const { run } = require('./chromium-page.cjs');

run('node chromium-login.cjs <authorize-url>', async (page) => {
  const email = await page.inputValue('#email');
  if (!email) throw new Error('the login form has no email filled in');
  await Promise.all([
    page.waitForURL(/\/callback\/done$/, { timeout: 30000 }),
    page.click('#login'),
  ]);
  return {
    url: page.url(),
    title: await page.textContent('#title'),
    message: await page.textContent('#message'),
    email,
  };
});
