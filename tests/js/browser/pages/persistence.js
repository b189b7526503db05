// Test page for the persistent cache tier: loads the package (web/index.js) as a web page would,
// asks for the USD price once and shows the answer with its provenance and the cache's health.
// The client config comes from ?config=<JSON>; the page keeps it across reloads.
import { createClient } from '/web/index.js';

const byId = (id) => document.getElementById(id);

function formatAge(ms) {
  const seconds = Math.floor(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function showQuote(quote) {
  byId('price').textContent = new Intl.NumberFormat('en-US', { style: 'currency', currency: quote.currency.toUpperCase() }).format(quote.price);
  byId('price').dataset.value = String(quote.price);
  byId('stale').hidden = !quote.stale;
  byId('source').textContent = quote.source;
  byId('cache').textContent = quote.cache;
  byId('age').textContent = formatAge(quote.age_ms);
  byId('fetched-at').textContent = new Date(quote.fetched_at).toISOString();
  byId('fetched-at').dateTime = new Date(quote.fetched_at).toISOString();
  if (quote.stale_reason) {
    byId('stale-reason').textContent = `Stale because the upstream failed: ${quote.stale_reason.category}: ${quote.stale_reason.message}`;
    byId('stale-reason').hidden = false;
  }
}

function showHealth(health) {
  byId('cache-service').textContent = `${health.services.cache.status} (${health.services.cache.reason})`;
  byId('cache-service').dataset.status = health.services.cache.status;
  byId('tiers').tBodies[0].replaceChildren(...health.cache_tiers.map((tier) => {
    const row = document.createElement('tr');
    row.dataset.tier = tier.name;
    row.dataset.status = tier.status;
    for (const text of [tier.name, tier.status, tier.reason ?? '']) row.insertCell().textContent = text;
    return row;
  }));
}

async function main() {
  const config = JSON.parse(new URLSearchParams(location.search).get('config') ?? '{}');
  const result = {};
  let ltl;
  try {
    ltl = await createClient(config);
    window.ltl = ltl; // the test reads health and cache stats through it
    result.quote = await ltl.price('usd');
    showQuote(result.quote);
    byId('status').textContent = result.quote.stale ? 'Showing the last known price (stale)' : 'Price loaded';
  } catch (err) {
    result.error = typeof err.toJSON === 'function' ? err.toJSON().error : { category: 'internal', message: String(err) };
    byId('error').textContent = `${result.error.category}: ${result.error.message}`;
    byId('error').hidden = false;
    byId('status').textContent = 'No price';
  }
  if (ltl) {
    result.health = await ltl.health();
    showHealth(result.health);
    /** Re-reads health (a tier's failure is noticed when its write fails, after the answer). */
    window.refreshHealth = async () => {
      const health = await ltl.health();
      showHealth(health);
      return health;
    };
  }
  window.result = result;
  document.body.dataset.done = 'true';
}

main();
