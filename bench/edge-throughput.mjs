// Requests per second of a cached /api/v1/price answered by the bitcoin-ltl edge front (memory
// tier hit, coordinator idle) against the reference Map worker (bench/map-worker.js) serving the
// same bytes, both in the same workerd (one Miniflare), driven alternately by the same load
// generator. Reports each pair's ratio and min / median / max over the rounds.
//   node bench/edge-throughput.mjs [--rounds=5] [--seconds=4] [--connections=50]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startServer } from '../scripts/serve.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    path: { type: 'string', default: '/api/v1/price' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const server = await startServer({ sim: true, port: 0, rateLimit: false, extraWorkers: [] });
const warm = await fetch(new URL(values.path, server.url));
const body = await warm.text();
if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}: ${body.slice(0, 200)}`);
await server.close();

// Again, with the reference serving exactly the body the front serves.
const bench = await startServer({
  sim: true,
  port: 0,
  rateLimit: false,
  directSocket: true,
  extraWorkers: [{
    name: 'map-reference',
    modules: true,
    scriptPath: fileURLToPath(new URL('./map-worker.js', import.meta.url)),
    compatibilityDate: '2025-09-01',
    bindings: { REFERENCE_BODY: body },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  }],
});
const referenceUrl = await bench.mf.unsafeGetDirectURL('map-reference');
// Both straight to their worker's socket: neither goes through Miniflare's routing entry.
const frontUrl = await bench.directUrl();
const first = await fetch(new URL(values.path, frontUrl));
await first.text();
const hit = await fetch(new URL(values.path, frontUrl));
await hit.text();
if (hit.headers.get('x-ltl-cache') !== 'memory') throw new Error(`expected a memory hit, got x-ltl-cache ${hit.headers.get('x-ltl-cache')}`);

async function load(origin) {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const res = await pool.request({ path: values.path, method: 'GET' });
      await res.body.text();
      if (res.statusCode === 200) done++;
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  if (failed) throw new Error(`${failed} requests to ${origin} did not answer 200`);
  return done / elapsed;
}

await load(referenceUrl.origin); // warm both (JIT, connections)
await load(frontUrl.origin);
const rows = [];
for (let round = 0; round < rounds; round++) {
  const reference = await load(referenceUrl.origin);
  const front = await load(frontUrl.origin);
  rows.push({ reference, front, ratio: front / reference });
  console.log(`round ${round + 1}: reference ${reference.toFixed(0)} req/s, bitcoin-ltl front ${front.toFixed(0)} req/s, ratio ${(front / reference).toFixed(2)}`);
}
await bench.close();

const stats = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};
const ratio = stats(rows.map((row) => row.ratio));
const fmt = (s, digits) => `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}`;
console.log(`\n| ${values.path} (${body.length} B body), ${connections} connections, ${rounds} × ${seconds} s | min / median / max |`);
console.log('|---|---|');
console.log(`| reference Map worker, req/s | ${fmt(stats(rows.map((row) => row.reference)), 0)} |`);
console.log(`| bitcoin-ltl front (memory hit), req/s | ${fmt(stats(rows.map((row) => row.front)), 0)} |`);
console.log(`| ratio front / reference (per round) | ${fmt(ratio, 2)} |`);
