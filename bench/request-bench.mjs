// request() answered from the memory tier, and createClient, in Node.
//   node bench/request-bench.mjs [--calls=20000] [--creates=10]
// Per call: the time from request() to its awaited answer (a memory hit: the core answers
// synchronously, the promise resolves on the next microtask). Reported as p50 / p95 / max per
// form (parsed object, JSON text, bytes), over calls after a warm-up. createClient: wall time of
// the first createClient in fresh Node processes (module load, compile, configure, start).
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from '../web/index.js';
import { startSimulator } from '../scripts/simulator/index.mjs';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, creates: { type: 'string', default: '10' } } });
const calls = Number(values.calls);
const creates = Number(values.creates);

const sim = await startSimulator({ port: 0, seed: 42 });
const client = await createClient({ ...sim.baseUrls, REALTIME_ENABLED: 'false', CACHE_WARM: '', CACHE_TTL_PRICE: '3600000' }, { store: 'none' });
const first = await client.request('price', { currency: 'usd' });
if (first.cache !== 'origin') throw new Error(`expected the first answer from the origin, got ${first.cache}`);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
async function measure(form) {
  const call = form === 'object' ? () => client.request('price', { currency: 'usd' })
    : form === 'text' ? () => client.requestText('price', { currency: 'usd' })
      : () => client.requestBytes('price', { currency: 'usd' });
  for (let i = 0; i < 2000; i++) await call();
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    const answer = await call();
    times[i] = (performance.now() - started) * 1000;
    if (i === 0 && form === 'object' && answer.cache !== 'memory') throw new Error(`expected a memory hit, got ${answer.cache}`);
  }
  times.sort();
  return { form, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times[times.length - 1] };
}

const rows = [];
for (const form of ['object', 'text', 'bytes']) rows.push(await measure(form));
client.close();
await sim.close();

const script = `const t0 = performance.now();
const { createClient } = await import(${JSON.stringify(new URL('../web/index.js', import.meta.url).href)});
const t1 = performance.now();
const c = await createClient({ REALTIME_ENABLED: 'false', CACHE_WARM: '' }, { store: 'none' });
const t2 = performance.now();
c.close();
console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1 }));`;
const created = [];
for (let i = 0; i < creates; i++) {
  created.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) }).toString()));
}
const stats = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return `${sorted[0].toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} / ${sorted[sorted.length - 1].toFixed(1)}`;
};

console.log(`| request('price') from memory, ${calls} calls | p50 µs | p95 µs | max µs |`);
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.form === 'object' ? 'request() (object)' : row.form === 'text' ? 'requestText()' : 'requestBytes()'} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.max.toFixed(0)} |`);
console.log(`\n| Node ${process.version}, ${creates} fresh processes | min / median / max ms |`);
console.log('|---|---|');
console.log(`| import web/index.js | ${stats(created.map((c) => c.importMs))} |`);
console.log(`| createClient (load + compile + configure + start) | ${stats(created.map((c) => c.createMs))} |`);
