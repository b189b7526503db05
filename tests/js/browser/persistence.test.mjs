// The package's persistent tier in real Chromium (issue 3): a page imports web/index.js, asks
// for the price through the simulator, and after a reload with the simulator stopped still shows
// the last price, read from IndexedDB and flagged stale with its age. With IndexedDB failing
// (blocked, quota exceeded) the page still answers from memory and health reports the tier degraded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startSimulator } from '../../../scripts/simulator/index.mjs';
import { launchChromium } from '../support/chromium.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = fileURLToPath(new URL('./pages/', import.meta.url));
const SCREENSHOT_DIR = fileURLToPath(new URL('../../../artifacts/screenshots/', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};
const TIMEOUT_MS = 20000;
const DB_NAME = 'bitcoin-ltl-cache'; // web/storage/indexeddb.js DEFAULT_DB_NAME
const PRICE_KEY = 'price:usd';

let server;
let origin;
let browser;
let upstream = null; // where /upstream/* goes; null = unreachable, as when the simulator is down

/**
 * Serves the test page, the files the package imports (web/, wasm/dist/) and /upstream/*, which
 * is forwarded to the simulator: its market routes send no CORS headers, so the page reaches
 * them same-origin. When the upstream is down the connection is dropped without an answer.
 */
async function handle(req, res) {
  const { pathname, search } = new URL(req.url, 'http://localhost');
  if (pathname.startsWith('/upstream/')) {
    try {
      if (!upstream) throw new Error('upstream down');
      const answer = await fetch(`${upstream}${pathname.slice('/upstream'.length)}${search}`);
      const headers = Object.fromEntries(answer.headers);
      delete headers['content-encoding'];
      delete headers['content-length'];
      res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.destroy();
    }
    return;
  }
  let file = null;
  const page = /^\/pages\/([\w-]+\.(?:html|js|css))$/.exec(pathname);
  if (page) file = PAGES + page[1];
  else if (/^\/(web|wasm\/dist)\/[\w./-]+$/.test(pathname) && !pathname.includes('..')) file = REPO + pathname.slice(1);
  if (!file) return res.writeHead(404).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}

before(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve());
});

/** A simulator the page reaches through /upstream; its base URLs rewritten to go there. */
async function startUpstream() {
  const sim = await startSimulator({ seed: 7 });
  upstream = sim.url;
  const baseUrls = Object.fromEntries(Object.entries(sim.baseUrls).map(([key, url]) => [key, url.replace(sim.url, `${origin}/upstream`)]));
  return { sim, baseUrls };
}

function pageUrl(config) {
  return `${origin}/pages/persistence.html?config=${encodeURIComponent(JSON.stringify(config))}`;
}

async function openPage(context, config) {
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(pageUrl(config));
  await waitDone(page);
  return { page, pageErrors };
}

async function waitDone(page) {
  await page.waitForFunction(() => document.body.dataset.done === 'true', null, { timeout: TIMEOUT_MS });
  return page.evaluate(() => window.result);
}

/** Resolves once the record for `key` is in the page's IndexedDB (writes never block answers). */
async function waitPersisted(page, key) {
  await page.waitForFunction(async ([dbName, wanted]) => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      if (!db.objectStoreNames.contains('entries')) return false;
      const count = await new Promise((resolve, reject) => {
        const request = db.transaction('entries', 'readonly').objectStore('entries').count(wanted);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return count === 1;
    } finally {
      db.close();
    }
  }, [DB_NAME, key], { timeout: TIMEOUT_MS, polling: 100 });
}

// One provider and no retries keep the upstream traffic countable; no WebSocket in these tests.
const BASE_CONFIG = { PRICE_PROVIDERS: 'coingecko', RETRY_MAX_ATTEMPTS: '1', REALTIME_ENABLED: 'false' };

test('a reload within the TTL answers from IndexedDB without calling the upstream', async () => {
  const { sim, baseUrls } = await startUpstream();
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, locale: 'en-US' });
  try {
    const config = { ...baseUrls, ...BASE_CONFIG, CACHE_TTL_PRICE: '60000' };
    const { page, pageErrors } = await openPage(context, config);
    const first = await page.evaluate(() => window.result.quote);
    assert.equal(first.cache, 'origin');
    assert.equal(first.source, 'coingecko');
    assert.equal(first.stale, false);
    await waitPersisted(page, PRICE_KEY);
    const upstreamCalls = sim.counts().routes['coingecko.simple_price'];
    assert.equal(upstreamCalls, 1);

    await page.reload();
    const { quote, health } = await waitDone(page);
    assert.equal(quote.cache, 'indexeddb');
    assert.equal(quote.stale, false);
    assert.equal(quote.price, first.price);
    assert.equal(quote.fetched_at, first.fetched_at);
    assert.equal(quote.expires_at, first.expires_at, 'the memory tier is backfilled with the remaining TTL');
    assert.equal(sim.counts().routes['coingecko.simple_price'], upstreamCalls, 'no upstream call after the reload');
    assert.equal(await page.textContent('#cache'), 'indexeddb');
    assert.equal(await page.isHidden('#stale'), true);
    const tier = health.cache_tiers.find((t) => t.name === 'indexeddb');
    assert.equal(tier?.status, 'healthy', JSON.stringify(health.cache_tiers));
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
    upstream = null;
    await sim.close();
  }
});

test('after a reload with the simulator stopped, the last price comes from IndexedDB flagged stale with its age', async () => {
  const { sim, baseUrls } = await startUpstream();
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, locale: 'en-US' });
  let simClosed = false;
  try {
    // Fresh for 1 s, no stale-while-revalidate: past the TTL a failed origin means stale-if-error.
    const config = { ...baseUrls, ...BASE_CONFIG, CACHE_TTL_PRICE: '1000', CACHE_SWR_PRICE: '0' };
    const { page, pageErrors } = await openPage(context, config);
    const first = await page.evaluate(() => window.result.quote);
    assert.equal(first.cache, 'origin');
    assert.ok(first.price > 0);
    await waitPersisted(page, PRICE_KEY);

    upstream = null;
    await sim.close();
    simClosed = true;
    // The simulated CoinGecko sends max-age=60 like the real one, and the core's XHR goes through
    // the browser's HTTP cache: empty it, or the reload would never reach the (dead) upstream.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    await cdp.detach();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the 1 s TTL

    await page.reload();
    const { quote, health } = await waitDone(page);
    assert.equal(quote.cache, 'indexeddb');
    assert.equal(quote.stale, true);
    assert.equal(quote.price, first.price);
    assert.equal(quote.source, 'coingecko');
    assert.equal(quote.fetched_at, first.fetched_at);
    assert.ok(quote.age_ms >= 1500, `age ${quote.age_ms} ms`);
    assert.equal(typeof quote.stale_reason?.category, 'string', JSON.stringify(quote));
    assert.match(quote.stale_reason.message, /coingecko|network|connect|fail/i);

    // What the user sees: the old price, flagged, with its age and why.
    assert.equal(Number(await page.getAttribute('#price', 'data-value')), first.price);
    assert.equal(await page.isVisible('#stale'), true);
    assert.equal(await page.textContent('#cache'), 'indexeddb');
    const age = await page.textContent('#age');
    assert.match(age, /^\d+ s$/);
    assert.ok(Number.parseInt(age, 10) >= 1, age);
    assert.match(await page.textContent('#stale-reason'), /^Stale because the upstream failed: \w+: .+/);
    assert.equal(await page.textContent('#status'), 'Showing the last known price (stale)');
    assert.ok(health.cache_tiers.some((t) => t.name === 'indexeddb'));
    await page.screenshot({ path: `${SCREENSHOT_DIR}persistence-stale-after-reload.png`, fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
    upstream = null;
    if (!simClosed) await sim.close();
  }
});

/** Polls the page's client until health() reports the IndexedDB tier as not healthy. */
async function waitTierDegraded(page) {
  await page.waitForFunction(async () => {
    const health = await window.ltl.health();
    return health.cache_tiers.some((t) => t.name === 'indexeddb' && t.status !== 'healthy');
  }, null, { timeout: TIMEOUT_MS, polling: 200 });
  return page.evaluate(() => window.ltl.health());
}

test('IndexedDB blocked: the page answers from memory and health shows the tier degraded', async () => {
  const { sim, baseUrls } = await startUpstream();
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, locale: 'en-US' });
  try {
    // As if the browser refused storage (blocked by settings, a broken profile): open() throws.
    await context.addInitScript(() => {
      IDBFactory.prototype.open = function open() {
        throw new DOMException('IndexedDB blocked by the test', 'InvalidStateError');
      };
    });
    const config = { ...baseUrls, ...BASE_CONFIG, CACHE_TTL_PRICE: '60000' };
    const { page, pageErrors } = await openPage(context, config);
    const { quote } = await page.evaluate(() => window.result);
    assert.equal(quote.cache, 'origin');
    assert.ok(quote.price > 0);

    const again = await page.evaluate(() => window.ltl.price('usd'));
    assert.equal(again.cache, 'memory');
    assert.equal(again.price, quote.price);
    assert.equal(sim.counts().routes['coingecko.simple_price'], 1);

    const health = await waitTierDegraded(page);
    const tier = health.cache_tiers.find((t) => t.name === 'indexeddb');
    assert.equal(tier.status, 'degraded', JSON.stringify(tier));
    assert.ok(tier.failures >= 1, JSON.stringify(tier));
    assert.equal(health.cache_tiers.find((t) => t.name === 'memory').status, 'healthy');
    assert.equal(health.services.cache.status, 'degraded', JSON.stringify(health.services.cache));
    assert.ok(['degraded', 'unhealthy'].includes(health.status));

    await page.evaluate(() => window.refreshHealth());
    assert.equal(await page.getAttribute('#cache-service', 'data-status'), 'degraded');
    assert.equal(await page.getAttribute('#tiers tr[data-tier="indexeddb"]', 'data-status'), 'degraded');
    await page.screenshot({ path: `${SCREENSHOT_DIR}persistence-indexeddb-blocked.png`, fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
    upstream = null;
    await sim.close();
  }
});

test('IndexedDB quota exceeded on write: answers keep coming from memory, the tier turns degraded', async () => {
  const { sim, baseUrls } = await startUpstream();
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, locale: 'en-US' });
  try {
    await context.addInitScript(() => {
      IDBObjectStore.prototype.put = function put() {
        throw new DOMException('quota exceeded (test)', 'QuotaExceededError');
      };
    });
    const config = { ...baseUrls, ...BASE_CONFIG, CACHE_TTL_PRICE: '60000' };
    const { page, pageErrors } = await openPage(context, config);
    const { quote } = await page.evaluate(() => window.result);
    assert.equal(quote.cache, 'origin');

    const health = await waitTierDegraded(page);
    const tier = health.cache_tiers.find((t) => t.name === 'indexeddb');
    assert.equal(tier.status, 'degraded', JSON.stringify(tier));
    assert.match(tier.reason, /quota/i, JSON.stringify(tier));
    await page.evaluate(() => window.refreshHealth());
    await page.screenshot({ path: `${SCREENSHOT_DIR}persistence-indexeddb-quota.png`, fullPage: true });
    assert.equal(health.services.cache.status, 'degraded');

    const again = await page.evaluate(() => window.ltl.price('usd'));
    assert.equal(again.cache, 'memory');
    assert.equal(again.price, quote.price);
    assert.equal(sim.counts().routes['coingecko.simple_price'], 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
    upstream = null;
    await sim.close();
  }
});
