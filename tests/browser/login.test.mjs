// The demo's login flow in a real browser: headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core. Run by .ci/run after `cargo build --example demo`:
//
//   cd tests/browser && npm ci && node --test
//
// Screenshots of every step land in target/browser-screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEMO = process.env.DEMO_BIN ?? path.join(ROOT, 'target', 'debug', 'examples', 'demo');
const SHOTS = path.join(ROOT, 'target', 'browser-screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// This machine has no network but loopback: keep Chromium from reaching out.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let demo;
let base;
// The demo's users live in SQLite: a database of this run's own, seeded on start.
const DB_DIR = mkdtempSync(path.join(tmpdir(), 'sesame-browser-'));

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = spawn(DEMO, [], {
    env: {
      ...process.env,
      PORT: '0',
      SECRET_KEY: 'browser test key browser test key 0123456789',
      DATABASE_URL: `sqlite://${path.join(DB_DIR, 'demo.db')}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${DEMO} did not start`)), 30_000);
    demo.on('error', reject);
    demo.on('exit', (code) => reject(new Error(`demo exited with ${code}`)));
    let out = '';
    demo.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
});

after(() => {
  demo?.kill();
  rmSync(DB_DIR, { recursive: true, force: true });
});

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function logIn(page, { remember = false } = {}) {
  await page.fill('input[name=email]', 'foo@bar.tld');
  await page.fill('input[name=pw]', 'secret');
  if (remember) {
    await page.check('input[name=remember]');
  }
  await Promise.all([page.waitForURL(/\/protected$/), page.click('input[type=submit]')]);
}

test('visit, get sent to the login form, log in, log out, get sent back', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/protected`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/protected');
    assert.match(await page.content(), /Please log in to access this page\./);
    assert.equal(await page.inputValue('input[name=next]'), '/protected');
    await screenshot(page, 'redirected-to-login');

    await logIn(page);
    assert.equal(await page.textContent('body'), 'Logged in as: foo@bar.tld');
    await screenshot(page, 'logged-in');

    // The flash was shown once: the login page no longer has it.
    await page.goto(`${base}/login`);
    assert.doesNotMatch(await page.content(), /Please log in/);

    await page.goto(`${base}/logout`);
    assert.equal(await page.textContent('body'), 'Logged out');
    await screenshot(page, 'logged-out');

    await page.goto(`${base}/protected`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await screenshot(page, 'redirected-again');
  } finally {
    await browser.close();
  }
});

test('remember me survives a browser restart, as a non-fresh login', async () => {
  const profile = mkdtempSync(path.join(tmpdir(), 'sesame-profile-'));
  try {
    let context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
    let page = context.pages()[0] ?? await context.newPage();
    await page.goto(`${base}/login`);
    await logIn(page, { remember: true });
    const cookies = await context.cookies(base);
    const remember = cookies.find((c) => c.name === 'remember_token');
    assert.ok(remember, 'a remember cookie');
    assert.ok(remember.httpOnly && remember.sameSite === 'Lax' && remember.expires > Date.now() / 1000);
    await screenshot(page, 'remembered-login');
    await context.close();

    // The browser restarts with the same profile.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
    page = context.pages()[0] ?? await context.newPage();
    // Browser-session cookies do not survive a restart; make sure of it whatever the build.
    await context.clearCookies({ name: 'session' });
    await page.goto(`${base}/protected`);
    assert.equal(await page.textContent('body'), 'Logged in as: foo@bar.tld');
    await screenshot(page, 'restored-after-restart');

    // Restored from the remember cookie: not fresh, so settings ask for the password.
    await page.goto(`${base}/settings`);
    assert.equal(new URL(page.url()).pathname, '/reauth');
    assert.match(await page.content(), /Please reauthenticate to access this page\./);
    await screenshot(page, 'reauth-required');
    await page.fill('input[name=pw]', 'secret');
    await Promise.all([page.waitForURL(/\/settings$/), page.click('input[type=submit]')]);
    assert.equal(await page.textContent('body'), 'Settings for foo@bar.tld');
    await screenshot(page, 'settings-after-reauth');
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
