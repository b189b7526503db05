// Turning documents and errors into HTTP responses, the same on every front: ETag / 304,
// Cache-Control from the remaining freshness, stale answers flagged, typed JSON errors, CORS for
// public routes only, bearer tokens compared in constant time.
import { LtlError } from '../index.js';
import { readAtMost } from '../storage/read-at-most.js';
import { retryAfterSeconds } from './documents.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const API_METHODS = 'GET, HEAD, OPTIONS';

export function jsonResponse(status, body, headers = {}) {
  return new Response(body, { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers } });
}

/** An error raised by a front itself, in the same shape as LtlError#toJSON(). */
export function frontError(status, { category = 'validation', operation = 'route', message }, headers = {}) {
  const error = { category, severity: status >= 500 ? 'high' : 'low', retryable: status === 429 || status === 503, provider: '', operation, message, upstream_status: 0 };
  return jsonResponse(status, JSON.stringify({ error }), headers);
}

/** A typed error as a response; `redact` masks configured secrets in its message. */
export function errorResponse(err, redact = (text) => text) {
  if (!(err instanceof LtlError)) {
    console.error('bitcoin-ltl: unexpected error', err);
    return frontError(500, { category: 'internal', message: 'Internal error' });
  }
  const status = err.httpStatus >= 400 && err.httpStatus <= 599 ? err.httpStatus : 500;
  const retryAfter = retryAfterSeconds(err);
  return jsonResponse(status, redact(JSON.stringify(err.toJSON())), retryAfter > 0 ? { 'retry-after': String(retryAfter) } : {});
}

/** True when an If-None-Match header names `etag` (weak comparison, lists and `*`). */
function notModified(request, etag) {
  const header = request.headers.get('if-none-match');
  if (!header || !etag) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/**
 * The response for a document at time `now`. A document served past its freshness (`stale`, or
 * its fresh_until passed) is flagged in the body with its age and `staleReason` (the typed error,
 * as JSON, that made a copy answer) and sent `no-store`; a fresh one gets max-age = seconds of
 * freshness left plus the kind's windows. `extra` headers (x-ltl-cache) are added.
 */
export function documentResponse(request, doc, now, { stale = false, staleReason = null, redact, extra = {} } = {}) {
  if (doc.status !== 200) {
    const headers = { ...extra };
    if (doc.retry_after_s > 0) headers['retry-after'] = String(doc.retry_after_s);
    return jsonResponse(doc.status, redact ? redact(doc.body) : doc.body, headers);
  }
  const ageSeconds = Math.max(0, Math.floor((now - doc.stored_at) / 1000));
  if (stale || !(doc.fresh_until > now)) {
    return jsonResponse(200, staleBody(doc, now, staleReason), { ...extra, age: String(ageSeconds) });
  }
  const headers = { ...extra, etag: doc.etag, 'cache-control': cacheControl(doc, now), age: String(ageSeconds) };
  if (notModified(request, doc.etag)) return new Response(null, { status: 304, headers });
  return jsonResponse(200, withAge(doc, now), headers);
}

// The body with its age_ms as of `now` (the digits the document located), without a parse.
function withAge(doc, now) {
  const span = doc.age_at;
  if (!Array.isArray(span)) return doc.body;
  const age = Math.max(0, now - doc.stored_at);
  return doc.body.slice(0, span[0]) + age + doc.body.slice(span[1]);
}

function cacheControl(doc, now) {
  const directives = ['public', `max-age=${Math.max(0, Math.floor((doc.fresh_until - now) / 1000))}`];
  const swr = Math.floor((doc.swr_until - doc.fresh_until) / 1000);
  const sie = Math.floor((doc.sie_until - doc.fresh_until) / 1000);
  if (swr >= 1) directives.push(`stale-while-revalidate=${swr}`);
  if (sie >= 1) directives.push(`stale-if-error=${sie}`);
  return directives.join(', ');
}

// A cached answer served past its freshness says so: stale, its age now, and why.
function staleBody(doc, now, reason) {
  const answer = JSON.parse(doc.body);
  if (answer.stale === true && !reason) return doc.body; // the core already flagged it
  answer.stale = true;
  answer.age_ms = Math.max(0, now - doc.stored_at);
  if (reason) answer.stale_reason = reason;
  return JSON.stringify(answer);
}

export function preflight() {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-methods': API_METHODS,
      'access-control-allow-headers': 'accept, content-type, if-none-match',
      'access-control-max-age': '86400',
    },
  });
}

/** Headers every response carries; CORS only for public routes; HEAD without a body. */
export function finish(response, { cors, isHead }) {
  // The fronts build their responses themselves (mutable headers): set in place, no second
  // Response per request. HEAD drops the body, which needs a new one.
  const out = isHead ? new Response(null, { status: response.status, headers: new Headers(response.headers) }) : response;
  const headers = out.headers;
  headers.set('x-content-type-options', 'nosniff');
  if (cors) {
    headers.set('access-control-allow-origin', '*');
    headers.set('access-control-expose-headers', 'retry-after, etag, age, x-ltl-cache');
  }
  return out;
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export async function bearerMatches(header, token) {
  const presented = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '')?.[1] ?? '';
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(token)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0 && presented !== '';
}

/** The body as text, or null when it exceeds `limit` bytes (read no further than that). */
export async function readBody(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return '';
  const bytes = await readAtMost(request.body, limit);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}
