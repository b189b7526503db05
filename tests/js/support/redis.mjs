// Real Redis for the tests: redis-server instances on free ports (no persistence), a 3-master
// Cluster, and a test-only HTTP bridge speaking the Upstash REST format in front of a real
// instance. Everything started here is stopped by stopAllRedis() (call it in after()), and
// killed on process exit if a test run dies first. Needs the Debian packages redis-server and
// redis-tools (scripts/setup.sh installs them).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, ErrorReply } from 'redis';

const children = new Set();
const passwords = new Map(); // port → requirepass, for our own redis-cli calls
const cleanups = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export function redisAvailable() {
  return spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(port, ...args) {
  const password = passwords.get(port);
  const env = password ? { ...process.env, REDISCLI_AUTH: password } : process.env;
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 20_000, env });
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

async function waitFor(what, check, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts one redis-server. Returns {port, url, stop(), start(), pause(), resume()}: stop() ends
 * it (SIGKILL: like a crash) and start() starts it again on the same port, empty.
 * @param {{extraArgs?: string[], port?: number, password?: string}} [options] password: --requirepass
 */
export async function startRedis(options = {}) {
  const port = options.port ?? (await freePort());
  const auth = options.password ? ['--requirepass', options.password] : [];
  if (options.password) passwords.set(port, options.password);
  const dir = mkdtempSync(path.join(tmpdir(), `ltl-redis-${port}-`));
  let child = null;
  const instance = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      if (child) return;
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth, ...(options.extraArgs ?? [])],
        { stdio: 'ignore' },
      );
      children.add(child);
      const started = child;
      started.on('exit', () => children.delete(started));
      await waitFor(`redis-server on ${port}`, () => cli(port, 'PING') === 'PONG');
    },
    async stop() {
      if (!child) return;
      const stopping = child;
      child = null;
      if (stopping.exitCode === null && stopping.signalCode === null) {
        const exited = new Promise((resolve) => stopping.once('exit', resolve));
        stopping.kill('SIGCONT'); // a paused server must be able to die
        stopping.kill('SIGKILL');
        await exited;
      }
    },
    /** SIGSTOP: the server keeps its connections but answers nothing (a "slow" Redis). */
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async destroy() {
      await instance.stop();
      rmSync(dir, { recursive: true, force: true });
      cleanups.delete(instance.destroy);
    },
  };
  cleanups.add(instance.destroy);
  await instance.start();
  return instance;
}

/**
 * A Redis Cluster of three masters (no replicas) on free ports. Returns {nodes, seeds: "h:p,...", stop()}.
 */
export async function startCluster() {
  const nodes = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    nodes.push(
      await startRedis({
        port,
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'],
      }),
    );
  }
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create: ${created.stderr || created.stdout}`);
  for (const node of nodes) {
    await waitFor(`cluster_state:ok on ${node.port}`, () => /cluster_state:ok/.test(cli(node.port, 'CLUSTER', 'INFO')), 20_000);
  }
  const cluster = {
    nodes,
    seeds: addresses.join(','),
    async stop() {
      await Promise.all(nodes.map((node) => node.destroy()));
      cleanups.delete(cluster.stop);
    },
  };
  cleanups.add(cluster.stop);
  return cluster;
}

/** The Redis reply as Upstash JSON: strings, integers, null, arrays of those. */
function toJson(reply) {
  if (Array.isArray(reply)) return reply.map(toJson);
  if (reply instanceof Map) return [...reply].flat().map(toJson);
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  return reply ?? null;
}

/**
 * A test-only HTTP server speaking the Upstash REST format in front of `redisUrl`:
 * `POST /` a JSON command array → {"result"} or (HTTP 400) {"error"}; `POST /pipeline` an array of
 * them → an array of answers; `Authorization: Bearer <token>` or HTTP 401.
 * Returns {url, token, requests, stop(), setDelay(ms)} (`requests` counts commands served).
 */
export async function startRestBridge(redisUrl, { token = 'test-token-' + Math.random().toString(36).slice(2) } = {}) {
  // No offline queue: while the tests keep Redis stopped the bridge answers 500 at once.
  const client = createClient({ url: redisUrl, disableOfflineQueue: true, socket: { reconnectStrategy: 100 } });
  client.on('error', () => {});
  await client.connect();
  let delayMs = 0;
  const bridge = { url: '', token, requests: 0 };
  const run = async (command) => {
    if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
      return { status: 400, body: { error: 'ERR a command is a non-empty JSON array of strings' } };
    }
    bridge.requests++;
    try {
      return { status: 200, body: { result: toJson(await client.sendCommand(command)) } };
    } catch (err) {
      if (err instanceof ErrorReply) return { status: 400, body: { error: err.message } };
      return { status: 500, body: { error: `bridge: ${err.message}` } };
    }
  };
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (delayMs) await sleep(delayMs);
    const reply = (status, json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: 'Unauthorized' });
    if (req.method !== 'POST') return reply(405, { error: 'POST only' });
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      return reply(400, { error: 'ERR body is not JSON' });
    }
    if (req.url === '/pipeline') {
      if (!Array.isArray(parsed)) return reply(400, { error: 'ERR pipeline body is an array of commands' });
      const answers = [];
      for (const command of parsed) {
        const answer = await run(command);
        if (answer.status === 500) return reply(500, answer.body);
        answers.push(answer.body);
      }
      return reply(200, answers);
    }
    const answer = await run(parsed);
    return reply(answer.status, answer.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  bridge.url = `http://127.0.0.1:${server.address().port}`;
  bridge.setDelay = (ms) => {
    delayMs = ms;
  };
  bridge.stop = async () => {
    cleanups.delete(bridge.stop);
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    client.destroy();
  };
  cleanups.add(bridge.stop);
  return bridge;
}

/** Stops every instance, Cluster and bridge this process started and has not stopped yet. */
export async function stopAllRedis() {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort: the exit hook kills what is left
    }
  }
}

/** A raw client for the test's own reads and writes beside the adapter. */
export async function rawClient(url) {
  const client = createClient({ url, socket: { reconnectStrategy: 100 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}
