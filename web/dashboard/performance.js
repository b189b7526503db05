// The performance view's tables: latency per provider and route from the metrics snapshot, and
// the cache hit rates and recommendations of the core's report (the core computes every rate).
import { byId, cell, el, emptyRow, rowHeader, statusBadge } from './dom.js';
import { formatDuration, formatInteger, formatNumber, formatRatio, isNumber } from './format.js';

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

/** Rows of the report's cache.tiers or cache.families; the rates are the core's (monitor/hit_rates.h). */
function hitRateRows(rows, kind) {
  return rows.map((entry) => {
    const row = document.createElement('tr');
    row.dataset[kind] = entry[kind];
    const header = rowHeader(kind === 'tier' ? `${entry[kind]} tier` : entry[kind]);
    row.append(header, cell(formatInteger(entry.lookups), 'numeric'), cell(formatInteger(entry.hits), 'numeric'),
      cell(formatInteger(entry.stale), 'numeric'), cell(formatRatio(entry.hit_rate), 'numeric rate'));
    return row;
  });
}

function renderHitRates(report) {
  const rows = (list, kind) => (Array.isArray(list) ? list : []).filter((entry) => entry?.[kind] && isNumber(entry.lookups));
  const tierRows = rows(report.cache?.tiers, 'tier');
  const familyRows = rows(report.cache?.families, 'family').filter((entry) => entry.lookups > 0);
  const tiers = byId('hit-rates-tiers');
  const families = byId('hit-rates-families');
  byId('hit-rates-window').textContent = isNumber(report.window_covered_ms)
    ? `Lookups over the last ${formatDuration(report.window_covered_ms)} (the report's window).` : '';
  // Memory counts every lookup: no lookups there means none at all.
  if (!tierRows.some((entry) => entry.tier === 'memory' && entry.lookups > 0)) {
    emptyRow(tiers, 5, 'No cache lookups yet');
    families.replaceChildren();
    return;
  }
  tiers.replaceChildren(...hitRateRows(tierRows, 'tier'));
  families.replaceChildren(...hitRateRows(familyRows, 'family'));
}

export function renderMetrics(snapshot) {
  renderLatency(snapshot);
  renderRoutes(snapshot);
}

export function renderReport(report) {
  renderHitRates(report);
  const recommendations = Array.isArray(report.recommendations) ? report.recommendations : [];
  byId('recommendations').replaceChildren(...recommendations.map((recommendation) => {
    const item = el('li');
    item.append(statusBadge(recommendation.severity === 'critical' ? 'unhealthy' : 'degraded', recommendation.severity ?? 'warning'), ' ',
      el('span', recommendation.message ?? recommendation.id));
    return item;
  }));
  byId('recommendations-empty').hidden = recommendations.length > 0;
}
