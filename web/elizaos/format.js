// Short, unit-explicit text for an agent's context.

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(value) {
  return number.format(value);
}

/** An age in ms as "<1 s", "12 s", "3 min", "2 h" or "1 d". */
export function formatAge(ms) {
  if (!Number.isFinite(ms) || ms < 1000) return '<1 s';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h`;
  return `${Math.floor(ms / 86_400_000)} d`;
}

/** "from coingecko, 12 s old" (+ ", stale" when served past its TTL). */
export function formatProvenance(value) {
  return `from ${value.source}, ${formatAge(value.age_ms)} old${value.stale ? ', stale' : ''}`;
}

/** The fields of a typed error worth showing an agent (never a URL or a key). */
export function errorSummary(error) {
  const fields = typeof error?.toJSON === 'function' ? error.toJSON().error : null;
  if (!fields) return { category: 'internal', message: String(error?.message ?? error) };
  return { category: fields.category, provider: fields.provider, operation: fields.operation, message: fields.message };
}

/** "BTC price: 67,187.33 USD, 24 h +3.64%, from coingecko, 12 s old". */
export function priceText(quote) {
  const change = quote.change_24h_pct === null || quote.change_24h_pct === undefined
    ? '' : `, 24 h ${quote.change_24h_pct >= 0 ? '+' : ''}${formatNumber(quote.change_24h_pct)}%`;
  return `BTC price: ${formatNumber(quote.price)} ${quote.currency.toUpperCase()}${change}, ${formatProvenance(quote)}`;
}
