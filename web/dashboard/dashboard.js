// Dashboard for the bitcoin-ltl edge API: market, network and sentiment; a health view (services,
// breakers, cache tiers, alerts); a performance view (latency percentiles, hit rates, uPlot charts
// from the bounded history). Plain DOM code; the edge worker serves it with a strict CSP, so
// nothing here uses inline scripts or style attributes in markup.

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

// ---- helpers ----

const byId = (id) => document.getElementById(id);

/** An API failure as the dashboard shows it: the API's own category and message when it sent one. */
class ApiFailure extends Error {
  constructor(category, message, status = 0) {
    super(message);
    this.category = category;
    this.status = status;
  }
}

// Operational routes need the deployment's OPS_TOKEN when one is set: asked for once (on the
// first 401) and kept for this tab only.
const OPS_TOKEN_KEY = 'bitcoin-ltl-ops-token';
let tokenAsked = false;

function opsHeaders() {
  const token = sessionStorage.getItem(OPS_TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function fetchApi(path) {
  try {
    return await fetch(path, { headers: { accept: 'application/json', ...opsHeaders() }, cache: 'no-store' });
  } catch {
    throw new ApiFailure('network', 'Could not reach the API');
  }
}

async function getJson(path) {
  let response = await fetchApi(path);
  if (response.status === 401 && !tokenAsked) {
    tokenAsked = true;
    const token = window.prompt('This deployment protects its operational routes. OPS_TOKEN:');
    if (token) {
      sessionStorage.setItem(OPS_TOKEN_KEY, token.trim());
      response = await fetchApi(path);
    }
  }
  const body = await response.json().catch(() => null);
  if (body?.error) {
    throw new ApiFailure(body.error.category ?? 'internal', body.error.message ?? `HTTP ${response.status}`, response.status);
  }
  if (body === null || typeof body !== 'object') {
    throw new ApiFailure('internal', `Unexpected response (HTTP ${response.status})`, response.status);
  }
  return body; // health answers 503 with its JSON when unhealthy: still data to show
}

function el(tag, text = '', className = '') {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== '') element.textContent = text;
  return element;
}

function cell(text, className = '') {
  return el('td', text, className);
}

function rowHeader(text) {
  const th = el('th', text);
  th.scope = 'row';
  return th;
}

function statusBadge(status, text = status) {
  const badge = el('span', String(text).replaceAll('_', ' '), 'status');
  badge.dataset.status = status;
  return badge;
}

function setStatus(element, status) {
  element.textContent = String(status).replaceAll('_', ' ');
  element.dataset.status = status;
}

function emptyRow(tbody, columns, text) {
  const td = cell(text, 'empty');
  td.colSpan = columns;
  tbody.replaceChildren(document.createElement('tr'));
  tbody.rows[0].append(td);
}

function showFailure(element, failure, lastGoodAt = 0) {
  const parts = [el('span', failure.category ?? 'internal', 'category'), el('span', failure.message)];
  if (lastGoodAt) parts.push(el('span', ` — showing data received at ${new Date(lastGoodAt).toLocaleTimeString()}`, 'outdated-note'));
  element.replaceChildren(...parts);
  element.hidden = false;
}

function hideFailure(element) {
  element.hidden = true;
  element.replaceChildren();
}

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

// ---- formatting ----

function formatNumber(value, maximumFractionDigits = 2) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { maximumFractionDigits }).format(value) : '—';
}

function formatInteger(value) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(value) : '—';
}

function formatCompact(value) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 }).format(value) : '—';
}

function formatMoney(amount, currency, options = {}) {
  if (!isNumber(amount)) return '—';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase(), ...options }).format(amount);
}

function formatCompactMoney(amount, currency) {
  return formatMoney(amount, currency, { notation: 'compact', maximumFractionDigits: 2 });
}

function formatPercent(value, digits = 2, signed = false) {
  if (!isNumber(value)) return '—';
  // exceptZero: "+0.16", "-1.81", and plain "0" for whatever rounds to zero.
  const format = new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto' });
  return `${format.format(value)} %`;
}

function formatRatio(ratio) {
  return isNumber(ratio) ? formatPercent(ratio * 100, 1) : '—';
}

function formatDuration(ms) {
  if (!isNumber(ms)) return '—';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function formatTime(ms) {
  return isNumber(ms) ? new Date(ms).toLocaleString() : '—';
}

function setTime(element, ms) {
  element.textContent = formatTime(ms);
  if (isNumber(ms)) element.dateTime = new Date(ms).toISOString();
  else element.removeAttribute('datetime');
}

const SAT_PER_BTC = 1e8;
const HS_PER_EHS = 1e18;

/** Hashrate in EH/s (the API gives H/s), with the unit spelled out for assistive tech. */
function hashrateNode(hashrateHs) {
  const wrapper = document.createDocumentFragment();
  if (!isNumber(hashrateHs)) {
    wrapper.append('—');
    return wrapper;
  }
  const unit = el('abbr', 'EH/s');
  unit.title = 'exahashes per second (10¹⁸ hashes per second)';
  wrapper.append(`${formatNumber(hashrateHs / HS_PER_EHS, 1)} `, unit);
  return wrapper;
}

function shortHash(hash) {
  return typeof hash === 'string' && hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-10)}` : hash ?? '—';
}

// ---- ages that tick between refreshes ----

/** Shows `ageMs` now and keeps it growing every second until replaced. */
function setAge(element, ageMs) {
  if (!isNumber(ageMs)) {
    element.textContent = '—';
    delete element.dataset.ageMs;
    return;
  }
  element.dataset.ageMs = String(ageMs);
  element.dataset.receivedAt = String(Date.now());
  element.classList.add('ticking-age');
  renderAge(element);
}

function renderAge(element) {
  const base = Number(element.dataset.ageMs);
  const receivedAt = Number(element.dataset.receivedAt);
  if (!Number.isFinite(base)) return;
  element.textContent = formatDuration(base + (Date.now() - receivedAt));
}

function tickAges() {
  for (const element of document.querySelectorAll('.ticking-age[data-age-ms]')) renderAge(element);
}

// ---- panels: one endpoint each, keeping the last good data when a refresh fails ----

class Panel {
  #seq = 0;

  constructor({ path, render, errorElement, root = null, clear = null }) {
    this.path = path;
    this.render = render;
    this.errorElement = errorElement;
    this.root = root;
    this.clear = clear;
    this.lastGoodAt = 0;
    this.failure = null;
  }

  /** Forget what is shown (e.g. the currency changed) so a failure cannot leave it on screen. */
  reset() {
    this.#seq++;
    this.lastGoodAt = 0;
    this.failure = null;
    this.clear?.();
    if (this.root) delete this.root.dataset.outdated;
  }

  /** Resolves true when the data arrived (or the request was superseded), false on failure. */
  async refresh() {
    const seq = ++this.#seq;
    try {
      const data = await getJson(this.path());
      if (seq !== this.#seq) return true;
      this.lastGoodAt = Date.now();
      this.failure = null;
      if (this.errorElement) hideFailure(this.errorElement);
      if (this.root) delete this.root.dataset.outdated;
      await this.render(data);
      if (this.root) labelStackedTables(this.root);
      return true;
    } catch (failure) {
      if (seq !== this.#seq) return true;
      if (!(failure instanceof ApiFailure)) console.error('dashboard: rendering failed', failure);
      this.failure = failure;
      if (!this.lastGoodAt) this.clear?.();
      if (this.errorElement) showFailure(this.errorElement, failure, this.lastGoodAt);
      if (this.root && this.lastGoodAt) this.root.dataset.outdated = 'true';
      return false;
    }
  }
}

// ---- tables that stack into one block per row on narrow screens ----

/**
 * Gives each cell its column's name (shown before the value when the row is stacked) and the
 * table roles explicitly, since changing a table's CSS display can drop its semantics.
 */
function labelStackedTables(root) {
  for (const table of root.querySelectorAll('table.stack-narrow')) {
    const headers = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent.trim());
    table.setAttribute('role', 'table');
    for (const group of [table.tHead, ...table.tBodies]) group?.setAttribute('role', 'rowgroup');
    for (const row of table.rows) {
      row.setAttribute('role', 'row');
      [...row.cells].forEach((tableCell, index) => {
        const inHead = row.parentElement === table.tHead;
        tableCell.setAttribute('role', inHead ? 'columnheader' : tableCell.tagName === 'TH' ? 'rowheader' : 'cell');
        if (!inHead && headers[index]) tableCell.dataset.label = headers[index];
      });
    }
  }
}

// ---- market: price and consensus ----

const currencySelect = byId('currency');

function staleBadge(badge, answer) {
  badge.hidden = !answer?.stale;
  badge.title = answer?.stale
    ? `Served past its time to live${answer.stale_reason ? `: ${answer.stale_reason.message}` : ''}`
    : '';
}

/** "coingecko failed (upstream_5xx)" notes for the providers tried before the one that answered. */
function renderFailedProviders(element, failed) {
  if (!Array.isArray(failed) || failed.length === 0) {
    element.hidden = true;
    element.textContent = '';
    return;
  }
  element.textContent = `Tried first: ${failed.map((f) => `${f.provider} (${f.category}${f.message ? `: ${f.message}` : ''})`).join('; ')}`;
  element.hidden = false;
}

function renderChange(element, percent) {
  if (!isNumber(percent)) {
    element.textContent = '';
    delete element.dataset.direction;
    return;
  }
  element.textContent = `${formatPercent(percent, 2, true)} in 24 h`;
  element.dataset.direction = percent >= 0 ? 'up' : 'down';
}

function renderQuote(quote) {
  const price = byId('price');
  price.textContent = formatMoney(quote.price, quote.currency);
  price.dataset.value = String(quote.price);
  staleBadge(byId('stale'), quote);
  const staleReason = byId('stale-reason');
  staleReason.hidden = !quote.stale;
  staleReason.textContent = quote.stale
    ? `Stale: the upstream failed${quote.stale_reason ? ` (${quote.stale_reason.category}: ${quote.stale_reason.message})` : ''}; this value is the last one known.`
    : '';
  byId('source').textContent = quote.source ?? '—';
  setTime(byId('as-of'), quote.as_of);
  setAge(byId('age'), quote.age_ms);
  byId('cache').textContent = quote.cache ?? '—';
  byId('market-cap').textContent = formatCompactMoney(quote.market_cap, quote.currency);
  byId('volume').textContent = formatCompactMoney(quote.volume_24h, quote.currency);
  renderChange(byId('change'), quote.change_24h_pct);
  renderFailedProviders(byId('price-failed'), quote.failed);
}

function clearQuote() {
  const price = byId('price');
  price.textContent = '—';
  delete price.dataset.value;
  byId('stale').hidden = true;
  byId('stale-reason').hidden = true;
  for (const id of ['source', 'age', 'cache', 'market-cap', 'volume']) byId(id).textContent = '—';
  delete byId('age').dataset.ageMs;
  setTime(byId('as-of'), null);
  renderChange(byId('change'), null);
  renderFailedProviders(byId('price-failed'), []);
}

function renderMarket(market) {
  byId('market-price').textContent = formatMoney(market.price, market.currency);
  byId('market-price').dataset.value = String(market.price);
  byId('market-spread').textContent = formatPercent(market.spread_pct, 3);
  byId('market-count').textContent = formatInteger(market.provider_count);
  const outliers = Array.isArray(market.outliers) ? market.outliers : [];
  byId('market-outliers').textContent = outliers.length ? outliers.join(', ') : 'none';
  setAge(byId('market-age'), market.age_ms);
  staleBadge(byId('market-stale'), market);
  const tbody = byId('market-providers').tBodies[0];
  const providers = Array.isArray(market.providers) ? market.providers : [];
  if (providers.length === 0) {
    emptyRow(tbody, 5, 'No provider answered');
  } else {
    tbody.replaceChildren(...providers.map((quote) => {
      const row = document.createElement('tr');
      row.dataset.provider = quote.provider;
      if (quote.outlier) row.classList.add('outlier');
      const outlier = quote.outlier ? statusBadge('unhealthy', 'outlier') : el('span', 'no', 'muted');
      const outlierCell = cell('');
      outlierCell.append(outlier);
      const asOf = cell('');
      const time = el('time', isNumber(quote.as_of) ? new Date(quote.as_of).toLocaleTimeString() : '—');
      if (isNumber(quote.as_of)) time.dateTime = new Date(quote.as_of).toISOString();
      asOf.append(time);
      row.append(rowHeader(quote.provider), cell(formatMoney(quote.price, market.currency), 'numeric'),
        cell(formatPercent(quote.deviation_pct, 3, true), 'numeric'), outlierCell, asOf);
      return row;
    }));
  }
  renderFailedProviders(byId('market-failed'), market.failed);
}

function clearMarket() {
  for (const id of ['market-price', 'market-spread', 'market-count', 'market-outliers', 'market-age']) byId(id).textContent = '—';
  delete byId('market-age').dataset.ageMs;
  byId('market-stale').hidden = true;
  byId('market-providers').tBodies[0].replaceChildren();
  renderFailedProviders(byId('market-failed'), []);
}

// ---- network ----

const FEE_TARGETS = [
  ['fastest_sat_vb', 'Next block'],
  ['half_hour_sat_vb', 'Half an hour'],
  ['hour_sat_vb', 'An hour'],
  ['economy_sat_vb', 'Economy'],
  ['minimum_sat_vb', 'Minimum'],
];

function sourceItem(part, answer) {
  const item = el('li');
  item.dataset.part = part;
  if (!answer) {
    item.append(el('span', part, 'name'), ' ', statusBadge('unhealthy', 'failed'));
    return item;
  }
  const age = el('span');
  setAge(age, answer.age_ms);
  item.append(el('span', part, 'name'), ` ${answer.source ?? '?'} · `, age, ' old');
  if (answer.stale) item.append(' ', statusBadge('degraded', 'stale'));
  return item;
}

function renderNetwork(network) {
  const { tip, fees, mempool, difficulty, hashrate, halving } = network;
  byId('tip-height').textContent = tip ? formatInteger(tip.height) : '—';
  const hash = byId('tip-hash');
  hash.textContent = tip ? shortHash(tip.hash) : '—';
  hash.title = tip?.hash ?? '';
  byId('hashrate').replaceChildren(hashrateNode(hashrate?.current_hashrate_hs));
  byId('hashrate').dataset.hs = hashrate ? String(hashrate.current_hashrate_hs) : '';
  byId('difficulty').textContent = hashrate ? formatCompact(hashrate.current_difficulty) : '—';
  byId('halving').textContent = halving
    ? `${formatInteger(halving.blocks_to_next_halving)} (at height ${formatInteger(halving.next_halving_height)})`
    : '—';
  byId('mempool').textContent = mempool
    ? `${formatInteger(mempool.count)} tx · ${formatNumber(mempool.vsize_vb / 1e6, 2)} MvB · ${formatNumber(mempool.total_fee_sat / SAT_PER_BTC, 4)} BTC in fees`
    : '—';

  const feeBody = byId('fees').tBodies[0];
  if (fees) {
    feeBody.replaceChildren(...FEE_TARGETS.map(([field, label]) => {
      const row = document.createElement('tr');
      row.dataset.target = field;
      row.append(rowHeader(label), cell(formatNumber(fees[field], 2), 'numeric'));
      return row;
    }));
  } else {
    emptyRow(feeBody, 2, 'Fees unavailable');
  }

  const progress = byId('difficulty-progress');
  progress.value = isNumber(difficulty?.progress_pct) ? difficulty.progress_pct : 0;
  byId('difficulty-progress-text').textContent = difficulty
    ? `${formatPercent(difficulty.progress_pct, 1)} of the epoch (next at height ${formatInteger(difficulty.next_retarget_height)})`
    : '—';
  byId('difficulty-change').textContent = difficulty ? formatPercent(difficulty.change_pct, 2, true) : '—';
  byId('difficulty-remaining').textContent = difficulty
    ? `${formatInteger(difficulty.remaining_blocks)} blocks (~${formatDuration(difficulty.remaining_time_ms)})`
    : '—';
  setTime(byId('difficulty-retarget'), difficulty?.estimated_retarget_ms);
  byId('difficulty-previous').textContent = difficulty ? formatPercent(difficulty.previous_retarget_pct, 2, true) : '—';

  const parts = { tip, fees, mempool, difficulty, hashrate };
  byId('network-sources').replaceChildren(...Object.entries(parts).map(([part, answer]) => sourceItem(part, answer)));
  byId('network-stale').hidden = !Object.values(parts).some((answer) => answer?.stale);

  const failedParts = Array.isArray(network.failed_parts) ? network.failed_parts : [];
  byId('network-failed').hidden = failedParts.length === 0;
  byId('network-failed-list').replaceChildren(...failedParts.map(({ part, error }) => {
    const item = el('li');
    item.dataset.part = part;
    item.append(el('span', part, 'name'), ': ', el('span', error?.category ?? 'error', 'category'), ` ${error?.message ?? ''}`);
    return item;
  }));
}

function clearNetwork() {
  for (const id of ['tip-height', 'tip-hash', 'hashrate', 'difficulty', 'halving', 'mempool', 'difficulty-progress-text',
    'difficulty-change', 'difficulty-remaining', 'difficulty-previous']) byId(id).textContent = '—';
  setTime(byId('difficulty-retarget'), null);
  byId('fees').tBodies[0].replaceChildren();
  byId('network-sources').replaceChildren();
  byId('network-failed').hidden = true;
}

// ---- sentiment and blocks ----

function renderSentiment(sentiment) {
  byId('sentiment-value').textContent = formatInteger(sentiment.value);
  byId('sentiment-meter').value = isNumber(sentiment.value) ? sentiment.value : 0;
  byId('sentiment-class').textContent = sentiment.classification ?? '—';
  setTime(byId('sentiment-time'), sentiment.timestamp_ms);
  setAge(byId('sentiment-next'), null);
  byId('sentiment-next').textContent = formatDuration(sentiment.time_until_update_ms);
  byId('sentiment-source').textContent = sentiment.source ?? '—';
  staleBadge(byId('sentiment-stale'), sentiment);
}

function clearSentiment() {
  for (const id of ['sentiment-value', 'sentiment-class', 'sentiment-next', 'sentiment-source']) byId(id).textContent = '—';
  setTime(byId('sentiment-time'), null);
  byId('sentiment-meter').value = 0;
}

const MAX_BLOCK_ROWS = 6;

function renderBlocks(answer) {
  const tbody = byId('blocks').tBodies[0];
  const blocks = Array.isArray(answer.blocks) ? answer.blocks.slice(0, MAX_BLOCK_ROWS) : [];
  if (blocks.length === 0) return emptyRow(tbody, 6, 'No blocks');
  tbody.replaceChildren(...blocks.map((block) => {
    const row = document.createElement('tr');
    const mined = cell('');
    const time = el('time', isNumber(block.timestamp_ms) ? new Date(block.timestamp_ms).toLocaleTimeString() : '—');
    if (isNumber(block.timestamp_ms)) time.dateTime = new Date(block.timestamp_ms).toISOString();
    mined.append(time);
    const height = rowHeader(formatInteger(block.height));
    height.className = 'numeric';
    row.append(height, mined, cell(formatInteger(block.tx_count), 'numeric'), cell(formatNumber(block.median_fee_sat_vb, 2), 'numeric'),
      cell(isNumber(block.total_fees_sat) ? formatNumber(block.total_fees_sat / SAT_PER_BTC, 4) : '—', 'numeric'),
      cell(block.pool_name ?? '—'));
    return row;
  }));
}

// ---- health ----

/** health.breakers is {providers: {name: {...}}} from the core; an array is accepted too. */
function breakerList(breakers) {
  if (Array.isArray(breakers)) return breakers;
  if (breakers && typeof breakers.providers === 'object') return Object.values(breakers.providers);
  return [];
}

function renderHealth(health) {
  setStatus(byId('overall-status'), health.status ?? 'unknown');
  setStatus(byId('health-status'), health.status ?? 'unknown');
  byId('health-checked').textContent = `Checked ${formatTime(health.checked_at)} · config version ${health.config_version ?? '—'}`;

  const services = Object.entries(health.services ?? {});
  const servicesBody = byId('services').tBodies[0];
  if (services.length === 0) emptyRow(servicesBody, 3, 'No services reported');
  else {
    servicesBody.replaceChildren(...services.map(([name, service]) => {
      const row = document.createElement('tr');
      row.dataset.service = name;
      const status = cell('');
      status.append(statusBadge(service.status ?? 'unknown'));
      row.append(rowHeader(name), status, cell(service.reason ?? '', 'reason'));
      return row;
    }));
  }

  const breakers = breakerList(health.breakers).sort((a, b) => String(a.provider).localeCompare(String(b.provider)));
  const breakersBody = byId('breakers').tBodies[0];
  if (breakers.length === 0) emptyRow(breakersBody, 8, 'No providers');
  else {
    breakersBody.replaceChildren(...breakers.map(({ provider, breaker = {}, limiter = {} }) => {
      const row = document.createElement('tr');
      row.dataset.provider = provider;
      row.dataset.state = breaker.state ?? 'unknown';
      const state = cell('');
      state.append(statusBadge(BREAKER_STATUS[breaker.state] ?? 'unknown', breaker.state ?? 'unknown'));
      state.firstChild.classList.add('breaker-state');
      const nextProbe = breaker.state === 'open' && isNumber(breaker.ms_until_half_open)
        ? `in ${formatDuration(breaker.ms_until_half_open)}` : '—';
      row.append(rowHeader(provider), state, cell(nextProbe), cell(formatRatio(breaker.failure_rate), 'numeric'),
        cell(formatInteger(breaker.calls_in_window), 'numeric'), cell(formatInteger(breaker.consecutive_failures), 'numeric'),
        cell(formatInteger(breaker.rejected), 'numeric'),
        cell(isNumber(limiter.tokens) ? `${formatNumber(limiter.tokens, 1)} / ${formatInteger(limiter.capacity)}` : '—', 'numeric'));
      return row;
    }));
  }

  const tiers = Array.isArray(health.cache_tiers) ? health.cache_tiers : [];
  const tiersBody = byId('cache-tiers').tBodies[0];
  if (tiers.length === 0) emptyRow(tiersBody, 4, 'No cache tiers reported');
  else {
    tiersBody.replaceChildren(...tiers.map((tier) => {
      const row = document.createElement('tr');
      row.dataset.tier = tier.name ?? tier.tier;
      const status = cell('');
      status.append(statusBadge(tier.status ?? 'unknown'));
      row.append(rowHeader(tier.name ?? tier.tier ?? '?'), status, cell(formatInteger(tier.failures), 'numeric'), cell(tier.reason ?? '', 'reason'));
      return row;
    }));
  }
}

const BREAKER_STATUS = { closed: 'healthy', half_open: 'degraded', open: 'unhealthy' };

function clearHealth() {
  setStatus(byId('overall-status'), 'unknown');
  setStatus(byId('health-status'), 'unknown');
}

function alertItem(alert) {
  const item = el('li', '', 'alert');
  item.dataset.level = alert.level ?? alert.peak_level ?? 'warning';
  item.dataset.threshold = alert.threshold ?? '';
  const level = statusBadge(alert.level === 'critical' ? 'unhealthy' : 'degraded', alert.level ?? alert.peak_level ?? 'warning');
  level.classList.add('alert-level');
  const since = el('time', isNumber(alert.raised_at_ms) ? `since ${new Date(alert.raised_at_ms).toLocaleTimeString()}` : '');
  if (isNumber(alert.raised_at_ms)) since.dateTime = new Date(alert.raised_at_ms).toISOString();
  item.append(level, ' ', el('span', alert.message ?? alert.threshold ?? 'alert', 'alert-message'), ' ', since);
  if (isNumber(alert.resolved_at_ms)) item.append(` · resolved ${new Date(alert.resolved_at_ms).toLocaleTimeString()}`);
  return item;
}

const MAX_RECENT_ALERTS = 10;

function renderAlerts(alerts) {
  const active = Array.isArray(alerts.active) ? alerts.active : [];
  const recent = Array.isArray(alerts.recent) ? alerts.recent.slice(-MAX_RECENT_ALERTS).reverse() : [];
  byId('alerts').replaceChildren(...active.map(alertItem));
  byId('alerts-empty').hidden = active.length > 0;
  byId('recent-alerts').replaceChildren(...recent.map(alertItem));
  byId('recent-alerts-empty').hidden = recent.length > 0;
}

// ---- performance: metrics snapshot ----

function metricSamples(snapshot, name) {
  return snapshot.metrics?.find((metric) => metric.name === name)?.samples ?? [];
}

function sumBy(samples, keyLabel, filter = () => true) {
  const sums = new Map();
  for (const sample of samples) {
    if (!filter(sample.labels ?? {}) || !isNumber(sample.value)) continue;
    const key = sample.labels?.[keyLabel];
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

function renderLatency(snapshot) {
  const latency = new Map(metricSamples(snapshot, 'ltl_upstream_latency_ms').map((s) => [s.labels?.provider, s]));
  const attempts = sumBy(metricSamples(snapshot, 'ltl_upstream_requests_total'), 'provider');
  const errors = sumBy(metricSamples(snapshot, 'ltl_upstream_requests_total'), 'provider', (labels) => labels.outcome === 'error');
  // Every configured provider, even those not called yet (their breaker gauge exists).
  const providers = new Set([...metricSamples(snapshot, 'ltl_breaker_state').map((s) => s.labels?.provider), ...latency.keys(), ...attempts.keys()]);
  const tbody = byId('latency').tBodies[0];
  const names = [...providers].filter(Boolean).sort();
  if (names.length === 0) return emptyRow(tbody, 6, 'No upstream calls yet');
  tbody.replaceChildren(...names.map((provider) => {
    // Series exist from the start (count 0): no observation shows as missing, not as 0 ms.
    const sample = latency.get(provider)?.count > 0 ? latency.get(provider) : {};
    const row = document.createElement('tr');
    row.dataset.provider = provider;
    row.append(rowHeader(provider), cell(formatInteger(attempts.get(provider) ?? 0), 'numeric'),
      cell(formatInteger(errors.get(provider) ?? 0), 'numeric'),
      ...['p50', 'p95', 'p99'].map((stat) => {
        const td = cell(formatNumber(sample[stat], 1), 'numeric');
        td.dataset.stat = stat;
        return td;
      }));
    return row;
  }));
}

function renderRoutes(snapshot) {
  const requests = sumBy(metricSamples(snapshot, 'ltl_requests_total'), 'route');
  const errors = sumBy(metricSamples(snapshot, 'ltl_requests_total'), 'route', (labels) => labels.outcome === 'error');
  const durations = new Map(metricSamples(snapshot, 'ltl_request_duration_ms').map((s) => [s.labels?.route, s]));
  const tbody = byId('routes').tBodies[0];
  // Every known route has a series at 0 from the start: list the ones with traffic.
  const routes = [...requests].filter(([route, count]) => route && count > 0).map(([route]) => route).sort();
  if (routes.length === 0) return emptyRow(tbody, 5, 'No requests yet');
  tbody.replaceChildren(...routes.map((route) => {
    const duration = durations.get(route) ?? {};
    const row = document.createElement('tr');
    row.dataset.route = route;
    row.append(rowHeader(route), cell(formatInteger(requests.get(route)), 'numeric'), cell(formatInteger(errors.get(route) ?? 0), 'numeric'),
      cell(formatNumber(duration.p50, 1), 'numeric'), cell(formatNumber(duration.p95, 1), 'numeric'));
    return row;
  }));
}

const MEMORY_TIER = 'memory';

/**
 * Per tier: of the lookups that reached the tier (all of them for memory; the memory misses for a
 * persistent tier), the share it answered fresh. Misses are counted once, under memory.
 */
function cacheHitRates(samples) {
  const tiers = new Map();
  const families = new Map();
  let total = 0;
  const bump = (map, key, result, value) => {
    const entry = map.get(key) ?? { lookups: 0, hit: 0, stale: 0 };
    entry.lookups += value;
    if (result === 'hit') entry.hit += value;
    if (result === 'stale') entry.stale += value;
    map.set(key, entry);
  };
  for (const { labels = {}, value } of samples) {
    if (!isNumber(value)) continue;
    total += value;
    bump(families, labels.family ?? '?', labels.result, value);
    if (labels.result !== 'miss') bump(tiers, labels.tier ?? MEMORY_TIER, labels.result, value);
  }
  const memory = tiers.get(MEMORY_TIER) ?? { lookups: 0, hit: 0, stale: 0 };
  const memoryAnswered = memory.hit + memory.stale;
  const tierRows = [[MEMORY_TIER, memory], ...[...tiers].filter(([name]) => name !== MEMORY_TIER)].map(([name, counts]) => {
    const reached = name === MEMORY_TIER ? total : total - memoryAnswered;
    return { name, lookups: reached, hit: counts.hit, stale: counts.stale, rate: reached > 0 ? counts.hit / reached : null };
  });
  const familyRows = [...families].filter(([, counts]) => counts.lookups > 0).sort(([a], [b]) => a.localeCompare(b)).map(([name, counts]) => ({
    name, lookups: counts.lookups, hit: counts.hit, stale: counts.stale, rate: counts.lookups > 0 ? counts.hit / counts.lookups : null,
  }));
  return { total, tiers: tierRows, families: familyRows };
}

function hitRateRows(rows, kind) {
  return rows.map((entry) => {
    const row = document.createElement('tr');
    row.dataset[kind] = entry.name;
    const header = rowHeader(kind === 'tier' ? `${entry.name} tier` : entry.name);
    row.append(header, cell(formatInteger(entry.lookups), 'numeric'), cell(formatInteger(entry.hit), 'numeric'),
      cell(formatInteger(entry.stale), 'numeric'), cell(formatRatio(entry.rate), 'numeric rate'));
    return row;
  });
}

function renderHitRates(snapshot) {
  const rates = cacheHitRates(metricSamples(snapshot, 'ltl_cache_lookups_total'));
  const tiers = byId('hit-rates-tiers');
  const families = byId('hit-rates-families');
  if (rates.total === 0) {
    emptyRow(tiers, 5, 'No cache lookups yet');
    families.replaceChildren();
    return;
  }
  tiers.replaceChildren(...hitRateRows(rates.tiers, 'tier'));
  families.replaceChildren(...hitRateRows(rates.families, 'family'));
}

function renderMetrics(snapshot) {
  renderLatency(snapshot);
  renderRoutes(snapshot);
  renderHitRates(snapshot);
}

function renderReport(report) {
  const recommendations = Array.isArray(report.recommendations) ? report.recommendations : [];
  byId('recommendations').replaceChildren(...recommendations.map((recommendation) => {
    const item = el('li');
    item.append(statusBadge(recommendation.severity === 'critical' ? 'unhealthy' : 'degraded', recommendation.severity ?? 'warning'), ' ',
      el('span', recommendation.message ?? recommendation.id));
    return item;
  }));
  byId('recommendations-empty').hidden = recommendations.length > 0;
}

// ---- performance: charts from the bounded history ----

const PALETTE = ['#0969da', '#bc4c00', '#1a7f37', '#8250df', '#cf222e', '#4d2d00', '#1b7c83', '#bf3989'];
const CHART_HEIGHT_PX = 180;

/** "name{a=\"x\",b=\"y\"}:stat" → {name, labels, stat}; null for anything else. */
function parseSeriesKey(key) {
  const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?:(\w+)$/.exec(key);
  if (!match) return null;
  const labels = {};
  for (const [, label, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label] = value.replace(/\\(.)/g, '$1');
  return { name: match[1], labels, stat: match[3] };
}

/** Point-wise sum of several series; null where none of them has a value. */
function sumSeries(columns, length) {
  const out = new Array(length).fill(null);
  for (const column of columns) {
    for (let i = 0; i < length; i++) {
      if (isNumber(column[i])) out[i] = (out[i] ?? 0) + column[i];
    }
  }
  return out;
}

function ratioSeries(numerator, denominator, scale = 1) {
  return numerator.map((value, i) => (isNumber(denominator[i]) && denominator[i] > 0 ? ((value ?? 0) / denominator[i]) * scale : null));
}

/** The four charts' series out of /api/v1/history. */
function chartSeries(history) {
  const t = Array.isArray(history?.t) ? history.t : [];
  const length = t.length;
  const parsed = Object.entries(history?.series ?? {}).map(([key, values]) => ({ ...parseSeriesKey(key), values })).filter((s) => s.name);
  const pick = (name, stat, filter = () => true) =>
    parsed.filter((s) => s.name === name && s.stat === stat && filter(s.labels)).map((s) => s.values);

  const requests = [
    { label: 'requests', values: sumSeries(pick('ltl_requests_total', 'rate_per_s'), length) },
    { label: 'upstream attempts', values: sumSeries(pick('ltl_upstream_requests_total', 'rate_per_s'), length) },
  ];
  // No error series yet means no errors: 0 wherever the matching traffic series has a point.
  const zeroWhereTraffic = (errorValues, traffic) => traffic.map((value, i) => (isNumber(value) ? errorValues[i] ?? 0 : errorValues[i]));
  const errors = [
    { label: 'failed requests', values: zeroWhereTraffic(sumSeries(pick('ltl_requests_total', 'rate_per_s', (l) => l.outcome === 'error'), length), requests[0].values) },
    { label: 'upstream errors', values: zeroWhereTraffic(sumSeries(pick('ltl_upstream_errors_total', 'rate_per_s'), length), requests[1].values) },
  ];
  const latency = parsed
    .filter((s) => s.name === 'ltl_upstream_latency_ms' && s.stat === 'p95' && s.labels.provider)
    .sort((a, b) => a.labels.provider.localeCompare(b.labels.provider))
    .map((s) => ({ label: s.labels.provider, values: s.values }));

  const lookups = parsed.filter((s) => s.name === 'ltl_cache_lookups_total' && s.stat === 'rate_per_s');
  const all = sumSeries(lookups.map((s) => s.values), length);
  const hits = (tier) => sumSeries(lookups.filter((s) => s.labels.result === 'hit' && (!tier || s.labels.tier === tier)).map((s) => s.values), length);
  const tiers = [...new Set(lookups.map((s) => s.labels.tier).filter(Boolean))].sort();
  const hitRate = [{ label: 'all tiers', values: ratioSeries(hits(null), all, 100) }];
  if (tiers.length > 1) {
    const memoryAnswered = sumSeries(lookups.filter((s) => s.labels.tier === MEMORY_TIER && s.labels.result !== 'miss').map((s) => s.values), length);
    for (const tier of tiers) {
      const reached = tier === MEMORY_TIER ? all : all.map((value, i) => (isNumber(value) ? value - (memoryAnswered[i] ?? 0) : null));
      hitRate.push({ label: tier, values: ratioSeries(hits(tier), reached, 100) });
    }
  }
  return { t, charts: { requests, errors, latency, 'hit-rate': hitRate } };
}

const CHART_UNITS = { requests: 'req/s', errors: 'errors/s', latency: 'ms', 'hit-rate': '%' };

let uPlotPromise = null;

/** uPlot from /assets/uplot.js: its ES module build, or the IIFE build that defines window.uPlot. */
function loadUPlot() {
  uPlotPromise ??= (async () => {
    const module = await import('/assets/uplot.js');
    if (typeof module.default === 'function') return module.default;
    if (typeof globalThis.uPlot === 'function') return globalThis.uPlot;
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/assets/uplot.js';
      script.onload = resolve;
      script.onerror = () => reject(new Error('could not load /assets/uplot.js'));
      document.head.append(script);
    });
    if (typeof globalThis.uPlot !== 'function') throw new Error('/assets/uplot.js did not define uPlot');
    return globalThis.uPlot;
  })().catch((err) => {
    uPlotPromise = null; // try again on the next refresh
    throw err;
  });
  return uPlotPromise;
}

const plots = new Map(); // chart id → {plot, signature}

function chartWidth(container) {
  return Math.max(200, Math.floor(container.clientWidth));
}

function latestValue(values) {
  for (let i = values.length - 1; i >= 0; i--) if (isNumber(values[i])) return values[i];
  return null;
}

function renderChart(uPlot, figure, times, series) {
  const id = figure.dataset.chart;
  const unit = CHART_UNITS[id];
  const container = figure.querySelector('.chart-plot');
  const points = series.reduce((count, s) => count + s.values.filter(isNumber).length, 0);
  figure.dataset.series = String(series.length);
  figure.dataset.points = String(points);
  const latest = series.map((s) => [s.label, latestValue(s.values)]).filter(([, value]) => value !== null);
  figure.querySelector('[data-latest]').textContent = latest.length
    ? `· latest ${latest.map(([label, value]) => `${label} ${formatNumber(value, 2)}`).join(', ')}`
    : '· no data yet';
  container.setAttribute('aria-label', `${figure.querySelector('.chart-title').textContent} over time, ${unit}: ${latest.length
    ? latest.map(([label, value]) => `${label} ${formatNumber(value, 2)}`).join(', ') : 'no data yet'}`);

  const data = [times, ...series.map((s) => s.values)];
  const signature = series.map((s) => s.label).join('\n');
  const existing = plots.get(id);
  if (existing && existing.signature === signature) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const plot = new uPlot({
    width: chartWidth(container),
    height: CHART_HEIGHT_PX,
    scales: { x: { time: true } },
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    axes: [
      { stroke: '#57606a', grid: { stroke: '#eaeef2' } },
      { stroke: '#57606a', grid: { stroke: '#eaeef2' }, size: 56, values: (u, splits) => splits.map((v) => formatCompact(v)) },
    ],
    series: [
      { label: 'time' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        points: { size: 4 },
        value: (u, v) => (isNumber(v) ? `${formatNumber(v, 2)} ${unit}` : '—'),
      })),
    ],
  }, data, container);
  plots.set(id, { plot, signature });
}

async function renderHistory(history) {
  const { t, charts } = chartSeries(history);
  const times = t.map((ms) => ms / 1000); // uPlot's time scale is in seconds
  byId('history-note').textContent = t.length
    ? `From the bounded metrics history: ${t.length} points since ${new Date(t[0]).toLocaleTimeString()}.`
    : 'The metrics history has no points yet.';
  let uPlot;
  try {
    uPlot = await loadUPlot();
  } catch (err) {
    byId('history-note').textContent = `Charts unavailable: ${err.message}`;
    return;
  }
  for (const figure of document.querySelectorAll('#charts .chart')) {
    renderChart(uPlot, figure, times, charts[figure.dataset.chart] ?? []);
  }
}

// Charts are drawn at a fixed pixel width; follow their containers (window resize, rotation).
const resizeObserver = typeof ResizeObserver === 'function'
  ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      const figure = entry.target.closest('.chart');
      const state = plots.get(figure?.dataset.chart);
      const width = Math.floor(entry.contentRect.width);
      if (state && width >= 100 && Math.abs(state.plot.width - width) > 1) state.plot.setSize({ width, height: CHART_HEIGHT_PX });
    }
  })
  : null;
for (const container of document.querySelectorAll('#charts .chart-plot')) resizeObserver?.observe(container);

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
