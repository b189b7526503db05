#!/usr/bin/env node
// bitcoin-ltl command line.
//   bitcoin-ltl serve [--port 8080] [--host 127.0.0.1] [--sim] [--config file.json] [--log]
// Configuration: the README's keys from the environment, overridden by --config (a JSON object of
// the same keys); --sim starts the bundled upstream simulator and points every provider at it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const USAGE = 'usage: bitcoin-ltl serve [--port 8080] [--host 127.0.0.1] [--sim] [--config file.json] [--log]';

async function serve(args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      sim: { type: 'boolean', default: false },
      config: { type: 'string' },
      log: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: got ${values.port}; expected 0-65535`);
  let fileConfig = {};
  if (values.config) {
    fileConfig = JSON.parse(await readFile(values.config, 'utf8'));
    if (!fileConfig || typeof fileConfig !== 'object' || Array.isArray(fileConfig)) throw new Error(`--config ${values.config}: expected a JSON object of configuration keys`);
    fileConfig = Object.fromEntries(Object.entries(fileConfig).map(([key, value]) => [key, String(value)]));
  }
  const simulator = values.sim ? await (await import('../scripts/simulator/index.mjs')).startSimulator({ port: 0, seed: 42 }) : null;
  const { startNodeServer } = await import('../web/node/server.js');
  let server;
  try {
    server = await startNodeServer({ env: { ...process.env, ...fileConfig, ...simulator?.baseUrls }, port, host: values.host, log: values.log });
  } catch (err) {
    await simulator?.close();
    throw err;
  }
  console.log(`bitcoin-ltl serve: ${server.url} (dashboard), ${new URL('api/v1/price?currency=usd', server.url)}`);
  if (simulator) console.log(`  simulator ${simulator.url}`);
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) process.exit(1); // a second signal forces the exit
    stopping = true;
    console.log(`${signal}: finishing in-flight requests`);
    await server.close();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const [command, ...rest] = process.argv.slice(2);
const commands = { serve };
if (!commands[command]) {
  console.error(USAGE);
  process.exit(2);
}
commands[command](rest).catch((err) => {
  console.error(`bitcoin-ltl ${command}: ${err?.message ?? err}`);
  process.exit(1);
});
