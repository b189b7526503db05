// Micro-benchmark: the JS API's synchronous memory-tier cache (ltl.cache, C++ in WASM behind
// plain WASM exports, web/hot-path.js) versus lru-cache and a plain Map, on 1 KB JSON string values.
// Not part of `npm test`: timings depend on the machine. Results: docs/benchmarks.md.
//
//   node bench/cache-bench.mjs [--keys=10000] [--rounds=25] [--warmup=5] [--json=out.json]
//
// Every implementation sees the same key arrays in the same order; rounds are
// interleaved (round r runs every implementation before round r+1) so drift on a
// shared machine hits them alike. Each timed unit is one loop of `keys` operations;
// ns/op = loop time / keys. We report the median and p95 of the per-round ns/op.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import createLtlModule from '../wasm/dist/bitcoin-ltl.mjs';
import { createClient } from '../web/index.js';
import { HotPath } from '../web/hot-path.js';
import { mulberry32 } from './random.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [name, value = 'true'] = arg.replace(/^--/, '').split('=');
  return [name, value];
}));
const KEY_COUNT = Number(args.keys ?? 10000);
const ROUNDS = Number(args.rounds ?? 25);
const WARMUP_ROUNDS = Number(args.warmup ?? 5);
if (!(Number.isInteger(KEY_COUNT) && KEY_COUNT > 0 && Number.isInteger(ROUNDS) && ROUNDS > 0 && Number.isInteger(WARMUP_ROUNDS) && WARMUP_ROUNDS >= 0)) {
  throw new Error('--keys and --rounds must be positive integers, --warmup a non-negative integer');
}
const TTL_MS = 60000;
const VALUE_BYTES = 1024;
const SEED = 12345;

// ---- Deterministic inputs ---------------------------------------------------------

const random = mulberry32(SEED);

function shuffled(array) {
  const out = array.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// A price-like JSON document padded to exactly `bytes` ASCII bytes (= UTF-8 bytes).
function jsonValue(id, bytes) {
  const doc = { id, price: 97000 + (id % 1000) / 7, currency: 'usd', market_cap: 1.9e12 + id, volume_24h: 3.1e10,
    change_24h_pct: ((id % 200) - 100) / 37, source: 'coingecko', as_of: 1767225600000 + id, pad: '' };
  const base = JSON.stringify(doc).length;
  doc.pad = 'x'.repeat(Math.max(0, bytes - base));
  const text = JSON.stringify(doc);
  if (text.length !== bytes) throw new Error(`value ${id}: ${text.length} bytes, expected ${bytes}`);
  return text;
}

const hitKeys = Array.from({ length: KEY_COUNT }, (_, i) => `bench:key:${i}`);
const values = hitKeys.map((_, i) => jsonValue(i, VALUE_BYTES));
const missKeys = Array.from({ length: KEY_COUNT }, (_, i) => `bench:miss:${i}`);
const getOrder = shuffled(hitKeys.map((_, i) => i));
const hitKeysShuffled = getOrder.map((i) => hitKeys[i]);
const valuesForShuffled = getOrder.map((i) => values[i]);
const missKeysShuffled = shuffled(missKeys);
// Insert-with-eviction: every round writes KEY_COUNT keys never seen before.
const evictKeysPerRound = Array.from({ length: WARMUP_ROUNDS + ROUNDS + 1 }, (_, r) =>
  Array.from({ length: KEY_COUNT }, (_, i) => `bench:r${r}:${i}`));
// Anatomy inputs.
const smallValues = hitKeys.map((_, i) => JSON.stringify({ i: String(i).padStart(8, '0') })); // 16-byte JSON values
const smallKeys = hitKeys.map((_, i) => `bench:small:${i}`);
const bigMissKeys = missKeys.map((key) => key + ':' + 'k'.repeat(VALUE_BYTES - key.length - 1)); // 1 KB keys
const emptyKeys = missKeys.map(() => '');

// ---- Implementations ---------------------------------------------------------------

const ltlConfig = (maxEntries) => ({
  CACHE_MAX_ENTRIES: maxEntries,
  CACHE_MAX_BYTES: 256 * 1024 * 1024,
  CACHE_MAX_ENTRY_BYTES: 64 * 1024,
  REALTIME_ENABLED: 'false',
  HEALTH_CHECK_ENABLED: 'false',
  PERFORMANCE_ENABLED: 'false',
});

const ltl = await createClient(ltlConfig(KEY_COUNT * 4), { store: 'none' });
const ltlFull = await createClient(ltlConfig(KEY_COUNT), { store: 'none' });
const lru = new LRUCache({ max: KEY_COUNT * 4, ttl: TTL_MS });
const lruFull = new LRUCache({ max: KEY_COUNT, ttl: TTL_MS });
const map = new Map();
const mapFull = { map: new Map(), order: [], head: 0 }; // bounded FIFO Map

// The hot exports without the JS shell's Client (web/index.js), on their own module instance,
// to split the shell's cost from the boundary's.
const wasmBinary = await readFile(new URL('../wasm/dist/bitcoin-ltl.wasm', import.meta.url));
const WASM_SHA256 = createHash('sha256').update(wasmBinary).digest('hex').slice(0, 16);
const wasm = await createLtlModule({ wasmBinary });
const native = new wasm.Client(undefined, null);
{
  const error = native.configure(JSON.stringify(ltlConfig(KEY_COUNT * 4)));
  if (error) throw new Error(`native configure: ${error}`);
}
const hot = new HotPath(wasm, native.handle());

// Each loop gets its own Function so V8 keeps a separate (monomorphic) feedback vector
// per implementation and operation; a shared loop would be megamorphic and penalise Map most.
function loop(body) {
  // eslint-disable-next-line no-new-func
  return new Function('c', 'keys', 'vals', `"use strict"; let sink = 0;
    for (let i = 0; i < keys.length; i++) { ${body} }
    return sink;`);
}

const LTL_TTL = `{ ttlMs: ${TTL_MS} }`;
// Each case: keys(round) → key array, optional vals, impls: name → [target object, loop body], expected checksum.
const cases = [
  {
    name: 'get (hit)',
    keys: () => hitKeysShuffled,
    impls: {
      ltl: [ltl.cache, 'const v = c.get(keys[i]); sink += v === undefined ? -1e9 : v.length;'],
      'lru-cache': [lru, 'const v = c.get(keys[i]); sink += v === undefined ? -1e9 : v.length;'],
      Map: [map, 'const v = c.get(keys[i]); sink += v === undefined ? -1e9 : v.length;'],
    },
    expect: KEY_COUNT * VALUE_BYTES,
  },
  {
    name: 'get (miss)',
    keys: () => missKeysShuffled,
    impls: {
      ltl: [ltl.cache, 'if (c.get(keys[i]) === undefined) sink++;'],
      'lru-cache': [lru, 'if (c.get(keys[i]) === undefined) sink++;'],
      Map: [map, 'if (c.get(keys[i]) === undefined) sink++;'],
    },
    expect: KEY_COUNT,
  },
  {
    name: 'has (miss)',
    keys: () => missKeysShuffled,
    impls: {
      ltl: [ltl.cache, 'if (!c.has(keys[i])) sink++;'],
      'lru-cache': [lru, 'if (!c.has(keys[i])) sink++;'],
      Map: [map, 'if (!c.has(keys[i])) sink++;'],
    },
    expect: KEY_COUNT,
  },
  {
    name: 'set (overwrite)',
    keys: () => hitKeysShuffled,
    vals: valuesForShuffled,
    impls: {
      ltl: [ltl.cache, `if (c.set(keys[i], vals[i], ${LTL_TTL}) === true) sink++;`],
      'lru-cache': [lru, 'c.set(keys[i], vals[i]); sink++;'],
      Map: [map, 'c.set(keys[i], vals[i]); sink++;'],
    },
    expect: KEY_COUNT,
  },
  {
    name: 'set (insert, full: evicts LRU)',
    keys: (round) => evictKeysPerRound[round],
    vals: values,
    impls: {
      ltl: [ltlFull.cache, `if (c.set(keys[i], vals[i], ${LTL_TTL}) === true) sink++;`],
      'lru-cache': [lruFull, 'c.set(keys[i], vals[i]); sink++;'],
      // A Map has no LRU; the closest bounded equivalent drops the oldest insertion (FIFO),
      // tracked in an array: Map#keys().next() after many front deletions walks the
      // deleted slots and would measure V8's tombstones, not the eviction.
      Map: [mapFull, `const m = c.map; m.set(keys[i], vals[i]); c.order.push(keys[i]);
        if (m.size > ${KEY_COUNT}) m.delete(c.order[c.head++]); sink++;`],
    },
    expect: KEY_COUNT,
  },
];

// Where ltl's time goes: the same calls with one part changed at a time.
const anatomy = [
  { name: 'raw WASM export call: _free(0)', target: wasm, keys: () => missKeysShuffled, body: 'c._free(0); sink++;', expect: KEY_COUNT },
  { name: 'hot export ltl_cache_has, empty key (miss)', target: hot, keys: () => emptyKeys, body: 'if (!c.cacheHas(keys[i])) sink++;', expect: KEY_COUNT },
  { name: 'hot export ltl_cache_has, 18 B key (miss)', target: hot, keys: () => missKeysShuffled, body: 'if (!c.cacheHas(keys[i])) sink++;', expect: KEY_COUNT },
  { name: 'hot export ltl_cache_has, 1 KB key (miss)', target: hot, keys: () => bigMissKeys, body: 'if (!c.cacheHas(keys[i])) sink++;', expect: KEY_COUNT },
  { name: 'JS shell ltl.cache.has, 18 B key (miss)', target: ltl.cache, keys: () => missKeysShuffled, body: 'if (!c.has(keys[i])) sink++;', expect: KEY_COUNT },
  { name: 'hot export ltl_cache_has (hit, 1 KB value)', target: hot, keys: () => hitKeysShuffled, body: 'if (c.cacheHas(keys[i])) sink++;', expect: KEY_COUNT },
  { name: 'hot export ltl_cache_get (hit, 16 B value)', target: hot, keys: () => smallKeys, body: 'sink += c.cacheGet(keys[i]).length;', expect: KEY_COUNT * 16 },
  { name: 'hot export ltl_cache_get (hit, 1 KB value)', target: hot, keys: () => hitKeysShuffled, body: 'sink += c.cacheGet(keys[i]).length;', expect: KEY_COUNT * VALUE_BYTES },
  { name: 'JS shell ltl.cache.get (hit, 1 KB)', target: ltl.cache, keys: () => hitKeysShuffled, body: 'sink += c.get(keys[i]).length;', expect: KEY_COUNT * VALUE_BYTES },
  { name: 'hot export ltl_cache_set (overwrite, 1 KB value)', target: hot, keys: () => hitKeysShuffled, vals: valuesForShuffled, body: `if (c.cacheSet(keys[i], vals[i], ${TTL_MS})) sink++;`, expect: KEY_COUNT },
];

// Plain-JS references for the same byte counts (what a copy could cost at best).
const heapScratch = wasm._malloc(VALUE_BYTES + 16);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
encoder.encodeInto(values[0], wasm.HEAPU8.subarray(heapScratch, heapScratch + VALUE_BYTES));
const references = [
  { name: 'TextEncoder.encodeInto 1 KB into the WASM heap', target: wasm, keys: () => valuesForShuffled,
    body: `sink += ENC.encodeInto(keys[i], c.HEAPU8.subarray(${heapScratch}, ${heapScratch + VALUE_BYTES})).written;`, expect: KEY_COUNT * VALUE_BYTES },
  { name: 'TextDecoder.decode 1 KB from the WASM heap', target: wasm, keys: () => hitKeysShuffled,
    body: `sink += DEC.decode(c.HEAPU8.subarray(${heapScratch}, ${heapScratch + VALUE_BYTES})).length;`, expect: KEY_COUNT * VALUE_BYTES },
  { name: 'JSON.parse of the 1 KB value', target: null, keys: () => valuesForShuffled, body: 'sink += JSON.parse(keys[i]).id >= 0 ? 1 : 0;', expect: KEY_COUNT },
];
// new Function bodies only see globals.
globalThis.ENC = encoder;
globalThis.DEC = decoder;

// ---- Fill and check ----------------------------------------------------------------

for (let i = 0; i < KEY_COUNT; i++) {
  if (ltl.cache.set(hitKeys[i], values[i], { ttlMs: TTL_MS }) !== true) throw new Error('ltl set refused');
  lru.set(hitKeys[i], values[i]);
  map.set(hitKeys[i], values[i]);
  if (!hot.cacheSet(hitKeys[i], values[i], TTL_MS)) throw new Error('native set refused');
  if (!hot.cacheSet(smallKeys[i], smallValues[i], TTL_MS)) throw new Error('native small set refused');
  const seed = evictKeysPerRound[evictKeysPerRound.length - 1][i];
  ltlFull.cache.set(seed, values[i], { ttlMs: TTL_MS });
  lruFull.set(seed, values[i]);
  mapFull.map.set(seed, values[i]);
  mapFull.order.push(seed);
}
for (let i = 0; i < KEY_COUNT; i += 97) {
  for (const [name, got] of [['ltl', ltl.cache.get(hitKeys[i])], ['lru-cache', lru.get(hitKeys[i])], ['Map', map.get(hitKeys[i])]]) {
    if (got !== values[i]) throw new Error(`${name}: wrong value for ${hitKeys[i]}`);
  }
  if (ltl.cache.get(missKeys[i]) !== undefined || lru.get(missKeys[i]) !== undefined) throw new Error('miss key present');
}

// ---- Timing ------------------------------------------------------------------------

const series = new Map(); // label → ns/op per measured round
function record(label, round, nsPerOp) {
  if (round < WARMUP_ROUNDS) return;
  if (!series.has(label)) series.set(label, []);
  series.get(label).push(nsPerOp);
}

const compiled = [];
for (const c of cases) {
  for (const [impl, [target, body]] of Object.entries(c.impls)) {
    compiled.push({ label: `${c.name}|${impl}`, target, fn: loop(body), keys: c.keys, vals: c.vals, expect: c.expect });
  }
}
for (const a of [...anatomy, ...references]) {
  compiled.push({ label: `anatomy|${a.name}`, target: a.target, fn: loop(a.body), keys: a.keys, vals: a.vals, expect: a.expect });
}

const started = process.hrtime.bigint();
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const unit of compiled) {
    const keys = unit.keys(round);
    const t0 = process.hrtime.bigint();
    const sink = unit.fn(unit.target, keys, unit.vals);
    const t1 = process.hrtime.bigint();
    if (sink !== unit.expect) throw new Error(`${unit.label}: checksum ${sink}, expected ${unit.expect} (round ${round})`);
    record(unit.label, round, Number(t1 - t0) / keys.length);
  }
}
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;

function quantile(sorted, q) {
  // Nearest-rank.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}
function summary(label) {
  const sorted = series.get(label).slice().sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), rounds: sorted.length };
}

const ltlStats = ltl.cache.stats();
const fmt = (ns) => (ns >= 100 ? ns.toFixed(0) : ns.toFixed(1));
const lines = [];
lines.push(`wasm/dist/bitcoin-ltl.wasm sha256 ${WASM_SHA256}…, node ${process.version}, lru-cache ${JSON.parse(await readFile(new URL('../node_modules/lru-cache/package.json', import.meta.url))).version}`);
lines.push(`cache-bench: ${KEY_COUNT} keys, 1 KB values, ${WARMUP_ROUNDS} warm-up + ${ROUNDS} rounds of ${KEY_COUNT} ops per cell, ${elapsedS.toFixed(1)} s`);
lines.push('');
lines.push('| operation | ltl.cache median (p95) ns/op | lru-cache median (p95) | Map median (p95) | ltl / lru-cache | ltl / Map |');
lines.push('|---|---|---|---|---|---|');
const results = { cases: {}, anatomy: {} };
for (const c of cases) {
  const s = Object.fromEntries(Object.keys(c.impls).map((impl) => [impl, summary(`${c.name}|${impl}`)]));
  results.cases[c.name] = s;
  lines.push(`| ${c.name} | ${fmt(s.ltl.median)} (${fmt(s.ltl.p95)}) | ${fmt(s['lru-cache'].median)} (${fmt(s['lru-cache'].p95)}) | ` +
    `${fmt(s.Map.median)} (${fmt(s.Map.p95)}) | ${(s.ltl.median / s['lru-cache'].median).toFixed(1)}× | ${(s.ltl.median / s.Map.median).toFixed(0)}× |`);
}
lines.push('');
lines.push('| where the time goes (ltl) | median (p95) ns/op |');
lines.push('|---|---|');
for (const a of [...anatomy, ...references]) {
  const s = summary(`anatomy|${a.name}`);
  results.anatomy[a.name] = s;
  lines.push(`| ${a.name} | ${fmt(s.median)} (${fmt(s.p95)}) |`);
}
const mem = ltlStats.tiers.memory;
lines.push('');
lines.push(`ltl.cache.stats() after the run: hits ${mem.hits}, misses ${mem.misses}, sets ${mem.sets}, entries ${mem.entries}, bytes ${mem.bytes}, hit_rate ${mem.hit_rate.toFixed(3)}`);
results.ltlStats = mem;
results.meta = { wasmSha256: WASM_SHA256, keys: KEY_COUNT, rounds: ROUNDS, warmup: WARMUP_ROUNDS, valueBytes: VALUE_BYTES, ttlMs: TTL_MS, elapsedS, node: process.version };
console.log(lines.join('\n'));
if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2));

ltl.close();
ltlFull.close();
wasm._free(heapScratch);
hot.close();
native.stop();
native.delete();
