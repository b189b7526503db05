#!/usr/bin/env node
// Runs the edge layout (front worker web/edge/worker.js + the coordinator Durable Object) locally
// in workerd through Miniflare, optionally against the upstream simulator.
//   node scripts/serve.mjs [--sim] [--port 8787] [--host 127.0.0.1]
// Env vars: every config key of web/http/config.js (CONFIG_KEYS), the fronts' settings
// (FRONT_SETTINGS), ADMIN_TOKEN (enables POST /api/v1/cache/invalidate), OPS_TOKEN (guards the
// operational routes).
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { configFromEnv, FRONT_SETTINGS, KV_BINDING, workerSecretsFromEnv } from '../web/http/config.js';

const COORDINATOR_BINDING = 'LTL_COORDINATOR';
const RATE_LIMIT_BINDING = 'LTL_RATE_LIMITER';

/** The fronts' own settings that are set in `env`. */
function frontSettingsFromEnv(env) {
  return Object.fromEntries(Object.keys(FRONT_SETTINGS).filter((key) => typeof env?.[key] === 'string' && env[key] !== '').map((key) => [key, env[key]]));
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER_PATH = fileURLToPath(new URL('../web/edge/worker.js', import.meta.url));
const COMPATIBILITY_DATE = '2025-09-01';

// Rules are tried in order, so the dashboard's files and the vendored uPlot are claimed as Text
// (served as assets, never evaluated in the worker) before the catch-all ESModule rule sees
// them. Paths are matched from the end of the absolute path. wrangler.jsonc has the same rules.
const MODULE_RULES = [
  { type: 'Text', include: ['web/dashboard/**', 'web/vendor/**'] },
  { type: 'CompiledWasm', include: ['**/*.wasm'] },
  { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
];

export const ENTRY_WORKER = 'bitcoin-ltl';
const COORDINATOR_CLASS = 'LtlCoordinator';
// Local default per client and minute: generous for one person, tests override it.
const DEFAULT_RATE_LIMIT = { limit: 1000, period: 60 };

/**
 * Starts the edge layout locally on `host:port` (port 0 picks a free one): `fronts` front
 * workers (the first serves HTTP; the others stand in for isolates in other locations and are
 * reached with `fetchFront(i, …)`) bound to one coordinator Durable Object namespace, unless
 * `coordinator` is false (single-isolate mode). With `sim`, starts the upstream simulator first
 * and points every provider URL at it. `env` supplies settings and secrets.
 * `cachePersist` / `kvPersist` / `doPersist` (a directory, or false for in-memory) keep the
 * Cache API, KV and Durable Object storage across restarts. `kv` binds a KV namespace;
 * `rateLimit` ({limit, period}, period 10 or 60 s) sets the per-client limit, false removes it.
 * `extraWorkers` (Miniflare worker options) run beside them in the same workerd (benchmarks);
 * `directSocket` also exposes the entry front on its own port, without Miniflare's routing entry
 * in front of it (`directUrl()`), as the benchmark's reference worker is.
 */
export async function startServer({
  sim = false,
  port = 8787,
  host = '127.0.0.1',
  env = process.env,
  fronts = 1,
  coordinator = true,
  kv = false,
  rateLimit = DEFAULT_RATE_LIMIT,
  cachePersist = false,
  kvPersist = false,
  doPersist = false,
  wrap = null,
  extraWorkers = [],
  directSocket = false,
} = {}) {
  const simulator = sim ? await startUpstreamSimulator() : null;
  let mf;
  try {
    const settings = { ...env, ...simulator?.baseUrls };
    const bindings = { ...configFromEnv(settings), ...workerSecretsFromEnv(settings), ...frontSettingsFromEnv(settings) };
    const names = Array.from({ length: fronts }, (_, i) => (i === 0 ? ENTRY_WORKER : `front-${i + 1}`));
    const worker = (name) => ({
      name,
      modules: true,
      scriptPath: WORKER_PATH,
      modulesRoot: REPO_ROOT,
      modulesRules: MODULE_RULES,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings,
      ...(coordinator
        ? { durableObjects: { [COORDINATOR_BINDING]: { className: COORDINATOR_CLASS, scriptName: ENTRY_WORKER, useSQLite: true } } }
        : {}),
      ...(rateLimit ? { ratelimits: { [RATE_LIMIT_BINDING]: { simple: rateLimit } } } : {}),
      ...(kv ? { kvNamespaces: [KV_BINDING] } : {}),
      ...(directSocket && name === ENTRY_WORKER ? { unsafeDirectSockets: [{ host, port: 0 }] } : {}),
    });
    const workers = names.map(worker);
    if (wrap) workers.unshift(wrap(names)); // a test entry in front of the fronts
    workers.push(...extraWorkers);
    mf = new Miniflare({ workers, host, port, cachePersist, kvPersist, durableObjectsPersist: doPersist });
    const url = (await mf.ready).href;
    return {
      url,
      mf,
      sim: simulator,
      names,
      /** The entry front's own socket (with `directSocket`). */
      directUrl: () => mf.unsafeGetDirectURL(ENTRY_WORKER),
      /** fetch() through front `i` (0 is the one serving `url`). */
      async fetchFront(i, path, init) {
        const front = await mf.getWorker(names[i]);
        return front.fetch(new URL(path, url), init);
      },
      async close() {
        await mf.dispose();
        await simulator?.close();
      },
    };
  } catch (err) {
    await mf?.dispose().catch(() => {}); // the startup error is the one worth reporting
    await simulator?.close();
    throw err;
  }
}

// Loaded on demand: serving against real APIs does not need the simulator.
async function startUpstreamSimulator() {
  const { startSimulator } = await import('./simulator/index.mjs');
  return startSimulator({ port: 0, seed: 42 });
}

async function main() {
  const { values } = parseArgs({
    options: {
      sim: { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);

  const server = await startServer({ sim: values.sim, port, host: values.host });
  console.log('bitcoin-ltl edge worker (workerd via Miniflare)');
  console.log(`  dashboard  ${server.url}`);
  console.log(`  price      ${new URL('api/v1/price?currency=usd', server.url)}`);
  console.log(`  health     ${new URL('api/v1/health', server.url)}`);
  console.log(`  metrics    ${new URL('api/v1/metrics', server.url)} (Prometheus), ${new URL('api/v1/metrics.json', server.url)}`);
  console.log(`  more       /api/v1/{market,network,fees,mempool,blocks,blocks/tip,difficulty,hashrate,sentiment,history,alerts,report,errors,config}`);
  if (server.sim) console.log(`  simulator  ${server.sim.url}`);
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) process.exit(1); // a second signal forces the exit
    stopping = true;
    console.log(`\n${signal}: shutting down`);
    await server.close();
    // Let Miniflare finish removing its temp dir; exit anyway if some handle lingers.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    // Miniflare's exit hook would kill workerd and exit at once; take over so close() can
    // dispose Miniflare and stop the simulator in order (dispose removes that hook itself).
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
}

const isMainModule = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMainModule) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
