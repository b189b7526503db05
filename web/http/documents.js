// Answer documents: what the process that runs the core (the coordinator Durable Object, a Node
// server) hands to the HTTP fronts. A document is a finished answer — status, serialised body,
// ETag and the freshness windows that say how long a front may serve it — never a promise, so a
// front can keep it in its memory tier or the Cache API and serve it to any later request.
//   { status, body, etag, stored_at, fresh_until, swr_until, sie_until, retry_after_s, negative }
// Times are unix ms; fresh_until 0 means "do not serve from a cache" (stale or partial answers).
import catalogue from '../../wasm/dist/catalogue.js';
import { LtlError } from '../index.js';
import { NETWORK_PARTS, ROUTE_KINDS } from './routes.js';

export const DEFAULT_NEGATIVE_CACHE_MS = 5000;
const MAX_NEGATIVE_ENTRIES = 256;
const DEFAULT_RETRY_AFTER_SECONDS = 5;

// Provenance that changes with every serve of the same data (how old it is now, which tier
// answered): left out of the ETag, which names the data version. Matched in the text, at every
// depth (the network summary's parts carry their own).
const VOLATILE_FIELDS = /"(?:age_ms":[0-9]+|cache":"[^"]*")/g;

// Kind name → the config keys of its windows, as the core names them.
const WINDOW_KEYS = new Map(catalogue.kinds.map((kind) => [kind.name, kind.config_keys]));

/**
 * A weak ETag of an answer's JSON text: SHA-256 (first 16 bytes, base64url) of the text without
 * the volatile provenance fields, so every serve of one stored answer revalidates to 304 although
 * its `age_ms` differs. No parse: the core's serialisation of one stored answer is stable.
 */
export async function etagOf(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text.replace(VOLATILE_FIELDS, '')));
  const bytes = new Uint8Array(digest, 0, 16);
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return `W/"${btoa(out).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`;
}

/**
 * Where the answer's own age_ms digits are in its body: [start, end), or null. The core appends
 * the serve-time fields last, so the last "age_ms" of a route's answer is its own; a front
 * rewrites those digits for each serve instead of parsing the body (responses.js).
 */
function ageSpan(body) {
  const at = body.lastIndexOf('"age_ms":');
  if (at < 0) return null;
  const start = at + '"age_ms":'.length;
  let end = start;
  while (end < body.length && body.charCodeAt(end) >= 48 && body.charCodeAt(end) <= 57) end++;
  return end > start ? [start, end] : null;
}

/** Until when an answer is fresh (unix ms); 0 for stale or partial answers, never cached. */
function freshUntil(route, answer) {
  if (route !== 'network') return answer.stale ? 0 : Number(answer.expires_at) || 0;
  if ((answer.failed_parts ?? []).length > 0) return 0;
  let until = Infinity;
  for (const part of NETWORK_PARTS) {
    const value = answer[part];
    if (!value || value.stale) return 0;
    until = Math.min(until, Number(value.expires_at));
  }
  return Number.isFinite(until) ? until : 0;
}

/** Seconds a client should wait after a failed request. */
export function retryAfterSeconds(err) {
  const hintMs = Number(err.retryAfterMs);
  if (Number.isFinite(hintMs) && hintMs > 0) return Math.ceil(hintMs / 1000);
  return err.retryable && (err.httpStatus === 429 || err.httpStatus === 503) ? DEFAULT_RETRY_AFTER_SECONDS : 0;
}

/** The document of a failed request (the error JSON, its status and Retry-After). */
export function errorDocument(err, now, negativeMs = 0) {
  const status = err.httpStatus >= 400 && err.httpStatus <= 599 ? err.httpStatus : 500;
  return {
    status,
    body: JSON.stringify(err.toJSON()),
    etag: null,
    stored_at: now,
    fresh_until: negativeMs > 0 ? now + negativeMs : 0,
    swr_until: 0,
    sie_until: 0,
    retry_after_s: retryAfterSeconds(err),
    negative: negativeMs > 0,
  };
}

/**
 * Turns the client's answers into documents, remembering failures for a few seconds (negative
 * caching) so a route whose providers all fail costs no upstream call and almost no CPU per
 * request during that window.
 */
export class AnswerSource {
  #client;
  #now;
  #negativeMs;
  #negative = new Map(); // key → error document, bounded
  #windows = null; // kind → { swrMs, staleIfErrorMs }, from the client's config

  /**
   * @param {object} client a bitcoin-ltl client
   * @param {{ negativeCacheMs?: number, now?: () => number }} [options]
   */
  constructor(client, { negativeCacheMs = DEFAULT_NEGATIVE_CACHE_MS, now = () => Date.now() } = {}) {
    this.#client = client;
    this.#now = now;
    this.#negativeMs = negativeCacheMs;
    client.on('config', () => {
      this.#windows = null; // windows may have changed
    });
  }

  get negativeEntries() {
    return this.#negative.size;
  }

  /** The document for one data request (key from routes.dataKey). Never rejects. */
  async document(route, params, key) {
    const cached = this.#negative.get(key);
    if (cached && cached.fresh_until > this.#now()) return { ...cached, negative_hit: true };
    try {
      // The core's text is the body as is; parsed once here for its freshness, never re-serialised.
      const body = await this.#client.requestText(route, params);
      const answer = JSON.parse(body);
      const now = this.#now();
      const fresh = freshUntil(route, answer);
      const windows = fresh > 0 ? await this.#windowsFor(ROUTE_KINDS.get(route)) : { swrMs: 0, staleIfErrorMs: 0 };
      this.#negative.delete(key);
      return {
        status: 200,
        body,
        etag: await etagOf(body),
        stored_at: Number(answer.fetched_at) || now,
        age_at: route === 'network' ? null : ageSpan(body),
        fresh_until: fresh,
        swr_until: fresh > 0 ? fresh + windows.swrMs : 0,
        sie_until: fresh > 0 ? fresh + windows.staleIfErrorMs : 0,
        retry_after_s: 0,
        negative: false,
      };
    } catch (err) {
      const error = err instanceof LtlError ? err : new LtlError({ category: 'internal', severity: 'high', operation: 'request', message: 'Internal error' });
      // Only failures of the upstreams are remembered: a bad parameter costs nothing upstream.
      const remember = error.category !== 'validation' && error.category !== 'config' && this.#negativeMs > 0;
      const doc = errorDocument(error, this.#now(), remember ? this.#negativeMs : 0);
      if (remember) this.#remember(key, doc);
      return doc;
    }
  }

  /** Forgets remembered failures (after an invalidation or a config change). */
  forgetFailures() {
    this.#negative.clear();
  }

  #remember(key, doc) {
    this.#negative.delete(key);
    if (this.#negative.size >= MAX_NEGATIVE_ENTRIES) this.#negative.delete(this.#negative.keys().next().value);
    this.#negative.set(key, doc);
  }

  async #windowsFor(kind) {
    const keys = WINDOW_KEYS.get(kind);
    if (!keys) return { swrMs: 0, staleIfErrorMs: 0 };
    this.#windows ??= await this.#client.config();
    return {
      swrMs: Number(this.#windows[keys.swr_ms]) || 0,
      staleIfErrorMs: Number(this.#windows[keys.stale_if_error_ms]) || 0,
    };
  }
}

/**
 * An operational read of a client by its route's op name (http/routes.js OPS_ROUTES): the same
 * for the coordinator, a single-isolate front and the Node server.
 */
export function clientOp(client, op, params = {}) {
  if (op === 'report') return client.report(params.window_ms !== undefined ? { windowMs: params.window_ms } : {});
  if (op === 'metricsText') return client.metricsText({ format: params.format ?? 'prometheus' });
  return client[op]();
}
