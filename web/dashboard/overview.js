// The overview: price and market consensus, network (tip, fees, mempool, difficulty), sentiment
// and recent blocks.
import { cell, el, emptyRow, hashrateNode, rowHeader, setAge, setTime, statusBadge, byId } from './dom.js';
import {
  formatCompact, formatCompactMoney, formatDuration, formatInteger, formatMoney, formatNumber, formatPercent, isNumber,
  SAT_PER_BTC, shortHash,
} from './format.js';

// ---- market: price and consensus ----

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

export function renderQuote(quote) {
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

export function clearQuote() {
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

export function renderMarket(market) {
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

export function clearMarket() {
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

export function renderNetwork(network) {
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

export function clearNetwork() {
  for (const id of ['tip-height', 'tip-hash', 'hashrate', 'difficulty', 'halving', 'mempool', 'difficulty-progress-text',
    'difficulty-change', 'difficulty-remaining', 'difficulty-previous']) byId(id).textContent = '—';
  setTime(byId('difficulty-retarget'), null);
  byId('fees').tBodies[0].replaceChildren();
  byId('network-sources').replaceChildren();
  byId('network-failed').hidden = true;
}

// ---- sentiment and blocks ----

export function renderSentiment(sentiment) {
  byId('sentiment-value').textContent = formatInteger(sentiment.value);
  byId('sentiment-meter').value = isNumber(sentiment.value) ? sentiment.value : 0;
  byId('sentiment-class').textContent = sentiment.classification ?? '—';
  setTime(byId('sentiment-time'), sentiment.timestamp_ms);
  setAge(byId('sentiment-next'), null);
  byId('sentiment-next').textContent = formatDuration(sentiment.time_until_update_ms);
  byId('sentiment-source').textContent = sentiment.source ?? '—';
  staleBadge(byId('sentiment-stale'), sentiment);
}

export function clearSentiment() {
  for (const id of ['sentiment-value', 'sentiment-class', 'sentiment-next', 'sentiment-source']) byId(id).textContent = '—';
  setTime(byId('sentiment-time'), null);
  byId('sentiment-meter').value = 0;
}

const MAX_BLOCK_ROWS = 6;

export function renderBlocks(answer) {
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
