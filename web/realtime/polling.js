// URLs and REST polling over mempool.space's API, for when the WebSocket is not at hand.
import { RealtimeError, describe, invalid, parseError, statusCategory } from './errors.js';
import { MAX_BLOCKS_PER_MESSAGE, normalizeBlock, normalizeFees, normalizePrices, normalizeRestMempool } from './normalize.js';

/** The WebSocket URL for a mempool.space API base: https://mempool.space/api → wss://mempool.space/api/v1/ws. */
export function mempoolWebSocketUrl(apiBaseUrl) {
  let url;
  try {
    url = new URL(apiBaseUrl);
  } catch {
    throw invalid('apiBaseUrl', `an absolute http(s) URL such as https://mempool.space/api, got ${describe(apiBaseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('apiBaseUrl', `an http: or https: URL, got ${url.protocol}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/ws`;
  return url.href;
}

/**
 * Poll functions over mempool.space's REST API (for `poll` when nothing better is at hand):
 * blocks → /v1/blocks (the tip), fees → /v1/fees/precise (the WS's precision), mempool → /mempool,
 * price → /v1/prices.
 */
export function createMempoolRestPoll({ baseUrl, fetch: fetchImpl = globalThis.fetch?.bind(globalThis) } = {}) {
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) throw invalid('baseUrl', 'an http(s) URL such as https://mempool.space/api');
  if (typeof fetchImpl !== 'function') throw invalid('fetch', 'a fetch function (the host has none)');
  const base = baseUrl.replace(/\/+$/, '');
  async function getJson(path, operation) {
    let res;
    let text;
    try {
      res = await fetchImpl(base + path);
      text = await res.text();
    } catch (cause) {
      throw new RealtimeError('network', `GET ${path} failed: ${cause?.message ?? cause}`, { provider: 'mempool', operation, cause });
    }
    // Check the status first: errors are plain text (e.g. 503 "Service Unavailable").
    if (!res.ok) throw new RealtimeError(statusCategory(res.status), `GET ${path} answered ${res.status}`, { provider: 'mempool', operation, upstreamStatus: res.status });
    try {
      return JSON.parse(text);
    } catch {
      throw new RealtimeError('parse', `GET ${path}: expected JSON, got ${describe(text)}`, { provider: 'mempool', operation, field: path });
    }
  }
  return {
    async blocks() {
      const list = await getJson('/v1/blocks', 'blocks');
      if (!Array.isArray(list) || list.length === 0) throw parseError('/v1/blocks', 'a non-empty array of blocks', list);
      const blocks = list.slice(0, MAX_BLOCKS_PER_MESSAGE).map((b, i) => normalizeBlock(b, `/v1/blocks[${i}]`));
      return blocks.reduce((tip, b) => (b.height > tip.height ? b : tip));
    },
    fees: async () => normalizeFees(await getJson('/v1/fees/precise', 'fees'), '/v1/fees/precise'),
    mempool: async () => normalizeRestMempool(await getJson('/mempool', 'mempool'), '/mempool'),
    price: async () => normalizePrices(await getJson('/v1/prices', 'price'), '/v1/prices'),
  };
}
