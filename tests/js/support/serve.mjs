// `bitcoin-ltl serve` as a real process, for the Node server and fleet suites.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/bitcoin-ltl.mjs', import.meta.url));

/**
 * Starts `bitcoin-ltl serve --port 0` with `env` (added to this process's); resolves once it
 * prints its URL. Returns { child, url, output(), get(path, headers) }.
 */
export async function serve(env = {}, args = []) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    child.stdout.on('data', () => {
      const match = /serve: (http:\/\/[^ ]+\/) /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    get: (path, headers) => fetch(new URL(path, url), { headers }),
  };
}

/** Stops a served process (SIGTERM, or SIGKILL when `hard`) and waits for its exit. */
export async function stop(server, { hard = false } = {}) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill(hard ? 'SIGKILL' : 'SIGTERM');
  await exited;
}
