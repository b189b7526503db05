// The dashboard in headless Chromium, served by the edge worker (workerd) against the simulator:
// market/network panels, the health and performance views with uPlot charts, a provider fault
// that opens a breaker, backoff while the API is unreachable, no console or CSP errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../scripts/serve.mjs';
import { launchChromium } from '../support/chromium.mjs';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../../artifacts/screenshots/', import.meta.url));
const TIMEOUT_MS = 20000;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 390, height: 844 };
// A one-second poll (the dashboard's ?refresh=) and a one-second metrics history keep this quick.
const FAST = '?refresh=1';

let server;
let browser;

before(async () => {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  server = await startServer({
    sim: true,
    port: 0,
    // CoinGecko's free-tier pace (10/min) would make the many cache misses here wait for tokens.
    env: { PERFORMANCE_INTERVAL: '1000', BREAKER_CONSECUTIVE_FAILURES: '3', COINGECKO_RATE_PER_MIN: '600', REALTIME_ENABLED: 'false' },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function api(path) {
  const response = await fetch(new URL(path, server.url));
  return response.json();
}

/** A page that records script errors, console errors and CSP violations. */
async function openDashboard(viewport, path = `/${FAST}`) {
  const page = await browser.newPage({ viewport, locale: 'en-US' });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(new URL(path, server.url).href);
  return { page, pageErrors };
}

async function assertClean(page, pageErrors) {
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(pageErrors, []);
}

/** health.breakers as [{provider, breaker, limiter}] (the core nests them under `providers`). */
function breakerList(health) {
  const { breakers } = health;
  return Array.isArray(breakers) ? breakers : Object.values(breakers?.providers ?? {});
}

const breakerState = (health, provider) => breakerList(health).find((b) => b.provider === provider)?.breaker.state;

const number = (text) => Number(String(text).replace(/[^\d.-]/g, ''));

async function waitForPrice(page) {
  await page.waitForFunction(() => {
    const price = document.querySelector('#price');
    return /\d/.test(price.textContent) && Number(price.dataset.value) > 0;
  }, null, { timeout: TIMEOUT_MS });
}

/** Waits for `count` more completed refresh rounds of the dashboard. */
async function waitForRefreshes(page, count = 1) {
  const start = await page.evaluate(() => Number(document.body.dataset.refreshes ?? 0));
  await page.waitForFunction((target) => Number(document.body.dataset.refreshes ?? 0) >= target, start + count, { timeout: TIMEOUT_MS });
}

async function screenshot(page, name) {
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

test('market and network panels: price with provenance, consensus, network in stated units, sentiment', async () => {
  const { page, pageErrors } = await openDashboard(WIDE);
  try {
    await waitForPrice(page);
    assert.equal(await page.textContent('#source'), 'coingecko');
    assert.equal(await page.inputValue('#currency'), 'usd');
    assert.equal(await page.isHidden('#error'), true);
    assert.equal(await page.isHidden('#stale'), true);
    assert.match(await page.textContent('#age'), /^\d+ s$/);
    assert.notEqual(await page.textContent('#as-of'), '—');
    assert.match(await page.textContent('#cache'), /^(origin|memory|cache-api)$/);
    assert.equal(await page.getAttribute('#price', 'aria-live'), 'polite');
    const quote = await api('/api/v1/price?currency=usd');
    const shownPrice = Number(await page.getAttribute('#price', 'data-value'));
    assert.ok(Math.abs(shownPrice - quote.price) / quote.price < 0.01, `shown ${shownPrice}, API ${quote.price}`);

    // Consensus: every provider listed with its deviation, none an outlier on the simulator.
    await page.waitForFunction(() => document.querySelectorAll('#market-providers tbody tr[data-provider]').length > 0, null, { timeout: TIMEOUT_MS });
    const market = await api('/api/v1/market?currency=usd');
    const listed = await page.$$eval('#market-providers tbody tr', (rows) => rows.map((row) => row.dataset.provider));
    assert.deepEqual(listed.sort(), market.providers.map((p) => p.provider).sort());
    assert.equal(await page.textContent('#market-count'), String(market.provider_count));
    assert.equal(await page.textContent('#market-outliers'), 'none');
    assert.match(await page.textContent('#market-spread'), /^\d[\d.,]* %$/);

    // Network: tip, fees in sat/vB, hashrate converted from H/s to EH/s, halving countdown.
    await page.waitForFunction(() => /\d/.test(document.querySelector('#tip-height').textContent), null, { timeout: TIMEOUT_MS });
    const [tip, hashrate] = [await api('/api/v1/blocks/tip'), await api('/api/v1/hashrate')];
    assert.ok(Math.abs(number(await page.textContent('#tip-height')) - tip.height) <= 1);
    const hashrateText = await page.textContent('#hashrate');
    assert.match(hashrateText, /^[\d,.]+ EH\/s$/);
    assert.equal(await page.getAttribute('#hashrate abbr', 'title'), 'exahashes per second (10¹⁸ hashes per second)');
    assert.ok(Math.abs(number(hashrateText) - hashrate.current_hashrate_hs / 1e18) < 0.06, `${hashrateText} vs ${hashrate.current_hashrate_hs} H/s`);
    assert.equal(await page.locator('#fees tbody tr').count(), 5);
    assert.match(await page.textContent('#fees thead'), /sat\/vB/);
    assert.match(await page.textContent('#halving'), /^[\d,]+ \(at height 1,050,000\)$/);
    assert.match(await page.textContent('#mempool'), /tx · [\d.]+ MvB · [\d.]+ BTC in fees$/);
    assert.match(await page.textContent('#difficulty-change'), /%$/);
    assert.equal(await page.isHidden('#network-failed'), true);
    assert.equal(await page.locator('#network-sources li').count(), 5);

    await page.waitForFunction(() => /\d/.test(document.querySelector('#sentiment-value').textContent), null, { timeout: TIMEOUT_MS });
    const sentiment = await api('/api/v1/sentiment');
    assert.equal(await page.textContent('#sentiment-value'), String(sentiment.value));
    assert.equal(await page.textContent('#sentiment-class'), sentiment.classification);
    await page.waitForFunction(() => document.querySelectorAll('#blocks tbody tr').length > 0, null, { timeout: TIMEOUT_MS });
    const blocks = await api('/api/v1/blocks');
    assert.equal(number(await page.textContent('#blocks tbody tr:first-child th')), blocks.blocks[0].height);

    // The live indicator says the data is current.
    await page.waitForFunction(() => document.querySelector('#live').dataset.state === 'live', null, { timeout: TIMEOUT_MS });
    assert.match(await page.textContent('#live-detail'), /^updated \d+ s ago$/);
    await screenshot(page, 'dashboard');
    await page.setViewportSize(NARROW);
    await screenshot(page, 'dashboard-mobile');
    await assertClean(page, pageErrors);
  } finally {
    await page.close();
  }
});

test('switches currency and keeps the choice in the URL', async () => {
  const { page, pageErrors } = await openDashboard(NARROW);
  try {
    await waitForPrice(page);
    await page.selectOption('#currency', 'eur');
    await page.waitForFunction(() => /€/.test(document.querySelector('#price').textContent), null, { timeout: TIMEOUT_MS });
    await waitForPrice(page);
    await page.waitForFunction(() => /€/.test(document.querySelector('#market-price').textContent), null, { timeout: TIMEOUT_MS });
    assert.equal(new URL(page.url()).searchParams.get('currency'), 'eur');
    await assertClean(page, pageErrors);
  } finally {
    await page.close();
  }
});

test('shows an API error instead of a price in another currency', async () => {
  const { page } = await openDashboard(WIDE, `/${FAST}&currency=gbp`);
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
    await screenshot(page, 'dashboard-error');
  } finally {
    await page.close();
  }
});

test('a network summary with a failed part names it and keeps the other parts', async () => {
  const { page, pageErrors } = await openDashboard(NARROW);
  try {
    // The worker's own answer with the difficulty part failed, as the core reports it.
    await page.route('**/api/v1/network', async (route) => {
      const answer = await (await route.fetch()).json();
      answer.difficulty = null;
      answer.failed_parts = [{ part: 'difficulty', error: { category: 'upstream_5xx', message: 'mempool answered HTTP 503' } }];
      await route.fulfill({ status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(answer) });
    });
    await page.waitForSelector('#network-failed:not([hidden])', { timeout: TIMEOUT_MS });
    assert.match(await page.textContent('#network-failed-list li[data-part="difficulty"]'), /difficulty: upstream_5xx mempool answered HTTP 503/);
    assert.equal(await page.textContent('#difficulty-change'), '—');
    assert.match(await page.textContent('#network-sources li[data-part="difficulty"]'), /failed/);
    assert.match(await page.textContent('#tip-height'), /^[\d,]+$/);
    assert.match(await page.textContent('#hashrate'), /EH\/s$/);
    await assertClean(page, pageErrors);
  } finally {
    await page.close();
  }
});

test('consensus: a provider quoting 10 % off the median is named as an outlier', async () => {
  // Kraken's own ticker for CAD with the last trade moved 10 % up; the other three agree.
  const { KRAKEN_API_URL } = server.sim.baseUrls;
  const ticker = await (await fetch(`${KRAKEN_API_URL}/Ticker?pair=XBTCAD`)).json();
  const [pair] = Object.keys(ticker.result);
  const moved = Number(ticker.result[pair].c[0]) * 1.1;
  ticker.result[pair].c[0] = moved.toFixed(1);
  server.sim.setFault('kraken.ticker', { kind: 'body', body: ticker });
  const { page, pageErrors } = await openDashboard(WIDE, `/${FAST}&currency=cad`);
  try {
    await page.waitForSelector('#market-providers tr[data-provider="kraken"]', { timeout: TIMEOUT_MS });
    assert.equal(await page.textContent('#market-outliers'), 'kraken');
    assert.equal(await page.getAttribute('#market-providers tr[data-provider="kraken"]', 'class'), 'outlier');
    const deviation = await page.textContent('#market-providers tr[data-provider="kraken"] td:nth-of-type(2)');
    assert.match(deviation, /^\+\d+(\.\d+)? %$/);
    assert.ok(number(deviation) > 9 && number(deviation) < 11, deviation);
    assert.equal(await page.textContent('#market-providers tr[data-provider="kraken"] .status'), 'outlier');
    assert.equal(await page.locator('#market-providers tr.outlier').count(), 1);
    // The spread is the API's (over the quotes that agree), shown to three decimals.
    const market = await api('/api/v1/market?currency=cad');
    assert.deepEqual(market.outliers, ['kraken']);
    const spread = number(await page.textContent('#market-spread'));
    assert.ok(Math.abs(spread - market.spread_pct) < 0.0006, `shown ${spread} %, API ${market.spread_pct} %`);
    assert.match(await page.textContent('#market-price'), /CA\$/);
    await screenshot(page, 'dashboard-outlier');
    await assertClean(page, pageErrors);
  } finally {
    server.sim.clearFaults();
    await page.close();
  }
});

test('health view: every service with status and reason, breaker per provider, cache tiers, alerts', async () => {
  const { page, pageErrors } = await openDashboard(WIDE);
  try {
    await page.click('.views-nav a[data-view="health"]');
    assert.equal(new URL(page.url()).hash, '#health');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'health-heading');
    assert.equal(await page.isVisible('#view-health'), true);
    assert.equal(await page.isHidden('#view-overview'), true);
    assert.equal(await page.getAttribute('.views-nav a[data-view="health"]', 'aria-current'), 'page');
    await page.waitForFunction(() => document.querySelectorAll('#services tbody tr[data-service]').length > 0, null, { timeout: TIMEOUT_MS });
    await page.waitForFunction(() => document.querySelectorAll('#breakers tbody tr[data-provider]').length > 0, null, { timeout: TIMEOUT_MS });

    const health = await api('/api/v1/health');
    const services = await page.$$eval('#services tbody tr', (rows) => rows.map((row) => ({
      name: row.dataset.service,
      status: row.querySelector('.status').dataset.status,
      reason: row.querySelector('.reason').textContent,
    })));
    assert.deepEqual(services.map((s) => s.name).sort(), Object.keys(health.services).sort());
    for (const service of services) {
      assert.ok(['healthy', 'degraded', 'unhealthy'].includes(service.status), `${service.name}: ${service.status}`);
      assert.ok(service.reason.length > 0, `${service.name} has a reason`);
    }
    assert.match(await page.textContent('#health-status'), /^(healthy|degraded)$/);
    assert.match(await page.textContent('#health-checked'), /^Checked .+ · config version \d+$/);

    // One row per configured provider, each breaker closed while nothing fails.
    const breakers = await page.$$eval('#breakers tbody tr', (rows) => rows.map((row) => ({
      provider: row.dataset.provider,
      state: row.querySelector('.breaker-state').textContent,
    })));
    const expected = breakerList(health).map((b) => b.provider).sort();
    assert.deepEqual(breakers.map((b) => b.provider), expected);
    assert.ok(expected.includes('coingecko') && expected.includes('mempool'));
    for (const breaker of breakers) assert.equal(breaker.state, 'closed', breaker.provider);

    const tiers = await page.$$eval('#cache-tiers tbody tr', (rows) => rows.map((row) => row.dataset.tier));
    assert.deepEqual(tiers, health.cache_tiers.map((tier) => tier.name));
    assert.ok(tiers.includes('memory'));
    assert.equal(await page.isVisible('#alerts-empty'), true);

    await screenshot(page, 'dashboard-health');
    await page.setViewportSize(NARROW);
    await waitForRefreshes(page);
    // Stacked on a phone: each breaker cell carries its column's name.
    assert.equal(await page.getAttribute('#breakers tbody tr[data-provider="coingecko"] td:nth-of-type(1)', 'data-label'), 'Breaker');
    assert.equal(await page.getAttribute('#breakers', 'role'), 'table');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
    await screenshot(page, 'dashboard-health-mobile');
    await assertClean(page, pageErrors);
  } finally {
    await page.close();
  }
});

/** Pixels of the chart's first series colour (#0969da) on its canvas: the line was drawn. */
function seriesPixels(page, chartId) {
  return page.$eval(`#${chartId} canvas`, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 9) < 24 && Math.abs(data[i + 1] - 105) < 24 && Math.abs(data[i + 2] - 218) < 24 && data[i + 3] > 200) count++;
    }
    return count;
  });
}

test('performance view: latency percentiles per provider, hit rates, uPlot charts from the history', async () => {
  // Some traffic first, so every chart has points.
  for (const path of ['/api/v1/price?currency=usd', '/api/v1/market?currency=usd', '/api/v1/network', '/api/v1/price?currency=usd']) await api(path);
  const { page, pageErrors } = await openDashboard(WIDE, `/${FAST}#performance`);
  try {
    await page.waitForFunction(() => document.querySelectorAll('#latency tbody tr[data-provider]').length > 0, null, { timeout: TIMEOUT_MS });
    const metrics = await api('/api/v1/metrics.json');
    const providers = metrics.metrics.find((m) => m.name === 'ltl_breaker_state').samples.map((s) => s.labels.provider).sort();
    const rows = await page.$$eval('#latency tbody tr', (trs) => trs.map((tr) => ({
      provider: tr.dataset.provider,
      attempts: tr.cells[1].textContent,
      p50: tr.querySelector('[data-stat="p50"]').textContent,
      p95: tr.querySelector('[data-stat="p95"]').textContent,
      p99: tr.querySelector('[data-stat="p99"]').textContent,
    })));
    assert.deepEqual(rows.map((r) => r.provider), providers);
    const coingecko = rows.find((r) => r.provider === 'coingecko');
    assert.ok(number(coingecko.attempts) >= 1);
    for (const stat of ['p50', 'p95', 'p99']) assert.match(coingecko[stat], /^[\d,]+(\.\d)?$/, `coingecko ${stat}`);
    assert.ok(number(coingecko.p50) > 0 && number(coingecko.p50) <= number(coingecko.p99));
    assert.match(await page.textContent('#latency thead'), /p50 \(ms\)\s+p95 \(ms\)\s+p99 \(ms\)/);

    // Hit rates (the report's, rendered with it): a row per tier and per key family, as percentages.
    await page.waitForFunction(() => document.querySelector('#hit-rates-tiers tr[data-tier="memory"] .rate'), null, { timeout: TIMEOUT_MS });
    assert.ok(await page.locator('#hit-rates-tiers tr[data-tier="memory"]').count() === 1);
    assert.match(await page.textContent('#hit-rates-tiers tr[data-tier="memory"] .rate'), /^\d+(\.\d)? %$/);
    // The number is the core's report's, shown as it is (the page polls every second).
    const memoryTier = (await api('/api/v1/report')).cache.tiers.find((tier) => tier.tier === 'memory');
    const shown = `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(memoryTier.hit_rate * 100)} %`;
    await page.waitForFunction((text) => document.querySelector('#hit-rates-tiers tr[data-tier="memory"] .rate')?.textContent === text,
      shown, { timeout: TIMEOUT_MS });
    const families = await page.$$eval('#hit-rates-families tr', (trs) => trs.map((tr) => tr.dataset.family));
    assert.ok(families.includes('price') && families.includes('market'), families.join(','));
    assert.ok(await page.locator('#routes tbody tr[data-route="price"]').count() === 1);

    // Charts: a uPlot canvas per chart with series that have points, and the lines drawn.
    await page.waitForFunction(() => ['chart-requests', 'chart-latency', 'chart-hit-rate'].every((id) =>
      Number(document.getElementById(id).dataset.points) > 0 && document.querySelector(`#${id} canvas`)), null, { timeout: TIMEOUT_MS });
    for (const id of ['chart-requests', 'chart-errors', 'chart-latency', 'chart-hit-rate']) {
      assert.equal(await page.locator(`#${id} .uplot canvas`).count(), 1, `${id} canvas`);
      assert.ok(Number(await page.getAttribute(`#${id}`, 'data-series')) > 0, `${id} series`);
    }
    assert.ok(Number(await page.getAttribute('#chart-requests', 'data-points')) > 0);
    assert.equal(await page.getAttribute('#chart-latency', 'data-series'), String(rows.filter((r) => number(r.attempts) > 0).length));
    assert.ok(await seriesPixels(page, 'chart-requests') > 20, 'request rate line drawn');
    assert.ok(await seriesPixels(page, 'chart-hit-rate') > 20, 'hit rate line drawn');
    const hitRates = (await api('/api/v1/history')).cache_hit_rate;
    assert.ok(hitRates.all.some((ratio) => ratio >= 0 && ratio <= 1), 'the core publishes the hit-rate series the chart draws');
    assert.match(await page.getAttribute('#chart-latency .chart-plot', 'aria-label'), /coingecko [\d.,]+/);

    await screenshot(page, 'dashboard-performance');
    await page.setViewportSize(NARROW);
    await waitForRefreshes(page, 2);
    const chartWidth = await page.$eval('#chart-requests canvas', (canvas) => canvas.getBoundingClientRect().width);
    assert.ok(chartWidth <= 390 && chartWidth > 250, `chart follows the narrow width: ${chartWidth}`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
    await screenshot(page, 'dashboard-performance-mobile');
    await assertClean(page, pageErrors);
  } finally {
    await page.close();
  }
});

test('while the API is unreachable the dashboard backs off, keeps the last data flagged, then recovers', async () => {
  const { page } = await openDashboard(WIDE);
  try {
    await waitForPrice(page);
    await page.waitForFunction(() => document.querySelector('#live').dataset.state === 'live', null, { timeout: TIMEOUT_MS });
    const shown = await page.textContent('#price');
    const healthRequests = [];
    await page.route('**/api/v1/**', (route) => {
      if (new URL(route.request().url()).pathname === '/api/v1/health') healthRequests.push(Date.now());
      return route.abort('connectionrefused');
    });
    await page.waitForFunction(() => ['error', 'stale'].includes(document.querySelector('#live').dataset.state), null, { timeout: TIMEOUT_MS });
    assert.match(await page.textContent('#live-detail'), /retrying (in \d+ s|now)/);
    // The last price stays, dimmed and explained.
    assert.equal(await page.textContent('#price'), shown);
    assert.equal(await page.getAttribute('#price-panel', 'data-outdated'), 'true');
    assert.match(await page.textContent('#error'), /network.*Could not reach the API.*showing data received at/);

    // Polls 1 s apart while healthy; after failures about 2 s, then about 4 s apart.
    await page.waitForFunction(() => document.querySelector('#live').dataset.state === 'stale', null, { timeout: TIMEOUT_MS });
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const gaps = healthRequests.slice(1).map((at, i) => at - healthRequests[i]);
    assert.ok(gaps.length >= 2, `gaps ${gaps}`);
    assert.ok(gaps[0] >= 1500, `first retry after ~2 s, gaps ${gaps}`);
    assert.ok(gaps[1] >= gaps[0] * 1.5, `the delay grows, gaps ${gaps}`);
    assert.match(await page.textContent('#live-state'), /Data stale/);

    await page.unrouteAll();
    await page.waitForFunction(() => document.querySelector('#live').dataset.state === 'live', null, { timeout: TIMEOUT_MS });
    assert.equal(await page.getAttribute('#price-panel', 'data-outdated'), null);
    assert.equal(await page.isHidden('#error'), true);
  } finally {
    await page.close();
  }
});

test('a provider fault opens its breaker; the health view shows it and the alert after the next refresh', async () => {
  const { page, pageErrors } = await openDashboard(WIDE, `/${FAST}#health`);
  try {
    await page.waitForSelector('#breakers tbody tr[data-provider="coingecko"][data-state="closed"]', { timeout: TIMEOUT_MS });
    server.sim.setFault('coingecko.*', { kind: 'status', status: 500 });
    // Cache misses in currencies not asked for yet send CoinGecko one request after another;
    // each answer falls back to the next provider.
    for (const currency of ['jpy', 'cad', 'aud', 'chf']) {
      const quote = await api(`/api/v1/price?currency=${currency}`);
      assert.equal(quote.cache, 'origin', currency);
      assert.notEqual(quote.source, 'coingecko', currency);
      assert.ok(quote.failed.some((failure) => failure.provider === 'coingecko'), currency);
      if (breakerState(await api('/api/v1/health'), 'coingecko') === 'open') break;
    }
    assert.equal(breakerState(await api('/api/v1/health'), 'coingecko'), 'open');

    await waitForRefreshes(page);
    await page.waitForSelector('#breakers tbody tr[data-provider="coingecko"][data-state="open"]', { timeout: TIMEOUT_MS });
    assert.equal(await page.textContent('#breakers tr[data-provider="coingecko"] .breaker-state'), 'open');
    assert.match(await page.textContent('#breakers tr[data-provider="coingecko"] td:nth-of-type(2)'), /^in \d+ s$/);
    assert.equal(await page.textContent('#breakers tr[data-provider="coinbase"] .breaker-state'), 'closed');
    assert.equal(await page.getAttribute('#services tr[data-service="upstream"] .status', 'data-status'), 'degraded');
    assert.match(await page.textContent('#services tr[data-service="upstream"] .reason'), /coingecko/);
    assert.equal(await page.textContent('#overall-status'), 'degraded');

    // The monitor samples the breaker gauge each second and raises its alert.
    await page.waitForSelector('#alerts li[data-threshold="breaker_open"]', { timeout: TIMEOUT_MS });
    assert.match(await page.textContent('#alerts li[data-threshold="breaker_open"]'), /warning.*coingecko/);
    assert.equal(await page.isHidden('#alerts-empty'), true);
    await screenshot(page, 'dashboard-health-breaker-open');
    await assertClean(page, pageErrors);
  } finally {
    server.sim.clearFaults();
    await page.close();
  }
});
