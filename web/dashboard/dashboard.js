// Dashboard for the bitcoin-ltl edge API: market, network and sentiment; a health view (services,
// breakers, cache tiers, alerts); a performance view (latency percentiles, hit rates, uPlot charts
// from the bounded history). Plain DOM code; the edge worker serves it with a strict CSP, so
// nothing here uses inline scripts or style attributes in markup.
// This entry module polls and wires the views. The views and helpers are its sibling modules in
// web/dashboard/, served under /dashboard/ (the list is in web/http/assets.js).
import { Panel } from '/dashboard/api.js';
import { renderHistory } from '/dashboard/charts.js';
import { byId, tickAges } from '/dashboard/dom.js';
import { formatDuration, formatNumber } from '/dashboard/format.js';
import { clearHealth, renderAlerts, renderHealth } from '/dashboard/health.js';
import {
  clearMarket, clearNetwork, clearQuote, clearSentiment, renderBlocks, renderMarket, renderNetwork, renderQuote, renderSentiment,
} from '/dashboard/overview.js';
import { renderMetrics, renderReport } from '/dashboard/performance.js';

// ---- timing ----

const DEFAULT_REFRESH_MS = 5000;
const MIN_REFRESH_MS = 1000;
const MAX_REFRESH_MS = 60000;
const MAX_BACKOFF_MS = 60000;
const BACKOFF_JITTER = 0.1; // ± share of the delay, so many open dashboards do not retry in step
const TICK_MS = 1000;
const STALE_AFTER_REFRESHES = 3; // data older than this many refresh periods is flagged stale

/** ?refresh=<seconds> (1–60) shortens or lengthens the poll period; anything else keeps 5 s. */
function refreshPeriodFromUrl() {
  const seconds = Number(new URLSearchParams(location.search).get('refresh'));
  if (!Number.isFinite(seconds) || seconds <= 0) return DEFAULT_REFRESH_MS;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Math.round(seconds * 1000)));
}

const REFRESH_MS = refreshPeriodFromUrl();
const STALE_AFTER_MS = STALE_AFTER_REFRESHES * REFRESH_MS;
const VIEWS = ['overview', 'health', 'performance'];

const currencySelect = byId('currency');

// ---- the panels ----

const panels = {
  price: new Panel({
    path: () => `/api/v1/price?currency=${encodeURIComponent(currencySelect.value)}`,
    render: renderQuote, clear: clearQuote, errorElement: byId('error'), root: byId('price-panel'),
  }),
  market: new Panel({
    path: () => `/api/v1/market?currency=${encodeURIComponent(currencySelect.value)}`,
    render: renderMarket, clear: clearMarket, errorElement: byId('market-error'), root: byId('market-panel'),
  }),
  network: new Panel({ path: () => '/api/v1/network', render: renderNetwork, clear: clearNetwork, errorElement: byId('network-error'), root: byId('network-panel') }),
  sentiment: new Panel({ path: () => '/api/v1/sentiment', render: renderSentiment, clear: clearSentiment, errorElement: byId('sentiment-error'), root: byId('sentiment-panel') }),
  blocks: new Panel({ path: () => '/api/v1/blocks', render: renderBlocks, errorElement: byId('blocks-error'), root: byId('blocks-panel') }),
  health: new Panel({ path: () => '/api/v1/health', render: renderHealth, clear: clearHealth, errorElement: byId('health-error'), root: byId('view-health') }),
  alerts: new Panel({ path: () => '/api/v1/alerts', render: renderAlerts, errorElement: byId('alerts-error') }),
  metrics: new Panel({ path: () => '/api/v1/metrics.json', render: renderMetrics, errorElement: byId('performance-error'), root: byId('view-performance') }),
  history: new Panel({ path: () => '/api/v1/history', render: renderHistory, errorElement: byId('history-error') }),
  report: new Panel({ path: () => '/api/v1/report', render: renderReport, errorElement: null }),
};

// Price first within the overview, so what it caused is already in the rest. Health is always
// polled: the header shows the overall status on every view.
const VIEW_PANELS = {
  overview: [['price', 'market'], ['network', 'sentiment', 'blocks', 'health']],
  health: [['health', 'alerts']],
  performance: [['metrics', 'history', 'report', 'health']],
};

// ---- views ----

function currentView() {
  const view = location.hash.replace(/^#/, '');
  return VIEWS.includes(view) ? view : 'overview';
}

function showView(view) {
  for (const section of document.querySelectorAll('main > .view')) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll('.views-nav a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
}

// ---- polling with backoff, and the live/stale indicator ----

const live = { lastSuccessAt: 0, lastAttemptAt: 0, failures: 0, nextAt: 0, timer: 0, running: false, rerun: false };

function backoffDelay(failures) {
  if (failures === 0) return REFRESH_MS;
  const delay = Math.min(MAX_BACKOFF_MS, REFRESH_MS * 2 ** failures);
  return Math.round(delay * (1 - BACKOFF_JITTER + Math.random() * 2 * BACKOFF_JITTER));
}

async function refreshView(view) {
  let ok = true;
  for (const group of VIEW_PANELS[view]) {
    const results = await Promise.all(group.map((name) => panels[name].refresh()));
    ok = ok && results.every(Boolean);
  }
  return ok;
}

async function runRefresh() {
  live.running = true;
  clearTimeout(live.timer);
  const view = currentView();
  live.lastAttemptAt = Date.now();
  let ok = false;
  try {
    ok = await refreshView(view);
  } finally {
    live.running = false;
  }
  live.failures = ok ? 0 : live.failures + 1;
  if (ok) {
    live.lastSuccessAt = Date.now();
    byId('updated').textContent = new Date(live.lastSuccessAt).toLocaleTimeString();
    byId('updated').dateTime = new Date(live.lastSuccessAt).toISOString();
  }
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
  if (live.rerun) {
    live.rerun = false;
    return runRefresh();
  }
  const delay = backoffDelay(live.failures);
  live.nextAt = Date.now() + delay;
  if (!document.hidden) live.timer = setTimeout(requestRefresh, delay);
  renderLive();
}

/** Refreshes now; if a refresh is running, once more right after it. */
function requestRefresh() {
  if (live.running) {
    live.rerun = true;
    return;
  }
  runRefresh();
}

function renderLive() {
  const now = Date.now();
  const element = byId('live');
  let state;
  let label;
  let detail = '';
  const since = live.lastSuccessAt ? formatDuration(now - live.lastSuccessAt) : null;
  const retry = live.nextAt > now ? `retrying in ${formatDuration(live.nextAt - now)}` : 'retrying now';
  if (!live.lastAttemptAt) {
    state = 'connecting';
    label = 'Connecting…';
  } else if (live.failures > 0) {
    const staleData = !live.lastSuccessAt || now - live.lastSuccessAt > STALE_AFTER_MS;
    state = staleData ? 'stale' : 'error';
    label = staleData ? 'Data stale' : 'Update failed';
    detail = `${since ? `last complete update ${since} ago` : 'no complete update yet'} · ${retry}`;
  } else if (now - live.lastSuccessAt > STALE_AFTER_MS) {
    state = 'stale';
    label = 'Data stale';
    detail = `last update ${since} ago`;
  } else {
    state = 'live';
    label = 'Live';
    detail = `updated ${since} ago`;
  }
  element.dataset.state = state;
  const stateElement = byId('live-state');
  if (stateElement.textContent !== label) stateElement.textContent = label; // announced only on change
  byId('live-detail').textContent = detail;
}

// ---- wiring ----

function selectCurrencyFromUrl() {
  const requested = new URLSearchParams(location.search).get('currency')?.toLowerCase();
  if ([...currencySelect.options].some((option) => option.value === requested)) currencySelect.value = requested;
}

currencySelect.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('currency', currencySelect.value);
  history.replaceState(null, '', url);
  panels.price.reset();
  panels.market.reset();
  byId('price').textContent = 'Loading…';
  Promise.all([panels.price.refresh(), panels.market.refresh()]);
});

window.addEventListener('hashchange', () => {
  const view = currentView();
  showView(view);
  // Move the reading position to the view that just appeared.
  document.querySelector(`#view-${view} .view-heading`)?.focus();
  requestRefresh();
});

// A hidden tab stops polling; coming back refreshes at once.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) clearTimeout(live.timer);
  else requestRefresh();
});

// Wide tables scroll sideways on narrow screens; make that reachable from the keyboard.
for (const scroller of document.querySelectorAll('.table-scroll')) {
  const table = scroller.querySelector('table');
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  const label = table?.getAttribute('aria-labelledby') ?? scroller.closest('section')?.getAttribute('aria-labelledby');
  if (label) scroller.setAttribute('aria-labelledby', label);
}

byId('refresh-seconds').textContent = formatNumber(REFRESH_MS / 1000, 1);
selectCurrencyFromUrl();
showView(currentView());
setInterval(() => {
  tickAges();
  renderLive();
}, TICK_MS);
requestRefresh();