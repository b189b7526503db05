#!/usr/bin/env node
// Runs the edge worker (web/edge/worker.js) locally in workerd through Miniflare, optionally
// against the upstream simulator.
//   node scripts/serve.mjs [--sim] [--port 8787] [--host 127.0.0.1]
// Env vars: every config key of web/edge/config.js (CONFIG_KEYS), ADMIN_TOKEN (enables
// POST /api/v1/cache/invalidate), CACHE_PERSISTENT=kv (binds a local KV namespace as LTL_CACHE_KV).
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Miniflare } from 'miniflare';
import { configFromEnv, KV_BINDING, workerSecretsFromEnv } from '../web/edge/config.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER_PATH = fileURLToPath(new URL('../web/edge/worker.js', import.meta.url));
const COMPATIBILITY_DATE = '2025-09-01';

// Rules are tried in order, so the dashboard's files and uPlot's browser build are claimed as
// Text (served as assets, never evaluated in the worker) before the catch-all ESModule rule sees
// them. Paths are matched from the end of the absolute path.
const MODULE_RULES = [
  {
    type: 'Text',
    include: ['web/dashboard/**', 'node_modules/uplot/dist/uPlot.iife.min.js', 'node_modules/uplot/dist/uPlot.min.css'],
  },
  { type: 'CompiledWasm', include: ['**/*.wasm'] },
  { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
];

/**
 * Starts the worker on `host:port` (port 0 picks a free one). With `sim`, starts the upstream
 * simulator first and points every provider URL at it. `env` supplies the config bindings and
 * ADMIN_TOKEN; CACHE_PERSISTENT=kv also binds a KV namespace as LTL_CACHE_KV.
 * `cachePersist` / `kvPersist` (a directory, or false for in-memory) keep the Cache API and KV
 * contents across restarts: a second server on the same directory starts with a fresh isolate
 * but the same persistent tier.
 */
export async function startServer({
  sim = false,
  port = 8787,
  host = '127.0.0.1',
  env = process.env,
  cachePersist = false,
  kvPersist = false,
} = {}) {
  const simulator = sim ? await startUpstreamSimulator() : null;
  let mf;
  try {
    const settings = { ...env, ...simulator?.baseUrls };
    mf = new Miniflare({
      name: 'bitcoin-ltl',
      modules: true,
      scriptPath: WORKER_PATH,
      modulesRoot: REPO_ROOT,
      modulesRules: MODULE_RULES,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: { ...configFromEnv(settings), ...workerSecretsFromEnv(settings) },
      ...(settings.CACHE_PERSISTENT === 'kv' ? { kvNamespaces: [KV_BINDING], kvPersist } : {}),
      cachePersist,
      host,
      port,
    });
    const url = (await mf.ready).href;
    return {
      url,
      mf,
      sim: simulator,
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
