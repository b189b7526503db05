// Number, money, percent, duration and time formatting for the dashboard (the user's locale);
// '—' for anything missing, so 0 and missing never look alike.

export const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

export function formatNumber(value, maximumFractionDigits = 2) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { maximumFractionDigits }).format(value) : '—';
}

export function formatInteger(value) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(value) : '—';
}

export function formatCompact(value) {
  return isNumber(value) ? new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 2 }).format(value) : '—';
}

export function formatMoney(amount, currency, options = {}) {
  if (!isNumber(amount)) return '—';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase(), ...options }).format(amount);
}

export function formatCompactMoney(amount, currency) {
  return formatMoney(amount, currency, { notation: 'compact', maximumFractionDigits: 2 });
}

export function formatPercent(value, digits = 2, signed = false) {
  if (!isNumber(value)) return '—';
  // exceptZero: "+0.16", "-1.81", and plain "0" for whatever rounds to zero.
  const format = new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto' });
  return `${format.format(value)} %`;
}

export function formatRatio(ratio) {
  return isNumber(ratio) ? formatPercent(ratio * 100, 1) : '—';
}

export function formatDuration(ms) {
  if (!isNumber(ms)) return '—';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatTime(ms) {
  return isNumber(ms) ? new Date(ms).toLocaleString() : '—';
}

export const SAT_PER_BTC = 1e8;
export const HS_PER_EHS = 1e18;

export function shortHash(hash) {
  return typeof hash === 'string' && hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-10)}` : hash ?? '—';
}
