// The health view: services, circuit breakers, cache tiers, active and recent alerts.
import { byId, cell, el, emptyRow, rowHeader, setStatus, statusBadge } from './dom.js';
import { formatDuration, formatInteger, formatNumber, formatRatio, formatTime, isNumber } from './format.js';

// ---- health ----

/** health.breakers is {providers: {name: {...}}} from the core; an array is accepted too. */
function breakerList(breakers) {
  if (Array.isArray(breakers)) return breakers;
  if (breakers && typeof breakers.providers === 'object') return Object.values(breakers.providers);
  return [];
}

export function renderHealth(health) {
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

export function clearHealth() {
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

export function renderAlerts(alerts) {
  const active = Array.isArray(alerts.active) ? alerts.active : [];
  const recent = Array.isArray(alerts.recent) ? alerts.recent.slice(-MAX_RECENT_ALERTS).reverse() : [];
  byId('alerts').replaceChildren(...active.map(alertItem));
  byId('alerts-empty').hidden = active.length > 0;
  byId('recent-alerts').replaceChildren(...recent.map(alertItem));
  byId('recent-alerts-empty').hidden = recent.length > 0;
}
