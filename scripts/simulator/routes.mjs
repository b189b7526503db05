import { mempool, esplora, blockchainInfo } from './providers/explorers.mjs';
import { coingecko, coinbase, kraken, binance, alternative } from './providers/markets.mjs';

// ":height" matches digits only (other paths fall through to 404); any other ":name" one segment.
function pathPattern(path) {
  const names = [];
  const source = path
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return name === 'height' ? '(\\d+)' : '([^/]+)';
    });
  return { regex: new RegExp(`^${source}$`), names };
}

const compile = (provider) => ({
  ...provider,
  routes: provider.routes.map((route) => ({ ...route, patterns: route.paths.map(pathPattern) })),
});

// In the order of the documented baseUrls keys.
export const PROVIDERS = [mempool, esplora, coingecko, coinbase, kraken, binance, alternative, blockchainInfo].map(compile);

const ROUTE_IDS = new Set(PROVIDERS.flatMap((p) => [...p.routes.map((r) => r.id), `${p.name}.unknown`]));
const WILDCARDS = new Set(['*', ...PROVIDERS.map((p) => `${p.name}.*`)]);

export const isFaultTarget = (target) => ROUTE_IDS.has(target) || WILDCARDS.has(target);

export const baseUrls = (url) => Object.fromEntries(PROVIDERS.map((p) => [p.envKey, url + p.prefix]));

export const routeTable = () =>
  PROVIDERS.flatMap((p) => p.routes.flatMap((r) => r.paths.map((path) => ({ id: r.id, method: 'GET', path: p.prefix + path }))));

function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// The provider owning `pathname` and the matched route; route is null (id "<provider>.unknown")
// for paths under a provider prefix that no route serves. Null outside every provider.
export function matchRequest(method, pathname) {
  const provider = PROVIDERS.find((p) => pathname === p.prefix || pathname.startsWith(`${p.prefix}/`));
  if (!provider) return null;
  const rest = pathname.slice(provider.prefix.length);
  if (method === 'GET' || method === 'HEAD') {
    for (const route of provider.routes) {
      for (const { regex, names } of route.patterns) {
        const m = regex.exec(rest);
        if (m) return { provider, route, routeId: route.id, params: Object.fromEntries(names.map((n, i) => [n, decode(m[i + 1])])) };
      }
    }
  }
  return { provider, route: null, routeId: `${provider.name}.unknown`, params: {} };
}
