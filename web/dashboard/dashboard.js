// Dashboard for the bitcoin-ltl edge API: polls price, health and metrics and renders them.
// Plain DOM code with no dependencies; the edge worker serves this file as-is.
const REFRESH_MS = 5000;
const AGE_TICK_MS = 1000;
const METRIC_FIELDS = ['value', 'count', 'p50', 'p95', 'p99'];
const UNITLESS = new Set(['', '1']);

const byId = (id) => document.getElementById(id);
const view = {
  currency: byId('currency'),
  price: byId('price'),
  change: byId('change'),
  stale: byId('stale'),
  error: byId('error'),
  source: byId('source'),
  asOf: byId('as-of'),
  age: byId('age'),
  marketCap: byId('market-cap'),
  volume: byId('volume'),
  healthStatus: byId('health-status'),
  healthServices: byId('health-services'),
  healthError: byId('health-error'),
  metrics: byId('metrics'),
  metricsError: byId('metrics-error'),
  updated: byId('updated'),
};

/** The quote on screen and when it arrived, so its age can tick between refreshes. */
let shownQuote = null;
let shownQuoteReceivedAt = 0;
let latestPriceRequest = 0;

/** An API failure as the dashboard shows it: the API's own category and message when it sent one. */
class ApiFailure extends Error {
  constructor(category, message) {
    super(message);
    this.category = category;
  }
}

async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch {
    throw new ApiFailure('network', 'Could not reach the API');
  }
  const body = await response.json().catch(() => null);
  if (body?.error) throw new ApiFailure(body.error.category ?? 'internal', body.error.message ?? `HTTP ${response.status}`);
  if (body === null) throw new ApiFailure('internal', `Unexpected response (HTTP ${response.status})`);
  return body;
}

function makeElement(tag, text, className) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

function showFailure(element, failure) {
  element.replaceChildren(makeElement('span', failure.category ?? 'internal', 'category'), ' ', makeElement('span', failure.message));
  element.hidden = false;
}

function hideFailure(element) {
  element.hidden = true;
  element.replaceChildren();
}

// ---- formatting ----

function formatMoney(amount, currency, options = {}) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase(), ...options }).format(amount);
}

function formatOptionalMoney(amount, currency) {
  return amount === null || amount === undefined ? '—' : formatMoney(amount, currency, { notation: 'compact', maximumFractionDigits: 2 });
}

function formatNumber(value) {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(value);
}

function formatDuration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// ---- price ----

function renderQuote(quote) {
  shownQuote = quote;
  shownQuoteReceivedAt = Date.now();
  hideFailure(view.error);
  view.price.textContent = formatMoney(quote.price, quote.currency);
  view.price.dataset.value = String(quote.price);
  view.stale.hidden = !quote.stale;
  view.source.textContent = quote.source;
  view.asOf.textContent = new Date(quote.as_of).toLocaleString();
  view.asOf.dateTime = new Date(quote.as_of).toISOString();
  view.marketCap.textContent = formatOptionalMoney(quote.market_cap, quote.currency);
  view.volume.textContent = formatOptionalMoney(quote.volume_24h, quote.currency);
  renderChange(quote.change_24h_pct);
  renderAge();
}

function renderChange(percent) {
  if (percent === null || percent === undefined) {
    view.change.textContent = '';
    delete view.change.dataset.direction;
    return;
  }
  const sign = percent > 0 ? '+' : '';
  view.change.textContent = `${sign}${formatNumber(percent)} % in 24 h`;
  view.change.dataset.direction = percent >= 0 ? 'up' : 'down';
}

function renderAge() {
  if (!shownQuote) return;
  view.age.textContent = formatDuration(shownQuote.age_ms + (Date.now() - shownQuoteReceivedAt));
}

function renderPriceFailure(failure) {
  shownQuote = null;
  view.price.textContent = '—';
  delete view.price.dataset.value;
  view.stale.hidden = true;
  for (const field of [view.source, view.asOf, view.age, view.marketCap, view.volume]) field.textContent = '—';
  view.asOf.removeAttribute('datetime');
  renderChange(null);
  showFailure(view.error, failure);
}

async function refreshPrice() {
  const requestId = ++latestPriceRequest;
  const currency = view.currency.value;
  try {
    const quote = await getJson(`/api/v1/price?currency=${encodeURIComponent(currency)}`);
    if (requestId === latestPriceRequest) renderQuote(quote);
  } catch (failure) {
    if (requestId === latestPriceRequest) renderPriceFailure(failure);
  }
}

// ---- health ----

function setStatus(element, status) {
  element.textContent = status;
  element.dataset.status = status;
}

function renderHealth(health) {
  hideFailure(view.healthError);
  setStatus(view.healthStatus, health.status);
  const items = Object.entries(health.services ?? {}).map(([name, service]) => {
    const item = document.createElement('li');
    const status = makeElement('span', '', 'status');
    setStatus(status, service.status);
    item.append(makeElement('span', name, 'name'), status);
    if (service.reason) item.append(makeElement('span', service.reason, 'reason'));
    return item;
  });
  view.healthServices.replaceChildren(...items);
}

async function refreshHealth() {
  try {
    renderHealth(await getJson('/api/v1/health'));
  } catch (failure) {
    setStatus(view.healthStatus, 'unknown');
    view.healthServices.replaceChildren();
    showFailure(view.healthError, failure);
  }
}

// ---- metrics ----

function labelsCell(labels) {
  const td = makeElement('td', '', 'labels');
  for (const [key, value] of Object.entries(labels ?? {})) td.append(makeElement('span', `${key}=${value}`, 'label'));
  return td;
}

/** "12" for a value, "n 40 · p50 12 · p95 30" for a histogram; the unit is shown with the name. */
function describeSample(sample) {
  const parts = METRIC_FIELDS.filter((field) => typeof sample[field] === 'number').map((field) =>
    field === 'value' ? formatNumber(sample.value) : `${field === 'count' ? 'n' : field} ${formatNumber(sample[field])}`);
  return parts.join(' · ') || '—';
}

/** One row group per metric: its name, help and unit once, then a row per sample. */
function metricRowGroup(metric) {
  const group = document.createElement('tbody');
  const samples = metric.samples ?? [];
  samples.forEach((sample, index) => {
    const row = group.insertRow();
    if (index === 0) {
      const name = makeElement('th', '', 'metric-name');
      name.scope = 'rowgroup';
      name.rowSpan = samples.length;
      const unit = UNITLESS.has(metric.unit ?? '') ? '' : `Unit: ${metric.unit}.`;
      const details = [metric.help, unit].filter(Boolean).join(' ');
      name.append(makeElement('code', metric.name), makeElement('span', details, 'metric-help'));
      row.append(name);
    }
    row.append(labelsCell(sample.labels), makeElement('td', describeSample(sample), 'numeric'));
  });
  return group;
}

function renderMetrics(snapshot) {
  hideFailure(view.metricsError);
  const groups = (snapshot.metrics ?? []).filter((metric) => metric.samples?.length).map(metricRowGroup);
  if (groups.length === 0) {
    const group = document.createElement('tbody');
    const empty = makeElement('td', 'No samples yet', 'empty');
    empty.colSpan = 3;
    group.insertRow().append(empty);
    groups.push(group);
  }
  view.metrics.replaceChildren(view.metrics.tHead, ...groups);
}

async function refreshMetrics() {
  try {
    renderMetrics(await getJson('/api/v1/metrics.json'));
  } catch (failure) {
    showFailure(view.metricsError, failure);
  }
}

// ---- wiring ----

// Price first, so health and metrics already reflect the request it caused.
async function refreshAll() {
  await refreshPrice();
  await Promise.all([refreshHealth(), refreshMetrics()]);
  view.updated.textContent = new Date().toLocaleTimeString();
}

/** Polls after each refresh completes, so a slow API never gets overlapping requests. */
async function pollForever() {
  await refreshAll();
  setTimeout(pollForever, REFRESH_MS);
}

function selectCurrencyFromUrl() {
  const requested = new URLSearchParams(location.search).get('currency')?.toLowerCase();
  if ([...view.currency.options].some((option) => option.value === requested)) view.currency.value = requested;
}

view.currency.addEventListener('change', () => {
  const url = new URL(location.href);
  url.searchParams.set('currency', view.currency.value);
  history.replaceState(null, '', url);
  view.price.textContent = 'Loading…';
  refreshPrice();
});

selectCurrencyFromUrl();
setInterval(renderAge, AGE_TICK_MS);
pollForever();
