// Workers KV tier: global, eventually consistent (a write can take 60 s or more to show in other
// locations). Values are the envelope record as bytes; the KV metadata carries
// {v: format version, e: expiresAt (null = never), t: tags} so list(prefix) needs no value reads.
//
// KV limits we respect:
//   - expirationTtl must be >= 60 s: a shorter remaining life is clamped up to 60 s
//     (counted in ttlClamped). The record still carries the true expiresAt and every read checks
//     it, so a clamped entry is a miss after expiresAt, never served; it only occupies KV longer.
//   - 1 write per second per key: a put/remove within writeIntervalMs of the previous write to
//     that key is delayed until the interval has passed. Writes queued for one key coalesce, last
//     write wins: a superseded put resolves at once with {rawBytes: 0, storedBytes: 0} (nothing
//     was written for it). This instance reads its own queued writes (get, list), other locations
//     see them after the delay plus KV propagation. Timers come from options.timers; in a Worker,
//     pass options.waitUntil so the runtime keeps the isolate alive until a delayed write lands.
//   - key <= 512 bytes (including keyPrefix), value <= 25 MiB, metadata <= 1024 bytes (tags
//     that do not fit are refused with too_large, never truncated).
import { BaseStore } from './base.js';
import { ENVELOPE_VERSION, HEADER_BYTES, MAX_TAGS_BYTES, utf8Length } from './envelope.js';
import { StorageError } from './errors.js';

export const KV_MIN_TTL_SECONDS = 60;
export const KV_WRITE_INTERVAL_MS = 1000;
export const KV_MAX_KEY_BYTES = 512;
export const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024;
export const KV_MAX_METADATA_BYTES = 1024;
const KV_LIST_PAGE = 1000;

export class KvStore extends BaseStore {
  #namespace;
  #timers;
  #waitUntil;
  #pending = new Map(); // key → {op, timer}: the one queued write per key
  #readBarriers = new Map(); // key → settles when the latest put/remove is queued or has landed
  #lastWriteAt = new Map(); // key → unix ms of the last write sent; pruned past maxTrackedKeys

  /**
   * @param {object} options BaseStore options, plus:
   * @param {KVNamespace} options.namespace the KV binding
   * @param {string} [options.keyPrefix] prepended to every key (default "ltl:")
   * @param {number} [options.writeIntervalMs] least time between writes to one key (default 1000; KV's limit)
   * @param {number} [options.maxPendingWrites] keys with a delayed write at once (default 1000); more → rate_limited
   * @param {number} [options.maxTrackedKeys] keys whose last write time is remembered (default 10000)
   * @param {number} [options.cacheTtlSeconds] KV read cacheTtl (>= 60), omitted by default
   * @param {(promise: Promise<unknown>) => void} [options.waitUntil] keeps delayed writes alive (Workers ctx.waitUntil)
   * @param {{setTimeout: Function, clearTimeout: Function}} [options.timers] default the host's
   */
  constructor(options = {}) {
    const keyPrefix = options.keyPrefix ?? 'ltl:';
    // The value travels inside the record: leave room for the header and the largest tags.
    super('kv', options, {
      maxKeyBytes: KV_MAX_KEY_BYTES - utf8Length(keyPrefix),
      maxValueBytes: KV_MAX_VALUE_BYTES - HEADER_BYTES - MAX_TAGS_BYTES,
    });
    const namespace = options.namespace;
    if (!namespace || typeof namespace.get !== 'function' || typeof namespace.put !== 'function' || typeof namespace.list !== 'function') {
      throw new StorageError('invalid_argument', 'kv: options.namespace must be a KV namespace binding', { store: 'kv' });
    }
    this.#namespace = namespace;
    this.keyPrefix = keyPrefix;
    this.#timers = options.timers ?? globalThis;
    this.#waitUntil = typeof options.waitUntil === 'function' ? options.waitUntil : null;
    this.writeIntervalMs = Math.max(options.writeIntervalMs ?? KV_WRITE_INTERVAL_MS, 0);
    this.maxPendingWrites = options.maxPendingWrites ?? 1000;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 10_000;
    this.cacheTtlSeconds = options.cacheTtlSeconds;
    if (this.cacheTtlSeconds !== undefined && !(this.cacheTtlSeconds >= KV_MIN_TTL_SECONDS)) {
      throw new StorageError('invalid_argument', `kv: cacheTtlSeconds must be >= ${KV_MIN_TTL_SECONDS}`, { store: 'kv' });
    }
    Object.assign(this.counters, { ttlClamped: 0, delayedWrites: 0, coalescedWrites: 0, delayedWriteFailures: 0, droppedOnClose: 0 });
  }

  /** The expirationTtl (seconds) a write at `nowMs` uses for `expiresAt`; undefined = no expiry. */
  static expirationTtlFor(expiresAt, nowMs) {
    if (!Number.isFinite(expiresAt)) return undefined;
    return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((expiresAt - nowMs) / 1000));
  }

  async _read(key) {
    const pending = this.#pending.get(key);
    if (pending) return pending.op.kind === 'put' ? pending.op.record : null;
    const options = { type: 'arrayBuffer' };
    if (this.cacheTtlSeconds !== undefined) options.cacheTtl = this.cacheTtlSeconds;
    const value = await this.#namespace.get(this.keyPrefix + key, options);
    return value === null ? null : new Uint8Array(value);
  }

  // Reads answer from the write queue, so they wait for a put/remove of the key only until it is
  // queued (then they read the queue) or, when it was sent at once, until it has landed; never
  // for a write delayed by the rate limit.
  async _writesBeforeRead(key) {
    await (key === null ? Promise.all(this.#readBarriers.values()) : this.#readBarriers.get(key));
  }

  // Runs a write of `key` under a read barrier that `send` lifts as soon as the write is queued.
  #barrier(key, send) {
    let lift;
    const barrier = new Promise((resolve) => {
      lift = resolve;
    });
    this.#readBarriers.set(key, barrier);
    barrier.then(() => {
      if (this.#readBarriers.get(key) === barrier) this.#readBarriers.delete(key);
    });
    const written = send(lift);
    written.then(lift, lift);
    return written;
  }

  _write(key, encoding, entry) {
    return this.#barrier(key, (lift) => this.#encodeAndSubmit(key, encoding, entry, lift));
  }

  async #encodeAndSubmit(key, encoding, entry, lift) {
    const encoded = await encoding;
    if (!encoded) return { rawBytes: 0, storedBytes: 0 }; // superseded by a later put/remove of the key
    const metadata = { v: ENVELOPE_VERSION, e: Number.isFinite(entry.expiresAt) ? entry.expiresAt : null, t: entry.tags };
    const metadataBytes = utf8Length(JSON.stringify(metadata));
    if (metadataBytes > KV_MAX_METADATA_BYTES) {
      throw new StorageError('too_large', `kv put: tags make ${metadataBytes} bytes of metadata, KV allows ${KV_MAX_METADATA_BYTES}`, {
        store: this.name,
        operation: 'put',
      });
    }
    const landed = this.#submit(key, {
      kind: 'put',
      record: encoded.record,
      metadata,
      expiresAt: entry.expiresAt,
      outcome: { rawBytes: encoded.rawBytes, storedBytes: encoded.storedBytes + metadataBytes, savedBytes: encoded.savedBytes },
    });
    if (this.#pending.has(key)) lift();
    return landed;
  }

  _delete(key) {
    return this.#barrier(key, async (lift) => {
      const pending = this.#pending.get(key);
      // Started now, before anything queued after us can change the answer.
      const existed = pending?.op.kind === 'put' ? Promise.resolve(true) : this.#exists(key);
      existed.catch(() => {});
      const landed = this.#submit(key, { kind: 'delete' });
      if (this.#pending.has(key)) lift();
      await landed;
      return existed;
    });
  }

  // A bad record is deleted without waiting: under the 1 write/s limit the delete may be delayed,
  // and the read it came from answers a miss right away.
  _discard(key) {
    if (this.#pending.has(key)) return undefined; // a queued write replaces it
    const deleted = this.#submit(key, { kind: 'delete' });
    deleted.catch(() => {}); // a failed cleanup leaves a record every read rejects again
    return this.#pending.has(key) ? undefined : deleted;
  }

  async _list(prefix, limit) {
    const now = this.now();
    const found = new Map();
    let cursor;
    do {
      const page = await this.#namespace.list({
        prefix: this.keyPrefix + prefix,
        limit: Math.min(KV_LIST_PAGE, limit - found.size),
        ...(cursor ? { cursor } : {}),
      });
      for (const { name, metadata } of page.keys) {
        const key = name.slice(this.keyPrefix.length);
        const meta = metadata;
        if (!meta || typeof meta !== 'object' || meta.v !== ENVELOPE_VERSION || !Array.isArray(meta.t)) {
          // Not written by this format: unreadable as ours, so drop it like a corrupted record.
          if (meta && typeof meta === 'object' && typeof meta.v === 'number' && meta.v !== ENVELOPE_VERSION) this.counters.wrongVersion++;
          else this.counters.corrupt++;
          await this._discard(key);
          continue;
        }
        const expiresAt = meta.e === null ? Infinity : meta.e;
        if (typeof expiresAt !== 'number' || now >= expiresAt) continue; // KV's own TTL removes it
        found.set(key, { key, tags: meta.t.filter((tag) => typeof tag === 'string'), expiresAt });
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor && found.size < limit);
    // Our queued writes are newer than anything KV answers.
    for (const [key, { op }] of this.#pending) {
      if (!key.startsWith(prefix)) continue;
      if (op.kind === 'delete') found.delete(key);
      else found.set(key, { key, tags: [...op.metadata.t], expiresAt: op.expiresAt });
    }
    return [...found.values()];
  }

  async _close() {
    // Queued writes are dropped (it is a cache), and counted.
    for (const pending of this.#pending.values()) {
      this.#timers.clearTimeout(pending.timer);
      this.counters.droppedOnClose++;
    }
    this.#pending.clear();
  }

  _healthDetails() {
    return { pendingWrites: this.#pending.size, trackedKeys: this.#lastWriteAt.size };
  }

  async #exists(key) {
    const value = await this.#namespace.get(this.keyPrefix + key, { type: 'arrayBuffer' });
    return value !== null;
  }

  // Sends `op` now if the key's write interval has passed, else queues it (replacing a queued one).
  // A queued write is accepted at once: its caller's promise settles now, never from the flush
  // timer, which in Workers belongs to the request that armed it (a promise of one request must
  // not be settled from another's context). A delayed write that then fails is counted.
  #submit(key, op) {
    const accepted = Promise.resolve(op.kind === 'put' ? op.outcome : undefined);
    const pending = this.#pending.get(key);
    if (pending) {
      this.counters.coalescedWrites++;
      pending.op = op;
      return accepted;
    }
    const now = this.now();
    const last = this.#lastWriteAt.get(key) ?? -Infinity;
    if (now - last >= this.writeIntervalMs) {
      this.#noteWrite(key, now);
      return this.#apply(key, op);
    }
    if (this.#pending.size >= this.maxPendingWrites) {
      return Promise.reject(
        new StorageError('rate_limited', `kv: ${this.#pending.size} keys already wait for KV's 1 write/s/key limit`, {
          store: this.name,
          operation: op.kind,
        }),
      );
    }
    this.counters.delayedWrites++;
    const queued = { op, timer: undefined };
    this.#pending.set(key, queued);
    const landed = new Promise((done) => {
      queued.timer = this.#timers.setTimeout(() => this.#flushQueued(key).finally(done), last + this.writeIntervalMs - now);
    });
    this.#waitUntil?.(landed);
    return accepted;
  }

  async #flushQueued(key) {
    const queued = this.#pending.get(key);
    if (!queued) return;
    this.#pending.delete(key);
    this.#noteWrite(key, this.now());
    try {
      await this.#apply(key, queued.op);
    } catch {
      this.counters.delayedWriteFailures++;
    }
  }

  async #apply(key, op) {
    const name = this.keyPrefix + key;
    if (op.kind === 'delete') {
      await this.#namespace.delete(name);
      return undefined;
    }
    const now = this.now();
    if (now >= op.expiresAt) {
      // Expired while it waited: writing it would only store a miss.
      await this.#namespace.delete(name);
      return { rawBytes: 0, storedBytes: 0 };
    }
    const options = { metadata: op.metadata };
    const ttl = KvStore.expirationTtlFor(op.expiresAt, now);
    if (ttl !== undefined) {
      options.expirationTtl = ttl;
      if (Math.ceil((op.expiresAt - now) / 1000) < KV_MIN_TTL_SECONDS) this.counters.ttlClamped++;
    }
    await this.#namespace.put(name, op.record, options);
    return op.outcome;
  }

  #noteWrite(key, now) {
    this.#lastWriteAt.delete(key);
    this.#lastWriteAt.set(key, now);
    if (this.#lastWriteAt.size <= this.maxTrackedKeys) return;
    // Oldest first; a key written longer ago than the interval no longer needs remembering.
    for (const [tracked, at] of this.#lastWriteAt) {
      if (this.#lastWriteAt.size <= this.maxTrackedKeys) break;
      if (now - at < this.writeIntervalMs && this.#lastWriteAt.size <= this.maxTrackedKeys * 2) break;
      this.#lastWriteAt.delete(tracked);
    }
  }
}
