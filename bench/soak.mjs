#!/usr/bin/env node
// Soak: N mixed requests against the local edge layout (front + coordinator in workerd through
// Miniflare, the upstream simulator behind it), sampling workerd's RSS and the coordinator's WASM
// heap as it goes. Mixed: cached answers, cold keys (short TTLs), invalid requests, health, and
// upstream faults switched on and off (errors, slow and hanging providers).
//   node bench/soak.mjs [--requests=100000] [--concurrency=16] [--samples=20] [--mix=mixed|hot|invalid]
// --mix=hot sends only the cached price request and no faults; --mix=invalid only 400/404s: the
// two bound what the memory growth of a mixed run comes from. --reference runs bench/map-worker.js
// (a Map answering fixed bodies) in the same workerd instead, as the baseline of workerd itself.
// Prints one line per sample and a JSON summary (first/last/max RSS and heap after warm-up).
import { readFile, readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

import { startServer } from '../scripts/serve.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    samples: { type: 'string', default: '20' },
    mix: { type: 'string', default: 'mixed' },
    reference: { type: 'boolean', default: false },
  },
});
if (!['mixed', 'hot', 'invalid'].includes(values.mix)) throw new Error(`--mix: got ${values.mix}; expected mixed, hot or invalid`);
const TOTAL = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SAMPLES = Number(values.samples);
const LIMITS = Object.fromEntries(['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG'].map((p) => [`${p}_RATE_PER_MIN`, '100000']));

// Short TTLs so "cold" keys keep going back to the upstream; HTTP timeouts short so hanging
// providers resolve within the run.
const env = {
  ...LIMITS,
  CACHE_TTL_PRICE: '2000',
  CACHE_TTL_FEES: '1000',
  CACHE_TTL_MEMPOOL: '1000',
  HTTP_TIMEOUT_MS: '500',
  REQUEST_DEADLINE_MS: '2000',
  EDGE_COORDINATOR_TIMEOUT_MS: '1500',
  NEGATIVE_CACHE_MS: '1000',
};
const PATHS = [
  '/api/v1/price?currency=usd', // hot
  '/api/v1/price?currency=usd',
  '/api/v1/price?currency=usd',
  '/api/v1/price?currency=eur',
  '/api/v1/fees',
  '/api/v1/mempool',
  '/api/v1/network',
  '/api/v1/market?currency=gbp',
  '/api/v1/blocks/tip',
  '/api/v1/sentiment',
  '/api/v1/price?currency=zzz', // invalid: 400
  '/api/v1/fees?x=1', // unknown parameter: 400
  '/api/v1/nope', // 404
  '/api/v1/health',
];
const MIXES = {
  mixed: PATHS,
  hot: ['/api/v1/price?currency=usd'],
  invalid: ['/api/v1/price?currency=zzz', '/api/v1/fees?x=1', '/api/v1/nope'],
};
const FAULT_PHASES = [
  null,
  { target: 'coingecko.*', fault: { kind: 'status', status: 503 } },
  null,
  { target: 'mempool.*', fault: { kind: 'hang' } },
  null,
  { target: '*', fault: { kind: 'latency', ms: 50 } },
  null,
  { target: '*', fault: { kind: 'status', status: 500 } },
];

// The workerd processes this run started (children of this process), not other runs' ones.
async function workerdPids() {
  const pids = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const comm = await readFile(`/proc/${name}/comm`, 'utf8').catch(() => '');
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    if (comm.trim() === 'workerd' && Number(/PPid:\s+(\d+)/.exec(status)?.[1]) === process.pid) pids.push(Number(name));
  }
  return pids;
}

async function rssBytes(pids) {
  let total = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    total += kb * 1024;
  }
  return total;
}

async function wasmHeapBytes(url) {
  const metrics = await (await fetch(new URL('/api/v1/metrics', url))).text();
  const line = metrics.split('\n').find((l) => /^ltl_wasm_heap_bytes(\{[^}]*\})? /.test(l));
  return line ? Number(line.split(' ').pop()) : null;
}

const server = values.reference ? await startReference() : await startServer({ sim: true, port: 0, env, rateLimit: false });

async function startReference() {
  const mf = new Miniflare({ modules: true, scriptPath: fileURLToPath(new URL('./map-worker.js', import.meta.url)), compatibilityDate: '2025-09-01', port: 0 });
  const url = (await mf.ready).href;
  return { url, sim: { clearFaults() {}, setFault() {} }, close: () => mf.dispose() };
}
const pids = await workerdPids();
const samples = [];
const statusCounts = new Map();
let sent = 0;
let phase = -1;
const started = performance.now();

async function sample(done) {
  const point = { requests: done, seconds: Math.round((performance.now() - started) / 100) / 10, rss_mb: Math.round((await rssBytes(pids)) / 1e5) / 10, wasm_heap_mb: null };
  const heap = await wasmHeapBytes(server.url);
  point.wasm_heap_mb = heap === null ? null : Math.round(heap / 1e5) / 10;
  samples.push(point);
  console.log(`${String(point.requests).padStart(7)} req  ${String(point.seconds).padStart(6)} s  rss ${point.rss_mb} MB  wasm heap ${point.wasm_heap_mb} MB`);
}

function setPhase(index) {
  if (index === phase) return;
  phase = index;
  server.sim.clearFaults();
  const current = FAULT_PHASES[index % FAULT_PHASES.length];
  if (current) server.sim.setFault(current.target, current.fault);
}

await sample(0);
const sampleEvery = Math.max(1, Math.floor(TOTAL / SAMPLES));
let nextSample = sampleEvery;
async function worker() {
  while (sent < TOTAL) {
    const n = sent++;
    if (values.mix === 'mixed') setPhase(Math.floor((n / TOTAL) * FAULT_PHASES.length));
    const paths = MIXES[values.mix];
    const path = paths[n % paths.length];
    try {
      const response = await fetch(new URL(path, server.url), { headers: { 'cf-connecting-ip': `10.0.${n % 50}.1` } });
      await response.arrayBuffer();
      statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
    } catch {
      statusCounts.set('error', (statusCounts.get('error') ?? 0) + 1);
    }
    if (sent >= nextSample) {
      nextSample += sampleEvery;
      await sample(sent);
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
server.sim.clearFaults();
await sample(sent);
await server.close();

const warm = samples.slice(Math.max(1, Math.floor(samples.length / 5)));
const summary = {
  worker: values.reference ? 'reference (bench/map-worker.js)' : 'bitcoin-ltl front + coordinator',
  mix: values.mix,
  requests: TOTAL,
  seconds: Math.round((performance.now() - started) / 1000),
  statuses: Object.fromEntries(statusCounts),
  rss_mb: { after_warmup: warm[0].rss_mb, last: warm.at(-1).rss_mb, max: Math.max(...warm.map((s) => s.rss_mb)) },
  wasm_heap_mb: { after_warmup: warm[0].wasm_heap_mb, last: warm.at(-1).wasm_heap_mb, max: Math.max(...warm.map((s) => s.wasm_heap_mb ?? 0)) },
};
console.log(JSON.stringify(summary, null, 2));
