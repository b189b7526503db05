// Shared by the Node suites that drive the package against the upstream simulator.
import { setTimeout as sleep } from 'node:timers/promises';

export const PROVIDER_KEYS = Object.freeze(['MEMPOOL', 'ESPLORA', 'BLOCKCHAIN_INFO', 'COINGECKO', 'COINBASE', 'KRAKEN', 'BINANCE', 'FNG']);

// On the simulator's manual clock the per-host token buckets would never refill: lift them.
export const UNTHROTTLED = Object.freeze(Object.fromEntries(PROVIDER_KEYS.map((p) => [`${p}_RATE_PER_MIN`, '100000'])));

/** Polls `condition` (sync or async) every 2 ms until it is truthy; its value, or a timeout error naming `what`. */
export async function until(condition, what, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
