// The performance view's uPlot charts, drawn from /api/v1/history (rates and percentiles per
// series, and the cache hit-rate series the core derives).
import { byId } from './dom.js';
import { formatCompact, formatNumber, isNumber } from './format.js';

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

/** A core ratio column (0..1 or null, aligned with history.t) in percent, for display. */
function percentSeries(ratios, length) {
  const values = Array.isArray(ratios) ? ratios : [];
  return Array.from({ length }, (_, i) => (isNumber(values[i]) ? values[i] * 100 : null));
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

  // Hit rates per interval as the core derives them (monitor/hit_rates.h): all tiers, and each
  // tier when there is more than one.
  const hitRates = history?.cache_hit_rate ?? {};
  const tierRates = Object.entries(hitRates.tiers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const hitRate = [{ label: 'all tiers', values: percentSeries(hitRates.all, length) }];
  if (tierRates.length > 1) {
    for (const [tier, ratios] of tierRates) hitRate.push({ label: tier, values: percentSeries(ratios, length) });
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

export async function renderHistory(history) {
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
