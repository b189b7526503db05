#!/usr/bin/env node
// Runs the simulator until SIGINT/SIGTERM. stdout gets only the env-style KEY=url lines, one per
// provider, so scripts can read them; human notes go to stderr.
import { parseArgs } from 'node:util';
import { SimulatorInputError, startSimulator } from './index.mjs';

const USAGE =
  'usage: bitcoin-ltl-sim [--port 8788] [--host 127.0.0.1] [--seed 1] [--clock real|manual] [--start-time <unix ms>] [--cors=true|false]';

function boolean(name, text) {
  if (text !== 'true' && text !== 'false') throw new SimulatorInputError(`--${name}`, `expected true or false, got "${text}"`);
  return text === 'true';
}

function integer(name, text) {
  if (!/^-?\d+$/.test(text)) throw new SimulatorInputError(`--${name}`, `expected an integer, got "${text}"`);
  return Number(text);
}

let sim;
try {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8788' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '1' },
      clock: { type: 'string', default: 'real' },
      'start-time': { type: 'string' },
      cors: { type: 'string', default: 'true' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  sim = await startSimulator({
    port: integer('port', values.port),
    host: values.host,
    seed: integer('seed', values.seed),
    clock: values.clock,
    cors: boolean('cors', values.cors),
    ...(values['start-time'] !== undefined && { startTimeMs: integer('start-time', values['start-time']) }),
  });
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}

for (const [key, url] of Object.entries(sim.baseUrls)) console.log(`${key}=${url}`);
console.error(`simulator listening on ${sim.url} (controls: ${sim.url}/__sim/routes); Ctrl-C to stop`);

// Closing the server and its sockets empties the event loop, so the process exits on its own.
const stop = () => sim.close();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
