// The dashboard in headless Chromium, served by the edge worker (workerd) against the simulator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../scripts/serve.mjs';
import { launchChromium } from '../support/chromium.mjs';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../../artifacts/screenshots/', import.meta.url));
const TIMEOUT_MS = 15000;

let server;
let browser;

before(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({ sim: true, port: 0, env: {} });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page that records script errors and console errors (CSP violations show up there). */
async function openDashboard(viewport, path = '/') {
  const page = await browser.newPage({ viewport });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(new URL(path, server.url).href);
  return { page, pageErrors };
}

async function waitForPrice(page) {
  await page.waitForFunction(() => {
    const price = document.querySelector('#price');
    return /\d/.test(price.textContent) && Number(price.dataset.value) > 0;
  }, null, { timeout: TIMEOUT_MS });
}

test('shows the price, its source, health and metrics', async () => {
  const { page, pageErrors } = await openDashboard({ width: 1280, height: 900 });
  try {
    await waitForPrice(page);
    assert.equal(await page.textContent('#source'), 'coingecko');
    assert.equal(await page.inputValue('#currency'), 'usd');
    assert.equal(await page.isHidden('#error'), true);
    assert.equal(await page.isHidden('#stale'), true);
    assert.match(await page.textContent('#age'), /^\d+ s$/);
    assert.notEqual(await page.textContent('#as-of'), '—');
    assert.equal(await page.getAttribute('#price', 'aria-live'), 'polite');

    await page.waitForFunction(
      () => ['healthy', 'degraded', 'unhealthy'].includes(document.querySelector('#health-status').dataset.status),
      null, { timeout: TIMEOUT_MS });
    assert.ok(await page.locator('#health-services li').count() > 0);
    await page.waitForFunction(() => document.querySelector('#metrics').textContent.includes('ltl_'), null, { timeout: TIMEOUT_MS });

    await page.screenshot({ path: `${SCREENSHOT_DIR}dashboard.png`, fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

test('switches currency and keeps the choice in the URL', async () => {
  const { page, pageErrors } = await openDashboard({ width: 390, height: 844 });
  try {
    await waitForPrice(page);
    await page.selectOption('#currency', 'eur');
    await page.waitForFunction(() => /€/.test(document.querySelector('#price').textContent), null, { timeout: TIMEOUT_MS });
    await waitForPrice(page);
    assert.equal(new URL(page.url()).searchParams.get('currency'), 'eur');
    await page.screenshot({ path: `${SCREENSHOT_DIR}dashboard-mobile.png`, fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

test('shows an API error instead of a price', async () => {
  const { page } = await openDashboard({ width: 1280, height: 900 }, '/?currency=gbp');
  try {
    await waitForPrice(page);
    // The API answers errors as JSON; stand in for an outage so it is deterministic.
    await page.route('**/api/v1/price?*', (route) => route.fulfill({
      status: 503,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: { category: 'upstream_5xx', message: 'upstream answered HTTP 503' } }),
    }));
    await page.selectOption('#currency', 'chf');
    await page.waitForSelector('#error:not([hidden])', { timeout: TIMEOUT_MS });
    assert.match(await page.textContent('#error'), /upstream_5xx.*upstream answered HTTP 503/);
    assert.equal(await page.textContent('#price'), '—');
    assert.equal(await page.textContent('#source'), '—');
    await page.screenshot({ path: `${SCREENSHOT_DIR}dashboard-error.png`, fullPage: true });
  } finally {
    await page.close();
  }
});
