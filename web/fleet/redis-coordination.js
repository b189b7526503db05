// Fleet coordination through Redis: many servers behaving like one towards the upstream APIs.
// Works over any Redis backend of web/storage (one node, Cluster, REST); every key carries a hash
// tag, so the keys one script touches share a Cluster slot.
//
//   const coord = new RedisCoordinator({ backend: store.backend, keyPrefix: 'ltl:' });
//
// 1. One upstream fetch per key for the whole fleet:
//      const got = await coord.runOnce(key, leaseMs, fetchFn, readFn);
//      // got = { value, role: 'cached' | 'leader' | 'follower' | 'uncoordinated', waitedMs }
//    readFn() answers the value from the shared cache or null/undefined (e.g. a RedisStore get);
//    fetchFn() fetches from the origin and returns a JSON-serialisable value. On a miss one server
//    takes the lease `<prefix>lease:{key}` (SET NX PX leaseMs, a random token) and fetches; when
//    done, one Lua script publishes the value as `<prefix>result:{key}` (same hash tag, same slot;
//    kept shareMs, default 1 s) and deletes the lease if it still holds it. The others poll the
//    result and readFn (every pollMs, growing to 8x) for at most the lease's remaining life, so the
//    value reaches them even before the leader's cache write lands. A lease whose holder died
//    expires by itself and the next poll takes it over; a holder whose fetch failed releases at
//    once (compare-and-delete: never a lease that expired and went to another server). Redis down
//    or slow → fetchFn runs locally ('uncoordinated'): the request is answered, only the fleet-wide
//    dedup is lost meanwhile.
//
// 2. A provider's budget shared by the fleet (a token bucket, one atomic Lua script):
//      const { allowed, retryAfterMs, remaining, reason } = await coord.takeToken('coingecko', { ratePerMin: 10, burst: 10 });
//    `<prefix>bucket:{provider}` holds {tokens, ts}; the refill uses the caller's clock (options.now,
//    unix ms: servers need NTP-synchronised clocks; a skew only moves a refill by the skew).
//
// 3. A fleet-wide pause of a provider (its Retry-After):
//      await coord.pauseProvider('coingecko', retryAfterMs);   // only ever extends a pause
//      await coord.providerPause('coingecko');                  // ms left, 0 = not paused
//    takeToken answers { allowed: false, reason: 'paused' } while the provider is paused.
//    Redis unreachable → takeToken answers { allowed: true, coordinated: false } (the process's own
//    limiter still applies) and providerPause 0.
//
// Breaker state is not shared: each server's breaker judges its own calls (a shared open breaker
// would let one server's network trouble stop the whole fleet); Retry-After, a provider's own word
// for everyone, is shared as the pause above.
import { StorageError } from '../storage/errors.js';
import { checkKeyPrefix, DEFAULT_REDIS_KEY_PREFIX, withDeadline } from '../storage/redis.js';

export const DEFAULT_COORDINATION_TIMEOUT_MS = 50;
export const DEFAULT_POLL_MS = 25;
export const DEFAULT_SHARE_MS = 1000;

// Deletes the lease only if it still holds our token.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] lease, KEYS[2] result. ARGV: token, value JSON, shareMs. Publishes the result (even
// when the lease was lost: it is a fresh value) and deletes the lease only if it is still ours.
const FINISH_SCRIPT = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

// KEYS[1] bucket {tokens, ts}, KEYS[2] pause (value: paused-until unix ms).
// ARGV: ratePerMs, burst, now (unix ms), cost. Answers {allowed 0/1, waitMs, tokens*1000, paused 0/1}.
const TAKE_SCRIPT = `
local now = tonumber(ARGV[3])
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
if pausedUntil > now then
  return {0, math.ceil(pausedUntil - now), math.floor(tokens * 1000), 1}
end
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)
return {allowed, wait, math.floor(tokens * 1000), 0}`;

// KEYS[1] pause. ARGV: until (unix ms), now. Only extends; the key expires at `until`.
const PAUSE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local untilMs = tonumber(ARGV[1])
if untilMs <= current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, math.ceil(untilMs - tonumber(ARGV[2]))))
return untilMs`;

function randomToken() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const present = (value) => value !== null && value !== undefined;

export class RedisCoordinator {
  #backend;
  #timers;
  #now;
  #monotonic;

  /**
   * @param {object} options
   * @param {object} options.backend a Redis backend (RedisStore#backend, createRedisTcpBackend, createRedisRestBackend)
   * @param {string} [options.keyPrefix] REDIS_KEY_PREFIX (default "ltl:")
   * @param {number} [options.timeoutMs] deadline of each Redis call (default 50)
   * @param {number} [options.pollMs] first wait between polls of a follower (default 25)
   * @param {number} [options.shareMs] how long a fetched value stays published for followers (default 1000)
   * @param {() => number} [options.now] wall clock, unix ms (token buckets, pauses)
   * @param {() => number} [options.monotonicNow] elapsed-time clock, ms (lease waits)
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers]
   */
  constructor(options = {}) {
    const backend = options.backend;
    if (!backend || typeof backend.send !== 'function') {
      throw new StorageError('invalid_argument', 'fleet: options.backend must be a Redis backend', { store: 'redis' });
    }
    this.#backend = backend;
    this.keyPrefix = checkKeyPrefix(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX, 'fleet');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_COORDINATION_TIMEOUT_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.shareMs = options.shareMs ?? DEFAULT_SHARE_MS;
    if (!(this.timeoutMs > 0) || !(this.pollMs > 0) || !(this.shareMs >= 1)) {
      throw new StorageError('invalid_argument', 'fleet: timeoutMs and pollMs must be > 0, shareMs >= 1', { store: 'redis' });
    }
    this.#timers = options.timers ?? globalThis;
    this.#now = options.now ?? (() => Date.now());
    this.#monotonic = options.monotonicNow ?? (() => performance.now());
    this.stats = { leader: 0, follower: 0, cached: 0, uncoordinated: 0, takeovers: 0, redisErrors: 0, tokensAllowed: 0, tokensDenied: 0 };
  }

  leaseKey(key) {
    return `${this.keyPrefix}lease:{${key}}`;
  }

  resultKey(key) {
    return `${this.keyPrefix}result:{${key}}`;
  }

  bucketKey(provider) {
    return `${this.keyPrefix}bucket:{${provider}}`;
  }

  pauseKey(provider) {
    return `${this.keyPrefix}pause:{${provider}}`;
  }

  #send(args, key, operation) {
    return withDeadline(() => this.#backend.send(args, { key, timeoutMs: this.timeoutMs }), this.timeoutMs, {
      store: 'redis',
      operation: `fleet ${operation}`,
      timers: this.#timers,
    });
  }

  #sleep(ms) {
    return new Promise((resolve) => this.#timers.setTimeout(resolve, ms));
  }

  /** Takes the lease of `key` for `leaseMs`: the token to release it with, or null if another holds it. */
  async acquireLease(key, leaseMs) {
    checkLease(key, leaseMs);
    const token = randomToken();
    const name = this.leaseKey(key);
    const reply = await this.#send(['SET', name, token, 'NX', 'PX', String(Math.ceil(leaseMs))], name, 'lease');
    return reply === 'OK' ? token : null;
  }

  /** Releases the lease if `token` still holds it; false when it expired or another server has it. */
  async releaseLease(key, token) {
    const name = this.leaseKey(key);
    return Number(await this.#send(['EVAL', RELEASE_SCRIPT, '1', name, token], name, 'release')) === 1;
  }

  /** The lease's remaining life in ms (0: nobody holds it). */
  async leaseRemaining(key) {
    const name = this.leaseKey(key);
    return Math.max(0, Number(await this.#send(['PTTL', name], name, 'lease')));
  }

  /**
   * One fetch of `key` for the whole fleet (see the module header).
   * @param {string} key
   * @param {number} leaseMs how long the fetcher may take before another server takes over
   * @param {() => Promise<unknown>} fetchFn fetches, stores where readFn reads, returns the value
   * @param {() => Promise<unknown>} readFn the shared value, or null/undefined
   * @returns {Promise<{value: unknown, role: 'cached'|'leader'|'follower'|'uncoordinated', waitedMs: number}>}
   */
  async runOnce(key, leaseMs, fetchFn, readFn) {
    checkLease(key, leaseMs);
    const started = this.#monotonic();
    const answer = (value, role) => {
      this.stats[role]++;
      return { value, role, waitedMs: Math.round(this.#monotonic() - started) };
    };
    // The value as the fleet has it: just published by a leader, else in the shared cache.
    const readShared = async () => {
      const name = this.resultKey(key);
      const published = await this.#send(['GET', name], name, 'result').catch(() => {
        this.stats.redisErrors++;
        return null;
      });
      if (present(published)) return JSON.parse(published);
      return readFn();
    };
    const cached = await readShared();
    if (present(cached)) return answer(cached, 'cached');
    let poll = this.pollMs;
    let takeover = false;
    for (;;) {
      let token;
      try {
        token = await this.acquireLease(key, leaseMs);
      } catch {
        this.stats.redisErrors++;
        return answer(await fetchFn(), 'uncoordinated');
      }
      if (token) {
        if (takeover) this.stats.takeovers++;
        return this.#lead(key, token, fetchFn, readShared, answer);
      }
      // Someone else fetches: wait for the value, at most the lease's remaining life.
      let remaining;
      try {
        remaining = await this.leaseRemaining(key);
      } catch {
        this.stats.redisErrors++;
        return answer(await fetchFn(), 'uncoordinated');
      }
      const waitUntil = this.#monotonic() + remaining;
      while (this.#monotonic() < waitUntil) {
        await this.#sleep(Math.min(poll, Math.max(1, waitUntil - this.#monotonic())));
        poll = Math.min(poll * 2, this.pollMs * 8);
        const value = await readShared();
        if (present(value)) return answer(value, 'follower');
        // Released without a value (its fetch failed): stop waiting, try to take it now.
        if ((await this.leaseRemaining(key).catch(() => remaining)) === 0) break;
      }
      takeover = true; // the lease ran out without a value: its holder died, gave up or failed
    }
  }

  async #lead(key, token, fetchFn, readShared, answer) {
    let value;
    try {
      // Another server may have finished between our read and our lease.
      const late = await readShared();
      if (present(late)) {
        this.releaseLease(key, token).catch(() => this.stats.redisErrors++);
        return answer(late, 'cached');
      }
      value = await fetchFn();
    } catch (err) {
      this.releaseLease(key, token).catch(() => this.stats.redisErrors++); // else it expires by itself
      throw err;
    }
    const lease = this.leaseKey(key);
    try {
      const json = JSON.stringify(value ?? null);
      await this.#send(['EVAL', FINISH_SCRIPT, '2', lease, this.resultKey(key), token, json, String(Math.ceil(this.shareMs))], lease, 'finish');
    } catch {
      this.stats.redisErrors++; // followers fall back to readFn, then to the lease's expiry
    }
    return answer(value, 'leader');
  }

  /**
   * Takes `cost` tokens from the provider's fleet-wide bucket.
   * @param {string} provider
   * @param {{ratePerMin: number, burst?: number, cost?: number}} limits burst defaults to ratePerMin
   * @returns {Promise<{allowed: boolean, retryAfterMs: number, remaining: number, reason: 'ok'|'empty'|'paused', coordinated: boolean}>}
   */
  async takeToken(provider, { ratePerMin, burst = ratePerMin, cost = 1 } = {}) {
    if (typeof provider !== 'string' || provider === '' || !(ratePerMin > 0) || !(burst >= cost) || !(cost > 0)) {
      throw new StorageError('invalid_argument', `fleet takeToken: need a provider name, ratePerMin > 0 and burst >= cost > 0 (got ${provider}, ${ratePerMin}, ${burst}, ${cost})`, {
        store: 'redis',
        operation: 'fleet takeToken',
      });
    }
    const bucket = this.bucketKey(provider);
    let reply;
    try {
      reply = await this.#send(
        ['EVAL', TAKE_SCRIPT, '2', bucket, this.pauseKey(provider), String(ratePerMin / 60_000), String(burst), String(this.#now()), String(cost)],
        bucket,
        'takeToken',
      );
    } catch {
      this.stats.redisErrors++;
      return { allowed: true, retryAfterMs: 0, remaining: NaN, reason: 'ok', coordinated: false };
    }
    const [allowed, wait, milliTokens, paused] = reply.map(Number);
    if (allowed === 1) this.stats.tokensAllowed++;
    else this.stats.tokensDenied++;
    return {
      allowed: allowed === 1,
      retryAfterMs: wait,
      remaining: milliTokens / 1000,
      reason: paused === 1 ? 'paused' : allowed === 1 ? 'ok' : 'empty',
      coordinated: true,
    };
  }

  /** Pauses the provider for the fleet until now + retryAfterMs (never shortens a longer pause). */
  async pauseProvider(provider, retryAfterMs) {
    if (typeof provider !== 'string' || provider === '' || !(retryAfterMs > 0) || !Number.isFinite(retryAfterMs)) {
      throw new StorageError('invalid_argument', `fleet pauseProvider: need a provider name and retryAfterMs > 0 (got ${provider}, ${retryAfterMs})`, {
        store: 'redis',
        operation: 'fleet pause',
      });
    }
    const now = this.#now();
    const key = this.pauseKey(provider);
    const until = Number(await this.#send(['EVAL', PAUSE_SCRIPT, '1', key, String(Math.ceil(now + retryAfterMs)), String(now)], key, 'pause'));
    return Math.max(0, until - now);
  }

  /** Ms left of the provider's fleet-wide pause (0: not paused, or Redis unreachable). */
  async providerPause(provider) {
    const key = this.pauseKey(provider);
    try {
      const until = Number((await this.#send(['GET', key], key, 'pause')) ?? 0);
      return Math.max(0, until - this.#now());
    } catch {
      this.stats.redisErrors++;
      return 0;
    }
  }
}

function checkLease(key, leaseMs) {
  if (typeof key !== 'string' || key === '' || !(leaseMs >= 1) || !Number.isFinite(leaseMs)) {
    throw new StorageError('invalid_argument', `fleet lease: need a non-empty key and leaseMs >= 1 (got ${JSON.stringify(key)}, ${leaseMs})`, {
      store: 'redis',
      operation: 'fleet lease',
    });
  }
}
