// Catalogue consumers: the core publishes one catalogue (describe(), written to
// wasm/dist/catalogue.js at build time) and every part of the shell reads it. These tests fail when
// the JS shell, the HTTP fronts, the dashboard, the realtime code or the .d.ts name a route, kind,
// config key or error category the catalogue does not publish, or miss one it publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

import catalogue from '../../../wasm/dist/catalogue.js';
import { catalogue as exported, createClient } from '../../../web/index.js';
import { CONFIG_KEYS, FRONT_SETTINGS, PRIVATE_CONFIG_KEYS, WORKER_SECRET_KEYS } from '../../../web/http/config.js';
import { DATA_ROUTES, HEALTH_PATH, INVALIDATE_PATH, NETWORK_PARTS, OPS_ROUTES, ROUTE_KINDS, matchApi } from '../../../web/http/routes.js';
import { CONFIG_KEYS as ELIZA_CONFIG_KEYS } from '../../../web/elizaos/settings.js';
import { RealtimeError, createMempoolRestPoll } from '../../../web/realtime.js';

const REPO = new URL('../../../', import.meta.url);
const read = (path) => readFile(new URL(path, REPO), 'utf8');
const names = (list) => list.map((entry) => entry.name);
const sorted = (items) => [...new Set(items)].sort();

const ROUTE_NAMES = names(catalogue.routes);
const KIND_NAMES = names(catalogue.kinds);
const CONFIG_NAMES = names(catalogue.config);
const CATEGORY_NAMES = names(catalogue.errors.categories);
const ALL_PATHS = [...catalogue.routes, ...catalogue.operational_routes].map((route) => route.path);

/** Every JS source file under `dir` (recursively). */
async function sources(dir) {
  const out = [];
  for (const entry of await readdir(new URL(dir, REPO), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(m?js)$/.test(entry.name)) out.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return out;
}

const literals = (text, pattern) => [...text.matchAll(pattern)].map((match) => match[1]);

test('the catalogue is the core\'s: built from describe(), deep-frozen, the same object the package exports', () => {
  assert.equal(exported, catalogue);
  assert.ok(Object.isFrozen(catalogue) && Object.isFrozen(catalogue.routes[0].params) && Object.isFrozen(catalogue.config[0]));
  assert.throws(() => { catalogue.routes.push({}); }, TypeError);
  for (const section of ['routes', 'operational_routes', 'kinds', 'config', 'network_parts', 'metrics']) assert.ok(catalogue[section].length > 0, section);
  assert.equal(new Set(ALL_PATHS).size, ALL_PATHS.length, 'every path is one route');
  // Spot checks against the C++ sources' values (the GoogleTest suite checks them all).
  assert.equal(catalogue.routes.find((r) => r.name === 'tip').path, '/api/v1/blocks/tip');
  assert.equal(catalogue.kinds.find((k) => k.name === 'fees').ttl_ms, 10_000);
  assert.equal(catalogue.errors.categories.find((c) => c.name === 'validation').http_status, 400);
});

test('client.describe() publishes the client\'s own windows; the module\'s catalogue has the defaults', async () => {
  const client = await createClient({ PERFORMANCE_ENABLED: 'false', HEALTH_CHECK_ENABLED: 'false', REALTIME_ENABLED: 'false', CACHE_TTL_FEES: '1234', CACHE_SWR_PRICE: 4321 }, { store: 'none' });
  try {
    const described = await client.describe();
    assert.equal(described.kinds.find((k) => k.name === 'fees').ttl_ms, 1234);
    assert.equal(described.kinds.find((k) => k.name === 'price').swr_ms, 4321);
    assert.equal(catalogue.kinds.find((k) => k.name === 'fees').ttl_ms, 10_000);
    const { kinds, ...rest } = described;
    const { kinds: defaultKinds, ...defaultRest } = catalogue;
    assert.deepEqual(rest, JSON.parse(JSON.stringify(defaultRest)), 'only the windows follow the config');
    assert.equal(kinds.length, defaultKinds.length);
  } finally {
    client.close();
  }
});

test('the JS shell: one method per route, each naming a published route, and only published categories', async () => {
  const source = await read('web/index.js');
  const client = await createClient({ PERFORMANCE_ENABLED: 'false', HEALTH_CHECK_ENABLED: 'false', REALTIME_ENABLED: 'false' }, { store: 'none' });
  try {
    for (const route of ROUTE_NAMES) assert.equal(typeof client[route], 'function', `client.${route}() missing`);
  } finally {
    client.close();
  }
  assert.deepEqual(sorted(literals(source, /this\.request\('([a-z_]+)'/g)), sorted(ROUTE_NAMES));
  for (const category of literals(source, /category: '([a-z_0-9]+)'/g)) assert.ok(CATEGORY_NAMES.includes(category), `web/index.js names category ${category}`);
  assert.doesNotMatch(source, /const ROUTES\b/, 'no copy of the route list');
});

test('the HTTP fronts: every data and operational route, parameters and kinds from the catalogue', () => {
  assert.deepEqual(sorted(DATA_ROUTES.keys()), sorted(catalogue.routes.map((r) => r.path)));
  for (const route of catalogue.routes) {
    const spec = DATA_ROUTES.get(route.path);
    assert.equal(spec.route, route.name);
    assert.equal(spec.kind, route.kind);
    assert.equal(ROUTE_KINDS.get(route.name), route.kind);
    assert.deepEqual(sorted(Object.keys(spec.params)), sorted(names(route.params)));
    if (route.kind !== null) assert.ok(KIND_NAMES.includes(route.kind), `${route.name}: kind ${route.kind}`);
  }
  assert.deepEqual(NETWORK_PARTS, catalogue.network_parts);
  const operational = new Map(catalogue.operational_routes.map((r) => [r.path, r]));
  assert.deepEqual(sorted([...OPS_ROUTES.keys(), HEALTH_PATH, INVALIDATE_PATH]), sorted(operational.keys()));
  for (const [path, spec] of OPS_ROUTES) assert.equal(spec.op, operational.get(path).op);
  // Parameters parse as the catalogue says: the pattern after normalising, the default when absent, the range.
  assert.deepEqual(matchApi(new URL('https://x/api/v1/price?currency=EUR')).params, { currency: 'eur' });
  assert.deepEqual(matchApi(new URL('https://x/api/v1/market')).params, { currency: 'usd' });
  assert.throws(() => matchApi(new URL('https://x/api/v1/price?currency=euro')), /currency must be a three-letter/);
  const window = operational.get('/api/v1/report').params.find((p) => p.name === 'window_ms');
  assert.equal(matchApi(new URL(`https://x/api/v1/report?window_ms=${window.max}`)).params.window_ms, window.max);
  assert.throws(() => matchApi(new URL(`https://x/api/v1/report?window_ms=${window.max + 1}`)), /window_ms must be a whole number/);
});

test('every /api/v1 path named in web/ (fronts, shell, dashboard) is a published route', async () => {
  const files = [...(await sources('web/')), ...(await sources('scripts/')).filter((f) => /serve|start/.test(f))];
  let named = 0;
  for (const file of files) {
    if (file.includes('/vendor/')) continue;
    const text = await readFile(file, 'utf8');
    for (const path of literals(text, /['"`](\/api\/v1\/[a-z0-9_./-]*)/g)) {
      named += 1;
      assert.ok(ALL_PATHS.includes(path.replace(/\?.*$/, '')), `${file} names ${path}, which the catalogue does not publish`);
    }
  }
  assert.ok(named > 0);
});

test('the dashboard names only published routes, metric families and error categories', async () => {
  const files = (await sources('web/dashboard/')).filter((f) => !f.includes('/vendor/'));
  assert.ok(files.length > 0);
  const metricNames = names(catalogue.metrics);
  // What the dashboard shows for a failed network part that carries no category: a label, not one.
  const displayFallbacks = new Set(['error']);
  const paths = new Set();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const path of literals(text, /['"`](\/api\/v1\/[a-z0-9_./-]*)/g)) paths.add(path);
    for (const metric of literals(text, /['"`](ltl_[a-z0-9_]+)['"`]/g)) assert.ok(metricNames.includes(metric), `${file} reads metric ${metric}`);
    for (const category of [...literals(text, /ApiFailure\('([a-z_0-9]+)'/g), ...literals(text, /category \?\? '([a-z_0-9]+)'/g)]) {
      assert.ok(CATEGORY_NAMES.includes(category) || displayFallbacks.has(category), `${file} names category ${category}`);
    }
  }
  for (const path of paths) assert.ok(ALL_PATHS.includes(path), `the dashboard fetches ${path}`);
  // The data routes the dashboard shows exist: at least price and network.
  assert.ok(paths.has('/api/v1/price') && paths.has('/api/v1/network'));
});

test('config keys: the fronts and the ElizaOS plugin read the core\'s list; front-only settings repeat none', async () => {
  assert.deepEqual([...CONFIG_KEYS], CONFIG_NAMES);
  assert.equal(ELIZA_CONFIG_KEYS, CONFIG_KEYS);
  for (const key of catalogue.config.filter((k) => k.secret || k.type === 'url')) assert.ok(PRIVATE_CONFIG_KEYS.includes(key.name), key.name);
  for (const key of Object.keys(FRONT_SETTINGS)) assert.ok(!CONFIG_NAMES.includes(key), `FRONT_SETTINGS repeats core key ${key}`);
  for (const key of WORKER_SECRET_KEYS) assert.ok(!CONFIG_NAMES.includes(key), key);
  // No source under web/ spells a config-shaped key the core does not have (outside front settings,
  // worker bindings and the ElizaOS action/provider names).
  const known = new Set([...CONFIG_NAMES, ...Object.keys(FRONT_SETTINGS), ...WORKER_SECRET_KEYS]);
  for (const file of await sources('web/')) {
    if (file.includes('/vendor/') || file.includes('/elizaos/')) continue;
    const text = await readFile(file, 'utf8');
    for (const key of literals(text, /['"`]((?:CACHE|REDIS|HTTP|RETRY|BREAKER|PERFORMANCE|HEALTH|REALTIME|REQUEST|RATE|CONSENSUS|SUPPORTED|PRICE|NETWORK)_[A-Z0-9_]+)['"`]/g)) {
      assert.ok(known.has(key), `${file} names ${key}, not a published config key`);
    }
    assert.doesNotMatch(text, /`CACHE_(TTL|SWR|STALE_IF_ERROR)_\$\{/, `${file} builds window key names instead of reading the catalogue's`);
  }
  // Each kind's window keys are published keys.
  for (const kind of catalogue.kinds) for (const key of Object.values(kind.config_keys)) assert.ok(CONFIG_NAMES.includes(key), key);
});

test('realtime errors carry the core\'s severity and retryability, and the core\'s status rule (408 is a timeout)', async () => {
  for (const category of catalogue.errors.categories) {
    const error = new RealtimeError(category.name, 'm');
    assert.equal(error.severity, category.severity, category.name);
    assert.equal(error.retryable, category.retryable, category.name);
  }
  const categoryOf = async (status) => {
    const poll = createMempoolRestPoll({ baseUrl: 'https://mempool.invalid/api', fetch: async () => new Response('nope', { status }) });
    const error = await poll.fees().then(() => null, (err) => err);
    assert.ok(error instanceof RealtimeError);
    assert.equal(error.upstreamStatus, status);
    return error.category;
  };
  assert.equal(await categoryOf(408), 'timeout');
  assert.equal(await categoryOf(429), 'rate_limited');
  assert.equal(await categoryOf(404), 'upstream_4xx');
  assert.equal(await categoryOf(503), 'upstream_5xx');
  const source = (await Promise.all((await sources('web/realtime/')).map((f) => readFile(f, 'utf8')))).join('\n') + (await read('web/realtime.js'));
  assert.doesNotMatch(source, /const SEVERITY\b|status === 429/, 'no copy of the severity map or the status rule');
  for (const category of literals(source, /RealtimeError\('([a-z_0-9]+)'/g)) assert.ok(CATEGORY_NAMES.includes(category), category);
});

// The .d.ts, read with the TypeScript compiler API.
function declarations(file) {
  const path = fileURLToPath(new URL(file, REPO));
  const program = ts.createProgram([path], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(errors, [], `${file} compiles`);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(path)));
  const typeOf = (name) => {
    const symbol = exports.find((e) => e.name === name);
    assert.ok(symbol, `${file} exports ${name}`);
    return checker.getDeclaredTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  };
  const union = (name) => {
    const type = typeOf(name);
    return sorted((type.isUnion() ? type.types : [type]).map((t) => {
      assert.ok(t.isStringLiteral(), `${name} is a union of string literals`);
      return t.value;
    }));
  };
  const keys = (name) => sorted(checker.getPropertiesOfType(typeOf(name)).map((p) => p.name));
  return { union, keys };
}

test('web/index.d.ts: the route, kind, config key and error category types are exactly the catalogue\'s', () => {
  const dts = declarations('web/index.d.ts');
  assert.deepEqual(dts.union('Route'), sorted(ROUTE_NAMES));
  assert.deepEqual(dts.keys('RouteAnswers'), sorted(ROUTE_NAMES));
  assert.deepEqual(dts.union('DataKind'), sorted(KIND_NAMES));
  assert.deepEqual(dts.union('DataKindKey'), sorted(KIND_NAMES.map((k) => k.toUpperCase())));
  assert.deepEqual(dts.keys('LtlConfig'), sorted(CONFIG_NAMES));
  assert.deepEqual(dts.union('ConfigKey'), sorted(CONFIG_NAMES));
  assert.deepEqual(dts.union('ErrorCategory'), sorted(CATEGORY_NAMES));
  assert.deepEqual(dts.union('Severity'), sorted(catalogue.errors.categories.map((c) => c.severity)));
});

test('web/realtime.d.ts names only published error categories', () => {
  const dts = declarations('web/realtime.d.ts');
  for (const category of dts.union('ErrorCategory')) assert.ok(CATEGORY_NAMES.includes(category), category);
});
