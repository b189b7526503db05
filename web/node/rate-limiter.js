// A per-client fixed-window limiter for the Node server (the edge uses the Workers Rate Limiting
// binding; this has its `limit({ key })` shape). Bounded: at most `maxClients` windows are kept,
// the oldest dropped first.
const DEFAULT_MAX_CLIENTS = 10_000;

export class FixedWindowLimiter {
  #windows = new Map(); // key → { start, count }, oldest first
  #limit;
  #periodMs;
  #maxClients;
  #now;

  constructor({ limit, periodSeconds, maxClients = DEFAULT_MAX_CLIENTS, now = () => Date.now() }) {
    this.#limit = limit;
    this.#periodMs = periodSeconds * 1000;
    this.#maxClients = maxClients;
    this.#now = now;
  }

  async limit({ key }) {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#periodMs) {
      this.#windows.delete(key);
      window = { start: now, count: 0 };
      if (this.#windows.size >= this.#maxClients) this.#windows.delete(this.#windows.keys().next().value);
      this.#windows.set(key, window);
    }
    window.count++;
    return { success: window.count <= this.#limit };
  }
}
