// One bitcoin-ltl client per ElizaOS runtime, shared by the plugin's services: the first service
// to start creates it from the runtime's settings, the last one to stop closes it.
import { createClient } from '../index.js';
import { configFromRuntime } from './settings.js';

// runtime → { refs, ready: Promise<client> }. A WeakMap: a dropped runtime frees its entry.
const leases = new WeakMap();

/**
 * Takes a reference on the runtime's client (creating it on first use) and returns
 * `{ client, release }`; `release()` is idempotent and closes the client after the last one.
 * A client that fails to start (a bad setting) rejects every waiting service with its LtlError
 * and is forgotten, so a later start tries again.
 */
export async function acquireClient(runtime, loadOptions = {}) {
  let lease = leases.get(runtime);
  if (!lease) {
    lease = { refs: 0, ready: null, client: null };
    lease.ready = Promise.resolve()
      .then(() => createClient(configFromRuntime(runtime), loadOptions))
      .then((client) => {
        lease.client = client;
        return client;
      });
    leases.set(runtime, lease);
  }
  lease.refs += 1;
  let client;
  try {
    client = await lease.ready;
  } catch (error) {
    lease.refs -= 1;
    if (leases.get(runtime) === lease) leases.delete(runtime);
    throw error;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    lease.refs -= 1;
    if (lease.refs === 0) {
      if (leases.get(runtime) === lease) leases.delete(runtime);
      client.close();
    }
  };
  return { client, release };
}

/** References held on the runtime's client (0 when it has none); for health and tests. */
export function clientReferences(runtime) {
  return leases.get(runtime)?.refs ?? 0;
}
